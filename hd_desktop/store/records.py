"""What the store hands out: immutable records of sessions and votes, and UTC timestamps."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum
from typing import Any

from hd_desktop.errors import BadInputError

# The `round` an evaluation's stimuli carry: evaluations are not rounds and take no round number.
EVALUATION_ROUND = -1


class SessionKind(str, Enum):
    """What a session was for; only `trials` and `simulated` votes feed the estimates by default."""

    TRIALS = "trials"
    PRACTICE = "practice"
    EVALUATION = "evaluation"
    SIMULATED = "simulated"


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def iso_utc(t: datetime) -> str:
    """ISO 8601 in UTC with microseconds; naive datetimes are refused (their zone is a guess)."""
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(f"timestamp {t!r} has no time zone; pass an aware UTC datetime")
    return t.astimezone(timezone.utc).isoformat(timespec="microseconds")


def parse_iso_utc(text: str, where: str) -> datetime:
    """Parse a stored ISO 8601 timestamp; it must carry the UTC offset."""
    try:
        t = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise BadInputError(f"{where}: {text!r} is not an ISO 8601 timestamp") from None
    if t.utcoffset() is None or t.utcoffset().total_seconds() != 0:
        raise BadInputError(f"{where}: timestamp {text!r} is not in UTC")
    return t


@dataclass(frozen=True)
class SessionInfo:
    """One sitting of one listener: the order of stimulus ids was drawn with `order_seed`."""

    id: str
    listener: str
    kind: SessionKind
    order: tuple[str, ...]
    order_seed: int | None
    device: str | None
    gain_db: float | None
    started_at: str
    finished_at: str | None
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Vote:
    """One committed vote. `undone_at` is set when the listener took it back (never deleted)."""

    id: str
    listener: str
    session_id: str
    trial: int
    stimulus_id: str
    response: int           # 1 accept (natural), 0 reject
    rt_ms: float            # from the onset of the play the listener answered
    n_plays: int
    presented_at: str       # ISO 8601 UTC: onset of the first play
    responded_at: str       # ISO 8601 UTC
    device: str | None
    gain_db: float | None
    app_version: str
    undone_at: str | None = None


@dataclass(frozen=True)
class Screening:
    """Answers on gold trials: gold-real should be accepted, gold-far rejected."""

    correct: int
    total: int

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.total if self.total else None
