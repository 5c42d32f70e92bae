"""The GUI while the engine trains: longest event-loop stall, and the app's peak memory.

    .venv/bin/python benchmarks/gui_engine.py [--preset default|paper]

Opens the real main window (offscreen unless DISPLAY is set), stores one simulated listener's
votes on a lab-hour round, then runs a model update in the background as the app does after a
session block, while a 5 ms QTimer measures how late the event loop serves it. Budgets
(docs/design.md 5): event loop blocked under 50 ms; app peak memory under 1.5 GB.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time

if "DISPLAY" not in os.environ:
    os.environ["QT_QPA_PLATFORM"] = "offscreen"

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="default")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp()
    os.environ["HD_SESSIONS_DIR"] = os.environ["HD_SETTINGS_DIR"] = tmp
    from hd_desktop.design import preset
    from hd_desktop.engine.listeners import wide
    from hd_desktop.gui.main_window import MainWindow
    from hd_desktop.paths import experiment_dir
    from hd_desktop.settings import Settings

    app = QApplication([])
    w = MainWindow(experiment_dir("bench"), None, Settings())
    w.show()
    state = {"gaps": [], "last": None, "training": False, "done": False, "t": 0.0}

    def tick():
        now = time.perf_counter()
        if state["training"] and state["last"] is not None:
            state["gaps"].append(now - state["last"])
            if now - state["last"] > 0.04:
                print(f"  stall {1000 * (now - state['last']):.0f} ms at "
                      f"{now - state['t']:.2f} s into the update")
        state["last"] = now

    def ready(_):
        w.lab.create_round(preset("lab-hour"))
        w.lab.set_settings(engine_preset=args.preset, auto_update=False)
        w.lab.simulated_session(wide(seed=1), 10_000, 1, "sim")
        w.engine_panel.refresh()
        w.engine.update()
        # measure from here: the set-up above ran on the GUI thread on purpose
        state["training"], state["t"], state["last"] = True, time.perf_counter(), None

    def finished(result):
        state["training"], state["done"] = False, True
        state["t"] = time.perf_counter() - state["t"]
        state["result"] = result
        QTimer.singleShot(200, app.quit)

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(5)
    w.spaceReady.connect(ready)
    w.engine.resultReady.connect(finished)
    w.engine.failed.connect(lambda m: (print("failed:", m), app.quit()))
    QTimer.singleShot(600_000, app.quit)
    app.exec()
    if not state["done"]:
        raise SystemExit("the engine update did not finish")
    gaps = (np.array(state["gaps"]) - 0.005) * 1000
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    r = state["result"]
    print(f"engine preset {args.preset}: update of round 0 from {r.votes_used} votes took "
          f"{state['t']:.1f} s (train {r.timings.get('train_s', 0):.1f} s, "
          f"sample {r.timings.get('sample_s', 0):.1f} s)")
    print(f"GUI event loop blocked while training: max {gaps.max():.1f} ms, p99 "
          f"{np.percentile(gaps, 99):.1f} ms over {len(gaps)} ticks  (budget 50 ms, ratio "
          f"{gaps.max() / 50:.2f})")
    print(f"app peak memory (max RSS): {peak_mb:.0f} MB  (budget 1536 MB, ratio {peak_mb / 1536:.2f})")
    w.close()


if __name__ == "__main__":
    main()
