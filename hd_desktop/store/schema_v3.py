"""Schema 2 -> 3: the researcher's decisions about data, and what each listener read and said.

- `decisions`: excluding or re-including a listener or a session (pilot, failed screening, wrong
  headphones) is a row, never a deletion; the latest row for a target is the one in force, so
  an exclusion is undone by a later `include` and both stay on record (docs/design.md 3).
- `listener_records`: a listener's consent decision, questionnaire answers and headphone-check
  result, each stored as it was given, with the session it was given in.
- `texts`: the listener texts a session ran with (language and every string), keyed by the
  checksum of their content; a session names them in its settings (`texts_sha256`).
"""

from __future__ import annotations

import sqlite3

_STEPS = """
CREATE TABLE decisions (
    id          TEXT PRIMARY KEY,        -- uuid4 hex: merging is idempotent
    target      TEXT NOT NULL CHECK (target IN ('listener', 'session')),
    target_id   TEXT NOT NULL,
    action      TEXT NOT NULL CHECK (action IN ('exclude', 'include')),
    reason      TEXT NOT NULL,
    decided_at  TEXT NOT NULL,           -- ISO 8601, UTC
    app_version TEXT NOT NULL
);
CREATE INDEX decisions_by_target ON decisions(target, target_id);
CREATE TABLE listener_records (
    id          TEXT PRIMARY KEY,        -- uuid4 hex
    listener    TEXT NOT NULL,
    session_id  TEXT REFERENCES sessions(id),
    kind        TEXT NOT NULL CHECK (kind IN ('consent', 'questionnaire', 'headphone_check')),
    data        TEXT NOT NULL,           -- JSON, canonical
    recorded_at TEXT NOT NULL,           -- ISO 8601, UTC
    app_version TEXT NOT NULL
);
CREATE INDEX listener_records_by_listener ON listener_records(listener);
CREATE TABLE texts (
    sha256     TEXT PRIMARY KEY,         -- of the canonical JSON of {language, strings}
    language   TEXT NOT NULL,
    content    TEXT NOT NULL,            -- JSON {"language": ..., "strings": {key: text}}, canonical
    created_at TEXT NOT NULL
);
"""


def upgrade(con: sqlite3.Connection) -> None:
    """Add decisions, listener records and texts; no existing row changes."""
    for statement in _STEPS.split(";"):
        if statement.strip():
            con.execute(statement)
