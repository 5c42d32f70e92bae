"""Retake docs/screenshots/web-*.png: an exported study in headless Chromium.

    .venv/bin/python tools/web_screenshot.py

Builds a small experiment in a temporary folder, exports round 0 with `hd-desktop web export`,
serves it with http.server and takes the study in Debian's chromium (tests/helpers/browser.py):
web-trial.png its third trial; web-waiting.png a trial whose voice has not started yet (its
answer buttons waiting); web-no-sound.png the page of a browser that plays no sound.
Then the same study in Japanese (the experiment's language set to ja): web-ja-<page>.png, one
per page a participant meets (consent to the end), and web-ja-declined.png, the end of a
participant who refused consent. web-screened.png and web-ja-screened.png: the end of a
participant whose headphone check failed (stopped before the trials), exported with a
screen-out link.

    .venv/bin/python tools/web_screenshot.py --screened    (only those two)
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from helpers import browser  # noqa: E402

from hd_desktop.design import DesignParams  # noqa: E402
from hd_desktop.lab import Lab  # noqa: E402
from hd_desktop.voice import load_space  # noqa: E402
from hd_desktop.voice.build import run  # noqa: E402
from hd_desktop.web.export import export_steps  # noqa: E402
from hd_desktop.web.study import StudySettings  # noqa: E402

SHOTS = ROOT / "docs" / "screenshots"
OUT = SHOTS / "web-trial.png"


class _Enough(Exception):
    pass


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        space = load_space(cache_dir=tmp / "space")
        lab = Lab(tmp / "exp", space)
        lab.create_round(DesignParams(n_anchors=5, m_neighbours=1, r_pairs=3, seed=4))
        run(export_steps(lab.experiment, space, StudySettings(round=0), tmp / "study"))
        lab.close()
        browser.learn_check(tmp / "exp", tmp / "study")
        trials = []

        def shot(kind, driver):
            if kind == "trial":
                trials.append(1)
                if len(trials) == 7:  # the third real trial, after the four practice voices
                    driver.save_screenshot(str(OUT))
                    raise _Enough

        page = "?PROLIFIC_PID=5f1c0a9e2b7d4c3e8a6f0b19"
        with browser.serve(tmp / "study") as (url, _), browser.chromium(tmp / "dl", 1100, 620) \
                as driver:
            try:
                browser.complete_study(driver, url + page, lambda sid: True, screenshot=shot)
            except _Enough:
                pass

        def waiting(kind, driver):
            if kind == "page" and "Practice" in driver.execute_script(
                    "return document.querySelector('.jspsych-content').innerText"):
                driver.execute_script("window.hdTestAudio.block()")
                browser.press(driver, browser.ENTER)
                browser.wait_for(driver, "(document.querySelector('.hd-trial .hd-status') || "
                                 "{innerText: ''}).innerText.includes('Waiting')", 10,
                                 "the waiting trial")
                driver.save_screenshot(str(SHOTS / "web-waiting.png"))
                raise _Enough

        with browser.serve(tmp / "study") as (url, _), \
                browser.chromium(tmp / "dl2", 1100, 620, sound="switchable") as driver:
            try:
                browser.complete_study(driver, url + page, lambda sid: True, screenshot=waiting)
            except _Enough:
                pass
        with browser.serve(tmp / "study") as (url, _), \
                browser.chromium(tmp / "dl3", 1100, 620, sound="silent") as driver:
            try:
                browser.complete_study(driver, url + page, lambda sid: True)
            except browser.NoSound:
                driver.save_screenshot(str(SHOTS / "web-no-sound.png"))
        lab = Lab(tmp / "exp", space)
        lab.set_settings(language="ja")
        run(export_steps(lab.experiment, space, StudySettings(round=0, break_every=8),
                         tmp / "study-ja"))
        lab.close()
        browser.learn_check(tmp / "exp", tmp / "study-ja")
        for path in _japanese(tmp / "study-ja", tmp, page):
            print(path)
    print("\n".join(str(SHOTS / n) for n in ("web-trial.png", "web-waiting.png", "web-no-sound.png")))


# the pages between others, in the order they come, then breaks
PAGES = ["headphone-intro", "headphone-done", "practice", "practice-done"]


def _japanese(study: Path, tmp: Path, page: str) -> list[Path]:
    written = []
    pages = iter(PAGES)

    def shot(kind, driver):
        name = next(pages, "break") if kind == "page" else kind
        path = SHOTS / f"web-ja-{name}.png"
        if name == "trial" and driver.execute_script(
                "return document.querySelector('.hd-trial').dataset.phase") != "trials":
            return
        if name in ("trial", "headphone", "break") and path in written:
            return
        driver.save_screenshot(str(path))
        written.append(path)

    with browser.serve(study) as (url, _), browser.chromium(tmp / "dl-ja", 1100, 860) as driver:
        browser.complete_study(driver, url + page, lambda sid: True, screenshot=shot,
                               questionnaire={"age_band": "30_39", "hearing_problems": "no",
                                              "output": "headphones",
                                              "native_language": "日本語"})

    def declined(kind, driver):
        if kind == "end":
            driver.save_screenshot(str(SHOTS / "web-ja-declined.png"))
            written.append(SHOTS / "web-ja-declined.png")

    with browser.serve(study) as (url, _), browser.chromium(tmp / "dl-ja2", 1100, 860) as driver:
        browser.complete_study(driver, url + "?PROLIFIC_PID=ja-declines", lambda sid: True,
                               screenshot=declined, consent=False)
    return written


def screened() -> list[Path]:
    """The end page of a participant the headphone check stopped, in English and Japanese."""
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        space = load_space(cache_dir=tmp / "space")
        for language in ("en", "ja"):
            lab = Lab(tmp / f"exp-{language}", space)
            lab.create_round(DesignParams(n_anchors=3, m_neighbours=1, r_pairs=2, seed=4))
            lab.set_settings(language=language)
            study = tmp / f"study-{language}"
            run(export_steps(lab.experiment, space, StudySettings(round=0), study,
                             screen_out_url="https://app.prolific.com/submissions/complete"
                                            "?cc=SCREENED1"))
            lab.close()
            browser.learn_check(tmp / f"exp-{language}", study)
            path = SHOTS / ("web-screened.png" if language == "en" else "web-ja-screened.png")

            def end(kind, driver, path=path):
                if kind == "end":
                    driver.save_screenshot(str(path))

            with browser.serve(study) as (url, _), \
                    browser.chromium(tmp / f"dl-{language}", 1100, 760) as driver:
                browser.complete_study(
                    driver, url + "?PROLIFIC_PID=5f1c0a9e2b7d4c3e8a6f0b19", lambda sid: True,
                    screenshot=end, questionnaire={"age_band": "30_39", "hearing_problems": "no",
                                                   "output": "loudspeakers",
                                                   "native_language": "English"},
                    headphone=lambda d, i: browser.right_check_answer(d, i) % 3 + 1)
            written.append(path)
    return written


if __name__ == "__main__":
    if sys.argv[1:] == ["--screened"]:
        print("\n".join(str(p) for p in screened()))
    else:
        main()
        print("\n".join(str(p) for p in screened()))
