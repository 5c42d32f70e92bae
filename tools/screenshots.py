"""Regenerate the screenshots in docs/screenshots/ from the real app in a real window.

    Xvfb :99 -screen 0 1280x900x24 &  DISPLAY=:99 .venv/bin/python tools/screenshots.py

Starts a private JACK dummy server for sound (so the app plays as it would on a lab machine),
opens the app on a scratch experiment, walks it to each screen and takes an X screenshot of the
window with ImageMagick's `import`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from hd_desktop.audio.jacktest import JackServer, use_server

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def snap(widget, name: str) -> None:
    widget.raise_()
    QApplication.processEvents()
    path = OUT / f"{name}.png"
    geo = widget.frameGeometry()
    subprocess.run(["import", "-window", "root", "-crop",
                    f"{geo.width()}x{geo.height()}+{geo.x()}+{geo.y()}", str(path)], check=True)
    print("wrote", path)


class Tour:
    """Each step runs after the previous one, with time for rendering and sound in between."""

    def __init__(self, app, steps, last=False):
        self.app, self.steps, self.last = app, list(steps), last

    def next(self, *_):
        if not self.steps:
            if self.last:
                self.app.quit()
            return
        delay, step = self.steps.pop(0)
        QTimer.singleShot(delay, lambda: (step(), self.next()))


def main() -> int:
    if "DISPLAY" not in os.environ:
        sys.exit("run under X (e.g. Xvfb) with DISPLAY set")
    jack = JackServer("hd-screenshots").start()
    use_server(jack.name)
    os.environ["HD_AUDIO_DEVICE"] = "JACK"
    tmp = tempfile.mkdtemp()
    os.environ["HD_SESSIONS_DIR"] = os.environ["HD_SETTINGS_DIR"] = tmp
    from hd_desktop.gui.main_window import MainWindow
    from hd_desktop.paths import experiment_dir
    from hd_desktop.settings import Settings

    app = QApplication(sys.argv[:1])
    w = MainWindow(experiment_dir("tour"), None, Settings())
    w.move(0, 0)
    w.show()
    OUT.mkdir(parents=True, exist_ok=True)
    state = {}

    def start_session():
        panel = w.experiment_panel
        # the steps before the trials have their own tour: tools/listener_screenshots.py
        w.lab.set_settings(consent=False, questionnaire=False, headphone_check="none")
        panel.create_button.click()
        panel.session_size.setValue(60)
        panel.start_button.click()
        sw = state["sw"] = w.session_window
        sw.move(0, 0)
        QTest.keyClicks(sw.listener_page.listener, "L01")
        QTest.keyClick(sw.listener_page.listener, Qt.Key.Key_Return)

    def vote_a_few():
        sw = state["sw"]
        QTest.keyClick(sw, Qt.Key.Key_Return)   # instructions
        QTest.keyClick(sw, Qt.Key.Key_Return)   # level
        for _ in range(7):                      # practice, then a few trials
            for _ in range(50):
                if sw.trial_page.accept.isEnabled():
                    break
                QTest.qWait(20)
            QTest.keyClick(sw, Qt.Key.Key_F)

    def learn():
        """Votes of a simulated listener over the whole round, then a model update."""
        from hd_desktop.engine.listeners import curved

        state["sw"].close()
        w.lab.simulated_session(curved(seed=1), 10_000, 1, "sim-curved")   # its end: an update

    def evaluate():
        w.tabs.setCurrentIndex(1)
        w.experiment_panel.eval_n.setValue(20)
        w.experiment_panel.autopilot_speed.setValue(0.0)
        w.experiment_panel.eval_auto_button.click()

    tour = Tour(app, [
        (0, lambda: w.play_point(1.2, -0.8)),
        (800, lambda: snap(w, "map")),
        (100, lambda: w.tabs.setCurrentIndex(1)),
        (300, lambda: snap(w, "experiment")),
        (100, start_session),
        (400, lambda: snap(state["sw"], "instructions")),
        (100, vote_a_few),
        (500, lambda: snap(state["sw"], "trial")),
        (100, learn),
    ])
    after_model = Tour(app, [
        (300, lambda: w.tabs.setCurrentIndex(2)),
        (500, lambda: snap(w, "engine")),
        (100, lambda: w.tabs.setCurrentIndex(0)),
        (800, lambda: snap(w, "learned-map")),
        (100, lambda: w.tabs.setCurrentIndex(3)),
        (500, lambda: snap(w, "preview")),
        (100, evaluate),
    ])
    after_eval = Tour(app, [
        (500, lambda: w.session_window.close()),
        (300, lambda: snap(w, "evaluation")),
    ], last=True)
    w.engine.resultReady.connect(lambda _: after_model.next())
    w.evaluationReady.connect(lambda _: after_eval.next())
    w.spaceReady.connect(tour.next)
    QTimer.singleShot(120000, app.quit)
    app.exec()
    w.close()
    use_server(None)
    jack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
