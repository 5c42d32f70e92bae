"""A stimulus: one point of the voice space that a listener hears and votes on.

This is the contract between design/ (which makes stimuli), store/ (which keeps them and
their votes), engine/ (which turns votes into estimates) and the session screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

# the farthest a point of the voice space may lie from its centre, in SD units of the real
# voices (they lie within about 3; screening voices at 8): farther is a typo or a forgery
MAX_RADIUS = 50.0


class Role(str, Enum):
    """Why a stimulus is in the design; decides how its votes are used."""

    NES_PLUS = "nes+"          # x + delta_r: first half of an antithetic pair
    NES_MINUS = "nes-"         # x - delta_r: second half
    GOLD_REAL = "gold-real"    # screening: a real item, expected accept
    GOLD_FAR = "gold-far"      # screening: far outside the space, expected reject
    PRACTICE = "practice"      # before the trials; never counted
    EVAL_REAL = "eval-real"    # evaluation session: a real voice
    EVAL_SAMPLE = "eval-sample"  # evaluation session: a sampled voice


@dataclass(frozen=True)
class Stimulus:
    """One stimulus. `z` is in voice-space units (one unit = one SD of the real data per axis)."""

    id: str                    # stable and unique within an experiment, e.g. "r0-n012-m1-r07+"
    round: int                 # the round whose design made it
    role: Role
    z: tuple[float, ...]
    seed: int                  # the seed of the draw that made it (recorded for re-rendering)
    neighbour: int | None = None  # index of its neighbour x_{n,m} within the round (NES roles)
    pair: int | None = None       # r: index of the perturbation within its neighbour (NES roles)

    @property
    def sign(self) -> int:
        """+1 for x + delta, -1 for x - delta, 0 for any other role."""
        return {Role.NES_PLUS: 1, Role.NES_MINUS: -1}.get(self.role, 0)
