"""Does an imported stimulus fit the voice space and the design of its round?

A rating file can agree with itself (rows, sidecar and checksum) and still describe stimuli that
no design of this experiment made: coordinates of another space, 1e300, or new ids in a round.
Once their votes are stored they are never deleted, and the engine could not update again, so
they are refused at import. A round's NES stimuli are re-derived from its stored design and
seeds (design/rounds.py: the draws depend on the design's seed, never on the anchors, which
only shift a whole neighbour): each stimulus must be one the design makes, with the seed,
neighbour and pair it makes, and the stimuli of one neighbour (and the gold-far ones) must sit
at one common offset from the re-derived points.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from hd_desktop.design.stimulus import MAX_RADIUS, Role, Stimulus

MAX_STIMULI = 2_000_000  # a design that would make more is not one this app wrote
_TOLERANCE = 1e-9        # the offsets agree to rounding error (about 1e-14 here)


def misfit_coordinates(s: Stimulus, dims: int) -> str | None:
    """Why `s` cannot be a point of a `dims`-dimensional voice space, or None."""
    if len(s.z) != dims:
        return f"stimulus {s.id} has {len(s.z)} coordinates; the experiment's voice space has {dims}"
    if not all(math.isfinite(v) for v in s.z):
        return f"stimulus {s.id} has coordinates that are not finite"
    radius = math.hypot(*s.z)
    if radius > MAX_RADIUS:
        return (f"stimulus {s.id} lies {radius:.3g} SD from the centre of the voice space; "
                f"stimuli lie within {MAX_RADIUS:g}")
    return None


def is_nes_design(design: Any) -> bool:
    return isinstance(design, dict) and design.get("kind") == "nes-round"


def misfit_round(index: int, design: dict[str, Any], dims: int,
                 stimuli: Iterable[Stimulus]) -> tuple[str | None, str] | None:
    """(id of the stimulus at fault or None for the design, why) when these stimuli (stored and
    imported together) are not all made by round `index`'s nes-round `design` in a
    `dims`-dimensional space; None when they are."""
    why = _misfit_round(index, design, dims, stimuli)
    return None if why is None else why if isinstance(why, tuple) else (None, why)


def _misfit_round(index: int, design: dict[str, Any], dims: int,
                  stimuli: Iterable[Stimulus]) -> tuple[str, str] | str | None:
    from hd_desktop.design.params import DesignParams, n_gold
    from hd_desktop.design.rounds import make_round
    from hd_desktop.errors import UserFacingError

    try:
        params = DesignParams.from_dict(design["params"])
        sizes = {key: design[key] for key in ("round", "k", "n_anchors_available", "n_real",
                                              "n_stimuli")}
    except (UserFacingError, KeyError, TypeError, ValueError) as exc:
        return f"round {index}'s design cannot be read ({exc})"
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in sizes.values()):
        return f"round {index}'s design has sizes that are not whole numbers"
    if sizes["round"] != index or sizes["k"] != dims:
        return (f"round {index}'s design is for round {sizes['round']} of a {sizes['k']}-"
                f"dimensional space, not round {index} of this {dims}-dimensional one")
    available, n_real = sizes["n_anchors_available"], sizes["n_real"]
    used = min(available, params.n_anchors or available)
    nes = 2 * used * params.m_neighbours * params.r_pairs
    if not (1 <= available <= MAX_STIMULI and 1 <= n_real <= MAX_STIMULI
            and nes + n_gold(nes, params.gold_rate) <= MAX_STIMULI):
        return f"round {index}'s design is larger than any this app makes"
    made = make_round(np.zeros((available, dims)), params, round_index=index,
                      real=np.zeros((n_real, dims)))
    if len(made.stimuli) != sizes["n_stimuli"]:
        return (f"round {index}'s design says {sizes['n_stimuli']} stimuli, but its parameters "
                f"make {len(made.stimuli)}")
    expected = {s.id: s for s in made.stimuli}
    offsets: dict[Any, np.ndarray] = {}
    for s in stimuli:
        if s.role == Role.PRACTICE:
            if not s.id.startswith(f"r{index}-practice-"):
                return s.id, (f"practice stimulus {s.id} is not named as round {index}'s "
                              "practice voices")
            continue
        g = expected.get(s.id)
        if g is None:
            return s.id, f"stimulus {s.id} is not one that round {index}'s design makes"
        if (s.role, s.seed, s.neighbour, s.pair) != (g.role, g.seed, g.neighbour, g.pair):
            return s.id, (f"stimulus {s.id} has another role, seed, neighbour or pair than "
                          f"round {index}'s design gives it")
        if s.role == Role.GOLD_REAL:
            continue  # a real voice: its coordinates come from the space, not from the seeds
        key = s.neighbour if s.role in (Role.NES_PLUS, Role.NES_MINUS) else "gold-far"
        offset = np.subtract(s.z, g.z)
        first = offsets.setdefault(key, offset)
        if np.max(np.abs(offset - first)) > _TOLERANCE * (1.0 + np.max(np.abs(first))):
            what = "its gold-far voices" if key == "gold-far" else f"neighbour {key}"
            return s.id, (f"stimulus {s.id} does not lie where round {index}'s design and seeds "
                          f"put it (the other stimuli of {what} place it elsewhere)")
    return None
