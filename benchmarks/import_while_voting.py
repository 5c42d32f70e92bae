"""Vote -> next voice while a 100k-row rating file is imported, beside the 20 ms budget.

    .venv/bin/python benchmarks/import_while_voting.py [--rows 100000] [--mode process|thread]

A scratch experiment with a designed round (6000 NES stimuli + gold) and a listener's session.
The listener votes through the real SessionFlow (each vote a durable commit, synchronous=FULL);
"vote -> next voice" is the time from the key press until `vote` has returned and the next
trial is current: its audio is rendered ahead by the prefetcher, so this is the part an import
can delay. Measured first with nothing else running, then while `hd-desktop import` merges a
100k-row file from another workstation (mode process: the command in a second process, as in a
terminal beside the app; mode thread: on a worker thread of the same process, as the app's
import would run). The listener answers every 10 ms, denser than a person (about 1.5 s), so the
figures sample the whole import.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from helpers.bigfile import designed, write_big_file  # noqa: E402

from hd_desktop.session import FlowSettings, Phase, SessionFlow  # noqa: E402
from hd_desktop.store import Experiment, import_rating_files  # noqa: E402

BUDGET_MS = 20.0
NO_BREAKS = FlowSettings(break_every_trials=10**9, break_every_minutes=1e9)


def listener_flow(exp: Experiment) -> SessionFlow:
    trials = [s for s in exp.stimuli(round=0)][:3000]
    flow = SessionFlow(exp, trials, order_seed=1, settings=NO_BREAKS)
    flow.set_listener("L-bench")
    flow.instructions_read()
    flow.level_checked("bench", 0.0)
    return flow


def vote_until(flow: SessionFlow, done, pace_s: float = 0.01) -> list[float]:
    """Vote every `pace_s` until done() is true; returns each vote's milliseconds."""
    out = []
    while not done() and flow.phase == Phase.TRIALS:
        flow.sound_started()
        time.sleep(pace_s)
        t = time.perf_counter()
        flow.vote(len(out) % 3 != 0)
        assert flow.current is not None or flow.phase != Phase.TRIALS
        out.append((time.perf_counter() - t) * 1000)
    return out


def summary(label: str, ms: list[float]) -> str:
    a = np.array(ms)
    p50, p95, worst = np.percentile(a, 50), np.percentile(a, 95), a.max()
    verdict = "meets" if p95 < BUDGET_MS else "MISSES"
    return (f"{label:<34} {len(a):5d} votes  p50 {p50:6.2f}  p95 {p95:6.2f}  max {worst:7.2f} ms"
            f"   ({verdict} the {BUDGET_MS:.0f} ms budget at p95)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--mode", choices=("process", "thread"), default="process")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="hd-import-bench-"))
    exp = designed(root / "exp")
    t = time.perf_counter()
    csv_path = write_big_file(exp, args.rows, root / "incoming")
    print(f"rating file: {args.rows} rows written in {time.perf_counter() - t:.1f} s")
    flow = listener_flow(exp)
    deadline = time.perf_counter() + 3.0
    alone = vote_until(flow, lambda: time.perf_counter() > deadline)
    print(summary("vote -> next voice, no import", alone))

    if args.mode == "process":
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "hd_desktop.cli", "import",
                                 str(root / "exp"), str(csv_path)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        during = vote_until(flow, lambda: proc.poll() is not None)
        out, err = proc.communicate()
        took = time.perf_counter() - started
        if proc.returncode != 0:
            raise SystemExit(f"import failed: {err.strip()}")
    else:
        result: dict = {}

        def work() -> None:
            result["report"] = import_rating_files(root / "exp", [csv_path])

        worker = threading.Thread(target=work)
        started = time.perf_counter()
        worker.start()
        during = vote_until(flow, lambda: not worker.is_alive())
        worker.join()
        took = time.perf_counter() - started
    print(summary(f"vote -> next voice, import ({args.mode})", during))
    with Experiment.open(root / "exp", create=False) as check:
        stored = len(check.votes(session_id=flow.session_id))
        imported = len(check.votes()) - stored
    print(f"import of {args.rows} rows took {took:.1f} s; {imported} votes imported; "
          f"listener votes stored {stored} of {len(alone) + len(during)}")
    exp.close()


if __name__ == "__main__":
    main()
