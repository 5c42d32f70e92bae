"""Evaluation sets (docs/design.md, Evaluation 2): real and sampled voices rated blind, beside rounds.

An evaluation is keyed by its name, which is also its id: two workstations that store the same
evaluation agree on it, as they agree on a round by its index.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any

from hd_desktop.design.stimulus import Stimulus
from hd_desktop.errors import UserFacingError
from hd_desktop.store import codec
from hd_desktop.store.records import SessionInfo, SessionKind, iso_utc, utc_now

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_]{0,39}")


def check_name(name: str) -> str:
    """A name that can sit inside stimulus ids and file names (letters, digits, underscore)."""
    name = str(name)
    if not NAME.fullmatch(name):
        raise UserFacingError(f"evaluation name {name!r}: use 1 to 40 letters, digits or "
                              "underscores, starting with a letter or digit")
    return name


def add(con: sqlite3.Connection, name: str, design: Mapping[str, Any],
        stimuli: Iterable[Stimulus], where: object) -> str:
    name = check_name(name)
    text = codec.canonical_json(dict(design))
    row = con.execute("SELECT design FROM evaluations WHERE name = ?", (name,)).fetchone()
    if row is None:
        con.execute("INSERT INTO evaluations VALUES (?, ?, ?)", (name, text, iso_utc(utc_now())))
    elif row[0] != text:
        raise UserFacingError(f"evaluation {name} of {where} already has a different design; "
                              "an evaluation's design never changes once stored")
    for s in stimuli:
        codec.put_stimulus(con, s, where, evaluation=name)
    return name


def designs(con: sqlite3.Connection) -> dict[str, dict[str, Any]]:
    rows = con.execute("SELECT name, design FROM evaluations ORDER BY created_at, name")
    return {name: json.loads(d) for name, d in rows}


def membership(con: sqlite3.Connection, ids: Iterable[str]) -> dict[str, str]:
    """{stimulus id: evaluation name} for those of `ids` that belong to an evaluation."""
    out = {}
    for sid in ids:
        row = con.execute("SELECT evaluation FROM stimuli WHERE id = ?", (sid,)).fetchone()
        if row is not None and row[0] is not None:
            out[sid] = row[0]
    return out


def misplaced(session: SessionInfo, members: Mapping[str, str]) -> str | None:
    """Why the session may not play these stimuli, or None: an evaluation's stimuli are heard
    only in evaluation sessions, so their votes never enter the NES estimates by mistake."""
    if members and SessionKind(session.kind) != SessionKind.EVALUATION:
        sid, name = next(iter(members.items()))
        return (f"a {SessionKind(session.kind).value} session cannot play stimulus {sid} of "
                f"evaluation {name}; evaluation stimuli are played in evaluation sessions")
    return None
