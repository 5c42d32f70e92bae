"""What the Engine tab shows, in words and numbers (no Qt): the engine's presets, each
listener's screening and agreement, what the model learned from, and whether the next round
can be made now. The tab only lays these out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from hd_desktop.engine.config import ENGINE_PRESETS, PRESET_NOTES, preset_note  # noqa: F401
from hd_desktop.engine.screening import DEFAULT_MIN_GOLD  # noqa: F401
from hd_desktop.lab.engine_job import listener_table
from hd_desktop.lab.round_readiness import early_next_round

LOSS_LABELS = {"paper": "loss |S_VD − ∇D|² + |S_D − D|²",
               "bernoulli": "loss: −log-likelihood of the votes + |S_VD − ∇D|² terms",
               "gp": "loss: KL(GP D̂ ‖ S_D) + |S_VD − ∇D̂|²"}


def minutes(seconds: float) -> str:
    """A listening time as people say it: "25 min", "2.5 h"."""
    return f"{seconds / 3600:.1f} h" if seconds >= 5400 else f"{seconds / 60:.0f} min"


@dataclass(frozen=True)
class ListenerLine:
    """One listener as the Engine tab lists them."""

    listener: str
    votes: int
    screening: str          # "85% of 20", "— (judged from 20)"
    agreement: str          # "90% of 41": answers equal to the other listeners' majority
    used: bool              # the engine learns from their votes
    kept: bool              # the researcher keeps them though screening would leave them out

    def cells(self) -> list[str]:
        """The columns before "use": listener, votes, screening, agreement."""
        return [self.listener, str(self.votes), self.screening, self.agreement]

    def use_cell(self) -> tuple[str, bool, bool, str]:
        """The "use" column: (words, ticked, may be changed, the listener). A listener
        screening leaves out may be ticked to keep them, and a kept one unticked again."""
        return ("used" if self.used else "left out", self.used, not self.used or self.kept,
                self.listener)


def listener_lines(lab) -> list[ListenerLine]:
    """Every listener whose votes the engine sees, with screening and agreement."""
    snap = lab.engine_snapshot()
    agreement = agreement_with_others(snap.votes)
    lines = []
    for row in listener_table(snap):
        screening = "—" if row["screening"] is None else \
            f"{row['screening']:.0%} of {row['gold_answers']}"
        if not row["judged"]:
            screening += f" (judged from {snap.min_gold})"
        share, n = agreement.get(row["listener"], (None, 0))
        lines.append(ListenerLine(row["listener"], row["votes"], screening,
                                  "—" if share is None else f"{share:.0%} of {n}", row["used"],
                                  row["listener"] in snap.keep_listeners))
    return lines


def agreement_with_others(votes) -> dict[str, tuple[float, int]]:
    """Per listener: (share of their answers equal to the others' majority, answers compared)."""
    by_stimulus: dict[str, list] = {}
    for v in votes:
        by_stimulus.setdefault(v.stimulus_id, []).append(v)
    agree: dict[str, list[int]] = {}
    for vs in by_stimulus.values():
        for v in vs:
            others = [o.response for o in vs if o.listener != v.listener]
            if not others or 2 * sum(others) == len(others):
                continue
            majority = int(2 * sum(others) > len(others))
            a = agree.setdefault(v.listener, [0, 0])
            a[0] += int(v.response == majority)
            a[1] += 1
    return {who: (ok / n, n) for who, (ok, n) in agree.items()}


@dataclass(frozen=True)
class NextRound:
    """Whether the next round can be made from the latest model now, and why in words."""

    possible: bool
    text: str
    early: str | None = None     # why making it now is early (asked first), or None
    round: int = 0               # the round it would be
    samples: int = 0             # its anchors: the samples of the current round's model

    def question(self) -> str:
        """What the researcher is asked before an early round."""
        return f"{self.early}\n\nCreate round {self.round} anyway?"

    def declined_words(self) -> str:
        return f"Round {self.round} not created: round {self.round - 1} goes on collecting votes."

    def created_words(self) -> str:
        return f"Round {self.round} created from {self.samples} samples."


def next_round(lab) -> NextRound | None:
    """The next round as the Engine tab offers it: possible once the current round has a
    stored model (Lab.model, the one source), with its size and listening time."""
    current = lab.current_round()
    if current is None:
        return None
    model = lab.model(current.index)
    if model is None:
        return NextRound(False, f"Round {current.index}: {current.covered} of "
                                f"{current.n_stimuli} stimuli voted. Update the model to sample "
                                "the anchors of the next round.", round=current.index + 1)
    samples = lab.experiment.samples(model_id=model.id)
    count = lab.preview_round(lab.next_round_proposal().params, samples)
    early = early_next_round(current)
    return NextRound(True, (
        f"Round {current.index}: {current.covered} of {current.n_stimuli} stimuli voted"
        f"{' (covered)' if current.complete else ''}"
        f"{f', {current.n_stimuli - current.covered} still without votes' if early else ''}"
        f". Round {current.index + 1} from {len(samples)} samples: "
        f"<b>{count['trials']} stimuli</b>, about <b>{minutes(count['seconds'])}</b> for one "
        "listener."), early, current.index + 1, len(samples))


def create_next_round(lab):
    """The next round from the latest model's samples, with the design the Lab proposes (the
    Experiment tab's form, as edited)."""
    return lab.create_round(lab.next_round_proposal().params)


def create_next_round_asking(lab, ask: Callable[[str], bool]) -> str:
    """The researcher pressed "Create the next round": made from the stored samples, after
    `ask(question)` agreed when it is early (the current round still has stimuli without
    votes); what the tab says after it, made, declined or refused."""
    from hd_desktop.errors import UserFacingError

    state = next_round(lab)
    if state.early is not None and not ask(state.question()):
        return state.declined_words()
    try:
        create_next_round(lab)
    except UserFacingError as exc:
        return f"<b>{exc}</b>"
    return state.created_words()


def keep_listener(lab, listener: str, keep: bool) -> None:
    """Keep a listener screening leaves out (or leave them out again): kept in the
    experiment's settings, so it survives a restart."""
    kept = set(lab.settings.keep_listeners)
    kept.add(listener) if keep else kept.discard(listener)
    lab.set_settings(keep_listeners=kept)


STEP_NAMES = {"start": "Starting the engine process", "estimates": "Estimates",
              "train": "Training the score network", "sample": "Langevin sampling"}


def progress_words(event) -> str:
    """An engine.rounds.Event as the Engine tab says it: "Round 0: Langevin sampling (3/10)"."""
    return (f"Round {event.round}: {STEP_NAMES.get(event.kind, event.kind)} "
            f"({event.done}/{event.total})")


def curve_point(event) -> tuple[int, float] | None:
    """The training curve's next point from a progress event, or None (not a training step)."""
    if event.kind == "train" and "loss" in event.info:
        return event.done, max(float(event.info["loss"]), 1e-12)
    return None


class TrainingCurve:
    """The training curve drawn while a model trains: a new run starts it empty, each training
    step's progress event adds its point."""

    def __init__(self):
        self.steps: list[int] = []
        self.losses: list[float] = []

    def add(self, event) -> bool:
        """Whether `event` added a point (the curve is drawn again then)."""
        point = curve_point(event)
        if point is not None:
            self.steps.append(point[0])
            self.losses.append(point[1])
        return point is not None


def curve_of(result) -> tuple[list[int], list[float], str]:
    """A model's training curve (steps, losses; log-scale safe) and its axis label (the
    model's own loss, not today's preset)."""
    steps = [c["step"] for c in result.curve]
    losses = [max(c["loss"], 1e-12) for c in result.curve]
    return steps, losses, LOSS_LABELS.get(result.loss, "training loss")


def model_words(result) -> str:
    """A stored model in one line: its samples and how long training and sampling took."""
    t = result.timings
    return (f"Model of round {result.round} ready: {len(result.samples)} samples. Training "
            f"{t.get('train_s', 0):.1f} s, sampling {t.get('sample_s', 0):.1f} s.")


LISTENERS_HEADERS = ("listener", "votes", "screening", "agreement", "use")
USE_COLUMN = LISTENERS_HEADERS.index("use")      # its tick keeps a listener screening leaves out
LISTENERS_NOTE = ("Listeners below the screening threshold are left out of the estimates unless "
                  f"you tick them; a listener is judged from {DEFAULT_MIN_GOLD} screening answers "
                  "on (Experiment tab), and left out until then. Agreement: share of answers "
                  "equal to the majority of the other listeners on the same voices.")


def estimates_summary(result) -> str:
    """What the model learned from: voted stimuli, NES estimates and their errors, who is left out."""
    est = result.estimates
    parts = [f"{result.votes_used} votes used"]
    if est.points is not None and len(est.points):
        if result.loss == "gp":
            how = "every vote smoothed by a GP classifier"
            floor = (f"lapse floor {result.lapse_floor:.3f}, {est.guess:.3f} measured on the "
                     f"far voices")
        else:
            how = "each vote counted where it was cast"
            floor = f"lapse floor {est.guess:.3f} from the far voices"
            if result.loss == "bernoulli" and result.lapse_floor is not None:
                floor += f", {result.lapse_floor:.3f} learned with the network"
        parts.append(f"{len(est.points)} voted stimuli, {how} ({floor})")
    if len(est):
        # a standard error needs two complete pairs at a neighbour: from one it reads 0 or nan
        two = np.asarray(est.n_pairs) >= 2
        if two.any():
            se = np.nanmedian(np.linalg.norm(est.grad_se[two], axis=1))
            errors = (f"median standard error over the {int(two.sum())} with two or more "
                      f"complete pairs: D {np.median(est.d_se[two]):.3f}, |∇D| {se:.3f}")
        else:
            errors = ("standard errors: not enough votes yet (a neighbour needs two complete "
                      "antithetic pairs for one)")
        parts.append(f"{len(est)} NES estimates from rounds "
                     f"{sorted(set(int(r) for r in est.round))}, {errors}")
    else:
        parts.append("no neighbour has a complete antithetic pair yet")
    return "; ".join(parts) + f". Excluded listeners: {', '.join(result.excluded) or 'none'}."


def engine_news(event, running: bool) -> list[tuple[str, object]]:
    """What a Lab event tells the engine's views, in order: ("running", bool), ("progress",
    engine.rounds.Event), ("result", EngineResult), ("failed", words); [] for other news.
    `running`: whether an update runs now (one queued for new votes may have started)."""
    kind = event.kind
    if kind == "engine_started":
        return [("running", True)]
    if kind == "engine_progress":
        return [("progress", event.event)]
    ended = {"model_stored": ("result", getattr(event, "result", None)),
             "engine_failed": ("failed", getattr(event, "message", None)),
             "engine_cancelled": ("failed", "engine update cancelled")}.get(kind)
    return [ended, ("running", running)] if ended else []
