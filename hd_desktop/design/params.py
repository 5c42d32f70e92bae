"""The parameters of a round's design (docs/design.md 1.3), their presets and their JSON form.

Units: sigmas are in voice-space units (1 = one SD of the real data per axis). The paper's
sigma_nei 10 and sigma_NES 1.0 are in raw PCA units whose scale it does not report, so they
cannot be copied. In our units the listener's acceptable region is a few SD wide: neighbours
one SD from their anchor reach past the real data without leaving the region in one round, and
perturbations of half an SD resolve a slope of D while smoothing D by only ~3% of its width
(the D estimate at x is D averaged over x +/- delta). The benchmark in benchmarks/engine.py
checks these values against the simulated listeners.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace

from hd_desktop.errors import UserFacingError

SCHEMA_VERSION = 1
ANCHOR_CHOICES = ("random", "spread")


@dataclass(frozen=True)
class DesignParams:
    """Everything that shapes one round's stimuli; the seed makes every draw reproducible."""

    n_anchors: int | None = 100     # N: anchors used per round (None = all of them)
    m_neighbours: int = 3           # M: neighbours per anchor
    r_pairs: int = 20               # R: antithetic pairs per neighbour
    sigma_nei: float = 1.0          # neighbour spread around an anchor (SD units)
    sigma_nes: float = 0.5          # NES perturbation SD (SD units)
    anchors: str = "random"         # which N anchors: "random" subset, or "spread" over them (rounds.py)
    gold_rate: float = 0.05         # share of all trials that are screening (gold) trials
    gold_far_radius: float = 8.0    # GOLD_FAR voices sit this far from the real mean (SD units)
    min_gold: int = 0               # at least this many screening trials (the experiment's
                                    # minimum of screening answers, so one session judges)
    stimulus_seconds: float = 1.0   # length of one stimulus
    response_seconds: float = 1.5   # typical time to answer after it ends
    seed: int = 0

    def __post_init__(self) -> None:
        problems = [f"{name} must be a finite number, not {value!r}"
                    for name, value in non_finite_fields(self)]
        if self.n_anchors is not None and self.n_anchors < 1:
            problems.append("n_anchors must be at least 1 (or null for all)")
        if self.m_neighbours < 1 or self.r_pairs < 1:
            problems.append("m_neighbours and r_pairs must be at least 1")
        if problems:  # the comparisons below mean nothing for NaN
            raise UserFacingError("design parameters: " + "; ".join(problems))
        if self.sigma_nei < 0 or self.sigma_nes <= 0:
            problems.append("sigma_nei must be >= 0 and sigma_nes > 0")
        if self.anchors not in ANCHOR_CHOICES:
            problems.append(f"anchors must be one of {', '.join(ANCHOR_CHOICES)}")
        if not 0 <= self.min_gold <= 1000:
            problems.append("min_gold must be from 0 to 1000")
        if not 0 <= self.gold_rate < 1:
            problems.append("gold_rate must be in [0, 1)")
        if problems:
            raise UserFacingError("design parameters: " + "; ".join(problems))

    def to_dict(self) -> dict:
        """The JSON form, with its schema version (min_gold only when set, so a design made
        without a minimum reads as it always did)."""
        data = {"schema": SCHEMA_VERSION, **asdict(self)}
        if not self.min_gold:
            del data["min_gold"]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "DesignParams":
        """Read the JSON form; refuse unknown schema versions or keys."""
        data = dict(data)
        schema = data.pop("schema", None)
        if schema != SCHEMA_VERSION:
            raise UserFacingError(
                f"design parameters: schema version {schema!r} is not supported "
                f"(this version reads {SCHEMA_VERSION})")
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise UserFacingError(f"design parameters: unknown keys {sorted(unknown)}")
        return cls(**data)

    def with_overrides(self, **changes) -> "DesignParams":
        """A copy with some parameters changed (values as typed, e.g. from the command line)."""
        known = {f.name: f for f in fields(self)}
        typed = {}
        for name, value in changes.items():
            if name not in known:
                raise UserFacingError(
                    f"design parameters: no parameter {name!r} (known: {', '.join(known)})")
            typed[name] = _coerce(name, value, getattr(self, name))
        return replace(self, **typed)


def non_finite_fields(settings) -> list[tuple[str, float]]:
    """(name, value) of each float field of a settings dataclass that is NaN or infinite."""
    return [(f.name, getattr(settings, f.name)) for f in fields(settings)
            if isinstance(getattr(settings, f.name), float)
            and not math.isfinite(getattr(settings, f.name))]


def _coerce(name: str, value, current):
    if not isinstance(value, str) or name == "anchors":
        return value
    if name == "n_anchors" and value.lower() in ("all", "none", "null"):
        return None
    try:
        return int(value) if name in ("n_anchors", "m_neighbours", "r_pairs", "seed", "min_gold") \
            else float(value)
    except ValueError:
        raise UserFacingError(f"design parameters: {name}={value!r} is not a number") from None


PRESETS: dict[str, DesignParams] = {
    # Ueda et al. 2023: N 100 (or all items), M 3, R 20; 12 000 NES stimuli a round, 105 listeners.
    "paper": DesignParams(n_anchors=100, m_neighbours=3, r_pairs=20),
    # One listener, about one hour: 1440 trials of ~2.5 s.
    "lab-hour": DesignParams(n_anchors=40, m_neighbours=2, r_pairs=8),
    # The engine's default: one listener, two hours over three rounds (~3000 votes). Many
    # neighbours with two pairs each, on anchors spread over the samples: with the bernoulli
    # loss every vote informs D where it was cast, so covering more places beats more pairs
    # per place (benchmarks/efficiency.py).
    "default": DesignParams(n_anchors=60, m_neighbours=4, r_pairs=2, anchors="spread"),
    # Rounds of about 400 trials (18 minutes for one listener) on spread anchors, one neighbour
    # each: in 4 or more dimensions five of them with the gp engine reach at 2000 votes what
    # three larger rounds need 3000 for (README, Vote efficiency).
    "lab-20min": DesignParams(n_anchors=100, m_neighbours=1, r_pairs=2, anchors="spread"),
}


def preset(name: str) -> DesignParams:
    """A named preset; the message lists the known ones."""
    try:
        return PRESETS[name]
    except KeyError:
        raise UserFacingError(
            f"no design preset {name!r} (known: {', '.join(PRESETS)})") from None


def count_stimuli(params: DesignParams, n_available: int) -> dict:
    """Numbers of stimuli in one round and its estimated listening time for one listener."""
    n = n_available if params.n_anchors is None else min(params.n_anchors, n_available)
    nes = 2 * n * params.m_neighbours * params.r_pairs
    gold = n_gold(nes, params.gold_rate, params.min_gold)
    trials = nes + gold
    seconds = trials * (params.stimulus_seconds + params.response_seconds)
    return {"anchors": n, "nes": nes, "gold": gold, "trials": trials, "seconds": seconds}


def fit_to_budget(params: DesignParams, n_available: int, votes: int) -> DesignParams:
    """The design shrunk to what `votes` votes can cover in full: fewer neighbours, then pairs.

    A round larger than its votes would leave most antithetic pairs half voted. This keeps R
    and the sigmas, takes as many neighbours as the votes allow, spreads them over as many
    anchors as there are (one neighbour each where there are enough), and only when even one
    neighbour is too many, fewer pairs.
    """
    def trials(neighbours: int, r_pairs: int) -> int:
        nes = 2 * neighbours * r_pairs
        return nes + n_gold(nes, params.gold_rate, params.min_gold)

    n = n_available if params.n_anchors is None else min(params.n_anchors, n_available)
    if trials(n * params.m_neighbours, params.r_pairs) <= votes:
        return params
    affordable = max((t for t in range(n * params.m_neighbours, 0, -1)
                      if trials(t, params.r_pairs) <= votes), default=0)
    if affordable == 0:
        r = max((r for r in range(params.r_pairs, 0, -1) if trials(1, r) <= votes), default=1)
        return replace(params, n_anchors=1, m_neighbours=1, r_pairs=r)
    anchors = min(n_available, affordable)
    return replace(params, n_anchors=anchors,
                   m_neighbours=max(1, min(params.m_neighbours, affordable // anchors)))


def n_gold(n_nes: int, rate: float, minimum: int = 0) -> int:
    """Gold trials so that they make up `rate` of all trials, and at least `minimum`."""
    return max(int(round(n_nes * rate / (1.0 - rate))), int(minimum))
