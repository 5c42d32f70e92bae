"""One engine update for the app: every vote so far -> estimates -> score network -> samples.

torch loads only when a job runs (engine.rounds imports it), so opening the app stays quick.
The GUI takes an immutable snapshot of the store on its own thread (fast) and runs the job on a
worker; the job yields progress events and can be stopped at any of them (docs/design.md 2).
"""

from __future__ import annotations

import time
from collections.abc import Generator
from typing import TYPE_CHECKING
from dataclasses import dataclass, field

import numpy as np

from hd_desktop.design import RoundDesign
from hd_desktop.design.stimulus import Role
from hd_desktop.engine.config import EngineConfig
from hd_desktop.engine.estimates import Estimates, NoEstimates
from hd_desktop.engine.screening import DEFAULT_MIN_GOLD, Screened, screening
from hd_desktop.errors import UserFacingError
from hd_desktop.progress import tap
from hd_desktop.store import SessionKind, Vote

if TYPE_CHECKING:
    from hd_desktop.engine.rounds import Event

ENGINE_KINDS = (SessionKind.TRIALS, SessionKind.SIMULATED)   # sessions whose votes it learns from


@dataclass(frozen=True)
class EngineSnapshot:
    """What the engine sees: designs and votes of every round, the real voices, the settings."""

    round: int                           # the latest round; its samples anchor the next one
    designs: tuple[RoundDesign, ...]
    votes: tuple[Vote, ...]
    real: np.ndarray
    config: EngineConfig
    seed: int
    keep_listeners: frozenset[str] = frozenset()   # kept even when their screening is poor
    min_gold: int = DEFAULT_MIN_GOLD     # screening answers before a listener is judged
    use_unjudged: bool = False           # listeners not judged yet count (simulate: yes)
    set_aside: dict = field(default_factory=dict)  # votes the Lab left out before: why -> count
    previous_samples: np.ndarray | None = None   # the last stored model's: the stop signal's base

    def __post_init__(self) -> None:
        # the settings as this space runs them (loss "auto" resolved), so the stored model
        # records the loss it was trained with
        object.__setattr__(self, "config", self.config.for_dims(np.asarray(self.real).shape[1]))


@dataclass
class EngineResult:
    round: int
    net: object
    samples: np.ndarray
    estimates: Estimates
    curve: list[dict] = field(default_factory=list)     # {"step", "loss"}
    timings: dict = field(default_factory=dict)
    excluded: tuple[str, ...] = ()                      # listeners left out by screening
    set_aside: dict = field(default_factory=dict)       # votes left out by decisions, simulated
    votes_used: int = 0
    model_id: str | None = None                         # once stored in the experiment
    lapse_floor: float | None = None                    # the floor the training used
    loss: str | None = None                             # the loss it was trained with
    stop: dict | None = None        # how far the samples moved since the last model (StopSignal)


def screened(snapshot: EngineSnapshot) -> dict:
    """Each listener's screening with the snapshot's threshold and minimum (engine/screening.py)."""
    stimuli = [s for d in snapshot.designs for s in d.stimuli]
    return screening(stimuli, snapshot.votes, snapshot.config.screen_threshold, snapshot.min_gold)


def excluded_listeners(snapshot: EngineSnapshot) -> tuple[str, ...]:
    """Listeners left out by screening (failed, or not judged yet unless those count), except
    those the user keeps."""
    left_out = {who for who, s in screened(snapshot).items()
                if s.status is Screened.FAILED
                or (s.status is Screened.NOT_JUDGED and not snapshot.use_unjudged)}
    return tuple(sorted(left_out - snapshot.keep_listeners))


def everyone_screened_out(snapshot: EngineSnapshot, excluded) -> str:
    """Why no vote is left, in words: each listener's screening, and the ways on."""
    status = screened(snapshot)
    who = "; ".join(f"{name}: {status[name].words(snapshot.min_gold)}" for name in sorted(excluded))
    waiting = any(status[name].status is Screened.NOT_JUDGED for name in excluded)
    threshold = f"{snapshot.config.screen_threshold:.0%}"
    return (f"every listener is left out by screening ({who}). A listener counts once they "
            f"have answered {snapshot.min_gold} screening trials with at least {threshold} as "
            f"expected" + (" (more votes will judge them)" if waiting else "") +
            ". Tick a listener's 'use' box in the Engine tab to keep their votes, or change "
            "the screening settings in the Experiment tab")


def estimates_of(designs, votes, excluded, config: EngineConfig) -> Estimates:
    """Estimates of every round (docs/design.md 1.4) from the votes of listeners not `excluded`.

    Screening is decided by the caller (the user may keep a listener), so all_estimates must
    not screen again: its threshold is set to 0.
    """
    from hd_desktop.engine.rounds import all_estimates

    kept = [v for v in votes if v.listener not in set(excluded)]
    return all_estimates(list(designs), kept, config.with_overrides(screen_threshold=0.0))


def engine_job(snapshot: EngineSnapshot) -> Generator[Event, None, EngineResult]:
    """Estimates from all rounds, a freshly trained network and Langevin samples (docs/design.md 1.4-1.7)."""
    import torch

    from hd_desktop.engine.rounds import Event, fit_and_sample

    torch.set_num_threads(1)  # one core stays free for the listener's window and the audio
    excluded = set(excluded_listeners(snapshot))
    check_learnable(snapshot, excluded)
    t0 = time.perf_counter()
    config = snapshot.config
    est = estimates_of(snapshot.designs, snapshot.votes, excluded, config)
    yield Event("estimates", snapshot.round, len(est), len(est), {"seconds": time.perf_counter() - t0})
    curve: list[dict] = []

    def keep_loss(event) -> None:
        if event.kind == "train" and "loss" in event.info:
            curve.append({"step": event.done, "loss": float(event.info["loss"])})

    net, samples, _region, info = yield from tap(
        fit_and_sample(est, snapshot.real, config, seed=snapshot.seed, round_index=snapshot.round),
        keep_loss)
    floor = info.pop("lapse_floor")
    return EngineResult(round=snapshot.round, net=net, samples=samples, estimates=est, curve=curve,
                        timings={"estimates_s": time.perf_counter() - t0, **info},
                        lapse_floor=floor, loss=config.loss,
                        stop=stop_info(snapshot.previous_samples, samples, snapshot.real),
                        excluded=tuple(sorted(excluded)), set_aside=dict(snapshot.set_aside),
                        votes_used=sum(v.listener not in excluded for v in snapshot.votes))


def stop_info(previous, samples, real) -> dict | None:
    """How far `samples` moved from the previous model's (engine/stopping.py), computed in the
    engine job with the model, never on the window's thread; None for the first update."""
    from hd_desktop.engine.stopping import stop_signal

    if previous is None or len(previous) < 2 or np.shape(previous)[1] != np.shape(samples)[1]:
        return None
    return stop_signal(previous, samples, real).to_dict()


def check_learnable(snapshot: EngineSnapshot, excluded=None) -> None:
    """Refuse, in plain words, an update with nothing to learn from: no votes (saying which were
    left out and why), every listener screened out, or (the paper's loss) no complete pair."""
    excluded = set(excluded_listeners(snapshot) if excluded is None else excluded)
    if not snapshot.votes:
        aside = ", ".join(f"{n} {why}" for why, n in sorted(snapshot.set_aside.items()) if n)
        raise UserFacingError("no votes to learn from yet" + (
            f" (left out: {aside})" if aside else "") + ": run a listening session or import "
            "results, then update")
    if excluded >= {v.listener for v in snapshot.votes}:
        raise UserFacingError(everyone_screened_out(snapshot, excluded))
    if snapshot.config.loss == "paper":
        try:
            estimates_of(snapshot.designs, snapshot.votes, excluded, snapshot.config)
        except NoEstimates:
            raise UserFacingError("the paper's loss learns from complete antithetic pairs and "
                                  "no pair has both halves voted yet: vote on more of the round, "
                                  "or use the default engine preset, which learns from every "
                                  "vote") from None


def trial_designs(experiment) -> tuple[RoundDesign, ...]:
    """The stored rounds as the engine reads them: their design dicts and trial stimuli."""
    out = []
    for index, design in sorted(experiment.rounds().items()):
        stimuli = tuple(s for s in experiment.stimuli(round=index) if s.role != Role.PRACTICE)
        out.append(RoundDesign(design=design, stimuli=stimuli, neighbours=np.empty((0, 0))))
    return tuple(out)


def listener_table(snapshot: EngineSnapshot) -> list[dict]:
    """Per listener: votes, screening accuracy, whether screening judges them yet (enough gold
    answers), the verdict in words and whether the engine uses their votes."""
    status = screened(snapshot)
    excluded = set(excluded_listeners(snapshot))
    counts: dict[str, int] = {}
    for v in snapshot.votes:
        counts[v.listener] = counts.get(v.listener, 0) + 1
    rows = []
    for who, n in sorted(counts.items()):
        s = status[who]
        rows.append({"listener": who, "votes": n, "screening": s.accuracy,
                     "gold_answers": s.answers, "judged": s.status is not Screened.NOT_JUDGED,
                     "status": s.words(snapshot.min_gold), "used": who not in excluded})
    return rows
