"""The researcher's decisions about data: exclusions of listeners and sessions, never deletions.

Each decision is a row; the latest for a target is in force. Excluding a listener leaves every
vote in the store: the engine, the evaluation and the exports read `Exclusions` and leave those
votes out, and a later `include` undoes it with both rows kept (docs/design.md 3).
"""

from __future__ import annotations

import sqlite3
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from hd_desktop import __version__
from hd_desktop.errors import UserFacingError
from hd_desktop.store.records import iso_utc, utc_now

MAX_REASON = 500


class Target(str, Enum):
    LISTENER = "listener"
    SESSION = "session"


class Action(str, Enum):
    EXCLUDE = "exclude"
    INCLUDE = "include"


@dataclass(frozen=True)
class Decision:
    id: str
    target: Target
    target_id: str
    action: Action
    reason: str
    decided_at: str
    app_version: str


@dataclass(frozen=True)
class Exclusions:
    """The listeners and sessions excluded now (their latest decision is `exclude`)."""

    listeners: frozenset[str] = frozenset()
    sessions: frozenset[str] = frozenset()

    def excludes(self, listener: str, session_id: str) -> bool:
        return listener in self.listeners or session_id in self.sessions


COLUMNS = "id, target, target_id, action, reason, decided_at, app_version"


def record(con: sqlite3.Connection, target: Target | str, target_id: str, action: Action | str,
           reason: str, at: datetime | None = None) -> Decision:
    """Store one decision; a decision needs a reason (it is what a reader of the data sees)."""
    target, action = Target(target), Action(action)
    target_id, reason = str(target_id).strip(), " ".join(str(reason).split())
    if not target_id:
        raise UserFacingError(f"a decision to {action.value} needs the {target.value} it is about")
    if not reason:
        raise UserFacingError(f"say why you {action.value} {target.value} {target_id}: a decision "
                              "about data needs a reason")
    if len(reason) > MAX_REASON:
        raise UserFacingError(f"the reason for {action.value} {target.value} {target_id} is "
                              f"{len(reason)} characters; keep it under {MAX_REASON}")
    column = "id" if target == Target.SESSION else "listener"
    if con.execute(f"SELECT 1 FROM sessions WHERE {column} = ? LIMIT 1",
                   (target_id,)).fetchone() is None:
        raise UserFacingError(f"there is no {target.value} {target_id!r} in this experiment")
    decision = Decision(uuid.uuid4().hex, target, target_id, action, reason,
                        iso_utc(at or utc_now()), __version__)
    con.execute(f"INSERT INTO decisions ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (decision.id, target.value, target_id, action.value, reason, decision.decided_at,
                 decision.app_version))
    return decision


def same(a: Decision, b: Decision) -> bool:
    """The same decision, whatever its id (a file of an older version drew none)."""
    return (a.target, a.target_id, a.action, a.reason, a.decided_at) == \
        (b.target, b.target_id, b.action, b.reason, b.decided_at)


def add_imported(con: sqlite3.Connection, decision: Decision) -> bool:
    """Store a decision made on another workstation as it was made (id, time, reason, version);
    True when it was new. Stored already (by id or content): a no-op; by id with other content:
    refused. Which decision is in force follows from the times alone (`in_force`)."""
    row = con.execute(f"SELECT {COLUMNS} FROM decisions WHERE id = ?",
                      (decision.id,)).fetchone()
    if row is not None:
        if from_row(row) != decision:
            raise UserFacingError(f"decision {decision.id} is already stored with other content; "
                                  "nothing was changed")
        return False
    rows = con.execute(f"SELECT {COLUMNS} FROM decisions WHERE target = ? AND target_id = ?",
                       (decision.target.value, decision.target_id)).fetchall()
    if any(same(from_row(r), decision) for r in rows):
        return False
    con.execute(f"INSERT INTO decisions ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (decision.id, decision.target.value, decision.target_id, decision.action.value,
                 decision.reason, decision.decided_at, decision.app_version))
    return True


def from_row(row) -> Decision:
    return Decision(row[0], Target(row[1]), row[2], Action(row[3]), row[4], row[5], row[6])


def history(con: sqlite3.Connection) -> list[Decision]:
    """Every decision, oldest first."""
    return [from_row(r) for r in con.execute(
        f"SELECT {COLUMNS} FROM decisions ORDER BY decided_at, rowid")]


def in_force(decisions: list[Decision]) -> dict[tuple[Target, str], Decision]:
    """The latest decision of each target."""
    latest: dict[tuple[Target, str], Decision] = {}
    for d in decisions:
        latest[(d.target, d.target_id)] = d
    return latest


def exclusions(con: sqlite3.Connection) -> Exclusions:
    current = [d for d in in_force(history(con)).values() if d.action == Action.EXCLUDE]
    return Exclusions(frozenset(d.target_id for d in current if d.target == Target.LISTENER),
                      frozenset(d.target_id for d in current if d.target == Target.SESSION))
