"""How many votes stand behind each neighbour's estimate, and the interval they allow (no Qt).

A neighbour's D is the mean acceptance of its voted antithetic pairs; from one pair (2 votes)
the standard error of that mean is 0.00 however unsure it is. The map shows instead the
Wilson 95% interval of the neighbour's accepts out of its votes (lapse floor removed, as from
D), and the number of votes beside it. The counts are the model's own: its voted points.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from hd_desktop.design.stimulus import Role
from hd_desktop.engine.estimates import correct_floor
from hd_desktop.engine.evaluation import wilson_interval


@dataclass(frozen=True)
class NeighbourVotes:
    """Per neighbour of an Estimates, in its order."""

    votes: np.ndarray      # (P,) votes on its complete pairs (0: unknown)
    accepts: np.ndarray    # (P,)
    lo: np.ndarray         # (P,) 95% interval on D from those votes (NaN: unknown)
    hi: np.ndarray


def _key(z) -> tuple:
    return tuple(np.round(np.asarray(z, dtype=float), 9))


def neighbour_votes(estimates, stimuli) -> NeighbourVotes:
    """Votes behind each of `estimates`' neighbours, from its voted points and the round's
    NES `stimuli` (the neighbour is matched by its midpoint, as nes_estimates computes it)."""
    n = len(estimates)
    votes, accepts = np.zeros(n), np.zeros(n)
    points = estimates.points
    counted = {} if points is None else {
        _key(z): (float(a), float(v)) for z, a, v in zip(points.z, points.accepts, points.votes)}
    halves: dict[tuple, dict] = defaultdict(dict)
    for s in stimuli:
        if s.role in (Role.NES_PLUS, Role.NES_MINUS) and _key(s.z) in counted:
            halves[(s.round, s.neighbour, s.pair)][s.sign] = s
    per_neighbour: dict[tuple, list] = defaultdict(list)
    for (rnd, nb, _), pair in sorted(halves.items()):
        if len(pair) == 2:
            per_neighbour[(rnd, nb)].append(pair)
    midpoints, sums = [], []
    for pairs in per_neighbour.values():
        plus = np.array([p[1].z for p in pairs])
        minus = np.array([p[-1].z for p in pairs])
        midpoints.append((plus + minus).mean(axis=0) / 2.0)
        a = sum(counted[_key(s.z)][0] for p in pairs for s in p.values())
        v = sum(counted[_key(s.z)][1] for p in pairs for s in p.values())
        sums.append((a, v))
    if midpoints and n:
        mids = np.array(midpoints)
        for i, x in enumerate(np.asarray(estimates.x, dtype=float)):
            dist = np.linalg.norm(mids - x, axis=1)
            j = int(dist.argmin())
            if dist[j] < 1e-6:
                accepts[i], votes[i] = sums[j]
    lo, hi = np.full(n, np.nan), np.full(n, np.nan)
    for i in range(n):
        interval = wilson_interval(int(round(accepts[i])), int(round(votes[i])))
        if interval is not None:
            lo[i], hi[i] = correct_floor(interval, estimates.guess)
    return NeighbourVotes(votes, accepts, lo, hi)


def map_votes(lab, result) -> NeighbourVotes:
    """The votes behind the neighbours of an engine result, for the map's tooltips."""
    from hd_desktop.lab.engine_job import trial_designs

    stimuli = [s for d in trial_designs(lab.experiment) for s in d.stimuli]
    return neighbour_votes(result.estimates, stimuli)
