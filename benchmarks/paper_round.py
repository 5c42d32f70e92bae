"""Quality of one paper-size round: how near p* the default engine's samples come when a panel
votes every stimulus of a round at the paper's size, with a chosen minibatch of voted stimuli.

    .venv/bin/python benchmarks/paper_round.py --listeners wide curved two-lobed zoo-13 zoo-19 \
        --vote-batch 2048 4096

One round of 100 real voices as anchors x 3 neighbours x 20 pairs (12 000 stimuli and more),
every stimulus voted by 105 simulated listeners (5% lapses), then one model update with the
default engine and engine.py's paper-size chains (1000 x 10 000 steps), for seeds 0-2. Prints
per listener, minibatch and seed the training seconds and fidelity_ratio, sample acceptance
against the target's, spread_ratio. `--vote-batch` sets training.VOTE_BATCH (the code before
7301c71 drew 4096 stimuli a step and used all of the prior's points: time it with that commit's
parent on PYTHONPATH). zoo-N names a zoo listener (12-23 held out).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))

from engine import PAPER_CHAINS, paper_votes  # noqa: E402

from hd_desktop.design import DesignParams, make_round  # noqa: E402
from hd_desktop.engine import training  # noqa: E402
from hd_desktop.engine.config import engine_preset  # noqa: E402
from hd_desktop.engine.listeners import BUILTIN  # noqa: E402
from hd_desktop.engine.metrics import evaluate  # noqa: E402
from hd_desktop.engine.rounds import all_estimates, fit_and_sample, run_to_end  # noqa: E402
from hd_desktop.engine.zoo import zoo_listener  # noqa: E402
from hd_desktop.voice import load_space  # noqa: E402


def listener(name: str):
    if name.startswith("zoo-"):
        return zoo_listener(int(name[4:]), seed=0, lapse=0.05)
    return BUILTIN[name](seed=0, lapse=0.05)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--listeners", nargs="+", default=["wide", "curved", "two-lobed"])
    ap.add_argument("--vote-batch", nargs="+", type=int, default=[training.VOTE_BATCH])
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    args = ap.parse_args()
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as cache:
        real = load_space(cache_dir=cache, k=2).coords
    anchors = real[np.random.default_rng(0).choice(len(real), 100)]
    design = make_round(anchors, DesignParams(n_anchors=100, m_neighbours=3, r_pairs=20))
    config = engine_preset("default").with_overrides(**PAPER_CHAINS)
    for name in args.listeners:
        lst = listener(name)
        est = all_estimates([design], paper_votes(design, 105, 0, lst), config)
        for batch in args.vote_batch:
            training.VOTE_BATCH = batch
            for seed in args.seeds:
                _, samples, _, info = run_to_end(fit_and_sample(est, real, config, seed=seed))
                m = evaluate(samples, real, lst.probability, seed=seed,
                             support=lst.support(real.shape[1]))
                print(f"{name:<10} vote batch {batch:>5} seed {seed}: training "
                      f"{info['train_s']:5.1f} s  fidelity {m['fidelity_ratio']:7.4f}  acceptance "
                      f"{m['acceptance_samples']:.3f} / target {m['acceptance_target']:.3f}  "
                      f"spread {m['spread_ratio']:.3f}", flush=True)


if __name__ == "__main__":
    main()
