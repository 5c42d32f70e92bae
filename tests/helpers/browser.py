"""A real headless Chromium on a study served from localhost: what an online participant runs.

Debian's /usr/bin/chromium with its chromedriver, driven by selenium (never its own browser
download: the driver path is given). Chromium's fake audio devices and autoplay flag let the
sounds play without a sound card or a user gesture; `chromium(sound="silent")` makes a browser
whose audio never starts, as a browser without an audio output (see SILENT_AUDIO).
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
import time
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


FIREFOX = Path("/usr/bin/firefox-esr")
FIREFOX_DRIVER = Path(__file__).with_name("firefox_study.cjs")
# where puppeteer-core is looked for, beside NODE_PATH: `npm install --prefix DIR puppeteer-core`
PUPPETEER_HOME = Path.home() / ".cache" / "hd-desktop" / "node_modules"


def _node_path() -> str:
    import os

    return os.pathsep.join(p for p in (os.environ.get("NODE_PATH", ""), str(PUPPETEER_HOME)) if p)


def firefox_available() -> str | None:
    """None when Firefox ESR can be driven here (firefox-esr, node, puppeteer-core), else why."""
    import os
    import subprocess

    if not FIREFOX.exists():
        return f"{FIREFOX} missing (apt install firefox-esr)"
    if shutil.which("node") is None:
        return "node missing"
    found = subprocess.run(["node", "-e", "require.resolve('puppeteer-core')"],
                           env={**os.environ, "NODE_PATH": _node_path()}, capture_output=True)
    if found.returncode != 0:
        return f"puppeteer-core not found (npm install --prefix {PUPPETEER_HOME.parent} puppeteer-core)"
    return None


def firefox_study(url: str, study_id: str, participant: str, timeout: float = 300) -> dict:
    """Takes the study at `url` in headless Firefox ESR (firefox_study.cjs: keys for the pages,
    F for every voice, the check's right answers if `learn_check` knows them); returns what the
    driver printed (see its header)."""
    import json
    import os
    import subprocess

    check = ",".join(str(a) for a in CHECK_KEYS.get(study_id, ()))
    done = subprocess.run(["node", str(FIREFOX_DRIVER), url, study_id, participant, check],
                          env={**os.environ, "NODE_PATH": _node_path()}, capture_output=True,
                          text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"firefox_study.cjs failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def available() -> str | None:
    """None when the browser can run here, else why not."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        return f"{', '.join(missing)} missing (apt install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e .[test])"
    return None


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the study folder; with `server.jatos_js` set, also plays JATOS's part: the study
    under /publix/<run>/, its jatos.js there, and result data POSTed to /submit kept."""

    def log_request(self, code="-", size="-"):  # keep the requests, not the console noise
        self.server.requests.append((self.path, int(getattr(code, "value", code))))

    def log_message(self, fmt, *args):
        pass

    def translate_path(self, path):
        if self.server.jatos_js is not None and path.startswith("/publix/"):
            path = "/" + path.split("/", 3)[3] if path.count("/") >= 3 else "/"
        return super().translate_path(path)

    def do_GET(self):
        if self.server.jatos_js is not None and self.path.split("?")[0].endswith("/jatos.js"):
            body = self.server.jatos_js.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/javascript")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def do_POST(self):
        data = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.posted.append((self.path, data.decode("utf-8")))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


@contextmanager
def serve(folder: Path, jatos_js: str | None = None, posted: list | None = None):
    """Python's http.server on 127.0.0.1 (a free port) serving `folder`; yields (url, requests),
    the requests as (path, status). With `jatos_js`, the study is also served under /publix/run1/
    with that jatos.js, and POSTs land in `posted` as (path, body)."""
    handler = functools.partial(_Handler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.requests = []
    server.jatos_js = jatos_js
    server.posted = posted if posted is not None else []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", server.requests
    finally:
        server.shutdown()
        server.server_close()


# Injected before any page script: every AudioContext the page makes is suspended by the page
# itself (so Chromium never resumes it on its own when a source starts), and resume() is a
# promise that never settles, as in a browser without an audio output: its clock stays at 0.
# `window.hdTestAudio.block()` / `.unblock()` switch that on and off for a page already running;
# `.clocks()` gives each context's [state, currentTime].
SILENT_AUDIO = """
(function () {
  const Real = window.AudioContext;
  const made = [];
  window.hdTestAudio = {
    blocked: %s,
    block() { this.blocked = true; made.forEach((c) => Real.prototype.suspend.call(c)); },
    unblock() { this.blocked = false; },
    clocks() { return made.map((c) => [c.state, c.currentTime]); },
  };
  window.AudioContext = class extends Real {
    constructor(options) {
      super(options);
      made.push(this);
      if (window.hdTestAudio.blocked) super.suspend();
    }
    resume() { return window.hdTestAudio.blocked ? new Promise(() => {}) : super.resume(); }
  };
})();
"""
SOUNDS = ("plays", "silent", "switchable")


@contextmanager
def chromium(downloads: Path, width: int = 1280, height: int = 900, sound: str = "plays"):
    """A headless Chromium that saves downloads into `downloads` and logs its network events.
    `sound`: "plays" (audio starts), "silent" (it never does: SILENT_AUDIO), "switchable"
    (it does until the test calls `window.hdTestAudio.block()`)."""
    assert sound in SOUNDS, sound
    import os

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")  # selenium-manager must never fetch a browser

    downloads.mkdir(parents=True, exist_ok=True)
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--autoplay-policy=no-user-gesture-required", "--use-fake-ui-for-media-stream",
                 "--use-fake-device-for-media-stream", f"--window-size={width},{height}",
                 "--no-first-run", "--disable-background-networking", "--disable-sync",
                 "--disable-component-update", "--disable-default-apps"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior",
                           {"behavior": "allow", "downloadPath": str(downloads)})
    if sound != "plays":
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {
            "source": SILENT_AUDIO % ("true" if sound == "silent" else "false")})
    try:
        yield driver
    finally:
        driver.quit()


def requested_urls(driver) -> list[str]:
    """Every URL the page asked the network for (Network.requestWillBeSent events)."""
    import json

    urls = []
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg.get("method") == "Network.requestWillBeSent":
            urls.append(msg["params"]["request"]["url"])
    return urls


def press(driver, key: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).send_keys(key).perform()


def wait_for(driver, script: str, timeout: float = 30.0, what: str = ""):
    """Poll a JavaScript expression until it is truthy; returns its value."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = driver.execute_script("return " + script)
        if value:
            return value
        time.sleep(0.05)
    raise TimeoutError(f"waited {timeout} s for {what or script}; page: "
                       f"{driver.find_element('tag name', 'body').text[:300]!r}")


def wait_for_file(folder: Path, pattern: str, timeout: float = 30.0) -> Path:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        done = [p for p in folder.glob(pattern) if not p.name.endswith(".crdownload")]
        if done:
            time.sleep(0.2)  # let the browser finish renaming
            return done[0]
        time.sleep(0.1)
    raise TimeoutError(f"no {pattern} in {folder} after {timeout} s")


def copy_folder(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


class NoSound(Exception):
    """The study says the browser is not playing sound (and takes no answer)."""


ENTER = "\ue007"
_NEXT = ("((document.getElementById('hd-csv') || document.getElementById('hd-saving')) "
         "&& 'end') || "
         "(document.getElementById('hd-no-sound') && 'no-sound') || "
         "(document.getElementById('hd-pid') && 'id') || "
         "(document.getElementById('hd-consent-agree') && 'consent') || "
         "(document.getElementById('hd-questionnaire') && 'questionnaire') || "
         "(document.querySelector('.hd-headphone[data-ready]') && 'headphone') || "
         "(document.querySelector('.jspsych-instructions-nav button') && 'instructions') || "
         "(document.getElementById('hd-play') && 'level') || "
         "(document.querySelector('.hd-trial') && !document.getElementById('hd-accept').disabled "
         "&& 'trial') || "
         "(document.querySelector('#jspsych-html-button-response-btngroup button') && 'page')")


QUESTIONNAIRE = {"age_band": "30_39", "hearing_problems": "no", "output": "headphones",
                 "native_language": "Japanese"}


# The right answers of each exported study's headphone check, by study id: the page does not
# know them (the key is kept in the experiment), so a test learns them from the experiment.
CHECK_KEYS: dict[str, list[int]] = {}


def learn_check(experiment_folder: Path, study_folder: Path) -> list[int]:
    """The right answers of the check of the study exported to `study_folder`, read from the
    experiment's key as the researcher holds it; `right_check_answer` answers with them."""
    import json

    from hd_desktop.audio import headphone
    from hd_desktop.store import Experiment

    manifest = json.loads((Path(study_folder) / "study.json").read_text(encoding="utf-8"))
    with Experiment.open(experiment_folder, create=False) as exp:
        key = exp.web_check_key(manifest["study_id"])
    answers = [t.answer for t in headphone.plan(manifest["headphone"]["test"], key["seed"])]
    CHECK_KEYS[manifest["study_id"]] = answers
    return answers


def right_check_answer(driver, index: int) -> int:
    """The answer the study expects on trial `index` of its headphone check (`learn_check`)."""
    study_id = driver.execute_script("return window.HD_STUDY.study_id")
    if study_id not in CHECK_KEYS:
        raise KeyError(f"study {study_id}: call browser.learn_check(experiment, study) first")
    return CHECK_KEYS[study_id][index]


def complete_study(driver, url: str, answer, *, replay=lambda stimulus_id: False,
                   typed_id: str | None = None, think_s: float = 0.1,
                   screenshot=None, **before) -> dict[tuple[str, int], dict]:
    """Take the study at `url` as a participant who answers by key presses.

    `answer(stimulus_id) -> bool` (True: natural, key F; False: J), `replay(stimulus_id)`: press
    Space once and wait for the second play before answering. Returns what was pressed, by
    (phase, trial index): stimulus id, answer, plays. `screenshot(kind, driver)` is called on
    each new page (e.g. to keep one trial's picture). Raises NoSound when the study says the
    browser plays no sound.
    """
    driver.get(url)
    return go_on_with_study(driver, answer, replay=replay, typed_id=typed_id, think_s=think_s,
                            screenshot=screenshot, **before)


def go_on_with_study(driver, answer, *, replay=lambda stimulus_id: False,
                     typed_id: str | None = None, think_s: float = 0.1,
                     screenshot=None, consent: bool = True, questionnaire: dict | None = None,
                     headphone=right_check_answer) -> dict[tuple[str, int], dict]:
    """complete_study from the page the browser shows now. Before the trials: `consent`
    (agree or refuse), `questionnaire` (answers by code; QUESTIONNAIRE by default),
    `headphone(driver, index) -> 1, 2 or 3` (the right answer by default)."""
    pressed: dict[tuple[str, int], dict] = {}
    while True:
        kind = wait_for(driver, _NEXT, 60, "the next page of the study")
        if screenshot:
            screenshot(kind, driver)
        if kind == "end":
            return pressed
        if kind == "no-sound":
            raise NoSound(driver.find_element("id", "hd-no-sound").text)
        if kind == "consent":
            driver.find_element("id", "hd-consent-agree" if consent else "hd-consent-decline").click()
            wait_for(driver, "!document.getElementById('hd-consent-agree')", 10, "consent to close")
        elif kind == "questionnaire":
            for name, code in (questionnaire or QUESTIONNAIRE).items():
                if name == "native_language":
                    driver.find_element("id", "hd-native").send_keys(code)
                else:
                    driver.find_element("css selector",
                                        f"input[name='{name}'][value='{code}']").click()
            driver.find_element("id", "hd-q-go").click()
            wait_for(driver, "!document.getElementById('hd-questionnaire')", 10,
                     "the questionnaire to close")
        elif kind == "headphone":
            index = int(driver.execute_script(
                "return document.querySelector('.hd-headphone').dataset.index"))
            press(driver, str(headphone(driver, index)))
            wait_for(driver, "!document.querySelector('.hd-headphone') || document.querySelector"
                     f"('.hd-headphone').dataset.index !== '{index}'", 10, "the next check trial")
        elif kind == "id":
            driver.find_element("id", "hd-pid").send_keys(typed_id + ENTER)
            wait_for(driver, "!document.getElementById('hd-pid')", 10, "the id page to close")
        elif kind == "instructions":
            press(driver, ENTER)
            wait_for(driver, "!document.querySelector('.jspsych-instructions-nav button')", 10)
        elif kind == "level":
            press(driver, " ")
            wait_for(driver, "!document.getElementById('hd-go').disabled || "
                     "document.getElementById('hd-no-sound')", 10, "the reference")
            if driver.execute_script("return document.getElementById('hd-go').disabled"):
                raise NoSound(driver.find_element("id", "hd-no-sound").text)
            press(driver, ENTER)
            wait_for(driver, "!document.getElementById('hd-play')", 10, "the level page to close")
        elif kind == "page":
            text = driver.execute_script(
                "return document.querySelector('.jspsych-content').innerText")
            press(driver, ENTER)
            wait_for(driver, "!document.querySelector('.jspsych-content') || document.querySelector"
                     f"('.jspsych-content').innerText !== {text!r}", 10, "the page to close")
        else:
            trial = driver.execute_script("return Object.assign({}, document.querySelector"
                                          "('.hd-trial').dataset)")
            key = (trial["phase"], int(trial["index"]))
            sid = trial["stimulus"]
            plays = 1
            if replay(sid):
                press(driver, "r" if key[1] % 2 else " ")
                wait_for(driver, "document.querySelector('.hd-trial').dataset.plays === '2'", 10,
                         "the replay")
                plays = 2
            time.sleep(think_s)
            accept = bool(answer(sid))
            press(driver, ("f" if key[1] % 3 else "\ue012") if accept else
                  ("j" if key[1] % 3 else "\ue014"))  # F/J, and the arrow keys now and then
            pressed[key] = {"stimulus_id": sid, "response": int(accept), "plays": plays}
            wait_for(driver, "!document.querySelector('.hd-trial') || document.querySelector"
                     f"('.hd-trial').dataset.stimulus !== {sid!r} || document.querySelector"
                     f"('.hd-trial').dataset.phase !== {key[0]!r}", 10, "the next trial")
