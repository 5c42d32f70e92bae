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
prints wall and CPU seconds. The budgets are for a slower machine than this one may be: time
the commit a budget was measured at beside the new one, in the same hour, and scale by the
ratio (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import pickle
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))


def build(path: Path) -> None:
    from engine import one_listener, paper_votes

    from hd_desktop.design import DesignParams, make_round
    from hd_desktop.engine.config import default_plan
    from hd_desktop.voice import load_space

    with tempfile.TemporaryDirectory() as cache:
        spaces = {k: load_space(cache_dir=cache, k=k).coords for k in (2, 4, 6)}
    real = spaces[2]
    anchors = real[np.random.default_rng(0).choice(len(real), 100)]
    anchors = anchors + 0.01 * np.random.default_rng(1).standard_normal(anchors.shape)
    design = make_round(anchors, DesignParams(n_anchors=100, m_neighbours=3, r_pairs=20))
    out = {"spaces": spaces, "paper": ([design], paper_votes(design, 105, 0))}
    for k in (4, 6):
        config = _config(k)
        h = one_listener(spaces[k], rounds=default_plan(k).rounds, config=config)
        out[k] = (h.designs, h.votes)
    path.write_bytes(pickle.dumps(out))
    print(f"votes written to {path}")


def _config(k: int):
    """engine.py's: the default engine, screening off in 6-D (the curved listener accepts 0.29
    of the real voices there and its screening answers fall below the threshold)."""
    from hd_desktop.engine.config import engine_preset

    return engine_preset("default").with_overrides(screen_threshold=0) if k == 6 \
        else engine_preset("default")


def time_rows(path: Path, rows: list[str]) -> None:
    import hd_desktop
    from hd_desktop.engine.config import engine_preset
    from hd_desktop.engine.rounds import all_estimates, fit_and_sample, run_to_end

    print(f"the engine of {Path(hd_desktop.__file__).parent.parent}; torch threads 1")
    data = pickle.loads(path.read_bytes())
    for row in rows:
        if row == "paper":
            (designs, votes), real, seed = data["paper"], data["spaces"][2], 0
            config = engine_preset("default").with_overrides(sampler_steps=10000, n_chains=1000)
            where = 0
        else:
            k = int(row)
            (designs, votes), real, seed = data[k], data["spaces"][k], 1
            config = _config(k)
            where = len(designs)
        wall, cpu = time.perf_counter(), time.process_time()
        est = all_estimates(designs, votes, config)
        _, _, _, info = run_to_end(fit_and_sample(est, real, config, seed=seed, round_index=where))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"{row:>5}: {len(votes)} votes  training {info['train_s']:5.1f} s  sampling "
              f"{info['sample_s']:5.1f} s  total {wall:5.1f} s (CPU {cpu:5.1f} s)", flush=True)


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
