"""Listeners (DESIGN.md 4): anything with vote(stimulus) -> bool; simulated ones know probability(z).

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


@runtime_checkable
class Listener(Protocol):
    def vote(self, stimulus: Heard) -> bool: ...


class GaussianListener:
    """Accepts z with probability sigmoid(logit(exp(-|A(z - mu)|^2 / 2)) + bias), lapses aside.

    With probability `lapse` the answer is a coin flip instead. probability(z) is the acceptance
    without lapses (the target p* ∝ probability); `widths` are the SDs along each axis (the last
    one repeats for higher dimensions) and `angle` rotates the first two axes.
    """

    def __init__(self, widths=(2.0,), centre=(0.0,), angle: float = 0.0, *, lapse: float = 0.05,
                 bias: float = 0.0, seed: int = 0, name: str = "gaussian"):
        self.widths, self.centre, self.angle = tuple(widths), tuple(centre), angle
        self.lapse, self.bias, self.name = lapse, bias, name
        self.rng = np.random.default_rng(seed)

    def _pad(self, values, k: int, fill) -> np.ndarray:
        v = list(values)[:k]
        return np.array(v + [fill if fill is not None else v[-1]] * (k - len(v)), dtype=np.float64)

    def probability(self, z) -> np.ndarray:
        z = np.asarray(z, dtype=np.float64)
        one = z.ndim == 1
        z = np.atleast_2d(z)
        k = z.shape[1]
        u = z - self._pad(self.centre, k, 0.0)
        if k >= 2 and self.angle:
            c, s = np.cos(self.angle), np.sin(self.angle)
            u = u.copy()
            u[:, 0], u[:, 1] = c * u[:, 0] + s * u[:, 1], -s * u[:, 0] + c * u[:, 1]
        q = ((u / self._pad(self.widths, k, None)) ** 2).sum(axis=1)
        p = np.exp(-q / 2)
        if self.bias:
            logit = np.log(np.clip(p, 1e-12, 1 - 1e-12)) - np.log1p(-np.clip(p, 1e-12, 1 - 1e-12))
            p = 1.0 / (1.0 + np.exp(-(logit + self.bias)))
        return p[0] if one else p

    def vote(self, stimulus) -> bool:
        if self.rng.uniform() < self.lapse:
            return bool(self.rng.uniform() < 0.5)
        return bool(self.rng.uniform() < self.probability(np.asarray(stimulus.z)))


def wide(**kw) -> GaussianListener:
    """Isotropic and twice as wide as the real data, centred on it."""
    return GaussianListener(widths=(2.0,), centre=(0.0,), name="wide", **kw)


def shifted(**kw) -> GaussianListener:
    """Anisotropic (2.5 x 1.2 SD, tilted 30 degrees) and centred off the real data at (1, -0.5)."""
    return GaussianListener(widths=(2.5, 1.2, 1.5), centre=(1.0, -0.5), angle=np.pi / 6,
                            name="shifted", **kw)


BUILTIN = {"wide": wide, "shifted": shifted}
