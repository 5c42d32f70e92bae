"""Listeners (docs/design.md 4): anything with vote(stimulus) -> bool; simulated ones know probability(z).

A presented stimulus (`Heard`) carries its id, z, and the rendered audio with its sample rate (None
when the run skips rendering). The human in the GUI is one more listener.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from hd_desktop.design.stimulus import Stimulus


@dataclass(frozen=True, eq=False)
class Heard:
    """What a listener gets: the stimulus, and its audio unless rendering was skipped."""

    stimulus: Stimulus
    audio: np.ndarray | None = None
    sample_rate: int | None = None

    @property
    def id(self) -> str:
        return self.stimulus.id

    @property
    def z(self) -> tuple[float, ...]:
        return self.stimulus.z


@dataclass(frozen=True, eq=False)
class Cell:
    """A turned box: the points centre + u @ turn with lo <= u <= hi (turn orthogonal, k x k)."""

    centre: np.ndarray
    turn: np.ndarray
    lo: np.ndarray
    hi: np.ndarray

    @property
    def volume(self) -> float:
        return float(np.prod(self.hi - self.lo))

    def draw(self, rng: np.random.Generator, m: int) -> np.ndarray:
        return self.centre + rng.uniform(self.lo, self.hi, size=(m, len(self.lo))) @ self.turn

    def holds(self, z: np.ndarray) -> np.ndarray:
        u = (z - self.centre) @ self.turn.T
        return np.all((u >= self.lo) & (u <= self.hi), axis=1)


@runtime_checkable
class Listener(Protocol):
    def vote(self, stimulus: Heard) -> bool: ...


class SimulatedListener:
    """A listener with a known acceptance `probability(z)` (no lapses) who also lapses.

    With probability `lapse` the answer is a coin flip instead; the target of sampling is
    p* ∝ probability. Subclasses define `_probability(u)` on an (n, k) array.
    """

    def __init__(self, *, lapse: float = 0.05, seed: int = 0, name: str = "simulated"):
        self.lapse, self.name = lapse, name
        self.rng = np.random.default_rng(seed)

    def probability(self, z) -> np.ndarray:
        z = np.asarray(z, dtype=np.float64)
        one = z.ndim == 1
        p = self._probability(np.atleast_2d(z))
        return p[0] if one else p

    def support(self, k: int) -> list[Cell] | None:
        """Cells in k dimensions outside all of which `probability` is negligible, or None where
        the listener cannot say (metrics.sample_target then draws from the real voices' box
        alone)."""
        return None

    def answer_rate(self, z) -> np.ndarray:
        """The expected share of "natural" answers at z, lapses included."""
        return self.lapse / 2 + (1 - self.lapse) * self.probability(z)

    def vote(self, stimulus) -> bool:
        if self.rng.uniform() < self.lapse:
            return bool(self.rng.uniform() < 0.5)
        return bool(self.rng.uniform() < self.probability(np.asarray(stimulus.z)))


def _pad(values, k: int, fill=None) -> np.ndarray:
    """The first k values, padded with `fill` (None: repeat the last value)."""
    v = list(values)[:k]
    return np.array(v + [fill if fill is not None else v[-1]] * (k - len(v)), dtype=np.float64)


def _rotate(u: np.ndarray, angle: float) -> np.ndarray:
    """Coordinates of u along the first two axes turned by `angle` (others unchanged)."""
    if u.shape[1] < 2 or not angle:
        return u
    c, s = np.cos(angle), np.sin(angle)
    u = u.copy()
    u[:, 0], u[:, 1] = c * u[:, 0] + s * u[:, 1], -s * u[:, 0] + c * u[:, 1]
    return u


class GaussianListener(SimulatedListener):
    """Accepts z with probability sigmoid(logit(exp(-|A(z - mu)|^2 / 2)) + bias), lapses aside.

    `widths` are the SDs along each axis (the last one repeats for higher dimensions) and
    `angle` rotates the first two axes.
    """

    def __init__(self, widths=(2.0,), centre=(0.0,), angle: float = 0.0, *, lapse: float = 0.05,
                 bias: float = 0.0, seed: int = 0, name: str = "gaussian"):
        super().__init__(lapse=lapse, seed=seed, name=name)
        self.widths, self.centre, self.angle, self.bias = tuple(widths), tuple(centre), angle, bias

    def _probability(self, z: np.ndarray) -> np.ndarray:
        k = z.shape[1]
        u = _rotate(z - _pad(self.centre, k, 0.0), self.angle)
        p = np.exp(-((u / _pad(self.widths, k)) ** 2).sum(axis=1) / 2)
        if self.bias:
            q = np.clip(p, 1e-12, 1 - 1e-12)
            p = 1.0 / (1.0 + np.exp(-(np.log(q) - np.log1p(-q) + self.bias)))
        return p


class CurvedListener(SimulatedListener):
    """An arc: accepts voices along the parabola u2 = bend * u1^2 - sag, not an ellipse.

    Along the arc the acceptance falls off with SD `length`, across it with SD `thickness`;
    further axes are Gaussian with SD `depth`. The real voices sit inside the arc's bend.
    """

    def __init__(self, length: float = 1.6, thickness: float = 1.0, bend: float = 0.25,
                 sag: float = 0.8, depth: float = 1.5, *, lapse: float = 0.05, seed: int = 0,
                 name: str = "curved"):
        super().__init__(lapse=lapse, seed=seed, name=name)
        self.length, self.thickness, self.bend, self.sag, self.depth = (
            length, thickness, bend, sag, depth)

    def _probability(self, z: np.ndarray) -> np.ndarray:
        u1 = z[:, 0]
        u2 = z[:, 1] if z.shape[1] > 1 else np.zeros(len(z))
        q = (u1 / self.length) ** 2 + ((u2 - self.bend * u1 ** 2 + self.sag) / self.thickness) ** 2
        q = q + ((z[:, 2:] / self.depth) ** 2).sum(axis=1)
        return np.exp(-q / 2)


class TwoLobedListener(SimulatedListener):
    """Two accepted lobes at +/-`offset` (first two axes, turned by `angle`) and a valley between.

    Each lobe is Gaussian with SDs `widths`; the acceptance is the larger of the two, so the
    valley between them (where the real voices sit) is accepted less than either lobe.
    """

    def __init__(self, offset=(1.5, 0.5), widths=(1.0, 1.2), angle: float = 0.0, depth: float = 1.5,
                 *, lapse: float = 0.05, seed: int = 0, name: str = "two-lobed"):
        super().__init__(lapse=lapse, seed=seed, name=name)
        self.offset, self.widths, self.angle, self.depth = tuple(offset), tuple(widths), angle, depth

    def _probability(self, z: np.ndarray) -> np.ndarray:
        k = z.shape[1]
        scale = _pad(list(self.widths) + [self.depth], k)
        mu = _pad(self.offset, k, 0.0)
        lobes = [np.exp(-((_rotate(z - sign * mu, self.angle) / scale) ** 2).sum(axis=1) / 2)
                 for sign in (1, -1)]
        return np.maximum(*lobes)


def wide(**kw) -> GaussianListener:
    """Isotropic and twice as wide as the real data, centred on it."""
    return GaussianListener(widths=(2.0,), centre=(0.0,), name="wide", **kw)


def shifted(**kw) -> GaussianListener:
    """Anisotropic (2.5 x 1.2 SD, tilted 30 degrees) and centred off the real data at (1, -0.5)."""
    return GaussianListener(widths=(2.5, 1.2, 1.5), centre=(1.0, -0.5), angle=np.pi / 6,
                            name="shifted", **kw)


def curved(**kw) -> CurvedListener:
    """An arc around the real voices: wider than them, and not an ellipse."""
    return CurvedListener(**kw)


def two_lobed(**kw) -> TwoLobedListener:
    """Two lobes on either side of the real voices, with a less accepted valley between."""
    return TwoLobedListener(**kw)


BUILTIN = {"wide": wide, "shifted": shifted, "curved": curved, "two-lobed": two_lobed}
