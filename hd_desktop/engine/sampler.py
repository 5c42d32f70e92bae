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

    Where a grid of nodes reach/4 apart over the points is small enough (2-D; not 4-D), each
    node knows its slack, `slack_bound` answers from the nearest node (a lower bound, by the
    triangle inequality) and the sampler asks the tree only near the edge of the region: which
    moves are refused is the tree's answer either way.
    """

    def __init__(self, points, reach: float):
        from scipy.spatial import cKDTree

        self.points = np.asarray(points, dtype=np.float64)
        self.reach = float(reach)
        self._tree = cKDTree(self.points)
        self._grid = _SlackGrid.over(self)
        self._points_t = None

    def contains(self, z: torch.Tensor) -> torch.Tensor:
        return self.slack(z) >= 0

    def slack(self, z: torch.Tensor, *, nearest: bool = False):
        """reach - the distance to the nearest point: how far z may move and stay inside (with
        `nearest`, also the index of that point)."""
        dist, index = self._tree.query(z.detach().double().numpy())
        slack = torch.from_numpy(self.reach - dist).float()
        return (slack, torch.from_numpy(index)) if nearest else slack

    def slack_from(self, z: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
        """A lower bound of slack(z), cheap: reach - the distance to the points `index` (one per
        row; no nearer than the nearest), less a margin for rounding."""
        if self._points_t is None:
            self._points_t = torch.from_numpy(self.points)
        dist = (z.detach().double() - self._points_t[index]).norm(dim=1)
        return (self.reach - dist - GRID_MARGIN).float()

    def slack_bound(self, z: torch.Tensor) -> torch.Tensor | None:
        """A lower bound of slack(z), cheap: from the grid (None where there is none)."""
        return None if self._grid is None else self._grid.bound(z)


GRID_NODES = 2 ** 17   # 0.5 MB; built in about 0.1 s
GRID_MARGIN = 1e-5     # the grid certifies no point closer to the edge than this (rounding)


@dataclass(frozen=True)
class _SlackGrid:
    """Nodes lo + i h over the points' box grown by the reach, each with its slack less a margin."""

    lo: torch.Tensor
    h: float
    shape: torch.Tensor     # nodes per axis
    strides: torch.Tensor
    slack: torch.Tensor     # (nodes,)

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
        dist, _ = reach._tree.query(nodes)
        strides = np.cumprod(np.concatenate([shape[1:], [1]])[::-1])[::-1].copy()
        return _SlackGrid(torch.as_tensor(lo, dtype=torch.float32), h, torch.as_tensor(shape),
                          torch.as_tensor(strides), torch.as_tensor(
                              reach.reach - dist - GRID_MARGIN, dtype=torch.float32))

    def bound(self, z: torch.Tensor) -> torch.Tensor:
        """slack(node) - |z - node| at the nearest node: slack(z) is at least that."""
        i = torch.round((z - self.lo) / self.h).long()
        i = torch.minimum(i.clamp_min(0), self.shape - 1)
        node = self.lo + i * self.h
        return self.slack[(i * self.strides).sum(dim=1)] - (z - node).norm(dim=1)


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
    A `Reach` guard is looked up only for moves longer than the chain's slack (how far it could
    move and stay inside, kept as a lower bound), and only where the point last found nearest
    the chain is not still within reach, so most steps skip the lookup.
    """
    z = torch.as_tensor(z0, dtype=torch.float32).clone()
    n, k = z.shape
    half = eps * eps / 2.0
    accepted = torch.zeros(n)
    regions = () if region is None else tuple(region) if isinstance(region, (tuple, list)) \
        else (region,)
    shapes = [r for r in regions if not isinstance(r, Reach)]
    reaches = [r for r in regions if isinstance(r, Reach)]
    with torch.no_grad():
        # per chain: half * S at z (the drift) and log S_D at z, kept instead of recomputed
        d, s = field(z)
        drift = half * s
        log_d = torch.log(d.clamp_min(1e-30))
        slacks, nears = map(list, zip(*[r.slack(z, nearest=True) for r in reaches])) \
            if reaches else ([], [])
        for t in range(1, steps + 1):
            noise = torch.randn(n, k, generator=generator)
            prop = z + drift + eps * noise
            d_p, s_p = field(prop)
            drift_p = half * s_p
            ok = torch.isfinite(prop).all(dim=1) & torch.isfinite(s_p).all(dim=1)
            for r in shapes:
                ok &= r.contains(prop)
            back = z - prop  # |back| is how far the chain moves
            if adjust:
                log_d_p = torch.log(d_p.clamp_min(1e-30))
                there = back - drift_p
                log_q_back = -(there * there).sum(dim=1) / (2 * eps * eps)
                log_q_fwd = -(noise * noise).sum(dim=1) / 2
                log_a = log_d_p - log_d + log_q_back - log_q_fwd
                u = torch.rand(n, generator=generator)
                ok &= torch.log(u) < log_a
            if reaches:
                moved = back.norm(dim=1)
            fresh = []
            for r, slack, near in zip(reaches, slacks, nears):
                after = slack - moved  # inside for sure while >= 0 (triangle inequality)
                look = ok & (after < 0)
                if look.any():
                    after[look] = r.slack_from(prop[look], near[look])
                    look &= after < 0
                if look.any():
                    after[look], near[look] = _slack(r, prop[look], near[look])
                    ok &= after >= 0
                fresh.append(after)
            z = torch.where(ok[:, None], prop, z)
            drift = torch.where(ok[:, None], drift_p, drift)
            if adjust:
                log_d = torch.where(ok, log_d_p, log_d)
            slacks = [torch.where(ok, after, slack) for after, slack in zip(fresh, slacks)]
            accepted += ok
            if t % report_every == 0 or t == steps:
                yield t, z, float(accepted.mean()) / t


def _slack(reach: Reach, z: torch.Tensor, near: torch.Tensor):
    """A lower bound of reach.slack(z), >= 0 exactly where z is inside: the grid's, and the
    tree's where the grid cannot tell; and `near` with the nearest points the tree found."""
    bound = reach.slack_bound(z)
    if bound is None:
        return reach.slack(z, nearest=True)
    unknown = bound < 0
    if unknown.any():
        bound[unknown], near[unknown] = reach.slack(z[unknown], nearest=True)
    return bound, near


def langevin(field, z0, eps: float, steps: int, *, generator: torch.Generator, callback=None,
             adjust: bool = False, region=None) -> torch.Tensor:
    """Run iter_langevin to the end; `callback({'step', 'steps', 'z', 'accept'})` at each report."""
    z = torch.as_tensor(z0, dtype=torch.float32)
    for t, z, acc in iter_langevin(field, z0, eps, steps, generator=generator, adjust=adjust,
                                   region=region):
        if callback is not None:
            callback({"step": t, "steps": steps, "z": z, "accept": acc})
    return z


def start_points(real, n_chains: int, *, seed: int) -> np.ndarray:
    """Chains start from the real data: every item in turn, then a seeded resample of them."""
    real = np.asarray(real, dtype=np.float64)
    reps = np.tile(np.arange(len(real)), n_chains // len(real))
    rest = np.random.default_rng(seed).choice(len(real), n_chains - len(reps), replace=False) \
        if n_chains % len(real) else np.zeros(0, int)
    return real[np.concatenate([reps, rest]).astype(int)]
