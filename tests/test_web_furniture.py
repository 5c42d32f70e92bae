"""The online study's furniture (issue 23): the experiment's listener texts in the study's
language, consent, questionnaire and headphone check in headless Chromium, and their import as
listener records with the guarantees of votes (covered by the results' checksum; edited or
forged records refused, nothing changed; a second import adds nothing)."""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import re
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from helpers import browser
from helpers.experiments import scripted_answer

from hd_desktop.audio import headphone
from hd_desktop.design import DesignParams
from hd_desktop.design.stimulus import Role, Stimulus
from hd_desktop.errors import BadInputError
from hd_desktop.lab import Lab
from hd_desktop.session import texts as listener_texts
from hd_desktop.store import Experiment
from hd_desktop.voice import load_space
from hd_desktop.voice.build import run
from hd_desktop.web import results as web_results
from hd_desktop.web.export import export_steps
from hd_desktop.web.importing import import_results
from hd_desktop.web.study import StudySettings, headphone_seed

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(browser.available() is not None,
                                 reason=str(browser.available()))]
ANSWERS = {"age_band": "40_49", "hearing_problems": "no_answer", "output": "headphones",
           "native_language": "日本語"}


@dataclass
class Taken:
    csv: Path
    pages: dict[str, str]     # page kind -> its text, the first time it was shown


@dataclass
class World:
    tmp: Path
    pristine: Path
    study: Path
    manifest: dict
    agreed: Taken
    refused: Taken
    failed: Taken             # all six check answers wrong: stopped before the trials
    key: dict                 # the check's key, as the experiment keeps it

    def copy(self, name: str) -> Path:
        return Path(shutil.copytree(self.pristine, self.tmp / "copies" / name))


def _answer(stimulus_id: str) -> bool:
    role = Role.GOLD_REAL if "-real" in stimulus_id else Role.GOLD_FAR if "-far" in stimulus_id \
        else Role.NES_PLUS
    return scripted_answer(Stimulus(stimulus_id, 0, role, (0.0, 0.0), 0))


def _take(study: Path, downloads: Path, pid: str, **before) -> Taken:
    pages: dict[str, str] = {}

    def seen(kind, driver):
        if kind not in pages:
            pages[kind] = " ".join(driver.find_element("tag name", "body").text.split())

    with browser.serve(study) as (url, _), browser.chromium(downloads) as driver:
        browser.complete_study(driver, f"{url}?PROLIFIC_PID={pid}", _answer, screenshot=seen,
                               **before)
        found = browser.wait_for_file(downloads, "*.csv")
    return Taken(found, pages)


def _one_wrong(driver, index: int) -> int:
    right = browser.right_check_answer(driver, index)
    return right % 3 + 1 if index == 2 else right   # 5 of 6 right: passes (pass mark 4)


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    tmp = tmp_path_factory.mktemp("webfurn")
    space = load_space(cache_dir=tmp / "space")
    lab = Lab(tmp / "exp", space)
    lab.create_round(DesignParams(n_anchors=3, m_neighbours=1, r_pairs=2, gold_rate=0.2, seed=4))
    lab.set_settings(language="ja")   # the export's default: the experiment's language
    run(export_steps(lab.experiment, space, StudySettings(round=0, seed=3), tmp / "study"))
    lab.close()
    manifest = json.loads((tmp / "study" / "study.json").read_text())
    browser.learn_check(tmp / "exp", tmp / "study")
    with Experiment.open(tmp / "exp", create=False) as exp:
        key = exp.web_check_key(manifest["study_id"])
    pristine = Path(shutil.copytree(tmp / "exp", tmp / "pristine"))
    agreed = _take(tmp / "study", tmp / "dl-yes", "JA-1", questionnaire=ANSWERS,
                   headphone=_one_wrong)
    refused = _take(tmp / "study", tmp / "dl-no", "JA-no", consent=False)
    failed = _take(tmp / "study", tmp / "dl-fail", "JA-fail", questionnaire=ANSWERS,
                   headphone=lambda driver, i: browser.right_check_answer(driver, i) % 3 + 1)
    return World(tmp, pristine, tmp / "study", manifest, agreed, refused, failed, key)


def _plain(text: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split())


def _rows(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def _digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_japanese_study_shows_the_japanese_texts_and_records_their_checksum(world):
    ja = listener_texts.shipped("ja")
    assert world.manifest["texts"]["language"] == "ja"
    assert world.manifest["texts"]["strings"] == ja.strings
    pages = world.agreed.pages
    assert set(pages) >= {"consent", "questionnaire", "instructions", "level", "page",
                          "headphone", "trial", "end"}
    assert _plain(ja("consent.question")) in pages["consent"]
    assert _plain(ja("questionnaire.hearing")) in pages["questionnaire"]
    assert _plain(ja("instructions.continue")) in pages["instructions"]
    assert _plain(ja("level.play")) in pages["level"]
    assert _plain(ja("headphone.question.huggins")) in pages["headphone"]
    assert _plain(ja("trial.question")) in pages["trial"]
    assert _plain(ja("trial.accept")) in pages["trial"]
    assert "ありがとうございました" in pages["end"]
    english = listener_texts.shipped("en")
    for kind, text in pages.items():   # no English left on any page the participant saw
        for key in ("consent.question", "trial.question", "level.play", "instructions.continue",
                    "headphone.question.huggins", "web.end.csv_again", "web.progress"):
            assert _plain(english(key)) not in text, (kind, key)
    rows = _rows(world.agreed.csv)
    assert {r["hd_texts_sha256"] for r in rows} == {ja.sha256} == {world.manifest["texts"]["sha256"]}
    assert {r["hd_schema_version"] for r in rows} == {"2"}


def test_a_refused_consent_gives_no_votes_and_imports_as_a_refusal(world):
    rows = _rows(world.refused.csv)
    assert not [r for r in rows if r["hd_kind"] in ("vote", "headphone", "questionnaire")]
    assert "ありがとうございました" in world.refused.pages["end"]
    folder = world.copy("refused")
    report = import_results(folder, [world.refused.csv])
    assert report.ratings.new_votes == 0 and report.ratings.new_sessions == 0
    assert report.declined == ["JA-no"] and report.unfinished == [] and report.records == 1
    with Experiment.open(folder, create=False) as exp:
        assert exp.sessions() == [] and exp.votes(include_undone=True) == []
        [record] = exp.listener_records(listener="JA-no")
    decided = json.loads(next(r for r in rows if r["hd_kind"] == "consent")["hd_record"])
    assert record.kind.value == "consent" and record.data["given"] is False
    assert record.data["text_sha256"] == listener_texts.shipped("ja").sha256
    assert datetime.fromisoformat(record.recorded_at) == \
        datetime.fromisoformat(decided["decided_at"].replace("Z", "+00:00"))   # its time
    assert record.session_id is None
    again = import_results(folder, [world.refused.csv])
    assert again.records == 0


def test_questionnaire_and_headphone_answers_import_as_listener_records(world):
    folder = world.copy("agreed")
    report = import_results(folder, [world.agreed.csv])
    assert report.ratings.new_votes > 0 and report.records == 3 and report.declined == []
    with Experiment.open(folder, create=False) as exp:
        records = {r.kind.value: r for r in exp.listener_records(listener="JA-1")}
        trials = [s for s in exp.sessions() if s.listener == "JA-1" and s.kind.value == "trials"]
        assert set(records) == {"consent", "questionnaire", "headphone_check"}
        assert records["consent"].data["given"] is True
        assert {k: records["questionnaire"].data[k] for k in ANSWERS} == ANSWERS
        check = records["headphone_check"].data
        seed = world.key["seed"]          # judged on import against the experiment's key
        expected = [t.answer for t in headphone.plan("huggins", seed)]
        assert check["test"] == "huggins" and check["seed"] == seed
        assert check["expected"] == expected and check["n_trials"] == 6
        assert check["score"] == 5 and check["passed"] is True and check["answers"][2] != expected[2]
        assert {r.session_id for r in records.values()} == {trials[0].id}
        sha = trials[0].settings["texts_sha256"]   # the session names the texts it showed
        assert exp.texts(sha) == ("ja", listener_texts.shipped("ja").strings)
        from hd_desktop.lab.furniture import headphone_status
        assert headphone_status(exp)["JA-1"] == "passed"
        before = exp.listener_records()
    again = import_results(folder, [world.agreed.csv])
    assert again.records == 0 and again.ratings.new_votes == 0
    with Experiment.open(folder, create=False) as exp:
        assert exp.listener_records() == before


def _refused(world, name: str, text: str, match: str) -> None:
    folder = world.copy(name)
    path = world.tmp / "edited" / f"{name}.csv"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    before = _digest(folder)
    with pytest.raises(BadInputError, match=match):
        import_results(folder, [path])
    assert _digest(folder) == before


def _written(rows: list[dict]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), quoting=csv.QUOTE_ALL, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def _forged(rows: list[dict]) -> list[dict]:
    """The rows with their end record's checksum written again, as a forger who knows it would."""
    first, end = rows[0], rows[-1]
    meta = {k: first.get(k) for k in web_results._META}
    answers = [web_results._answer(r, "x", n) for n, r in enumerate(rows) if r["hd_kind"] == "vote"]
    records = [web_results.web_records.WebRecord(r["hd_kind"], json.loads(r["hd_record"]),
                                                 r["hd_record"])
               for r in rows if r["hd_kind"] in web_results.web_records.KINDS]
    end = dict(end, hd_digest=web_results.digest(
        meta, answers, web_results.web_records.digest_lines(first, records)))
    return rows[:-1] + [end]


def _with_record(rows: list[dict], kind: str, change) -> list[dict]:
    out = []
    for r in rows:
        r = dict(r)
        if r["hd_kind"] == kind:
            data = json.loads(r["hd_record"])
            change(data)
            r["hd_record"] = json.dumps(data, separators=(",", ":"))
        out.append(r)
    return out


def test_an_edited_or_forged_record_is_refused_and_nothing_changes(world):
    rows = _rows(world.agreed.csv)
    older = _with_record(rows, "questionnaire", lambda d: d.update(age_band="20_29"))
    _refused(world, "edited-age", _written(older), "edited after")
    right = [t.answer for t in headphone.plan("huggins", world.key["seed"])]
    passed = _with_record(rows, "headphone_check", lambda d: d.update(answers=right))
    _refused(world, "edited-check", _written(passed), "edited")
    gone = [r for r in rows if r["hd_kind"] != "questionnaire"]
    _refused(world, "dropped-record", _written(gone), "records, but")
    # forgeries with a checksum written again: refused by what the record must agree with
    lucky = _with_record(rows, "headphone_check", lambda d: d.update(passed=False))
    _refused(world, "forged-passed", _written(_forged(lucky)), "failed, but its answers score 5")
    code = _with_record(rows, "questionnaire", lambda d: d.update(output="phone"))
    _refused(world, "forged-code", _written(_forged(code)), "output")
    texts = _with_record(rows, "consent", lambda d: d.update(text_sha256="0" * 64))
    _refused(world, "forged-texts", _written(_forged(texts)), "text_sha256")
    # refused consent, then trials: not a participant the study lets through
    said_no = _with_record(rows, "consent", lambda d: d.update(given=False))
    _refused(world, "forged-refusal", _written(_forged(said_no)), "consent was refused")


def test_the_headphone_stimuli_written_are_those_of_the_key_the_experiment_keeps(world):
    check = world.manifest["headphone"]
    plan = headphone.plan(check["test"], world.key["seed"])
    for t, entry in zip(plan, check["trials"]):
        data = (world.study / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        samples, rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
        assert rate == headphone.RATE and samples.shape[1] == 2
        np.testing.assert_array_equal(samples, headphone.render_trial(check["test"], t,
                                                                      world.key["seed"]))


def test_no_served_file_names_the_check_s_right_answers(world):
    """The study folder (what is uploaded, what a participant can read) holds no key: no seed,
    no right answer or layout per trial, no file named by what it plays; the seed is not the
    one anyone can draw from the study id; what the page holds are salted digests of the
    passing answer sets, and they do pass the right answers and fail wrong ones."""
    seed, check = world.key["seed"], world.manifest["headphone"]
    right = [t.answer for t in headphone.plan(check["test"], seed)]
    assert seed != headphone_seed(world.manifest["study_id"])
    for name in ("seed", "expected", "answers", "layout"):
        assert name not in check
    assert all(set(t) == {"index", "file", "sha256"} for t in check["trials"])
    assert all(re.fullmatch(r"headphone/check-\d\.wav", t["file"]) for t in check["trials"])
    design = json.loads((world.study / "design.json").read_text())
    assert design["furniture"]["headphone"] == check
    clear = [",".join(map(str, right)), ", ".join(map(str, right)), "".join(map(str, right))]
    for path in world.study.rglob("*"):
        if path.suffix in (".js", ".json", ".html", ".txt", ".css"):
            text = path.read_text(encoding="utf-8")
            assert str(seed) not in text, path
            assert not any(c in text for c in clear[:2]), path
            assert not re.search(r'"(answer|expected|layout)"\s*:', text), path
            assert not re.search(r"\b(diotic|huggins-\d|softer|antiphase-\d)\b", text), path
    from hd_desktop.web.export import check_digest

    salt = check["salt"]
    assert check_digest(salt, right) in check["passing"]
    assert check_digest(salt, [a % 3 + 1 for a in right]) not in check["passing"]
    assert len(check["passing"]) == 73     # of 729: 4, 5 or 6 of 6 right (huggins)


def test_a_failed_check_ends_the_study_before_the_trials_and_imports_as_screened_out(
        world, capsys):
    ja = listener_texts.shipped("ja")
    pages = world.failed.pages
    assert "trial" not in pages and "headphone" in pages
    heading, body = ja("web.screened.body").split("</h2>")
    assert _plain(heading) in pages["end"] and _plain(body) in pages["end"]
    assert world.failed.csv.name in pages["end"]
    assert _plain(ja("headphone.done")) not in " ".join(pages.values())
    rows = _rows(world.failed.csv)
    assert not [r for r in rows if r["hd_kind"] == "vote"]
    [check] = [json.loads(r["hd_record"]) for r in rows if r["hd_kind"] == "headphone_check"]
    right = [t.answer for t in headphone.plan("huggins", world.key["seed"])]
    assert check["passed"] is False and check["answers"] == [a % 3 + 1 for a in right]
    assert len([r for r in rows if r["hd_kind"] == "headphone"]) == 6   # every answer kept
    folder = world.copy("failed")
    report = import_results(folder, [world.failed.csv])
    assert report.screened_out == ["JA-fail"] and report.unfinished == []
    assert report.ratings.new_votes == 0 and report.ratings.new_sessions == 0
    assert report.records == 3
    from hd_desktop.lab.furniture import headphone_status
    from hd_desktop.lab.online import import_words
    assert "Screened out by the headphone check" in import_words(report)
    assert "JA-fail" in import_words(report)
    with Experiment.open(folder, create=False) as exp:
        assert exp.sessions() == []
        [stored] = exp.listener_records(listener="JA-fail", kind="headphone_check")
        assert stored.data["passed"] is False and stored.data["score"] == 0
        assert stored.data["seed"] == world.key["seed"] and stored.data["expected"] == right
        assert headphone_status(exp)["JA-fail"] == "failed"
    assert import_results(folder, [world.failed.csv]).records == 0
    from hd_desktop.cli import main
    assert main(["import", str(world.copy("failed-cli")), str(world.failed.csv)]) == 0
    assert "screened out by the headphone check (stopped before the trials, their check " \
           "stored): JA-fail" in capsys.readouterr().out


def test_a_forged_pass_is_refused_against_the_key_the_experiment_keeps(world):
    """A participant who failed and rewrote their file (the checksum recomputed, as the public
    page does) to say they passed: refused, naming the file, and nothing changes."""
    right = [t.answer for t in headphone.plan("huggins", world.key["seed"])]
    wrong = [a % 3 + 1 for a in right]
    voted = _with_record(_rows(world.agreed.csv), "headphone_check",
                         lambda d: d.update(answers=wrong, passed=True))
    _refused(world, "claims-pass", _written(_forged(voted)),
             r"claims-pass\.csv: participant JA-1's headphone check says it passed, but its "
             r"answers score 0 of 6 against the study's key kept in .*pass mark 4")
    rows = _rows(world.failed.csv)    # stopped, then a pass claimed: no voice to go with it
    claim = _with_record(rows, "headphone_check", lambda d: d.update(passed=True))
    _refused(world, "stopped-claims-pass", _written(_forged(claim)), "stopped-claims-pass.csv: ")
    # what reading the page gave before: the seed drawn from the study id, its right answers,
    # all six "heard", the record made to agree (an import before this change took it)
    def public(d):
        d["seed"] = headphone_seed(world.manifest["study_id"])
        d["answers"] = [t.answer for t in headphone.plan(d["test"], d["seed"])]
        result = headphone.score(d["test"], d["seed"], d["answers"])
        d.update(expected=list(result.expected), score=result.score, passed=result.passed)
    _refused(world, "claims-public-seed", _written(_forged(_with_record(
        _rows(world.agreed.csv), "headphone_check", public))), "claims-public-seed.csv: .*never knew")
    # the check taken twice under one id (again in another browser): not merged by order
    again = world.tmp / "edited" / "again.csv"
    again.write_text(_written(_forged(_with_record(
        rows, "headphone_check", lambda d: d.update(answers=right[:1] + d["answers"][1:])))),
        encoding="utf-8")
    folder = world.copy("twice")
    before = _digest(folder)
    with pytest.raises(BadInputError, match="again.csv: participant JA-fail's headphone_check "
                                            "differs between the two files"):
        import_results(folder, [world.failed.csv, again])
    assert _digest(folder) == before


def test_results_of_schema_1_are_still_read(world):
    """A file from an export made before the furniture (no records, the old checksum)."""
    rows = _rows(world.agreed.csv)
    old = [dict(r, hd_schema_version="1") for r in rows
           if r["hd_kind"] not in web_results.web_records.KINDS]
    for r in old:
        r.pop("hd_record", None), r.pop("hd_texts_sha256", None), r.pop("hd_records", None)
    meta = {k: old[0].get(k) for k in web_results._META}
    answers = [web_results._answer(r, "x", n) for n, r in enumerate(old) if r["hd_kind"] == "vote"]
    old[-1]["hd_digest"] = web_results.digest(meta, answers)
    path = world.tmp / "old.csv"
    path.write_text(_written(old), encoding="utf-8")
    [p] = web_results.read_results(path)
    assert p.records == () and not p.declined and len(p.answers) == len(answers) > 0
    assert import_results(world.copy("old"), [path]).ratings.new_votes == len(answers)


def test_a_study_exported_before_the_key_was_kept_is_judged_with_its_public_seed(world):
    """An experiment without the key (its study exported by an earlier version, whose page
    named the seed and the answers): a check in that format is judged with the seed drawn from
    the study id; a check in today's format cannot be judged there and is refused, in words."""
    import sqlite3

    folder = world.copy("before-the-key")
    with sqlite3.connect(folder / "experiment.sqlite") as con:
        con.execute("DELETE FROM meta WHERE key LIKE 'web_check_key:%'")
    con.close()
    rows = _rows(world.agreed.csv)
    with pytest.raises(BadInputError, match="keeps none for study .*exported from"):
        import_results(folder, [world.agreed.csv])

    def old_page(d):
        d["seed"] = headphone_seed(world.manifest["study_id"])
        result = headphone.score(d["test"], d["seed"], d["answers"])
        d.update(expected=list(result.expected), score=result.score, passed=result.passed)
    path = world.tmp / "edited" / "old-page.csv"
    path.parent.mkdir(exist_ok=True)
    path.write_text(_written(_forged(_with_record(rows, "headphone_check", old_page))),
                    encoding="utf-8")
    report = import_results(folder, [path])
    assert report.ratings.new_votes > 0 and report.records == 3
    with Experiment.open(folder, create=False) as exp:
        [check] = exp.listener_records(listener="JA-1", kind="headphone_check")
        assert check.data["seed"] == headphone_seed(world.manifest["study_id"])
        assert "judged_by" not in check.data


# JATOS's side, as jatos.js documents it: the results sent, then the study ended (or ended with
# a redirect, as for Prolific's screen-out link), each call's arguments kept.
FAKE_JATOS = """
window.jatos = {
  urlQueryParameters: {PROLIFIC_PID: "JA-jatos-fail"},
  onLoad: function (callback) { setTimeout(callback, 0); },
  submitResultData: function (data) { return fetch("/submit", {method: "POST", body: data}); },
  endStudy: function () {
    return fetch("/end", {method: "POST", body: JSON.stringify(Array.from(arguments))}); },
  endStudyAndRedirect: function () {
    return fetch("/redirect", {method: "POST", body: JSON.stringify(Array.from(arguments))}); }
};
"""
SCREEN_OUT = "https://app.prolific.com/submissions/complete?cc=SCREENED1"


def _wait_for_post(posted: list, path: str, seconds: float = 20) -> None:
    """Until the page has posted to `path` on the stand-in JATOS (or `seconds` have passed)."""
    import time

    end = time.monotonic() + seconds
    while not any(p == path for p, _ in posted) and time.monotonic() < end:
        time.sleep(0.1)


def _jatos_study(world) -> dict:
    """The world's study exported again (the same study, the same key) with a screen-out link."""
    if not (world.tmp / "study-jatos").exists():
        space = load_space(cache_dir=world.tmp / "space")
        with Experiment.open(world.tmp / "exp", create=False) as exp:
            run(export_steps(exp, space, StudySettings(round=0, seed=3),
                             world.tmp / "study-jatos", screen_out_url=SCREEN_OUT))
    return json.loads((world.tmp / "study-jatos" / "study.json").read_text())


def test_under_jatos_a_failed_check_sends_the_check_and_ends_at_the_screen_out_link(world):
    """Exported with --screen-out-url: the page sends the results (the check in them), then
    ends the run unsuccessful, saying why, at Prolific's screen-out link; the import says the
    participant was screened out."""
    import zipfile

    study = _jatos_study(world)
    assert study["study_id"] == world.manifest["study_id"]   # the same study, the same key
    assert study["headphone"]["passing"] == world.manifest["headphone"]["passing"]
    posted: list = []
    with browser.serve(world.tmp / "study-jatos", jatos_js=FAKE_JATOS, posted=posted) as \
            (url, _), browser.chromium(world.tmp / "dl-jatos") as driver:
        browser.complete_study(driver, url + "publix/run1/", _answer, questionnaire=ANSWERS,
                               headphone=lambda d, i: browser.right_check_answer(d, i) % 3 + 1)
        _wait_for_post(posted, "/redirect")
    assert [p for p, _ in posted] == ["/submit", "/redirect"]
    assert json.loads(posted[1][1]) == [SCREEN_OUT, False, "screened out by the headphone check"]
    rows = json.loads(posted[0][1])
    assert not [r for r in rows if r.get("hd_kind") == "vote"]
    assert json.loads(next(r for r in rows if r.get("hd_kind") == "headphone_check")["hd_record"])[
        "passed"] is False
    archive = world.tmp / "jatos-screened.jrzip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("study_result_1/comp-result_1/data.txt", posted[0][1])
    report = import_results(world.copy("jatos-screened"), [archive])
    assert report.screened_out == ["JA-jatos-fail"] and report.ratings.new_votes == 0


def test_under_jatos_a_refused_consent_ends_unsuccessful_at_the_screen_out_link(world):
    """A participant who refuses consent took no part: the page sends the consent record, then
    ends the run unsuccessful ("declined consent") at the screen-out link, never as a completed
    run (which JATOS would send on to the completion address)."""
    assert _jatos_study(world)["screen_out_url"] == SCREEN_OUT
    posted: list = []
    refusing = FAKE_JATOS.replace("JA-jatos-fail", "JA-jatos-no")
    with browser.serve(world.tmp / "study-jatos", jatos_js=refusing, posted=posted) as \
            (url, _), browser.chromium(world.tmp / "dl-jatos-no") as driver:
        browser.complete_study(driver, url + "publix/run1/", _answer, consent=False)
        _wait_for_post(posted, "/redirect")
    assert [p for p, _ in posted] == ["/submit", "/redirect"]
    assert json.loads(posted[1][1]) == [SCREEN_OUT, False, "declined consent"]
    rows = json.loads(posted[0][1])
    assert not [r for r in rows if r.get("hd_kind") in ("vote", "headphone_check")]
    assert json.loads(next(r for r in rows if r.get("hd_kind") == "consent")["hd_record"])[
        "given"] is False
