"""Schema 1 -> 2: trained models, their samples, and evaluation sets beside the NES rounds.

An evaluation's stimuli live in `stimuli` like a round's, with `round` NULL and `evaluation`
naming their set, so evaluations never take a round number. SQLite cannot relax a column's
NOT NULL in place, so `stimuli` is rebuilt: same rows, same rowids (hence the same order).
"""

from __future__ import annotations

import sqlite3

_STEPS = """
CREATE TABLE evaluations (
    name       TEXT PRIMARY KEY,         -- also the evaluation's id (stimulus ids carry it)
    design     TEXT NOT NULL,            -- JSON, canonical
    created_at TEXT NOT NULL
);
CREATE TABLE stimuli_v2 (
    id         TEXT PRIMARY KEY,
    round      INTEGER REFERENCES rounds(idx),          -- NULL for an evaluation's stimuli
    role       TEXT NOT NULL,
    z          TEXT NOT NULL,            -- JSON list, floats written with repr (exact)
    seed       INTEGER NOT NULL,
    neighbour  INTEGER,
    pair       INTEGER,
    evaluation TEXT REFERENCES evaluations(name),
    CHECK ((round IS NULL) <> (evaluation IS NULL))
);
INSERT INTO stimuli_v2 (rowid, id, round, role, z, seed, neighbour, pair)
    SELECT rowid, id, round, role, z, seed, neighbour, pair FROM stimuli ORDER BY rowid;
DROP TABLE stimuli;
ALTER TABLE stimuli_v2 RENAME TO stimuli;
CREATE INDEX stimuli_by_round ON stimuli(round);
CREATE INDEX stimuli_by_evaluation ON stimuli(evaluation);
CREATE TABLE models (
    id          TEXT PRIMARY KEY,        -- uuid4 hex
    round       INTEGER NOT NULL REFERENCES rounds(idx),  -- trained on the votes up to this round
    config      TEXT NOT NULL,           -- JSON
    curve       TEXT NOT NULL,           -- JSON list of {step, loss, ...}
    info        TEXT NOT NULL,           -- JSON: votes used, estimates, timings, seeds, metrics
    checkpoint  BLOB NOT NULL,           -- torch state-dict bytes
    sha256      TEXT NOT NULL,           -- of checkpoint, checked on every read
    created_at  TEXT NOT NULL,
    app_version TEXT NOT NULL
);
CREATE INDEX models_by_round ON models(round);
CREATE TABLE samples (
    model_id   TEXT NOT NULL REFERENCES models(id),
    round      INTEGER NOT NULL,         -- the round they were drawn in
    seed       INTEGER NOT NULL,
    n          INTEGER NOT NULL CHECK (n >= 0),
    k          INTEGER NOT NULL CHECK (k >= 1),
    z          BLOB NOT NULL,            -- n x k float64, little-endian, row-major (exact)
    info       TEXT NOT NULL,            -- JSON
    created_at TEXT NOT NULL,
    UNIQUE (model_id, seed)
);
CREATE INDEX samples_by_round ON samples(round);
"""


def upgrade(con: sqlite3.Connection) -> None:
    """Add evaluations, models and samples; rebuild stimuli with its rows and their order kept."""
    for statement in _STEPS.split(";"):
        if statement.strip():
            con.execute(statement)
