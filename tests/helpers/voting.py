"""Driving a session flow headless with a listener, as a lab session would."""

from __future__ import annotations

from hd_desktop.engine.listeners import Heard
from hd_desktop.session.states import Phase


def vote_through(flow, listener, listener_id: str = "L1"):
    """Listener id -> instructions -> level -> practice and trials answered by `listener`; finish."""
    flow.set_listener(listener_id)
    flow.instructions_read()
    flow.level_checked("test device", 0.0)
    while flow.phase in (Phase.PRACTICE, Phase.TRIALS):
        flow.sound_started()
        flow.vote(listener.vote(Heard(flow.current.stimulus)))
    return flow.finish()
