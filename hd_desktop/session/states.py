"""The values a session flow exposes: its phases, settings, the current trial and the summary."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from hd_desktop.design.stimulus import Stimulus
from hd_desktop.store.records import Screening, SessionKind


class Phase(str, Enum):
    LISTENER = "listener"          # waiting for the listener id
    INSTRUCTIONS = "instructions"
    LEVEL_CHECK = "level-check"    # set the output device and gain; both are recorded
    PRACTICE = "practice"          # votes kept in a practice session, never counted
    TRIALS = "trials"
    BREAK = "break"                # offered every N trials or M minutes
    PAUSED = "paused"
    COMPLETE = "complete"          # every trial voted; finish() writes the rating file
    FINISHED = "finished"


@dataclass(frozen=True)
class FlowSettings:
    break_every_trials: int = 60
    break_every_minutes: float = 10.0
    kind: SessionKind = SessionKind.TRIALS
    carrier: str = "sustained"     # how every stimulus of the session is rendered (recorded)
    texts_sha256: str | None = None  # the listener texts the session ran with (recorded)
    simulated: bool = False        # a simulated listener answers (an autopilot evaluation)


@dataclass(frozen=True)
class Trial:
    """What to play now. `index` counts within the practice run or within the trials."""

    index: int
    total: int
    stimulus: Stimulus
    practice: bool


@dataclass(frozen=True)
class Summary:
    session_id: str
    listener: str
    votes: int                     # standing votes in the session
    accepted: int
    trials: int                    # trials in the session's order
    practice_votes: int
    screening: Screening           # this session's gold trials
    rating_csv: Path
    rating_json: Path
