"""Screenshots of the listener mode on a two-screen workstation: docs/screenshots/listener-mode-*.png

    Xvfb :55 -screen 0 1280x800x24 -screen 1 1280x800x24 &
    DISPLAY=:55 .venv/bin/python tools/listener_mode_screenshots.py

Qt sees the two X screens as two screens. The app opens on the first (the researcher's) with a
learned map; a session then fills the second, the researcher clicks the map during a trial and
the status bar says why nothing played. Each screen is captured whole (its X root window,
through QScreen.grabWindow).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from hd_desktop.audio.jacktest import JackServer, use_server

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def capture(screen: int, name: str) -> None:
    QApplication.processEvents()
    path = OUT / f"{name}.png"
    if not QApplication.screens()[screen].grabWindow(0).save(str(path)):
        sys.exit(f"could not write {path}")
    print("wrote", path)


def main() -> int:
    if "DISPLAY" not in os.environ:
        sys.exit("run under X with two screens (see the docstring)")
    jack = JackServer("hd-listener-shots").start()
    use_server(jack.name)
    os.environ["HD_AUDIO_DEVICE"] = "JACK"
    tmp = tempfile.mkdtemp()
    os.environ["HD_SESSIONS_DIR"] = os.environ["HD_SETTINGS_DIR"] = tmp
    from hd_desktop.design import DesignParams
    from hd_desktop.engine.config import EngineConfig
    from hd_desktop.engine.listeners import wide
    from hd_desktop.gui.main_window import MainWindow
    from hd_desktop.lab import engine_job
    from hd_desktop.paths import experiment_dir
    from hd_desktop.settings import Settings
    from hd_desktop.voice.build import run

    from hd_desktop.lab import Lab
    from hd_desktop.voice import load_space

    app = QApplication(sys.argv[:1])
    if len(app.screens()) < 2:
        sys.exit(f"Qt sees {len(app.screens())} screen(s); start X with two (see the docstring)")
    folder = experiment_dir("listener-mode")
    # a pilot's votes and a model first, before any sound plays (training holds the GIL)
    lab = Lab(folder, load_space(cache_dir=folder / "space"))
    lab.set_settings(auto_update=False)
    lab.create_round(DesignParams(n_anchors=20, m_neighbours=2, r_pairs=3, gold_rate=0.1, seed=1))
    lab.simulated_session(wide(seed=3), size=10_000, seed=3, listener_id="pilot")
    snap = lab.engine_snapshot(EngineConfig(train_steps=400, n_chains=300, sampler_steps=400),
                               seed=1)
    lab.save_engine_result(run(engine_job(snap)), snap)
    lab.close()
    w = MainWindow(folder, None, Settings())
    w.setGeometry(app.screens()[0].availableGeometry())
    w.show()
    OUT.mkdir(parents=True, exist_ok=True)

    def space_ready(_):
        w.start_session(size=60, seed=2)
        sw = w.session_window
        QTest.keyClicks(sw.listener_page.listener, "L01")
        QTest.keyClick(sw.listener_page.listener, Qt.Key.Key_Return)
        QTest.keyClick(sw, Qt.Key.Key_Return)
        QTest.keyClick(sw, Qt.Key.Key_Return)
        QTimer.singleShot(1500, click_map)

    def click_map():
        w.play_point(1.0, -0.5)        # the researcher clicks the map during the practice
        QTimer.singleShot(500, shots)

    def shots():
        capture(1, "listener-mode-listener")
        capture(0, "listener-mode-researcher")
        w.session_window.close()
        w.close()
        app.quit()

    w.spaceReady.connect(space_ready)
    code = app.exec()
    jack.stop()
    return code


if __name__ == "__main__":
    sys.exit(main())
