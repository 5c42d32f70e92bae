"""Opening the real main window in tests."""

from __future__ import annotations

from hd_desktop.gui.main_window import MainWindow
from hd_desktop.settings import Settings


def open_window(qtbot, tmp_home, experiment: str = "exp", dims: int | None = None) -> MainWindow:
    """The app on an experiment under the test's own sessions folder, once its space is ready."""
    w = MainWindow(tmp_home / "sessions" / experiment, None, Settings(), dims=dims)
    qtbot.addWidget(w)
    w.show()
    with qtbot.waitSignal(w.spaceReady, timeout=60000):
        pass
    return w
