"""A zoo of simulated listeners the engine's settings were not chosen on (issue 25).

Each zoo listener is drawn from its id: an acceptance region of one to three lobes (some bent
into arcs), each lobe 1.2-3 x as wide as the real voices along each axis, turned and moved off
the real voices, with an edge anywhere from a soft Gaussian to a hard plateau, and a share of the
real voices accepted between 0.3 and 0.95. Votes lapse into a coin flip 5% of the time, as the
other simulated listeners' do (listeners.py).

The zoo is split once, for good: ids 0-11 are the TUNING half (settings may be chosen on them),
ids 12-23 the HELD_OUT half (only ever reported). A test pins the split.

What is drawn from the id alone (the same in every dimension): the number of lobes, the edge, the
bends, the accepted share of the real voices. What is drawn from (id, k): the widths, the lobes'
directions and the turn. The share of the real voices accepted is met by moving the lobes away
from the centre along their directions; a standard normal sample stands in for the real voices
(they are standardised to one SD per axis), so a listener needs no voice space to be built.

    from hd_desktop.engine.zoo import zoo_listener
    listener = zoo_listener(13, seed=1)      # held-out shape 13; `seed` seeds its votes only
    hd-desktop simulate --listener builtin:zoo-13 ...
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hd_desktop.engine.listeners import Cell, SimulatedListener

ZOO_SIZE = 24
TUNING = tuple(range(0, 12))
HELD_OUT = tuple(range(12, 24))
_ZOO_SEED = 25          # the number: changing it would draw a different zoo
_CALIBRATION = 4000     # standard normal points standing in for the real voices


@dataclass(frozen=True)
class Shape:
    """One zoo listener's region in k dimensions (units: SDs of the real voices)."""

    centres: np.ndarray     # (lobes, k), before the shift that sets the real voices' acceptance
    widths: np.ndarray      # (lobes, k): SDs along the turned axes, 1.2-3
    bends: np.ndarray       # (lobes,): u2 -> u2 - bend * u1^2 (0: an ellipse, else an arc)
    rotation: np.ndarray    # (k, k) orthogonal: turned axes = rotation @ z
    hardness: float         # the edge's exponent: 1 Gaussian, up to 12 a plateau
    shift: float            # the lobes sit at shift * centres


def shape_acceptance(shape: Shape, z: np.ndarray) -> np.ndarray:
    """p(z) = max over lobes of exp(-(q^2 / 2)^hardness), q the lobe's bent, scaled distance.

    At hardness 1 each lobe is a Gaussian; as it grows, p stays near 1 out to q ~ 1 and falls
    to ~0 past q ~ 1.5 (q = sqrt(2) is always exp(-1)).
    """
    p = np.zeros(len(z))
    for centre, width, bend in zip(shape.shift * shape.centres, shape.widths, shape.bends):
        u = (z - centre) @ shape.rotation.T
        if u.shape[1] > 1 and bend:
            u = u.copy()
            u[:, 1] = u[:, 1] - bend * u[:, 0] ** 2
        q2 = ((u / width) ** 2).sum(axis=1)
        p = np.maximum(p, np.exp(-(q2 / 2) ** shape.hardness))
    return p


def shape_support(shape: Shape, floor: float = 1e-12) -> list[Cell]:
    """One cell a lobe, together holding every point where p(z) >= floor.

    p >= floor within a lobe where q^2 <= 2 ln(1/floor)^(1/hardness); there |u_j| <= q w_j on
    the lobe's turned axes, and an arc's bend moves u2 by up to bend * u1^2 on one side.
    """
    reach = np.sqrt(2 * np.log(1 / floor) ** (1 / shape.hardness))
    cells = []
    for centre, width, bend in zip(shape.shift * shape.centres, shape.widths, shape.bends):
        hi = reach * width
        lo = -hi
        if len(width) > 1 and bend:
            lo, hi = lo.copy(), hi.copy()
            lo[1] += min(bend * hi[0] ** 2, 0.0)
            hi[1] += max(bend * hi[0] ** 2, 0.0)
        cells.append(Cell(centre, shape.rotation, lo, hi))
    return cells


@dataclass(frozen=True)
class Family:
    """What a zoo id fixes in every dimension."""

    lobes: int
    hardness: float
    bends: tuple[float, ...]
    real_acceptance: float      # the share of the real voices it accepts (0.3-0.95)


def family(zoo_id: int) -> Family:
    _check_id(zoo_id)
    rng = np.random.default_rng([_ZOO_SEED, zoo_id])
    lobes = int(rng.integers(1, 4))
    hardness = float(np.exp(rng.uniform(0.0, np.log(12.0))))
    bends = tuple(float(rng.uniform(0.15, 0.4)) if rng.uniform() < 0.5 else 0.0
                  for _ in range(lobes))
    return Family(lobes, hardness, bends, float(rng.uniform(0.3, 0.95)))


def draw_shape(zoo_id: int, k: int) -> Shape:
    """Zoo listener `zoo_id`'s region in k dimensions, its shift met by bisection."""
    fam = family(zoo_id)
    rng = np.random.default_rng([_ZOO_SEED, zoo_id, k])
    widths = rng.uniform(1.2, 3.0, size=(fam.lobes, k))
    directions = rng.normal(size=(fam.lobes, k))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    centres = directions * rng.uniform(0.5, 1.5, size=(fam.lobes, 1))
    rotation, r = np.linalg.qr(rng.normal(size=(k, k)))
    rotation = rotation * np.sign(np.diag(r))
    shape = Shape(centres, widths, np.array(fam.bends), rotation, fam.hardness, 0.0)
    stand_in = np.random.default_rng([_ZOO_SEED, 0, k]).normal(size=(_CALIBRATION, k))
    return _calibrated(shape, stand_in, fam.real_acceptance)


def _calibrated(shape: Shape, real: np.ndarray, target: float) -> Shape:
    """The shape moved out along its lobes' directions until it accepts `target` of `real` on
    average (the largest shift at or below it; shift 0 when even the centred shape accepts less)."""
    def accepted(s: float) -> float:
        return float(shape_acceptance(Shape(**{**shape.__dict__, "shift": s}), real).mean())

    lo, hi = 0.0, 1.0
    if accepted(lo) <= target:
        return shape
    while accepted(hi) > target and hi < 64:
        lo, hi = hi, 2 * hi
    for _ in range(40):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if accepted(mid) > target else (lo, mid)
    return Shape(**{**shape.__dict__, "shift": hi})


class ZooListener(SimulatedListener):
    """Zoo listener `zoo_id` (see the module's docstring); its region in k dimensions is drawn on
    first use in k dimensions and kept."""

    def __init__(self, zoo_id: int, *, lapse: float = 0.05, seed: int = 0):
        _check_id(zoo_id)
        half = "tuning" if zoo_id in TUNING else "held-out"
        super().__init__(lapse=lapse, seed=seed, name=f"zoo-{zoo_id} ({half})")
        self.zoo_id = zoo_id
        self._shapes: dict[int, Shape] = {}

    def shape(self, k: int) -> Shape:
        if k not in self._shapes:
            self._shapes[k] = draw_shape(self.zoo_id, k)
        return self._shapes[k]

    def _probability(self, z: np.ndarray) -> np.ndarray:
        return shape_acceptance(self.shape(z.shape[1]), z)

    def support(self, k: int) -> list[Cell]:
        return shape_support(self.shape(k))


def zoo_listener(zoo_id: int, **kw) -> ZooListener:
    return ZooListener(zoo_id, **kw)


def zoo_ids(half: str) -> tuple[int, ...]:
    """The ids of a half: "tuning", "held-out" or "all"."""
    halves = {"tuning": TUNING, "held-out": HELD_OUT, "all": TUNING + HELD_OUT}
    if half not in halves:
        raise ValueError(f"no zoo half {half!r} (known: {', '.join(halves)})")
    return halves[half]


def half_of(zoo_id: int) -> str:
    _check_id(zoo_id)
    return "tuning" if zoo_id in TUNING else "held-out"


def _check_id(zoo_id: int) -> None:
    if not (isinstance(zoo_id, (int, np.integer)) and 0 <= zoo_id < ZOO_SIZE):
        raise ValueError(f"no zoo listener {zoo_id!r}: ids are 0-{ZOO_SIZE - 1}")
