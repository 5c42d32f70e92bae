"""When more votes stop helping: how far an update moved the samples, beside how far chance moves them.

After each update the new model's samples are compared with the previous update's by their
energy distance (metrics.energy_distance, in SDs of the real voices). Two sets of draws from one
and the same distribution are also some distance apart: `chance` is the 95th percentile of the
distance between the two sets after their points are shuffled between them (a permutation test:
what the distance would be if the update had changed nothing). Chains of two differently trained
networks always differ a little, so besides beating chance, a move must also be large next to
how far the samples are from the real voices (their energy distance, `reach`) to count: in those
units a move is about the change of report.json's fidelity_ratio it could make. `settled` means
the move was within chance or under `tolerance` of the reach. The tolerance was chosen on the
zoo's tuning half against the true fidelity over rounds (docs/engine.md, The stop signal).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch

from hd_desktop.engine.metrics import energy_distance

TOLERANCE = 0.02
VALIDATED_DIMS = 2      # in 4-D a "settled" is right 80% / 67% of the time on the zoo's held-out /
                        # tuning half (docs/engine.md), in 6-D moves were as small as chance
                        # while the fidelity still changed


@dataclass(frozen=True)
class StopSignal:
    moved: float        # energy distance between the previous and the new samples (SDs)
    chance: float       # the same distance between shuffled halves of both (95th percentile)
    reach: float        # energy distance between the real voices and the new samples (SDs)
    settled: bool
    dims: int = 0       # of the voice space: above VALIDATED_DIMS the verdict says it is untested

    @property
    def verdict(self) -> str:
        return "settled" if self.settled else "still changing"

    @property
    def relative(self) -> float:
        """The move as a share of the samples' distance from the real voices."""
        return self.moved / self.reach if self.reach > 0 else float("inf")

    def to_dict(self) -> dict:
        return {**asdict(self), "verdict": self.verdict}

    @classmethod
    def from_dict(cls, data: dict) -> "StopSignal":
        return cls(data["moved"], data["chance"], data["reach"], data["settled"],
                   data.get("dims", 0))

    def sentence(self) -> str:
        """One line for a report or the Engine tab."""
        share = (f"{self.relative:.0%} of their distance from the real voices" if self.reach > 0
                 else "they are as near the real voices as chance can tell")
        return (f"samples moved {self.moved:.3f} SD since the previous update (chance "
                f"{self.chance:.3f}; {share}): {self.verdict}"
                + (f" (not validated above {VALIDATED_DIMS} dimensions)"
                   if self.dims > VALIDATED_DIMS else ""))


def stop_signal(previous, new, real, *, tolerance: float = TOLERANCE, shuffles: int = 40,
                max_points: int = 1000, seed: int = 0) -> StopSignal:
    """Energy distance previous -> new beside its permutation distribution (Szekely & Rizzo 2004).

    At most `max_points` of each set are used (a seeded subset): a 1000-chain update costs one
    2000 x 2000 distance matrix and one product with the shuffles' indicators, about 0.1 s,
    since the app stores it with the model on the GUI thread.
    """
    rng = np.random.default_rng(seed)
    a, b, r = (_subset(np.asarray(x, dtype=np.float64), max_points, rng)
               for x in (previous, new, real))
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"stop signal: samples of {a.shape[1]} and {b.shape[1]} dimensions")
    both = torch.as_tensor(np.concatenate([a, b]))
    d = torch.cdist(both, both).numpy()
    n = len(a)
    labels = np.zeros((len(d), shuffles + 1))
    labels[:n, 0] = 1.0                       # column 0: the sets as they are; then shuffles
    for c in range(1, shuffles + 1):
        labels[rng.permutation(len(d))[:n], c] = 1.0
    energy = _energies(d, labels, n)
    # the unbiased estimate dips below 0 when nothing moved; a distance is shown as 0 then
    moved = max(0.0, float(energy[0]))
    chance = float(np.quantile(energy[1:], 0.95))
    reach = max(0.0, energy_distance(r, b))
    settled = moved <= chance or moved <= tolerance * reach
    return StopSignal(float(moved), chance, reach, bool(settled), int(b.shape[1]))


def _energies(d: np.ndarray, x: np.ndarray, n: int) -> np.ndarray:
    """2 E|X-Y| - E|X-X'| - E|Y-Y'| for each split of the points given by a column of the
    indicator matrix x (n points in X, the rest in Y), from their distance matrix d (unbiased
    within-set terms); the sums over the blocks are products with the indicators."""
    m = len(d) - n
    dx = d @ x
    xx = (x * dx).sum(axis=0)
    xy = dx.sum(axis=0) - xx
    yy = d.sum() - 2 * xy - xx
    return 2 * xy / (n * m) - xx / (n * (n - 1)) - yy / (m * (m - 1))


def _subset(x: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    return x if len(x) <= n else x[np.sort(rng.choice(len(x), n, replace=False))]
