"""What each listener read and said beside their votes: consent, questionnaire, headphone check,
and the listener texts a session ran with (docs/design.md 3)."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from hd_desktop import __version__
from hd_desktop.errors import UserFacingError
from hd_desktop.store import codec
from hd_desktop.store.records import iso_utc, utc_now


class RecordKind(str, Enum):
    CONSENT = "consent"
    QUESTIONNAIRE = "questionnaire"
    HEADPHONE_CHECK = "headphone_check"


@dataclass(frozen=True)
class ListenerRecord:
    id: str
    listener: str
    session_id: str | None
    kind: RecordKind
    data: dict[str, Any]
    recorded_at: str
    app_version: str


COLUMNS = "id, listener, session_id, kind, data, recorded_at, app_version"


def add(con: sqlite3.Connection, listener: str, kind: RecordKind | str, data: Mapping[str, Any],
        session_id: str | None = None, at: datetime | None = None,
        record_id: str | None = None) -> ListenerRecord:
    """Store one record; the same id again (an import of it) is a no-op, a changed one refused."""
    listener = str(listener).strip()
    if not listener:
        raise UserFacingError("a listener record needs a listener id")
    rec = ListenerRecord(record_id or uuid.uuid4().hex, listener, session_id, RecordKind(kind),
                         dict(data), iso_utc(at or utc_now()), __version__)
    add_imported(con, rec)
    return rec


def add_imported(con: sqlite3.Connection, rec: ListenerRecord) -> bool:
    """Store a record made on another workstation as it was (id, times, version); True when it
    was new. The same record again is a no-op; one of that id with other content is refused."""
    text = codec.canonical_json(rec.data)
    row = con.execute("SELECT listener, kind, data FROM listener_records WHERE id = ?",
                      (rec.id,)).fetchone()
    if row is not None:
        if tuple(row) != (rec.listener, rec.kind.value, text):
            raise UserFacingError(f"listener record {rec.id} is already stored with other "
                                  "content; nothing was changed")
        return False
    con.execute(f"INSERT INTO listener_records ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (rec.id, rec.listener, rec.session_id, rec.kind.value, text, rec.recorded_at,
                 rec.app_version))
    return True


def records(con: sqlite3.Connection, listener: str | None = None,
            kind: RecordKind | str | None = None) -> list[ListenerRecord]:
    """Stored records, oldest first; all, or one listener's, or one kind's."""
    sql, args = f"SELECT {COLUMNS} FROM listener_records WHERE 1", []
    if listener is not None:
        sql, args = sql + " AND listener = ?", args + [listener]
    if kind is not None:
        sql, args = sql + " AND kind = ?", args + [RecordKind(kind).value]
    return [ListenerRecord(r[0], r[1], r[2], RecordKind(r[3]), json.loads(r[4]), r[5], r[6])
            for r in con.execute(sql + " ORDER BY recorded_at, rowid", args)]


def texts_checksum(language: str, strings: Mapping[str, str]) -> tuple[str, str]:
    """(sha256, canonical content) of a set of listener texts."""
    content = codec.canonical_json({"language": str(language), "strings": dict(strings)})
    return hashlib.sha256(content.encode("utf-8")).hexdigest(), content


def save_texts(con: sqlite3.Connection, language: str, strings: Mapping[str, str]) -> str:
    """Keep a set of listener texts (once per content); returns its checksum."""
    sha, content = texts_checksum(language, strings)
    con.execute("INSERT OR IGNORE INTO texts VALUES (?, ?, ?, ?)",
                (sha, str(language), content, iso_utc(utc_now())))
    return sha


def texts(con: sqlite3.Connection, sha256: str) -> tuple[str, dict[str, str]] | None:
    """(language, strings) stored under `sha256`, or None."""
    row = con.execute("SELECT content FROM texts WHERE sha256 = ?", (sha256,)).fetchone()
    if row is None:
        return None
    content = json.loads(row[0])
    return content["language"], content["strings"]
