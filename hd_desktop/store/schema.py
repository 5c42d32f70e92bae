"""The layout of experiment.sqlite and the one place that decides which versions we can read.

The version lives in PRAGMA user_version. A file from a newer app, or a file that is not an
experiment, is refused with a message; an older known version is migrated step by step.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from hd_desktop.errors import UserFacingError
from hd_desktop.store import schema_v2, schema_v3

SCHEMA_VERSION = 3

_V1 = """
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE rounds (
    idx        INTEGER PRIMARY KEY,
    design     TEXT NOT NULL,            -- JSON, as the design module wrote it
    created_at TEXT NOT NULL
);
CREATE TABLE stimuli (
    id        TEXT PRIMARY KEY,
    round     INTEGER NOT NULL REFERENCES rounds(idx),
    role      TEXT NOT NULL,
    z         TEXT NOT NULL,             -- JSON list, floats written with repr (exact)
    seed      INTEGER NOT NULL,
    neighbour INTEGER,
    pair      INTEGER
);
CREATE INDEX stimuli_by_round ON stimuli(round);
CREATE TABLE sessions (
    id          TEXT PRIMARY KEY,
    listener    TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('trials', 'practice', 'evaluation', 'simulated')),
    order_ids   TEXT NOT NULL,           -- JSON list of stimulus ids, trial i plays order_ids[i]
    order_seed  INTEGER,
    device      TEXT,
    gain_db     REAL,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    settings    TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE votes (
    id           TEXT PRIMARY KEY,       -- globally unique (uuid4 hex): merging is idempotent
    listener     TEXT NOT NULL,
    session_id   TEXT NOT NULL REFERENCES sessions(id),
    trial        INTEGER NOT NULL CHECK (trial >= 0),
    stimulus_id  TEXT NOT NULL REFERENCES stimuli(id),
    response     INTEGER NOT NULL CHECK (response IN (0, 1)),
    rt_ms        REAL NOT NULL CHECK (rt_ms >= 0),
    n_plays      INTEGER NOT NULL CHECK (n_plays >= 1),
    presented_at TEXT NOT NULL,
    responded_at TEXT NOT NULL,
    device       TEXT,
    gain_db      REAL,
    app_version  TEXT NOT NULL,
    undone_at    TEXT                    -- the undo log: set once, never cleared, never deleted
);
-- One standing vote per trial: a doubled vote cannot be written, whatever the caller does.
CREATE UNIQUE INDEX votes_one_standing ON votes(session_id, trial) WHERE undone_at IS NULL;
CREATE INDEX votes_by_stimulus ON votes(stimulus_id);
CREATE INDEX votes_by_listener ON votes(listener);
"""

# MIGRATIONS[v] turns a version-v file into version v+1. _V1 stays as version 1 was shipped:
# new files are made as version 1 and brought up by the same steps as old ones.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {1: schema_v2.upgrade,
                                                                2: schema_v3.upgrade}


class StoreOpenError(UserFacingError):
    """The file could not be opened for a reason of its disk (full, read-only, I/O), not of its
    content: it may well be a good experiment."""

    def __init__(self, path: Path, why: str):
        self.why = why
        super().__init__(f"cannot open {path}: {why}; the file was not changed")


class DamagedStoreError(UserFacingError):
    """The file is no experiment SQLite can read whole: damaged bytes, a table missing, a
    design that is not JSON. Refused at open, never repaired or replaced."""


def damaged(path: Path, what: str) -> DamagedStoreError:
    return DamagedStoreError(
        f"{path} is damaged or not an hd-desktop experiment database ({what}); it was not "
        "changed. Restore the experiment folder from a backup; its rating files, if exported, "
        "can be imported into a new experiment (hd-desktop import --create)")


def open_error(exc: sqlite3.DatabaseError, path: Path) -> UserFacingError:
    """The error for a file SQLite would not open: its disk, or its content."""
    from hd_desktop.store.writelock import reason

    why = reason(exc, path)
    if why is not None:
        return StoreOpenError(path, why)
    return damaged(path, str(exc))


_JSON_COLUMNS = {"rounds": ("design",), "sessions": ("order_ids", "settings"),
                 "evaluations": ("design",)}   # small tables, read whole by every open
_layouts: dict[tuple, dict[str, set[str]]] = {}


def expected_layout() -> dict[str, set[str]]:
    """{table: its columns} of a current file, made once in memory by the same steps as a
    new experiment (so a table added by a later migration is expected too)."""
    key = (SCHEMA_VERSION, tuple(MIGRATIONS.items()))
    if key not in _layouts:
        con = sqlite3.connect(":memory:")
        for statement in _V1.split(";"):
            if statement.strip():
                con.execute(statement)
        for version in range(1, SCHEMA_VERSION):
            MIGRATIONS[version](con)
        _layouts[key] = {t: {c[1] for c in con.execute(f"PRAGMA table_info({t})")} for (t,) in
                         con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        con.close()
    return _layouts[key]


def check_layout(con: sqlite3.Connection, path: Path) -> None:
    """Refuse a file at the current version whose tables or designs are not readable, in
    words, before any caller meets the damage as a traceback (a dropped table, a round design
    that is not JSON, pages SQLite finds malformed while reading these)."""
    try:
        for table, columns in expected_layout().items():
            have = {c[1] for c in con.execute(f"PRAGMA table_info({table})")}
            if not have:
                raise damaged(path, f"its table {table} is missing")
            if columns - have:
                raise damaged(path, f"its table {table} lacks the column(s) "
                                    f"{', '.join(sorted(columns - have))}")
        for table, columns in _JSON_COLUMNS.items():
            if table not in expected_layout():
                continue
            for column in columns:
                bad = con.execute(f"SELECT rowid FROM {table} WHERE json_valid({column}) = 0 "
                                  "LIMIT 1").fetchone()
                if bad is not None:
                    raise damaged(path, f"{table}.{column} of row {bad[0]} is not JSON")
    except sqlite3.DatabaseError as exc:
        raise open_error(exc, path) from None


def configure(con: sqlite3.Connection) -> None:
    """Durability settings every connection needs: a vote is on disk when commit returns."""
    con.execute("PRAGMA busy_timeout = 15000")
    con.execute("PRAGMA foreign_keys = ON")
    con.execute("PRAGMA synchronous = FULL")


def _is_empty(con: sqlite3.Connection) -> bool:
    return con.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0


def _concurrent_change(path: Path, before: int, now: int) -> Callable[[sqlite3.Connection], None]:
    def refuse(con: sqlite3.Connection) -> None:
        raise UserFacingError(f"{path} changed from schema {before} to {now} while opening it; "
                              "open it again")
    return refuse


def prepare(con: sqlite3.Connection, path: Path, read_only: bool = False) -> None:
    """Create the schema in an empty file, migrate a known older one, refuse anything else.
    `read_only`: check the version only (a file that needs upgrading is refused)."""
    try:
        version = con.execute("PRAGMA user_version").fetchone()[0]
        empty = _is_empty(con)
    except sqlite3.DatabaseError as exc:
        raise open_error(exc, path) from None
    if read_only and (version != SCHEMA_VERSION or empty):
        what = "has no experiment yet" if empty else f"has schema {version}"
        raise UserFacingError(f"{path} {what} and cannot be changed here (read-only); this "
                              f"hd-desktop reads schema {SCHEMA_VERSION}")
    if read_only:
        check_layout(con, path)
        return
    if version == 0 and empty:
        con.execute("PRAGMA journal_mode = WAL")
        con.execute("BEGIN IMMEDIATE")
        try:
            if _is_empty(con):  # another process may have created it meanwhile
                for statement in _V1.split(";"):
                    if statement.strip():
                        con.execute(statement)
                con.execute("PRAGMA user_version = 1")  # later versions come by migration
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        version = con.execute("PRAGMA user_version").fetchone()[0]
    if version == 0:
        raise UserFacingError(f"{path} is an SQLite file but not an hd-desktop experiment "
                              "(it has no schema version); it was not changed")
    if version > SCHEMA_VERSION:
        raise UserFacingError(f"{path} was written by a newer hd-desktop (schema {version}); this "
                              f"version reads schema {SCHEMA_VERSION} and older. Update hd-desktop."
                              )
    steps = [MIGRATIONS.get(v) for v in range(version, SCHEMA_VERSION)]
    if None in steps:
        raise UserFacingError(f"{path} has schema {version}, which this hd-desktop cannot "
                              f"upgrade to {SCHEMA_VERSION}; it was not changed")
    if steps:  # the whole upgrade in one transaction: a failed step leaves the file as it was
        # Steps may rebuild a table others refer to (SQLite's documented way to change a
        # column), which needs foreign keys off; they are checked in full before the commit.
        con.execute("PRAGMA foreign_keys = OFF")
        con.execute("BEGIN IMMEDIATE")
        try:
            now = con.execute("PRAGMA user_version").fetchone()[0]
            if now != version:  # another process upgraded it while we waited for the lock
                steps = [] if now == SCHEMA_VERSION else [_concurrent_change(path, version, now)]
            for step in steps:
                step(con)
            broken = con.execute("PRAGMA foreign_key_check").fetchone()
            if broken is not None:
                raise UserFacingError(f"{path}: upgrading schema {version} to {SCHEMA_VERSION} "
                                      f"would break a reference in table {broken[0]}; the file "
                                      "was not changed")
            con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        finally:
            con.execute("PRAGMA foreign_keys = ON")
    check_layout(con, path)
    con.execute("PRAGMA journal_mode = WAL")
