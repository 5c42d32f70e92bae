"""Starting the app: one QApplication, the main window on the chosen experiment and corpus."""

from __future__ import annotations

import sys
from pathlib import Path

from hd_desktop.paths import experiment_dir


def run_app(experiment: str | None = None, corpus: str | None = None,
            dims: int | None = None) -> int:
    import os

    from hd_desktop.lab.startup import start_problem

    problem = start_problem(dims, corpus, os.environ)    # checked before any window opens
    if problem is not None:
        print(problem, file=sys.stderr)
        return 2
    from PySide6.QtWidgets import QApplication

    from hd_desktop.gui.main_window import MainWindow
    from hd_desktop.settings import load_settings

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("hd-desktop")
    settings, note = load_settings()
    window = MainWindow(experiment_dir(experiment), Path(corpus) if corpus else None, settings, note,
                        dims=dims)
    window.show()
    return app.exec()
