"""engine.py's timed rows on votes built once, so two commits can be timed on the same votes.

    .venv/bin/python benchmarks/update_times.py --build votes.pkl
    git worktree add /tmp/old COMMIT
    PYTHONPATH=/tmp/old .venv/bin/python benchmarks/update_times.py --time votes.pkl paper 4
    .venv/bin/python benchmarks/update_times.py --time votes.pkl paper 4 6

`--build` makes the votes of engine.py's rows with this checkout: the paper-size round (300
neighbours x 20 pairs, 105 listeners' votes) and the 3000 votes one curved listener gives over
the default plan's rounds in 4-D and 6-D (screening off in 6-D). `--time` runs one model update
on each (estimates, training, sampling; the default engine, 1000 chains x 10000 steps for the
paper row), with whatever `hd_desktop` is importable, in one process at 1 torch thread, and
prints wall and CPU seconds and a hash of the samples (equal hashes: the same samples to the
last bit). The budgets are for a slower machine than this one may be: time the commit a budget
was measured at beside the new one, in the same hour, and scale by the ratio
(docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import hashlib
import pickle
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))


def build(path: Path) -> None:
    from engine import PAPER_CHAINS, one_listener, paper_round, update_overrides

    from hd_desktop.engine.config import default_plan, engine_preset
    from hd_desktop.voice import load_space

    with tempfile.TemporaryDirectory() as cache:
        spaces = {k: load_space(cache_dir=cache, k=k).coords for k in (2, 4, 6)}
    # per row: (designs, votes, real voices, seed, round index, the default engine's overrides);
    # the overrides travel with the votes, so an older commit times what engine.py times
    design, votes = paper_round(spaces[2])
    rows = {"paper": ([design], votes, spaces[2], 0, 0, PAPER_CHAINS)}
    for k in (4, 6):
        config = engine_preset("default").with_overrides(**update_overrides(k))
        h = one_listener(spaces[k], rounds=default_plan(k).rounds, config=config)
        rows[str(k)] = (h.designs, h.votes, spaces[k], 1, len(h.designs), update_overrides(k))
    path.write_bytes(pickle.dumps(rows))
    print(f"votes written to {path}")


def time_rows(path: Path, rows: list[str]) -> None:
    import hd_desktop
    from hd_desktop.engine.config import engine_preset
    from hd_desktop.engine.rounds import all_estimates, fit_and_sample, run_to_end

    print(f"the engine of {Path(hd_desktop.__file__).parent.parent}; torch threads 1")
    data = pickle.loads(path.read_bytes())
    for row in rows:
        designs, votes, real, seed, where, overrides = data[row]
        config = engine_preset("default").with_overrides(**overrides)
        wall, cpu = time.perf_counter(), time.process_time()
        est = all_estimates(designs, votes, config)
        _, z, _, info = run_to_end(fit_and_sample(est, real, config, seed=seed, round_index=where))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"{row:>5}: {len(votes)} votes  training {info['train_s']:5.1f} s  sampling "
              f"{info['sample_s']:5.1f} s  total {wall:5.1f} s (CPU {cpu:5.1f} s)  samples "
              f"{hashlib.sha1(z.tobytes()).hexdigest()[:12]}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", type=Path, metavar="FILE")
    ap.add_argument("--time", type=Path, metavar="FILE")
    ap.add_argument("rows", nargs="*", default=["paper", "4", "6"], help="paper, 4, 6")
    args = ap.parse_args()
    torch.set_num_threads(1)
    if args.build:
        build(args.build)
    if args.time:
        time_rows(args.time, args.rows)


if __name__ == "__main__":
    main()
