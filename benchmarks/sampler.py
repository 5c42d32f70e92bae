"""Sampler benchmark: why the chains need guards. Round 0 on the wide listener, then Langevin with
and without them.

    .venv/bin/python benchmarks/sampler.py

Prints, per variant, how many of 1000 chains ran away (non-finite or beyond 20 SD), and for the
rest fidelity_ratio, acceptance of samples / target and spread_ratio.
"""

from __future__ import annotations

import tempfile
import time

import numpy as np
import torch

from hd_desktop.design import make_round, preset
from hd_desktop.engine.config import engine_preset
from hd_desktop.engine.listeners import wide
from hd_desktop.engine.metrics import evaluate
from hd_desktop.engine.network import score_field
from hd_desktop.engine.rounds import all_estimates, collect_votes, run_to_end
from hd_desktop.engine.sampler import (Reach, accepted_region, covered_region, langevin,
                                      start_points)
from hd_desktop.engine.training import init_network, run_training
from hd_desktop.voice import load_space


def main() -> None:
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as cache:
        real = load_space(cache_dir=cache, k=2).coords
    config = engine_preset("default")
    listener = wide(seed=0)
    design = make_round(real, preset("default"))
    votes = run_to_end(collect_votes(listener, design.stimuli, 10**6, seed=0, round_index=0))
    est = all_estimates([design], votes, config)
    net = init_network(2, width=config.width, seed=0)
    run_training(net, est, steps=config.train_steps, lr=config.lr)
    covered = covered_region(np.concatenate([est.x, real]), config.region_margin)
    accepted = accepted_region(est.x, est.d, engine_preset("paper").region_radius)
    voted = Reach(np.concatenate([est.points.z, real]), config.region_reach)
    z0 = start_points(real, 1000, seed=0)
    print(f"round 0, wide listener: {len(votes)} votes, {len(est)} estimates; "
          f"1000 chains x {config.sampler_steps} steps, eps {config.eps}")
    variants = {
        "plain S_VD/S_D, no guard": dict(adjust=False, region=None),
        "plain + covered region": dict(adjust=False, region=covered),
        "plain + D-weighted ellipse": dict(adjust=False, region=(covered, accepted)),
        "Metropolis + D-weighted ellipse": dict(adjust=True, region=(covered, accepted)),
        "plain + near votes": dict(adjust=False, region=(covered, voted)),
        "Metropolis + near votes (default)": dict(adjust=True, region=(covered, voted)),
    }
    for name, kw in variants.items():
        t0 = time.perf_counter()
        z = langevin(score_field(net, config.d_floor), z0, config.eps, config.sampler_steps,
                     generator=torch.Generator().manual_seed(0), **kw).numpy().astype(float)
        seconds = time.perf_counter() - t0
        away = ~np.isfinite(z).all(axis=1) | (np.abs(np.nan_to_num(z, nan=1e9)).max(axis=1) > 20)
        line = f"{name:<38} ran away {away.sum():4d}/1000  {seconds:5.2f} s"
        if (~away).sum() > 10:
            m = evaluate(z[~away], real, listener.probability)
            line += (f"  fidelity {m['fidelity_ratio']:.3f}  acceptance "
                     f"{m['acceptance_samples']:.3f}/{m['acceptance_target']:.3f}  "
                     f"spread {m['spread_ratio']:.2f}")
        print(line, flush=True)


if __name__ == "__main__":
    main()
