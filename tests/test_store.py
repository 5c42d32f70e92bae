"""The experiment store: exact round trips, refusals, durable votes, the undo log, counts."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from datetime import datetime, timedelta, timezone

import pytest
from helpers.experiments import FINGERPRINT, SPACE_INFO, make_experiment

from hd_desktop.design.stimulus import Role, Stimulus
from hd_desktop.errors import UserFacingError
from hd_desktop.store import SCHEMA_VERSION, Experiment, NewVote, SessionKind

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)


def _vote(exp, sid, trial, response=1, rt=412.25, listener_offset=0):
    order = exp.session(sid).order
    return exp.record_vote(sid, trial, order[trial], response, rt, 1, T0 + timedelta(seconds=trial),
                           T0 + timedelta(seconds=trial, milliseconds=rt), "Dummy Out", -6.5)


def test_stimuli_designs_and_space_round_trip_exactly(tmp_path):
    exp, trials = make_experiment(tmp_path / "e")
    exp.close()
    with Experiment.open(tmp_path / "e", create=False) as again:
        stored = {s.id: s for s in again.stimuli(0)}
        assert all(stored[s.id] == s for s in trials)  # z compared float for float
        assert again.rounds()[0]["sigma_nes"] == 0.3
        assert again.space() == (FINGERPRINT, SPACE_INFO)
        assert again.stimuli(ids=[trials[3].id]) == [trials[3]]
    assert (tmp_path / "e" / "exports").is_dir()


def test_durability_settings_on_every_connection(tmp_path):
    exp, _ = make_experiment(tmp_path / "e")
    con = exp._con()
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    exp.close()


def test_add_round_is_idempotent_and_never_changes(tmp_path):
    exp, trials = make_experiment(tmp_path / "e")
    exp.add_round(0, {"R": 5, "sigma_nei": 0.5, "seed": 11, "sigma_nes": 0.3}, trials[:4])
    with pytest.raises(UserFacingError, match="different design"):
        exp.add_round(0, {"seed": 12}, [])
    moved = Stimulus(trials[0].id, 0, trials[0].role, (9.0, 9.0), trials[0].seed, 0, 0)
    with pytest.raises(UserFacingError, match="other values"):
        exp.add_round(0, {"R": 5, "sigma_nei": 0.5, "seed": 11, "sigma_nes": 0.3}, [moved])
    assert exp.stimuli(ids=[trials[0].id]) == [trials[0]]


def test_a_different_voice_space_is_refused(tmp_path):
    exp, _ = make_experiment(tmp_path / "e")
    exp.set_space(FINGERPRINT, {"other": "info ignored"})
    with pytest.raises(UserFacingError, match="space-other"):
        exp.set_space("space-other", SPACE_INFO)
    assert exp.space() == (FINGERPRINT, SPACE_INFO)


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_newer_foreign_and_corrupt_files_are_refused_untouched(tmp_path):
    newer = tmp_path / "newer"
    make_experiment(newer)[0].close()
    con = sqlite3.connect(newer / "experiment.sqlite")
    con.execute("PRAGMA user_version = 99")
    con.close()
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    con = sqlite3.connect(foreign / "experiment.sqlite")
    con.execute("CREATE TABLE t (x)")
    con.close()
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    (corrupt / "experiment.sqlite").write_bytes(b"not a database at all" * 100)
    for folder, message in ((newer, "newer hd-desktop"), (foreign, "not an hd-desktop"),
                            (corrupt, "not an hd-desktop")):
        before = _digest(folder / "experiment.sqlite")
        with pytest.raises(UserFacingError, match=message):
            Experiment.open(folder)
        assert _digest(folder / "experiment.sqlite") == before
    with pytest.raises(UserFacingError, match="no experiment"):
        Experiment.open(tmp_path / "missing", create=False)
    assert not (tmp_path / "missing").exists()


def test_votes_follow_the_order_and_undo_is_logged_not_deleted(tmp_path):
    exp, trials = make_experiment(tmp_path / "e")
    order = [s.id for s in trials]
    sid = exp.start_session("L01", "trials", order, 7, "Dummy Out", -6.5, {"break_every": 5})
    assert exp.next_trial(sid) == 0
    first = _vote(exp, sid, 0)
    with pytest.raises(ValueError, match="next unvoted trial is 1"):
        _vote(exp, sid, 2)
    with pytest.raises(ValueError, match="does not play"):
        exp.record_vote(sid, 1, order[5], 1, 300.0, 1, T0, T0)
    with pytest.raises(ValueError, match="response"):
        exp.record_vote(sid, 1, order[1], 2, 300.0, 1, T0, T0)
    with pytest.raises(ValueError, match="reaction time"):
        exp.record_vote(sid, 1, order[1], 1, -1.0, 1, T0, T0)
    _vote(exp, sid, 1, response=0)
    undone = exp.undo_last_vote(sid)
    assert undone.trial == 1 and undone.undone_at is not None
    assert exp.next_trial(sid) == 1
    _vote(exp, sid, 1, response=1)
    standing = exp.votes(session_id=sid)
    assert [v.trial for v in standing] == [0, 1] and standing[0].id == first
    assert len(exp.votes(session_id=sid, include_undone=True)) == 3
    v = standing[0]
    assert (v.listener, v.stimulus_id, v.rt_ms, v.n_plays, v.device, v.gain_db) == \
        ("L01", order[0], 412.25, 1, "Dummy Out", -6.5)
    assert v.presented_at == "2026-03-02T09:30:00.000000+00:00"
    info = exp.session(sid)
    assert info.order == tuple(order) and info.order_seed == 7 and info.kind == SessionKind.TRIALS
    assert info.settings == {"break_every": 5}


def test_a_doubled_vote_cannot_be_written_even_bypassing_checks(tmp_path):
    exp, trials = make_experiment(tmp_path / "e")
    sid = exp.start_session("L01", "trials", [s.id for s in trials], 7)
    _vote(exp, sid, 0)
    with pytest.raises(sqlite3.IntegrityError):
        with exp._write() as con:
            con.execute("INSERT INTO votes SELECT 'x', listener, session_id, trial, stimulus_id, "
                        "response, rt_ms, n_plays, presented_at, responded_at, device, gain_db, "
                        "app_version, NULL FROM votes")


def test_counts_exclude_undone_practice_and_listeners_and_screening(tmp_path):
    exp, trials = make_experiment(tmp_path / "e")
    gold = [s for s in trials if s.role in (Role.GOLD_REAL, Role.GOLD_FAR)]
    a = exp.start_session("A", "trials", [s.id for s in gold], 1)
    for i, s in enumerate(gold):  # A accepts everything: right on real, wrong on far
        _vote(exp, a, i, response=1)
    b = exp.start_session("B", "trials", [gold[0].id], 2)
    _vote(exp, b, 0, response=1)
    p = exp.start_session("A", "practice", [gold[0].id], None)
    _vote(exp, p, 0, response=0)
    u = exp.start_session("C", "trials", [gold[0].id], 3)
    _vote(exp, u, 0, response=0)
    exp.undo_last_vote(u)
    counts = exp.vote_counts()
    assert counts[gold[0].id] == (2, 2)  # A and B; not practice, not the undone vote
    assert exp.vote_counts(exclude_listeners=["B"])[gold[0].id] == (1, 1)
    from hd_desktop.session.flow import session_screening

    screening = session_screening(exp.stimuli(), exp.votes(session_id=a))
    assert (screening.correct, screening.total, screening.accuracy) == (2, 4, 0.5)


def test_bulk_votes_for_simulated_listeners(tmp_path):
    exp, trials = make_experiment(tmp_path / "e")
    sid = exp.start_session("sim-1", SessionKind.SIMULATED, [s.id for s in trials], 3)
    ids = exp.record_votes(sid, [NewVote(i, s.id, i % 2, 0.0, 1, T0, T0)
                                 for i, s in enumerate(trials)])
    assert len(set(ids)) == len(trials) and exp.next_trial(sid) == len(trials)


def test_gui_thread_writes_while_a_worker_reads(tmp_path):
    exp, trials = make_experiment(tmp_path / "e")
    sid = exp.start_session("L01", "trials", [s.id for s in trials], 7)
    seen, errors = [], []
    stop = threading.Event()

    def worker():
        try:
            while not stop.is_set():
                seen.append(sum(n for _, n in exp.vote_counts().values()))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    t = threading.Thread(target=worker)
    t.start()
    for i in range(len(trials)):
        _vote(exp, sid, i)
    stop.set()
    t.join()
    assert not errors and seen == sorted(seen) and exp.next_trial(sid) == len(trials)
    exp.close()


def test_an_older_schema_is_migrated_in_one_step_or_refused_untouched(tmp_path, monkeypatch):
    from hd_desktop.store import schema

    make_experiment(tmp_path / "e")[0].close()
    path = tmp_path / "e" / "experiment.sqlite"

    current = schema.SCHEMA_VERSION

    def add_notes(con):
        con.execute("CREATE TABLE notes (id TEXT PRIMARY KEY, text TEXT)")

    monkeypatch.setattr(schema, "SCHEMA_VERSION", current + 1)
    monkeypatch.setattr(schema, "MIGRATIONS", {v: schema.MIGRATIONS[v] for v in range(1, current)})
    before = _digest(path)
    with pytest.raises(UserFacingError, match="cannot upgrade"):   # no way from current to next
        Experiment.open(tmp_path / "e")
    assert _digest(path) == before
    monkeypatch.setattr(schema, "MIGRATIONS", {**schema.MIGRATIONS, current: add_notes})
    with Experiment.open(tmp_path / "e") as exp:
        assert exp._con().execute("PRAGMA user_version").fetchone()[0] == current + 1
        assert exp._con().execute("SELECT count(*) FROM notes").fetchone()[0] == 0
        assert len(exp.stimuli()) > 0
    with Experiment.open(tmp_path / "fresh") as exp:  # a new file is built by the same path
        assert exp._con().execute("SELECT count(*) FROM notes").fetchone()[0] == 0
