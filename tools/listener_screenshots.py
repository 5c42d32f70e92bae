"""Screenshots of every page a listener sees, in one language, from the real listener window.

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python tools/listener_screenshots.py ja

Writes docs/screenshots/<language>-<page>.png: id, consent, declined, questionnaire,
instructions, level, headphone intro / trial / done, practice, trial, break, paused, end.
Sound goes to a private JACK dummy server, so every page plays as it would in the lab.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from hd_desktop.audio.jacktest import JackServer, use_server

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
ANSWERS = {"age_band": "20_29", "hearing_problems": "no", "output": "headphones"}


def settle(seconds: float) -> None:
    import time

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        time.sleep(0.02)
        QApplication.processEvents()


def wait_until(condition, ms: int = 20000) -> None:
    """Sleep (GIL released) between event rounds: QTest.qWait under X keeps the GIL so busy that
    the audio callback, which needs it every period, falls minutes behind."""
    import time

    waited = 0
    while not condition():
        if waited > ms:
            raise TimeoutError("the page did not get there")
        time.sleep(0.02)
        QApplication.processEvents()
        waited += 20


def main(language: str) -> int:
    if "DISPLAY" not in os.environ and os.environ.get("QT_QPA_PLATFORM") != "offscreen":
        sys.exit("run under X (e.g. xvfb-run) with DISPLAY set")
    jack = JackServer(f"hd-listener-shots-{os.getpid()}").start()
    use_server(jack.name)
    try:
        return tour(language, jack)
    finally:
        use_server(None)
        jack.stop()


def tour(language: str, jack) -> int:
    os.environ["HD_AUDIO_DEVICE"] = "JACK"
    app = QApplication(sys.argv[:1])
    from hd_desktop.design import DesignParams
    from hd_desktop.gui.audio_output import AudioOutput
    from hd_desktop.gui.session_window import SessionWindow
    from hd_desktop.lab import Lab
    from hd_desktop.session.states import FlowSettings
    from hd_desktop.voice import load_space

    from hd_desktop.voice.render_pool import RenderPool

    space = load_space()
    pool = RenderPool(space)
    lab = Lab(Path(tempfile.mkdtemp()) / "exp", space)
    lab.set_settings(auto_update=False, language=language, headphone_check="huggins")
    lab.create_round(DesignParams(n_anchors=3, m_neighbours=1, r_pairs=2, gold_rate=0.2, seed=5))
    audio = AudioOutput()
    assert audio.open(None), audio.problem
    OUT.mkdir(parents=True, exist_ok=True)

    def window(listener):
        flow = lab.new_session(size=8, seed=3, settings=FlowSettings(break_every_trials=3))
        w = SessionWindow(flow, space, audio, renderer=pool)   # as the app: WORLD off the GIL
        w.resize(1000, 720)
        w.show()
        QTest.keyClicks(w.listener_page.listener, listener)
        return w

    def snap(w, name):
        settle(0.15)
        path = OUT / f"{language}-{name}.png"
        w.grab().save(str(path))
        print("wrote", path)

    w = window("L02")
    snap(w, "id")
    QTest.keyClick(w.listener_page.listener, Qt.Key.Key_Return)
    w.consent_page.decline.click()
    snap(w, "declined")
    w.close()

    w = window("L01")
    QTest.keyClick(w.listener_page.listener, Qt.Key.Key_Return)
    snap(w, "consent")
    w.consent_page.agree.click()
    for name, code in ANSWERS.items():
        w.questionnaire_page.choose(name, code)
    w.questionnaire_page.native_language.setText("日本語" if language == "ja" else "English")
    snap(w, "questionnaire")
    w.questionnaire_page.go.click()
    snap(w, "instructions")
    QTest.keyClick(w, Qt.Key.Key_Return)
    w._play_reference()
    snap(w, "level")
    QTest.keyClick(w, Qt.Key.Key_Return)
    page = w.headphone_page
    snap(w, "headphone-intro")
    QTest.keyClick(w, Qt.Key.Key_Return)
    for n in range(6):
        wait_until(lambda: page.ready)
        if n == 0:
            snap(w, "headphone-trial")
        page.answer(1)
    snap(w, "headphone-done")
    QTest.keyClick(w, Qt.Key.Key_Return)
    for n in range(4 + 3):                         # practice, then trials up to the break
        wait_until(w.trial_page.accept.isEnabled)
        if n == 0:
            snap(w, "practice")
        if n == 5:
            snap(w, "trial")
        QTest.keyClick(w, Qt.Key.Key_F)
    snap(w, "break")
    QTest.keyClick(w, Qt.Key.Key_Return)
    wait_until(w.trial_page.accept.isEnabled)
    QTest.keyClick(w, Qt.Key.Key_P)
    snap(w, "paused")
    QTest.keyClick(w, Qt.Key.Key_Return)
    while w.summary is None:                     # the rest, with the breaks they bring
        if w.flow.phase.value == "break":
            QTest.keyClick(w, Qt.Key.Key_Return)
        wait_until(w.trial_page.accept.isEnabled)
        QTest.keyClick(w, Qt.Key.Key_J)
    snap(w, "end")
    w.close()
    audio.close()
    pool.close()
    lab.close()
    app.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "ja"))
