"""Settings of estimates, training and sampling, with presets and a versioned JSON form.

Why the defaults are what they are, in short (the measurements, their commands and commits are in
docs/engine.md): every vote at its own point (loss bernoulli), because the paper's squared error
needs pairs with both halves voted; NES gradients from single votes are mostly noise (grad_weight
0.1); pseudo-votes "not natural" and an envelope keep S_D from a floor over the empty space; MALA
chains kept near a voted voice, because where no voice was voted the model is a guess. From 4
dimensions on the votes are smoothed by a GP classifier first (loss gp) with fixed settings, in
five rounds of about 400 votes (default_plan); the link from the GP's latent to D-hat is the one
that foretold the latest round's votes best (a steeper one past a hard edge, else the posterior
mean); and the samples are the chains' states weighted by 1 / the reach's cover where the GP is
sure the listener accepts, because in 4-6 dimensions the reach around sparsely voted voices is
porous and narrowed soft regions (the held-out half of the zoo: 4-D 0.132 -> 0.075, 6-D 0.417 ->
0.259). Every setting is checked where it is set: a misspelt choice or a non-number is refused
with its name, not when training starts.
"""

from __future__ import annotations

import numbers

from dataclasses import asdict, dataclass, fields, replace

from hd_desktop.design.params import non_finite_fields
from hd_desktop.errors import UserFacingError

SCHEMA_VERSION = 1
CHOICES = {"loss": ("auto", "bernoulli", "gp", "paper"),       # training.py's LOSSES and "auto"
           "activation": ("silu", "tanh", "relu", "elu")}      # network.py's ACTIVATIONS
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


@dataclass(frozen=True)
class EngineConfig:
    """Everything after the votes: screening, network, Adam, Langevin (docs/design.md 1.4-1.6)."""

    screen_threshold: float = 0.6   # gold accuracy below this drops a listener (screening.py)
    floor_correction: bool = True   # remove the lapse floor measured on GOLD_FAR voices
    learn_floor: bool = True        # bernoulli loss: fit the floor with the network (training.py)
    loss: str = "auto"              # "bernoulli": every vote at its own point; "gp"; "paper"
                                    # (training.py); "auto": gp from GP_FROM_DIMS dimensions on,
                                    # else bernoulli
    width: int = 64
    activation: str = "silu"
    envelope: bool = True           # S_D falls off far from the votes (network.py)
    lr: float = 3e-3
    train_steps: int = 1500
    weight_decay: float = 0.0
    grad_weight: float = 0.1        # weight of the S_VD term in the loss (paper: 1)
    consistency: float = 1.0        # weight of |S_VD - grad S_D|^2 (bernoulli loss only)
    prior_votes: float = 100.0      # pseudo-votes "not natural" spread over the region (training.py)
    gp_lengthscale: float = 1.0     # loss "gp": SDs in 2-D, x sqrt(k/2) in k-D (smoother.py)
    gp_outputscale: float = 2.0
    gp_mean: float = -4.0
    gp_inducing: int = 500
    gp_floor: float | None = None   # loss "gp": the lapse floor (None: the votes' most likely)
    gp_floor_max: float = 1.0       # loss "gp": the most likely floor sought up to this
    gp_copies: int = 2              # loss "gp": points near each voted one the network learns D-hat at
    gp_median: bool = False         # loss "gp": D-hat = the posterior median of D, not its mean
                                    # (sharper past a hard edge; docs/engine.md)
    gp_steepness: float | None = None   # loss "gp": D-hat = Phi(a mu / sqrt(1 + c var)), a this,
    gp_var_weight: float | None = None  # c this (a = c = 1: the mean; c = 0: the median); None:
                                    # the one whose D-hat fitted without the latest round
                                    # foretells its votes best (smoother.link_by_votes): past
                                    # a hard edge a steeper link, on soft shapes the mean
    gp_link_loo_margin: float | None = None  # a link the latest round's votes chose is kept
                                    # only if it also foretells every vote, each left out in
                                    # turn, better than the mean by this many nats when both
                                    # may shift D-hat's level (rounds._link; docs/engine.md);
                                    # None: not asked
    gp_link_shape_margin: float | None = None  # a link chosen by the votes must also beat the
                                    # mean by this many nats when both may shift D-hat's level
                                    # (smoother.link_by_votes; a trial, docs/engine.md);
                                    # None: not asked
    eps: float = 0.1
    sampler_steps: int = 2000
    n_chains: int = 1000
    adjust: bool = True             # Metropolis-adjust the Langevin moves with S_D (sampler.py)
    d_floor: float = 0.05           # guard of S_VD / S_D
    region_margin: float = 0.5      # the covered region grows by this many SDs (sampler.py)
    region_reach: float | None = 0.5   # stay this near a voted voice: SDs in 2-D, x sqrt(k/2) in k-D
    cover_radius: float | None = 2.0   # loss gp: samples drawn from the chains' second half
                                    # weighted by 1 / the reach's cover of a ball this many
                                    # reaches wide (sampler.by_cover): the porous reach of 4-6
                                    # dimensions no longer narrows soft regions; None: the
                                    # chains' last states (docs/engine.md)
    cover_level: float | None = 0.05  # with cover_radius: a state's weight is 1 / cover ** the
                                    # smoother's P(D > this), so the sparse shell past a hard
                                    # edge, where the votes leave D unsure, keeps the chains'
                                    # own weight; None: 1 / cover everywhere (hard edges leak)
    region_radius: float | None = None  # or: within this many D-weighted SDs of the estimates

    def __post_init__(self) -> None:
        bad = [f"{name}={value!r}" for name, value in non_finite_fields(self)]
        if bad:
            raise UserFacingError(f"engine settings: {', '.join(bad)} must be finite numbers")
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in CHOICES and value not in CHOICES[f.name]:
                raise UserFacingError(f"engine settings: {f.name}={value!r} is not one of "
                                      f"{', '.join(CHOICES[f.name])}")
            kind, optional = f.type.split(" | ")[0], f.type.endswith("| None")
            if value is None and optional:
                continue
            if kind == "bool" and type(value).__name__ not in ("bool", "bool_"):
                raise UserFacingError(f"engine settings: {f.name}={value!r} must be true or false")
            if kind in ("int", "float") and (type(value).__name__ in ("bool", "bool_")
                                             or not isinstance(value, numbers.Real)):
                raise UserFacingError(f"engine settings: {f.name}={value!r} must be a number"
                                      + (" or none" if optional else ""))

        if self.gp_var_weight is not None and self.gp_var_weight < 0:
            raise UserFacingError(f"engine settings: gp_var_weight={self.gp_var_weight!r} must be "
                                  "0 or more (1: the posterior mean of D, 0: its median) or none")
        for name in ("gp_link_shape_margin", "gp_link_loo_margin"):
            if getattr(self, name) is not None and getattr(self, name) < 0:
                raise UserFacingError(f"engine settings: {name}={getattr(self, name)!r} must be "
                                      "0 or more or none")
        if self.cover_level is not None and not 0 < self.cover_level < 1:
            raise UserFacingError(f"engine settings: cover_level={self.cover_level!r} must be "
                                  "between 0 and 1 (an acceptance) or none")
        if self.gp_steepness is not None and self.gp_steepness <= 0:
            raise UserFacingError(f"engine settings: gp_steepness={self.gp_steepness!r} must be "
                                  "more than 0 (1: the GP's own link) or none")

    def for_dims(self, k: int) -> "EngineConfig":
        """These settings for a k-dimensional space: loss "auto" becomes the one it stands for."""
        if self.loss != "auto":
            return self
        return replace(self, loss=default_plan(k).loss)

    def to_dict(self) -> dict:
        return {"schema": SCHEMA_VERSION, **asdict(self)}

    @classmethod
    def from_dict(cls, data: dict) -> "EngineConfig":
        data = dict(data)
        if data.pop("schema", None) != SCHEMA_VERSION:
            raise UserFacingError("engine settings: unsupported schema version")
        unknown = set(data) - {f.name for f in fields(cls)}
        if unknown:
            raise UserFacingError(f"engine settings: unknown keys {sorted(unknown)}")
        return cls(**data)

    def with_overrides(self, **changes) -> "EngineConfig":
        known = {f.name: type(getattr(self, f.name)) for f in fields(self)}
        typed = {}
        for name, value in changes.items():
            if name not in known:
                raise UserFacingError(f"engine settings: no setting {name!r} (known: {', '.join(known)})")
            kind = float if known[name] is type(None) else known[name]
            if isinstance(value, str) and kind is not bool and value.lower() in ("none", "null", "off"):
                value = None
            elif isinstance(value, str) and kind is bool:
                if value.lower() not in _TRUE + _FALSE:
                    raise UserFacingError(f"engine settings: {name}={value!r} is not true or false "
                                          f"(write one of {', '.join(_TRUE + _FALSE)})")
                value = value.lower() in _TRUE
            elif isinstance(value, str) and kind is not str:
                try:
                    value = kind(value)
                except ValueError:
                    raise UserFacingError(f"engine settings: {name}={value!r} is not a {kind.__name__}") from None
            typed[name] = value
        return replace(self, **typed)


GP_FROM_DIMS = 4


@dataclass(frozen=True)
class Plan:
    """How the default engine is run in a space of some dimension: its loss, how many rounds a
    vote budget is shared by (simulate, benchmarks/efficiency.py) and the design preset the
    Experiment tab starts from (rounds of about that size)."""

    loss: str
    rounds: int
    design: str


def default_plan(k: int) -> Plan:
    """Below GP_FROM_DIMS every vote at its own point, in three rounds; from there on the votes
    smoothed by a GP classifier first, in five rounds of about 400 votes, so each round carries
    the votes a neighbour's spread further out (README, Vote efficiency). In 3-D the gp plan
    spread too wide from 2000 votes on (the arc 0.33 / 0.36 at 2000 / 3000 votes, accepted
    0.76 / 0.83 x the target's, against 0.47 / 0.10 for bernoulli in three rounds)."""
    if k >= GP_FROM_DIMS:
        return Plan(loss="gp", rounds=5, design="lab-20min")
    return Plan(loss="bernoulli", rounds=3, design="lab-hour")


ENGINE_PRESETS = {
    # Ueda et al. 2023: plain Langevin, eps 0.003, T 10000 (with the guards it had before the
    # default moved to the reach guard: the covered region and 3 D-weighted SDs).
    "paper": EngineConfig(loss="paper", envelope=False, consistency=0.0, learn_floor=False,
                          prior_votes=0.0, grad_weight=1.0, eps=0.003, sampler_steps=10000,
                          adjust=False, train_steps=2000, region_reach=None, region_radius=3.0),
    "default": EngineConfig(),
    # Every vote at its own point in any dimension (the default below 4 dimensions).
    "bernoulli": EngineConfig(loss="bernoulli"),
    # Every vote smoothed by a GP classifier (smoother.py) in any dimension (the default from
    # 4 on); behind bernoulli in 2-D and 3-D, at 3000 votes and on a broad ellipse (README).
    "gp": EngineConfig(loss="gp"),
}

PRESET_NOTES = {
    "paper": "Ueda et al. 2023 as published: squared error on NES rates, plain Langevin, "
             "eps 0.003, 10000 steps",
    "default": "bernoulli in 2 and 3 dimensions; from 4 dimensions on gp, in rounds of about "
               "400 votes (the Experiment tab proposes lab-20min there)",
    "bernoulli": "every vote at its own point (Bernoulli likelihood with the lapse floor); "
                 "the default below 4 dimensions",
    "gp": "every vote smoothed by a GP classifier first; in five rounds of about 400 votes "
          "(lab-20min) it followed curved and two-lobed regions of a 4-dimensional space at 2000 "
          "votes, where bernoulli needs 3000; on a broad ellipse bernoulli did better",
}


def preset_note(name: str, k: int | None = None) -> str:
    """What a preset does; for `default` in a k-dimensional space, what it does there."""
    if name == "default" and k is not None:
        loss = default_plan(k).loss
        return f"in this {k}-dimensional space as {loss}: {PRESET_NOTES[loss]}"
    return PRESET_NOTES.get(name, "")


def engine_preset(name: str) -> EngineConfig:
    try:
        return ENGINE_PRESETS[name]
    except KeyError:
        raise UserFacingError(
            f"no engine preset {name!r} (known: {', '.join(ENGINE_PRESETS)})") from None
