"""A listener that votes by itself, seated in a session flow as a person would be.

The simulated sessions of the lab, `simulate` and the tests all answer through this one
loop, so their order and their vote rows are the lab's own.
"""

from __future__ import annotations

from hd_desktop.engine.listeners import Heard
from hd_desktop.session.flow import SessionFlow
from hd_desktop.session.states import Phase

SIMULATED_DEVICE = "simulated"


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
    return flow.finish()
