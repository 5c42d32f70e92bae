"""A listener that votes by itself, seated in a session flow as a person would be.

The simulated sessions of the lab, `simulate`, the tests and the app's autopilot all answer
through this module, so their order and their vote rows are the lab's own.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from hd_desktop.engine.listeners import BUILTIN, Heard
from hd_desktop.session.flow import SessionFlow
from hd_desktop.session.states import FlowSettings, Phase
from hd_desktop.store import SessionKind

SIMULATED_DEVICE = "simulated"
AUTOPILOTS = tuple(BUILTIN)     # the built-in simulated listeners the app can seat


def autopilot(name: str, seed: int):
    """The built-in simulated listener `name` (one of AUTOPILOTS), seeded."""
    return BUILTIN[name](seed=seed)


def autopilot_answer(listener, stimulus, audio, rate: int) -> bool:
    """`listener`'s answer to `stimulus` as it sounded (`audio`, mono)."""
    return bool(listener.vote(Heard(stimulus, audio, rate)))


def autopilot_session(lab, size: int, seed: int, settings: FlowSettings) -> SessionFlow:
    """A session of the current round for a simulated listener in the seat: stored as
    `simulated`, so its votes never pass for a person's."""
    return lab.new_session(size, seed, replace(settings, kind=SessionKind.SIMULATED))


def evaluation_for(lab, n_each: int, seed: int, settings: FlowSettings, *,
                   simulated: bool = False) -> SessionFlow:
    """Evaluation 2 in one step: the set of the latest model (made once per size and seed)
    and a blind session over it; its end writes the report (Lab._evaluation_finished)."""
    from hd_desktop.lab.evaluations import create_evaluation, evaluation_session

    name = create_evaluation(lab, n_each, seed)
    return evaluation_session(lab, name, seed, replace(settings, kind=SessionKind.EVALUATION,
                                                       simulated=simulated))


def answer_session(flow: SessionFlow, listener, listener_id: str, render=None,
                   gain_db: float = 0.0):
    """Listener id -> instructions -> level -> every trial answered by `listener` -> finish.

    `render(z) -> (audio, rate)` gives the listener the sound (None: it sees only z). A
    resumed flow continues where it stopped. Returns the session's Summary.
    """
    if flow.phase == Phase.LISTENER:
        flow.set_listener(listener_id)
    if flow.phase == Phase.INSTRUCTIONS:
        flow.instructions_read()
    if flow.phase == Phase.LEVEL_CHECK:
        flow.level_checked(SIMULATED_DEVICE, gain_db)
    while flow.phase in (Phase.PRACTICE, Phase.TRIALS, Phase.BREAK, Phase.PAUSED):
        if flow.phase == Phase.BREAK:
            flow.continue_after_break()
            continue
        if flow.phase == Phase.PAUSED:
            flow.unpause()
            continue
        stimulus = flow.current.stimulus
        audio, rate = render(stimulus.z) if render is not None else (None, None)
        flow.sound_started()
        flow.vote(bool(listener.vote(Heard(stimulus, audio, rate))))
    return flow.finish()      # the Lab ended it at its last vote: its summary


@dataclass(frozen=True)
class Seat:
    """A session about to open in the listener's window: a person in the seat, or the
    built-in simulated listener `listener` (named `name`), visibly answering."""

    flow: SessionFlow
    listener: object | None = None
    name: str = ""

    @property
    def listener_mode(self) -> bool:
        """A person listens: the window fills the listener's screen (lab.listener_screen)."""
        return self.listener is None


def seat(flow: SessionFlow, name: str, seed: int) -> Seat:
    return Seat(flow, autopilot(name, seed), name) if name else Seat(flow)


def seat_session(lab, size: int, seed: int, settings: FlowSettings, name: str = "") -> Seat:
    """A listening session of the current round; with `name` (one of AUTOPILOTS) that
    simulated listener takes the seat and its votes are stored as simulated."""
    flow = autopilot_session(lab, size, seed, settings) if name else \
        lab.new_session(size, seed, settings)
    return seat(flow, name, seed)


def seat_evaluation(lab, n_each: int, seed: int, settings: FlowSettings, name: str = "") -> Seat:
    """Evaluation 2 (real voices and samples of the latest model, blind, the same trial
    screen); its end writes the report. With `name`, a simulated listener answers."""
    return seat(evaluation_for(lab, n_each, seed, settings, simulated=bool(name)), name, seed)


@dataclass(frozen=True)
class AutopilotSeat:
    """A simulated listener in the listener's window, answering visibly, one step every
    `seconds`: its id, the window's title, its answer to what it heard."""

    listener: object
    name: str
    seconds: float = 0.3

    @property
    def step_ms(self) -> int:
        return max(0, int(self.seconds * 1000))

    @property
    def listener_id(self) -> str:
        return f"autopilot-{self.name}"

    def title(self) -> str:
        return f"Listening session — AUTOPILOT ({self.name})"

    def answer(self, stimulus, playback) -> bool:
        """Its answer to `stimulus` as the device played it (the first channel)."""
        return autopilot_answer(self.listener, stimulus, playback.samples[:, 0],
                                playback.sample_rate)
