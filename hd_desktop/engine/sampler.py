"""Langevin sampling from D (docs/design.md 1.6), vectorised over chains, kept inside the covered region.

Outside the points where votes were gathered the network extrapolates, and a chain following
S_VD/S_D there can run off to infinity. Guards keep chains honest (a move that would leave one
is refused: the chain stays put):
- `region`: the ellipsoid spanned by the estimate points (their mean and covariance, grown to hold
  all of them plus a margin). Rounds widen it as samples become the next round's anchors.
- `Reach` over the voted voices (on by default): also stay within `reach` SDs of one. Where no voice
  was voted S_D is a guess, and over a large area even a small bump of it holds much
  probability mass; near the votes S_D was fitted to what listeners said, and this holds for an
  arc or two lobes as for an ellipse.
- `accepted_region` (the paper preset's): stay within `radius` SDs of the ellipsoid of the
  estimate points weighted by their D. It cuts the tips of an arc (benchmarks/efficiency.py).
- `adjust` (Metropolis-adjusted Langevin): the Langevin move is a proposal, accepted with the
  Metropolis-Hastings ratio of S_D, the network's own acceptance head. The samples then follow
  S_D/int S_D inside the region even where S_VD is noisy; eps can be large without bias.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import torch


@dataclass(frozen=True)
class Region:
    """{z : (z - c)^T P (z - c) <= r2}."""

    centre: torch.Tensor
    precision: torch.Tensor
    r2: float

    def contains(self, z: torch.Tensor) -> torch.Tensor:
        d = z - self.centre
        return ((d @ self.precision) * d).sum(dim=1) <= self.r2


class Reach:
    """{z : |z - p| <= reach for some point p}: a region of any shape (an arc, two lobes).

    With the voted voices (and the real ones) as its points: where S_D was told what listeners
    hear, whatever they answered, and nowhere it can only extrapolate.

    Whether a point is inside is the k-d tree's answer. The sampler asks it only where cheaper
    bounds of the slack (reach - the distance to the nearest point) cannot tell: the distance
    to a point known to be near, and, where a grid of nodes at most reach/4 apart over the
    points is small enough (2-D; not 4-D), the node nearest the point with its own nearest
    point and slack.
    """

    def __init__(self, points, reach: float):
        from scipy.spatial import cKDTree

        self.points = np.asarray(points, dtype=np.float64)
        self.reach = float(reach)
        self._tree = cKDTree(self.points)
        self._grid = _SlackGrid.over(self)

    def contains(self, z: torch.Tensor) -> torch.Tensor:
        return self.slack(z) >= 0

    def slack(self, z: torch.Tensor) -> torch.Tensor:
        """reach - the distance to the nearest point: how far z may move and stay inside."""
        return torch.from_numpy(self.nearest(z.detach().double().numpy())[0]).float()

    def nearest(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The tree's slack of each row of z and the index of its nearest point."""
        dist, index = self._tree.query(z)
        return self.reach - dist, index

    def cover(self, z: np.ndarray, radius: float, *, rng: np.random.Generator,
              draws: int = 128) -> np.ndarray:
        """The share of the ball of `radius` around each row of z that lies within reach of a
        point: a seeded Monte Carlo estimate from `draws` uniform points in each ball, never
        under 1 / draws."""
        n, k = z.shape
        d = rng.standard_normal((n, draws, k))
        d *= radius * rng.uniform(size=(n, draws, 1)) ** (1 / k) / np.linalg.norm(d, axis=2,
                                                                                  keepdims=True)
        slack, _ = self.nearest((z[:, None, :] + d).reshape(-1, k))
        return np.maximum((slack >= 0).reshape(n, draws).mean(axis=1), 1 / draws)

    def settle(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Which rows of z are inside, and for each row inside the index of a point within reach
        of it (the nearest, where the tree was asked).

        The answer is the tree's: in 2-D the grid's bounds spare asking it where they tell.
        """
        if self._grid is None:
            exact, near = self.nearest(z)
            return exact >= 0, near
        lower, upper, near = self._grid.bounds(self, z)
        inside = lower >= 0
        ask = ~inside & (upper >= 0)   # below 0 at the upper bound: outside
        if ask.any():
            exact, near[ask] = self.nearest(z[ask])
            inside[ask] = exact >= 0
        return inside, near


GRID_NODES = 2 ** 17   # 1.5 MB; built in about 0.1 s
GRID_MARGIN = 1e-5     # a bound decides without the tree only this far from the edge (rounding)


@dataclass(frozen=True)
class _SlackGrid:
    """Nodes lo + i h over the points' box grown by the reach, each with its nearest point and
    the slack there."""

    lo: np.ndarray
    h: float
    shape: np.ndarray      # nodes per axis
    strides: np.ndarray
    slack: np.ndarray      # (nodes,)
    near: np.ndarray       # (nodes,) the index of each node's nearest point

    @staticmethod
    def over(reach: Reach) -> "_SlackGrid | None":
        """The grid of a Reach with nodes at most reach/4 apart, or None if that needs too many."""
        lo = reach.points.min(axis=0) - reach.reach
        width = reach.points.max(axis=0) + reach.reach - lo
        k = len(lo)
        h = max(reach.reach / 8, float(np.prod(width) / GRID_NODES) ** (1 / k))
        if not 0 < h <= reach.reach / 4:
            return None
        shape = np.floor(width / h).astype(np.int64) + 1
        axes = [lo[i] + h * np.arange(shape[i]) for i in range(k)]
        nodes = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, k)
        slack, near = reach.nearest(nodes)
        strides = np.cumprod(np.concatenate([shape[1:], [1]])[::-1])[::-1].copy()
        return _SlackGrid(lo, h, shape, strides.astype(np.float64), slack, near.astype(np.int32))

    def bounds(self, reach: Reach, z: np.ndarray):
        """From the node nearest each row of z: a lower bound of its slack (the distance to the
        node's nearest point, less the margin), an upper bound (the node's slack + |z - node|,
        by the triangle inequality, plus the margin), and that point's index."""
        i = np.minimum(np.maximum(np.rint((z - self.lo) / self.h), 0), self.shape - 1)
        node = self.lo + i * self.h
        flat = (i @ self.strides).astype(np.int64)  # whole numbers, exact in float64
        near = self.near[flat]
        lower = reach.reach - _norm(z - reach.points[near]) - GRID_MARGIN
        upper = self.slack[flat] + _norm(z - node) + GRID_MARGIN
        return lower, upper, near


def _rows_finite(a: np.ndarray) -> np.ndarray:
    """Whether every value of each row is finite (column by column: numpy reduces a short last
    axis a row at a time, several times slower)."""
    return functools.reduce(np.logical_and, np.isfinite(a).T)


def _norm(d: np.ndarray) -> np.ndarray:
    """The length of each row (np.linalg.norm's, a few times cheaper on small arrays)."""
    return np.sqrt(np.einsum("ij,ij->i", d, d))


def covered_region(points, margin: float = 0.5) -> Region:
    """The ellipsoid of the points' mean and covariance holding every point, grown by `margin` SDs."""
    p = np.asarray(points, dtype=np.float64)
    centre = p.mean(axis=0)
    cov = np.cov(p, rowvar=False).reshape(p.shape[1], p.shape[1]) + 1e-9 * np.eye(p.shape[1])
    prec = np.linalg.inv(cov)
    d = p - centre
    r = math.sqrt(float(((d @ prec) * d).sum(axis=1).max())) + margin
    return Region(torch.as_tensor(centre, dtype=torch.float32),
                  torch.as_tensor(prec, dtype=torch.float32), r * r)


def prior_points(region: Region, n: int = 1000, *, seed: int) -> np.ndarray:
    """n seeded uniform points in the bounding box of a region (where the prior of training.py sits)."""
    cov = torch.linalg.inv(region.precision.double()).numpy()
    half = np.sqrt(region.r2 * np.diag(cov))
    centre = region.centre.double().numpy()
    return centre + np.random.default_rng(seed).uniform(-1, 1, size=(n, len(centre))) * half


def accepted_region(points, weights, radius: float = 3.5) -> Region:
    """The ellipsoid of the D-weighted mean and covariance of the points, `radius` of its SDs wide."""
    p = np.asarray(points, dtype=np.float64)
    w = np.clip(np.asarray(weights, dtype=np.float64), 0, None)
    w = w / w.sum()
    centre = w @ p
    d = p - centre
    cov = (d * w[:, None]).T @ d + 1e-9 * np.eye(p.shape[1])
    return Region(torch.as_tensor(centre, dtype=torch.float32),
                  torch.as_tensor(np.linalg.inv(cov), dtype=torch.float32), radius * radius)


def iter_langevin(field, z0, eps: float, steps: int, *, generator: torch.Generator,
                  adjust: bool = False, region=None, report_every: int = 500):
    """z <- z + eps^2/2 * S_VD/S_D + eps * noise (docs/design.md 1.6); yields (step, z, accept_rate).

    `field(z) -> (S_D, guarded score)`. Stop iterating to cancel; the last yield has step == steps.
    A `Reach` guard is looked up only where the point last found near a chain is no longer
    within reach of its proposed move, so most moves skip the lookup.

    A step's arithmetic is torch's; which moves are kept is worked out in numpy on the same
    values (exact, and a few microseconds an operation where torch takes ten on 1000 chains).
    """
    z = torch.as_tensor(z0, dtype=torch.float32).clone()
    n, k = z.shape
    half = eps * eps / 2.0
    accepted = torch.zeros(n)
    regions = () if region is None else tuple(region) if isinstance(region, (tuple, list)) \
        else (region,)
    shapes = [r for r in regions if not isinstance(r, Reach)]
    reaches = [r for r in regions if isinstance(r, Reach)]
    # the steps run in inference mode, a step at a time: a mode held across a yield would be
    # the caller's mode too until the next step
    with torch.inference_mode():
        # per chain: half * S at z (the drift) and log S_D at z, kept instead of recomputed
        d, s = field(z)
        drift = half * s
        log_d = torch.log(d.clamp_min(1e-30))
        # per chain and Reach: the index of a point within reach of the chain
        nears = [r.nearest(z.double().numpy())[1] for r in reaches]
    for t in range(1, steps + 1):
        with torch.inference_mode():
            noise = torch.randn(n, k, generator=generator)
            prop = z + drift + eps * noise
            d_p, s_p = field(prop)
            drift_p = half * s_p
            prop_rows = prop.numpy()
            ok = _rows_finite(prop_rows) & _rows_finite(s_p.numpy())
            for r in shapes:
                ok &= r.contains(prop).numpy()
            if adjust:
                log_d_p = torch.log(d_p.clamp_min(1e-30))
                there = z - prop - drift_p  # the move back, less the drift from the proposal
                log_q_back = -(there * there).sum(dim=1) / (2 * eps * eps)
                log_q_fwd = -(noise * noise).sum(dim=1) / 2
                log_a = log_d_p - log_d + log_q_back - log_q_fwd
                u = torch.rand(n, generator=generator)
                ok &= (torch.log(u) < log_a).numpy()
            for r, near in zip(reaches, nears):
                # inside for sure where the point known near the chain is within reach
                far = _norm(prop_rows - r.points[near]) > r.reach - GRID_MARGIN
                rows = np.flatnonzero(ok & far)
                if len(rows):
                    inside, found = r.settle(prop_rows[rows].astype(np.float64))
                    ok[rows] = inside
                    near[rows[inside]] = found[inside]
            keep = ok[:, None]
            z = torch.from_numpy(np.where(keep, prop_rows, z.numpy()))
            drift = torch.from_numpy(np.where(keep, drift_p.numpy(), drift.numpy()))
            if adjust:
                log_d = torch.from_numpy(np.where(ok, log_d_p.numpy(), log_d.numpy()))
            accepted += torch.from_numpy(ok)
        if t % report_every == 0 or t == steps:
            yield t, z.clone(), float(accepted.mean()) / t  # a tensor of the caller's mode


def langevin(field, z0, eps: float, steps: int, *, generator: torch.Generator, callback=None,
             adjust: bool = False, region=None) -> torch.Tensor:
    """Run iter_langevin to the end; `callback({'step', 'steps', 'z', 'accept'})` at each report."""
    z = torch.as_tensor(z0, dtype=torch.float32)
    for t, z, acc in iter_langevin(field, z0, eps, steps, generator=generator, adjust=adjust,
                                   region=region):
        if callback is not None:
            callback({"step": t, "steps": steps, "z": z, "accept": acc})
    return z


def by_cover(states, reach: Reach, n: int, *, radius: float, seed: int, trust=None):
    """n of the chains' states, drawn with weights 1 / the share of the ball of `radius` around
    each that the reach covers (Reach.cover).

    The guard decides where a chain may go, and so, unmeant, how often: within the reach the
    chains follow S_D, but the reach covers only part of the space around a voice where the
    votes are sparse (in 6-D the tails of a soft region, a ball of a few percent), so there the
    samples are rarer than S_D says by that share; the samples follow S_D x the votes' cover,
    too narrow wherever D falls slowly. Weighting each state by 1 / cover gives back S_D at
    the scale of `radius` (docs/engine.md). `states`: the chains' states at a few steps well
    apart (a list of (chains, k) arrays); the draw is systematic resampling, seeded, in a
    seeded order. `trust` (states -> numbers in [0, 1]) makes the weights 1 / cover ** trust:
    a state trusted 0 keeps the chains' own weight (cover_level: the smoother's P(D > level)).
    Returns (samples, the effective share of the states kept: 1 / (n_states sum p^2), p the
    normalised weights).
    """
    states = np.concatenate([np.asarray(s, dtype=np.float64) for s in states])
    rng = np.random.default_rng(seed)
    weights = 1.0 / reach.cover(states, radius, rng=rng)
    if trust is not None:
        weights = weights ** trust(states)
    p = weights / weights.sum()
    picks = np.searchsorted(np.cumsum(p), (rng.uniform() + np.arange(n)) / n, side="right")
    picks = np.minimum(picks, len(states) - 1)
    return states[rng.permutation(picks)], float(1.0 / (len(states) * np.square(p).sum()))


def start_points(real, n_chains: int, *, seed: int) -> np.ndarray:
    """Chains start from the real data: every item in turn, then a seeded resample of them."""
    real = np.asarray(real, dtype=np.float64)
    reps = np.tile(np.arange(len(real)), n_chains // len(real))
    rest = np.random.default_rng(seed).choice(len(real), n_chains - len(reps), replace=False) \
        if n_chains % len(real) else np.zeros(0, int)
    return real[np.concatenate([reps, rest]).astype(int)]
