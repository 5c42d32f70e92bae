"""The listening session as a plain-Python state machine that the GUI (or a script) drives."""

from hd_desktop.session.flow import SessionFlow
from hd_desktop.session.states import FlowSettings, Phase, Summary, Trial

__all__ = ["FlowSettings", "Phase", "SessionFlow", "Summary", "Trial"]
