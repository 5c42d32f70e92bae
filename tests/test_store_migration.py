"""Schema 1 -> 2: a file written by the v1 store is upgraded in one transaction, losing nothing."""

from __future__ import annotations

import hashlib
import json
import sqlite3

import pytest
import test_store_migration_v1 as v1

from hd_desktop.errors import UserFacingError
from hd_desktop.store import SCHEMA_VERSION, Experiment, schema, write_rating_file
from hd_desktop.store.records import Vote

V1_COLUMNS = {"meta": "*", "rounds": "*", "sessions": "*", "votes": "*",
              "stimuli": "id, round, role, z, seed, neighbour, pair"}


def _v1_folder(tmp_path):
    folder = tmp_path / "v1"
    folder.mkdir()
    con = sqlite3.connect(folder / "experiment.sqlite")
    con.executescript(v1.DUMP)
    con.execute("PRAGMA user_version = 1")
    con.close()
    return folder


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _table_digests(path):
    con = sqlite3.connect(path)
    out = {t: hashlib.sha256(repr(con.execute(f"SELECT {cols} FROM {t} ORDER BY rowid")
                                  .fetchall()).encode()).hexdigest()
           for t, cols in V1_COLUMNS.items()}
    con.close()
    return out


def test_the_fixture_is_what_the_v1_store_wrote(tmp_path):
    assert SCHEMA_VERSION == 3
    assert _table_digests(_v1_folder(tmp_path) / "experiment.sqlite") == v1.TABLE_SHA256


def test_a_v1_experiment_is_upgraded_with_every_row_and_export_intact(tmp_path):
    folder = _v1_folder(tmp_path)
    with Experiment.open(folder, create=False) as exp:
        con = exp._con()
        assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert con.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        assert exp.votes(include_undone=True) == [Vote(*v) for v in v1.VOTES]
        assert {k: list(v) for k, v in exp.vote_counts().items()} == v1.VOTE_COUNTS
        assert exp.rounds()[1]["anchors_from"] == {"round": 0, "model_id": None}
        assert exp.evaluations() == {} and exp.models() == [] and exp.samples().shape == (0, 0)
        for sid, want in v1.EXPORTS.items():  # the same rating files, byte for byte
            csv_path, json_path = write_rating_file(exp, sid, tmp_path / "out")
            side = json.loads(json_path.read_text())
            keep = {k: side[k] for k in ("experiment_id", "space", "rounds", "seeds", "session",
                                         "stimuli", "csv")}
            assert _digest(csv_path) == want["csv_sha256"]
            assert hashlib.sha256(json.dumps(keep, sort_keys=True).encode()).hexdigest() == \
                want["sidecar_sha256"]
        trials = next(s for s in exp.sessions() if s.kind == "trials")
        assert trials.finished_at is not None and exp.next_trial(trials.id) == 9
    assert _table_digests(folder / "experiment.sqlite") == v1.TABLE_SHA256


def test_a_failing_upgrade_leaves_the_v1_file_untouched(tmp_path, monkeypatch):
    folder = _v1_folder(tmp_path)
    path = folder / "experiment.sqlite"
    before = _digest(path)
    real_step = schema.MIGRATIONS[1]

    def step_then_fail(con):
        real_step(con)  # the stimuli table is rebuilt, models added... then a failure
        raise RuntimeError("disk went away")

    monkeypatch.setattr(schema, "MIGRATIONS", {**schema.MIGRATIONS, 1: step_then_fail})
    with pytest.raises(RuntimeError, match="disk went away"):
        Experiment.open(folder)
    assert _digest(path) == before
    monkeypatch.undo()
    with Experiment.open(folder) as exp:  # and the real upgrade still works afterwards
        assert len(exp.votes(include_undone=True)) == len(v1.VOTES)


def test_a_newer_version_is_still_refused_untouched(tmp_path):
    folder = _v1_folder(tmp_path)
    Experiment.open(folder).close()
    path = folder / "experiment.sqlite"
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.close()
    before = _digest(path)
    with pytest.raises(UserFacingError, match="newer hd-desktop"):
        Experiment.open(folder)
    assert _digest(path) == before
