"""App start to a usable window (map shown, clickable), beside the 3 s budget of docs/design.md.

    .venv/bin/python benchmarks/app_start.py        # offscreen; set DISPLAY to use a real screen

Each run is a fresh process (the cost a user pays); the voice space is cached by a first run,
as on every start after the first.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

import numpy as np

CHILD = """
import sys, time
from PySide6.QtWidgets import QApplication
from hd_desktop.gui.main_window import MainWindow
from hd_desktop.paths import experiment_dir
from hd_desktop.settings import Settings
app = QApplication(sys.argv[:1])
w = MainWindow(experiment_dir("bench"), None, Settings())
w.spaceReady.connect(lambda _: (print("READY", time.time(), flush=True), app.quit()))
w.show()
app.exec()
"""


def one_start(env) -> float:
    t0 = time.time()
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True,
                         timeout=120)
    line = [ln for ln in out.stdout.splitlines() if ln.startswith("READY")]
    if not line:
        raise SystemExit(f"the app did not start:\n{out.stderr[-2000:]}")
    return float(line[0].split()[1]) - t0


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, HD_SESSIONS_DIR=tmp, HD_SETTINGS_DIR=tmp)
        if "DISPLAY" not in env:
            env["QT_QPA_PLATFORM"] = "offscreen"
        first = one_start(env)
        starts = np.array([one_start(env) for _ in range(5)])
    print(f"first start (builds the voice space): {first:.2f} s")
    print(f"start to usable window, cached space: median {np.median(starts):.2f} s, "
          f"max {starts.max():.2f} s  (budget 3 s, ratio {starts.max() / 3:.2f})")


if __name__ == "__main__":
    main()
