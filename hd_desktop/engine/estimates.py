"""Votes -> estimates of acceptability D and its NES gradient (docs/design.md 1.4), with standard errors.

Two views of the same votes. Per neighbour x (the paper's): D(x) and the NES gradient from the
antithetic pairs with both halves voted. Per voted stimulus (`VotedPoints`): every vote is an
observation of D at its own point, accepts out of votes, whether or not its pair is complete;
the default engine fits S_D to these with a Bernoulli likelihood (training.py).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Iterable, NamedTuple

import numpy as np

from hd_desktop.design.stimulus import Stimulus
from hd_desktop.errors import UserFacingError


class NoEstimates(UserFacingError, ValueError):
    """No neighbour has a complete antithetic pair voted (by the listeners kept)."""


class Answer(NamedTuple):
    """What the engine reads of a vote: who, which voice, 1 = natural (accept) / 0 = not natural.

    The store's committed votes (hd_desktop.store.Vote) carry these three fields among their
    others and are used as they are; simulated listeners' answers are made as Answers.
    """

    listener: str
    stimulus_id: str
    response: int


@dataclass(frozen=True)
class VotedPoints:
    """Every voted stimulus: `accepts` natural answers out of `votes` at the point z."""

    z: np.ndarray         # (S, k)
    accepts: np.ndarray   # (S,)
    votes: np.ndarray     # (S,)
    round: np.ndarray | None = None   # (S,): the round whose design made each stimulus

    def __len__(self) -> int:
        return len(self.votes)


@dataclass(frozen=True)
class Estimates:
    """Per neighbour x: D(x), grad D(x) and their standard errors, from `n_pairs` complete pairs.

    `points` holds every voted stimulus, `guess` the lapse floor measured on far voices.
    """

    x: np.ndarray         # (P, k)
    d: np.ndarray         # (P,)
    d_se: np.ndarray      # (P,)
    grad: np.ndarray      # (P, k)
    grad_se: np.ndarray   # (P, k)
    n_pairs: np.ndarray   # (P,)
    round: np.ndarray     # (P,)
    points: VotedPoints | None = None
    guess: float = 0.0

    def __len__(self) -> int:
        return len(self.d)

    @staticmethod
    def concat(parts: "Iterable[Estimates]", need_pairs: bool = True) -> "Estimates":
        """All estimates so far as one set (the training set of docs/design.md 1.5).

        With no complete pair voted: NoEstimates when `need_pairs` (the paper's loss learns
        from pairs only), else an empty set: a loss that learns from every voted stimulus
        (bernoulli, gp) has its points even before any pair is complete.
        """
        parts = list(parts)
        full = [p for p in parts if len(p)]
        if not full:
            if need_pairs or not parts:
                raise NoEstimates("no complete antithetic pair has votes yet (from the listeners "
                                  "kept by screening): the paper's loss needs both halves of a "
                                  "pair voted")
            return parts[0]
        return Estimates(*(np.concatenate([getattr(p, f) for p in full]) for f in _PER_NEIGHBOUR))

    @staticmethod
    def empty(k: int) -> "Estimates":
        z = np.zeros((0, k))
        return Estimates(z, z[:, 0], z[:, 0], z, z, np.zeros(0, int), np.zeros(0, int))

    def with_points(self, points: VotedPoints, guess: float) -> "Estimates":
        return replace(self, points=points, guess=float(guess))


_PER_NEIGHBOUR = ("x", "d", "d_se", "grad", "grad_se", "n_pairs", "round")


def acceptance(votes: Iterable, keep=None) -> dict[str, tuple[float, int]]:
    """D(s) per stimulus id = its acceptance rate over all its votes: {id: (rate, n_votes)}."""
    acc: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for v in votes:
        if keep is not None and v.listener not in keep:
            continue
        a = acc[v.stimulus_id]
        a[0] += int(v.response)
        a[1] += 1
    return {sid: (s / n, n) for sid, (s, n) in acc.items()}


def voted_points(stimuli: Iterable[Stimulus], rates: dict[str, tuple[float, int]]) -> VotedPoints:
    """Each stimulus with votes as (z, accepts, votes), from `acceptance`'s {id: (rate, n)}."""
    rows = [(s.z, rates[s.id][0] * rates[s.id][1], rates[s.id][1], s.round)
            for s in stimuli if s.id in rates]
    if not rows:
        return VotedPoints(np.zeros((0, 0)), np.zeros(0), np.zeros(0), np.zeros(0, int))
    z, accepts, n, r = zip(*rows)
    return VotedPoints(np.array(z, dtype=np.float64), np.round(np.array(accepts)), np.array(n, float),
                       np.array(r, int))


def correct_floor(d, guess: float):
    """Remove the lapse floor: D' = max(D - g, 0) / (1 - g), g = acceptance of far voices."""
    return np.clip((np.asarray(d, dtype=np.float64) - guess) / (1.0 - guess), 0.0, 1.0)


def nes_estimates(stimuli: Iterable[Stimulus], rates: dict[str, tuple[float, int]],
                  sigma_nes: float, *, guess: float = 0.0) -> Estimates:
    """grad D(x) ~= 1/(2 sigma^2 R') sum_r (D(x+d_r) - D(x-d_r)) d_r; D(x) = mean over its stimuli.

    Only pairs with both halves voted count (R' of them). `guess` is a lapse floor removed from
    every D(s) first (correct_floor). Standard errors are those of a mean over the R' pairs.
    """
    stimuli = list(stimuli)
    halves: dict[tuple[int, int, int], dict[int, Stimulus]] = defaultdict(dict)
    for s in stimuli:
        if s.sign and s.id in rates:
            halves[(s.round, s.neighbour, s.pair)][s.sign] = s
    per_neighbour: dict[tuple[int, int], list] = defaultdict(list)
    for (rnd, nb, _), pair in sorted(halves.items()):
        if len(pair) == 2:
            per_neighbour[(rnd, nb)].append(pair)
    rows = []
    for (rnd, _), pairs in sorted(per_neighbour.items()):
        plus = np.array([p[1].z for p in pairs])
        minus = np.array([p[-1].z for p in pairs])
        d_plus = correct_floor([rates[p[1].id][0] for p in pairs], guess)
        d_minus = correct_floor([rates[p[-1].id][0] for p in pairs], guess)
        rows.append((rnd, *_one_neighbour(plus, minus, d_plus, d_minus, sigma_nes)))
    if not rows:
        return Estimates.empty(len(stimuli[0].z) if stimuli else 0)
    rnd, x, d, d_se, g, g_se, n = zip(*rows)
    return Estimates(np.array(x), np.array(d), np.array(d_se), np.array(g), np.array(g_se),
                     np.array(n), np.array(rnd))


def _one_neighbour(plus, minus, d_plus, d_minus, sigma):
    """Estimates at one neighbour from its R' complete pairs (x is their common midpoint)."""
    r = len(plus)
    x = (plus + minus).mean(axis=0) / 2.0
    delta = (plus - minus) / 2.0
    terms = (d_plus - d_minus)[:, None] * delta / (2.0 * sigma ** 2)
    d_all = np.concatenate([d_plus, d_minus])
    grad = terms.mean(axis=0)
    grad_se = terms.std(axis=0, ddof=1) / np.sqrt(r) if r > 1 else np.full_like(grad, np.nan)
    d_se = d_all.std(ddof=1) / np.sqrt(len(d_all))
    return x, d_all.mean(), d_se, grad, grad_se, r
