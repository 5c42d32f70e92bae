"""People's sessions through the Lab, answered by a scripted (simulated) voter, stored as kind
`trials` like a person's: for tests of what the lab does with people's votes."""

from __future__ import annotations

from hd_desktop.design.order import pick_session_stimuli
from hd_desktop.engine.listeners import Heard, wide
from hd_desktop.lab.listening import answer_session
from hd_desktop.session.flow import SessionFlow
from hd_desktop.session.states import FlowSettings, Phase


def _flow(lab, size: int, seed: int) -> SessionFlow:
    stimuli = lab.experiment.stimuli(round=lab.current_round().index)
    picked = pick_session_stimuli(stimuli, lab.experiment.vote_counts(), size, seed)
    return lab.watch_session(SessionFlow(lab.experiment, picked, order_seed=seed,
                                         settings=FlowSettings(break_every_trials=10**6)))


def person(lab, listener: str, size: int, seed: int = 1, voter=None) -> str:
    """A whole session of `size` trials of the current round; returns its id."""
    flow = _flow(lab, size, seed)
    answer_session(flow, voter or wide(lapse=0.0, seed=seed), listener)
    return flow.session_id


def first_votes(lab, listener: str, n: int, seed: int = 1) -> str:
    """The first `n` answers of a session over the whole round (then the person stops)."""
    flow = _flow(lab, 10_000, seed)
    flow.set_listener(listener)
    flow.instructions_read()
    flow.level_checked("scripted", 0.0)
    voter = wide(lapse=0.0, seed=seed)
    for _ in range(n):
        assert flow.phase == Phase.TRIALS
        flow.sound_started()
        flow.vote(bool(voter.vote(Heard(flow.current.stimulus))))
    return flow.session_id
