"""A round's design (docs/design.md 1.3): anchors -> neighbours -> antithetic NES pairs, plus gold trials.

Every draw comes from a numpy Generator seeded by a SeedSequence of the design seed, the round
and the item, so each stimulus can be rebuilt from the design dict and the anchors alone, and a
neighbour's stimuli from its own recorded seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hd_desktop.design.params import SCHEMA_VERSION, DesignParams, n_gold
from hd_desktop.design.stimulus import Role, Stimulus
from hd_desktop.errors import UserFacingError

_ANCHORS, _NEIGHBOUR, _GOLD = 1, 2, 3  # SeedSequence streams, one per kind of draw


@dataclass(frozen=True)
class RoundDesign:
    """One round: its JSON-able design dict and its stimuli (NES pairs first, then gold)."""

    design: dict
    stimuli: tuple[Stimulus, ...]
    neighbours: np.ndarray    # (N*M, k): the x_{n,m}, indexed by Stimulus.neighbour


def derive_seed(*keys: int) -> int:
    """A 63-bit seed derived deterministically from integer keys."""
    return int(np.random.SeedSequence([int(k) for k in keys]).generate_state(2, np.uint64)[0] >> 1)


def choose_anchors(anchors: np.ndarray, params: DesignParams, round_index: int) -> np.ndarray:
    """Indices of the anchors used: all if N >= available, else N of them (sorted).

    `random`: a seeded subset. `spread`: farthest-point picks from a seeded first one, so the
    N anchors cover the whole spread of the samples (the arms of a curved region, both lobes,
    the frontier) instead of following their density into the already well-voted core.
    """
    n_available = len(anchors)
    if params.n_anchors is None or params.n_anchors >= n_available:
        return np.arange(n_available)
    rng = np.random.default_rng(derive_seed(params.seed, round_index, _ANCHORS))
    if params.anchors == "random":
        return np.sort(rng.choice(n_available, size=params.n_anchors, replace=False))
    return np.sort(farthest_points(anchors, params.n_anchors, first=int(rng.integers(n_available))))


def farthest_points(points: np.ndarray, n: int, *, first: int = 0) -> np.ndarray:
    """Indices of n points picked greedily, each the farthest from those picked before."""
    points = np.asarray(points, dtype=np.float64)
    if n >= len(points):
        return np.arange(len(points))
    chosen = [first]
    dist = np.linalg.norm(points - points[first], axis=1)
    for _ in range(n - 1):
        chosen.append(int(np.argmax(dist)))
        dist = np.minimum(dist, np.linalg.norm(points - points[chosen[-1]], axis=1))
    return np.array(chosen)


def make_round(anchors, params: DesignParams, *, round_index: int = 0, real=None) -> RoundDesign:
    """Stimuli x_{n,m} +/- delta_r with x_{n,m} = a_n + sigma_nei * noise (docs/design.md 1.3)."""
    anchors = np.asarray(anchors, dtype=np.float64)
    if anchors.ndim != 2 or len(anchors) == 0:
        raise UserFacingError("round design: anchors must be a non-empty (n, k) array")
    real = anchors if real is None else np.asarray(real, dtype=np.float64)
    k = anchors.shape[1]
    chosen = choose_anchors(anchors, params, round_index)
    M, R = params.m_neighbours, params.r_pairs
    stimuli: list[Stimulus] = []
    neighbours = np.empty((len(chosen) * M, k))
    for i, a in enumerate(chosen):
        for m in range(M):
            j = i * M + m
            seed = derive_seed(params.seed, round_index, _NEIGHBOUR, j)
            rng = np.random.default_rng(seed)
            x = anchors[a] + params.sigma_nei * rng.standard_normal(k)
            deltas = params.sigma_nes * rng.standard_normal((R, k))
            neighbours[j] = x
            for r in range(R):
                for role, z in ((Role.NES_PLUS, x + deltas[r]), (Role.NES_MINUS, x - deltas[r])):
                    sign = "+" if role is Role.NES_PLUS else "-"
                    stimuli.append(Stimulus(
                        id=f"r{round_index}-n{i:03d}-m{m}-r{r:02d}{sign}", round=round_index,
                        role=role, z=tuple(float(v) for v in z), seed=seed, neighbour=j, pair=r))
    stimuli.extend(_gold(real, params, round_index, n_gold(len(stimuli), params.gold_rate,
                                                                 params.min_gold)))
    design = {
        "schema": SCHEMA_VERSION, "kind": "nes-round", "round": round_index,
        "params": params.to_dict(), "anchor_indices": [int(a) for a in chosen],
        "n_anchors_available": int(len(anchors)), "n_real": int(len(real)), "k": int(k),
        "n_stimuli": len(stimuli),
    }
    return RoundDesign(design=design, stimuli=tuple(stimuli), neighbours=neighbours)


def rebuild_round(design: dict, anchors, *, real=None) -> RoundDesign:
    """The same round again from its design dict and anchors (bit for bit)."""
    if design.get("schema") != SCHEMA_VERSION or design.get("kind") != "nes-round":
        raise UserFacingError(
            f"round design: cannot read schema {design.get('schema')!r} kind {design.get('kind')!r}")
    params = DesignParams.from_dict(design["params"])
    return make_round(anchors, params, round_index=int(design["round"]), real=real)


def _gold(real: np.ndarray, params: DesignParams, round_index: int, count: int) -> list[Stimulus]:
    """Screening trials, alternating GOLD_REAL (a real item) and GOLD_FAR (far outside the space)."""
    centre = real.mean(axis=0)
    out = []
    for g in range(count):
        seed = derive_seed(params.seed, round_index, _GOLD, g)
        rng = np.random.default_rng(seed)
        if g % 2 == 0:
            role, z, tag = Role.GOLD_REAL, real[rng.integers(len(real))], "real"
        else:
            u = rng.standard_normal(real.shape[1])
            role, z, tag = Role.GOLD_FAR, centre + params.gold_far_radius * u / np.linalg.norm(u), "far"
        out.append(Stimulus(id=f"r{round_index}-g{g:03d}-{tag}", round=round_index, role=role,
                            z=tuple(float(v) for v in z), seed=seed))
    return out
