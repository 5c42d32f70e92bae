"""The experiment as tidy tables for analysis: votes, sessions, listener records, decisions.

Each function reads the store and returns a `Table` (header and rows of plain values); the
columns are those of the codebook (store/codebook.py), which describes every one of them.
`write_table` writes one as UTF-8 CSV: empty cell = missing, booleans true/false, floats as
Python writes them (round-trip exact).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hd_desktop.files import atomic_write
from hd_desktop.store import codebook
from hd_desktop.store.decisions import Exclusions, Target, in_force
from hd_desktop.store.ratingfile import columns as rating_columns


@dataclass(frozen=True)
class Table:
    kind: codebook.TableKind
    header: list[str]
    rows: list[list[Any]]

    @property
    def file_name(self) -> str:
        return f"{self.kind.name}.csv"


def cell(value: Any) -> str:
    """One value as the tables write it."""
    if value is None:
        return ""
    if type(value) is str:
        return value
    if isinstance(value, bool):
        return codebook.TRUE if value else codebook.FALSE
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def csv_bytes(header: list[str], rows: Iterable[list[Any]]) -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([cell(v) for v in row] for row in rows)
    return buf.getvalue().encode("utf-8")


def write_table(table: Table, folder: Path) -> Path:
    path = Path(folder) / table.file_name
    atomic_write(path, csv_bytes(table.header, table.rows))
    return path


def _excluded(ex: Exclusions, listener: str, session_id: str) -> list[bool]:
    by_listener, by_session = listener in ex.listeners, session_id in ex.sessions
    return [by_listener, by_session, by_listener or by_session]


def votes_table(exp, votes: list | None = None) -> Table:
    """Every vote (undone ones included) of every session, sessions in the order they started;
    `votes`: `exp.votes(include_undone=True)` if the caller has read them already."""
    sessions = {s.id: s for s in exp.sessions()}
    started = {sid: i for i, sid in enumerate(sessions)}
    stimuli = {s.id: s for s in exp.stimuli()}
    members = exp.stimulus_evaluations(stimuli)
    ex = exp.exclusions()
    dims = len(next(iter(stimuli.values())).z) if stimuli else 0
    if votes is None:
        votes = exp.votes(include_undone=True)
    votes = sorted(votes, key=lambda v: started[v.session_id])
    rows = []
    for v in votes:
        s, session = stimuli[v.stimulus_id], sessions[v.session_id]
        rows.append([v.id, v.listener, v.session_id, session.kind.value, v.trial, v.stimulus_id,
                     s.round, s.role.value, s.neighbour, s.pair, s.seed,
                     *[float(c) for c in s.z], v.response, float(v.rt_ms), v.n_plays,
                     v.presented_at, v.responded_at, v.device,
                     None if v.gain_db is None else float(v.gain_db), v.app_version, v.undone_at,
                     v.undone_at is not None, members.get(v.stimulus_id),
                     *_excluded(ex, v.listener, v.session_id)])
    header = rating_columns(dims) + ["undone", "evaluation", "listener_excluded",
                                     "session_excluded", "excluded"]
    return Table(codebook.VOTES, header, rows)


def sessions_table(exp, votes: list | None = None, skip: set[str] = frozenset()) -> Table:
    """One row per session (but those in `skip`), with its vote counts and the texts its
    listener read."""
    standing: dict[str, int] = {}
    undone: dict[str, int] = {}
    for v in exp.votes(include_undone=True) if votes is None else votes:
        counts = undone if v.undone_at is not None else standing
        counts[v.session_id] = counts.get(v.session_id, 0) + 1
    ex = exp.exclusions()
    rows = []
    for s in exp.sessions():
        if s.id in skip:
            continue
        sha = s.settings.get("texts_sha256")
        texts = exp.texts(sha) if isinstance(sha, str) else None
        rows.append([s.id, s.listener, s.kind.value,
                     s.settings.get("source") or "workstation",
                     s.started_at, s.finished_at, len(s.order), standing.get(s.id, 0),
                     undone.get(s.id, 0), s.order_seed, s.device, s.gain_db,
                     s.settings.get("carrier"), None if texts is None else texts[0], sha,
                     *_excluded(ex, s.listener, s.id)])
    return Table(codebook.SESSIONS, [c.name for c in codebook.SESSIONS.columns], rows)


def record_table(exp, kind: str) -> Table:
    """One row per listener record of `kind`: its own columns, then its data fields (those the
    codebook knows first, in its order, then any others in name order)."""
    table_kind = codebook.RECORD_KINDS[kind]
    records = exp.listener_records(kind=kind)
    base = [c.name for c in codebook.RECORD_COLUMNS]
    known = codebook.known_fields(table_kind)
    seen = {k for r in records for k in r.data}
    extra = sorted(seen - set(known))
    renamed = {k: (f"data_{k}" if k in base or k == "listener_excluded" else k) for k in extra}
    listeners = exp.exclusions().listeners
    rows = [[r.id, r.listener, r.session_id, r.recorded_at, r.app_version,
             *[r.data.get(k) for k in known], *[r.data.get(k) for k in extra],
             r.listener in listeners] for r in records]
    header = base + known + [renamed[k] for k in extra] + ["listener_excluded"]
    return Table(table_kind, header, rows)


def decisions_table(exp) -> Table:
    """Every decision about data, oldest first, with whether it is the one in force."""
    decisions = exp.decisions()
    current = {d.id for d in in_force(decisions).values()}
    rows = [[d.id, d.target.value, d.target_id, d.action.value, d.reason, d.decided_at,
             d.app_version, d.id in current] for d in decisions]
    return Table(codebook.DECISIONS, [c.name for c in codebook.DECISIONS.columns], rows)


def screening_table(rows: list[list[Any]]) -> Table:
    """Rows made by the caller (lab/exports.py knows the settings screening runs with)."""
    return Table(codebook.SCREENING, [c.name for c in codebook.SCREENING.columns], rows)


__all__ = ["Table", "Target", "cell", "csv_bytes", "decisions_table", "record_table",
           "screening_table", "sessions_table", "votes_table", "write_table"]
