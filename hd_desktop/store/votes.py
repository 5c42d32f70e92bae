"""The vote queries behind `Experiment`: checking a new vote, the next trial, counts.

Screening is counted once, in Python (engine/screening.py), for the summary and the engine."""

from __future__ import annotations

import math
import sqlite3
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from hd_desktop import __version__
from hd_desktop.store import codec
from hd_desktop.store.records import SessionInfo, iso_utc


@dataclass(frozen=True)
class NewVote:
    """A vote to record (for bulk writers such as `simulate`)."""

    trial: int
    stimulus_id: str
    response: int | bool
    rt_ms: float
    n_plays: int
    presented_at: datetime
    responded_at: datetime
    device: str | None = None
    gain_db: float | None = None


def checked_row(session: SessionInfo, expected: int, v: NewVote) -> tuple:
    """The database row for a new vote, after checking it is the session's next trial."""
    if v.trial != expected:
        raise ValueError(f"session {session.id}: trial {v.trial} voted, but the next unvoted "
                         f"trial is {expected}")
    if v.trial >= len(session.order) or session.order[v.trial] != v.stimulus_id:
        raise ValueError(f"session {session.id}: trial {v.trial} does not play {v.stimulus_id}")
    if v.response not in (0, 1):  # True/False compare equal to 1/0
        raise ValueError(f"response must be 1 (accept) or 0 (reject), not {v.response!r}")
    if not (math.isfinite(v.rt_ms) and v.rt_ms >= 0):
        raise ValueError(f"reaction time {v.rt_ms!r} ms is not a time after sound onset")
    if int(v.n_plays) < 1:
        raise ValueError(f"a voted stimulus was played at least once, not {v.n_plays}")
    return (uuid.uuid4().hex, session.listener, session.id, int(v.trial), v.stimulus_id,
            int(v.response), float(v.rt_ms), int(v.n_plays), iso_utc(v.presented_at),
            iso_utc(v.responded_at), v.device or None,
            None if v.gain_db is None else float(v.gain_db), __version__, None)


INSERT = (f"INSERT INTO votes ({codec.VOTE_COLUMNS}) VALUES "
          "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


def insert(con: sqlite3.Connection, rows: Iterable[tuple]) -> None:
    """The one way votes enter the database: cast here (record_votes) or imported."""
    con.executemany(INSERT, rows)


def insert_session(con: sqlite3.Connection, info: SessionInfo) -> None:
    """The one way sessions enter the database: started here or imported."""
    con.execute("INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                codec.session_row(info))


def next_trial(con: sqlite3.Connection, session_id: str) -> int:
    """The first trial without a standing vote."""
    trials = [t for (t,) in con.execute("SELECT trial FROM votes WHERE session_id = ? AND "
                                        "undone_at IS NULL ORDER BY trial", (session_id,))]
    for i, t in enumerate(trials):
        if t != i:
            return i
    return len(trials)


def vote_counts(con: sqlite3.Connection, exclude_listeners: Iterable[str],
                kinds: list[str]) -> dict[str, tuple[int, int]]:
    """{stimulus id: (accepts, votes)} over standing, non-practice votes of the given kinds."""
    excluded = list(exclude_listeners)
    sql = ("SELECT v.stimulus_id, sum(v.response), count(*) FROM votes v "
           "JOIN sessions s ON s.id = v.session_id JOIN stimuli t ON t.id = v.stimulus_id "
           "WHERE v.undone_at IS NULL AND t.role != 'practice' "
           f"AND s.kind IN ({','.join('?' * len(kinds))}) "
           f"AND v.listener NOT IN ({','.join('?' * len(excluded))}) "
           "GROUP BY v.stimulus_id")
    return {sid: (int(a), int(n)) for sid, a, n in con.execute(sql, kinds + excluded)}
