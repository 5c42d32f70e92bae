"""Settings of estimates, training and sampling, with presets and a versioned JSON form.

The defaults were chosen with benchmarks/efficiency.py (the curved and two-lobed listeners, 5%
lapses, 500-3000 votes over three rounds, seeds 1-3, k = 2 and 4, beside a GP classifier) after
benchmarks/engine.py on the elliptic ones. loss=bernoulli: every vote at its own point; the
squared error on per-neighbour rates (the paper's loss) needs pairs with both halves voted and
treats a single vote as a rate of 0 or 1. grad_weight 0.1: NES gradients from single votes are
mostly noise, and at weight 1 they pulled S_D's slope with them (curved, 1000 votes: fidelity
0.5 at 1 vs 0.16 at 0.1). prior_votes 100 and the envelope: without them S_D kept a floor of a
few percent over the empty space around the voices, which at p* ∝ D held a large share of the
mass (fidelity 0.4-1.2 on the grid of the curved listener). 1500 Adam steps: 500 under-fit the
arc. MALA with eps 0.1 for 2000 steps (chains cross the acceptable region several times), kept
within 0.5 SD of a voted voice (sampler.py): where no voice was voted the tails grew bumps
(curved 500 votes: 0.91 with no guard). The earlier guard, 3 SDs of the D-weighted ellipse of
the estimates, cut an arc's tips: curved, seeds 1-6, median fidelity 0.53 -> 0.18 at 500 votes
and 0.18 -> 0.12 at 1000 (two-lobed 0.02 -> 0.08 and 0.04 -> 0.04). The paper preset:
fidelity ~1.0, spread ~1.0 (eps 0.003 x sqrt(10000) moves a chain ~0.3 SD in our units, so the
samples stay on the real data).

loss=gp: a GP classifier of every vote (smoother.py) gives D-hat and grad D-hat, and the
network learns those. Its settings are fixed, not fitted to the listener: length scale 1 SD
(x sqrt(k/2), as the reach), outputscale 2, prior mean -4 (acceptance 0.01 far from every vote),
and the lapse floor of highest evidence (the far voices alone, about 25 of them in 1000 votes
and often none accepted, put it at 0.005, and every lapse became a bump). Below the lapse floor
the votes cannot pull D-hat under the prior's own 0.01, and as the rounds spread the votes that
0.01 covers ever more of the region the chains may enter: with many votes in few dimensions
the samples grow too wide (2-D, the arc at 3000 votes: 0.38 against bernoulli's 0.04). A lower
prior there (mean -6, a mean falling away from the real voices) mends 3000 votes and spoils
500-2000 (benchmarks/efficiency.py; README).

The default (loss "auto", default_plan): bernoulli in three rounds below 4 dimensions; from 4
on, gp in five rounds of about 400 votes (design preset lab-20min in the app). In 4-D at 2000
votes that reached the arc 0.13 / 0.12 and two lobes 0.10 / 0.07 (seeds 1-6 / 7-12), where
bernoulli in three rounds reached 0.34 / 0.45 and 0.13 / 0.18; at 3000 votes it is behind
bernoulli (the arc 0.22 against 0.13), and on the broad `wide` ellipse too (0.31 against 0.19).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

from hd_desktop.design.params import non_finite_fields
from hd_desktop.errors import UserFacingError

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class EngineConfig:
    """Everything after the votes: screening, network, Adam, Langevin (DESIGN.md 1.4-1.6)."""

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
    gp_copies: int = 2              # loss "gp": points near each voted one the network learns D-hat at
    eps: float = 0.1
    sampler_steps: int = 2000
    n_chains: int = 1000
    adjust: bool = True             # Metropolis-adjust the Langevin moves with S_D (sampler.py)
    d_floor: float = 0.05           # guard of S_VD / S_D
    region_margin: float = 0.5      # the covered region grows by this many SDs (sampler.py)
    region_reach: float | None = 0.5   # stay this near a voted voice: SDs in 2-D, x sqrt(k/2) in k-D
    region_radius: float | None = None  # or: within this many D-weighted SDs of the estimates

    def __post_init__(self) -> None:
        bad = [f"{name}={value!r}" for name, value in non_finite_fields(self)]
        if bad:
            raise UserFacingError(f"engine settings: {', '.join(bad)} must be finite numbers")

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
            if isinstance(value, str) and value.lower() in ("none", "null", "off"):
                value = None
            elif isinstance(value, str) and kind is bool:
                value = value.lower() in ("1", "true", "yes", "on")
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
