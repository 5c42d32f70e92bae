"""How close samples come to a listener's acceptable distribution p*(z) ∝ probability(z)."""

from __future__ import annotations

from functools import partial

import numpy as np
import torch

from hd_desktop.engine.evaluation import spread


def energy_distance(x, y) -> float:
    """E = 2 E|X-Y| - E|X-X'| - E|Y-Y'| (Szekely & Rizzo), unbiased within-sample terms."""
    x = torch.as_tensor(np.asarray(x), dtype=torch.float64)
    y = torch.as_tensor(np.asarray(y), dtype=torch.float64)
    xy = torch.cdist(x, y).mean()
    xx = torch.cdist(x, x).sum() / (len(x) * (len(x) - 1))
    yy = torch.cdist(y, y).sum() / (len(y) * (len(y) - 1))
    return float(2 * xy - xx - yy)


def batch_probability(probability):
    """probability as a function of an (m, k) array -> (m,), whether or not it is vectorised."""

    def batched(z):
        z = np.atleast_2d(np.asarray(z, dtype=np.float64))
        try:
            p = np.asarray(probability(z), dtype=np.float64)
        except Exception:
            p = None
        if p is None or p.shape != (len(z),):
            p = np.array([float(probability(row)) for row in z])
        return p

    return batched


_TRIES = 10000          # batches the real voices' box gets before sample_target gives up on it


def sample_target(probability, real, n: int, *, rng: np.random.Generator,
                  margin: float = 8.0, batch: int = 20000, support=None) -> np.ndarray:
    """n draws from p*(z) ∝ probability(z), by rejection from a uniform box around the real data.

    The box is the real data's bounding box grown by `margin` SDs on each side; p* is exact inside
    it. probability: (m, k) -> (m,) values in [0, 1] (see batch_probability).

    support: None, or cells (listeners.Cell) outside which probability is negligible (a
    listener's `support(k)`). A small, hard region in 6-D fills about 1e-5 of the real voices'
    box, too little for its 10 000 batches to find n draws; the draws then come from the cells,
    cut to the box (the same p*, proposed only where it has mass). The real voices' box is still
    tried first unless it would surely fail (expected to yield under 0.9 n), so a listener that
    had its draws from it before has the same ones now.
    """
    real = np.asarray(real, dtype=np.float64)
    lo, hi = real.min(axis=0) - margin, real.max(axis=0) + margin

    def box(rng, m):
        return rng.uniform(lo, hi, size=(m, real.shape[1])), 1.0

    if support is None:
        return _rejection(probability, box, n, rng, batch, "the box")
    cells = partial(_propose, support, lo, hi)
    if _TRIES * batch * _mass_in_cells(probability, support, lo, hi) / np.prod(hi - lo) < 0.9 * n:
        return _rejection(probability, cells, n, rng, batch, "its support")
    try:
        return _rejection(probability, box, n, rng, batch, "the box")
    except RuntimeError:
        return _rejection(probability, cells, n, rng, batch, "its support")


def _rejection(probability, propose, n: int, rng: np.random.Generator, batch: int,
               where: str) -> np.ndarray:
    """The first n draws of `propose(rng, batch) -> (z, weight)` kept with probability(z) x
    weight, in batches, at most _TRIES of them."""
    out: list[np.ndarray] = []
    got = 0
    for _ in range(_TRIES):
        z, weight = propose(rng, batch)
        keep = z[rng.uniform(size=batch) < weight * np.asarray(probability(z))]
        out.append(keep)
        got += len(keep)
        if got >= n:
            return np.concatenate(out)[:n]
    raise RuntimeError(f"sample_target: the listener accepts almost nothing in {where}")


def _propose(cells, lo, hi, rng: np.random.Generator, m: int):
    """m draws with density ∝ the number of cells holding them, and 1 / that number where they
    lie in the box [lo, hi] (else 0): a draw kept with probability(z) times it follows p*."""
    volumes = np.array([c.volume for c in cells])
    counts = rng.multinomial(m, volumes / volumes.sum())
    z = np.concatenate([c.draw(rng, j) for c, j in zip(cells, counts)])[rng.permutation(m)]
    held = np.sum([c.holds(z) for c in cells], axis=0)
    inside = np.all((z >= lo) & (z <= hi), axis=1)
    return z, np.where(inside, 1.0 / np.maximum(held, 1), 0.0)


def _mass_in_cells(probability, cells, lo, hi) -> float:
    """The integral of probability over the box, from a seeded draw of the cells' own (the
    caller's random draws stay as they were)."""
    z, weight = _propose(cells, lo, hi, np.random.default_rng(0), 200000)
    return float(np.mean(weight * np.asarray(probability(z)))) * sum(c.volume for c in cells)


def fidelity_ratio(ed_samples: float, ed_real: float) -> float:
    """ED(samples, p*) / ED(real, p*): 0 = the samples follow p*, 1 = no closer than the real voices.

    NaN where the real voices are themselves as close to p* as samples of this size can tell
    (the unbiased ED(real, p*) at or below 0): the ratio divides by it and would be any number
    (-3 to -14 on one 4-D shape), so it is reported as undefined, never as a target met.
    """
    return ed_samples / ed_real if ed_real > 0 else float("nan")


def evaluate(samples, real, probability, *, seed: int = 0, n_target: int = 2000,
             support=None) -> dict:
    """fidelity_ratio (see fidelity_ratio; NaN and fidelity_defined False where it has no
    meaning); acceptance; spread_ratio = spread(s)/spread(real). support: see sample_target."""
    rng = np.random.default_rng(seed)
    probability = batch_probability(probability)
    target = sample_target(probability, real, n_target, rng=rng, support=support)
    ed_s, ed_r = energy_distance(samples, target), energy_distance(real, target)
    ratio = fidelity_ratio(ed_s, ed_r)
    return {
        "fidelity_ratio": ratio,
        "fidelity_defined": not np.isnan(ratio),
        "energy_distance_samples": ed_s,
        "energy_distance_real": ed_r,
        "acceptance_samples": float(np.mean(probability(np.asarray(samples)))),
        "acceptance_target": float(np.mean(probability(target))),
        "acceptance_real": float(np.mean(probability(np.asarray(real)))),
        "spread_samples": spread(samples),
        "spread_real": spread(real),
        "spread_target": spread(target),
        "spread_ratio": spread(samples) / spread(real),
    }
