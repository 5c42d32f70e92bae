"""The experiment: one SQLite file that owns the voice space, rounds, evaluations, stimuli,
sessions, votes, trained models and their samples.

Every vote is its own committed transaction (WAL, synchronous=FULL): when `record_vote`
returns, the vote survives a crash or a power cut. Each thread gets its own connection, so
the GUI thread can write while workers read consistent snapshots.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np

from hd_desktop import __version__
from hd_desktop.design.stimulus import Stimulus
from hd_desktop.errors import UserFacingError
from hd_desktop.store import codec, schema, writelock
from hd_desktop.store import decisions as decisions_sql
from hd_desktop.store import listener_records as records_sql
from hd_desktop.store.schema import StoreOpenError
from hd_desktop.store import evaluations as evaluations_sql
from hd_desktop.store import models as models_sql
from hd_desktop.store import votes as votes_sql
from hd_desktop.store.models import ModelInfo, SampleSet
from hd_desktop.store.records import (SessionInfo, SessionKind, Vote, iso_utc,
                                      utc_now)
from hd_desktop.store.votes import NewVote

DB_NAME = "experiment.sqlite"
EXPORTS = "exports"
COUNTED_KINDS = (SessionKind.TRIALS, SessionKind.SIMULATED)


def _refuse_empty(path: Path) -> None:
    """A 0-byte experiment.sqlite (a copy cut short, a full disk, a truncation) is refused as
    such: SQLite would take it for a new, empty database and the experiment's id, and every
    rating file made from it, would be lost. (A new experiment's file is never empty: its
    header is written when it is made; its changes may wait in the -wal file beside it.)"""
    wal = path.with_name(path.name + "-wal")
    try:
        if path.stat().st_size > 0 or wal.exists() and wal.stat().st_size > 0:
            return
    except OSError:
        return  # unreadable: opening it says why
    raise schema.DamagedStoreError(
        f"{path} is empty (0 bytes): the experiment that was there is lost (a copy cut short, "
        "or a full disk?). It was not changed, and no new experiment was made over it. Restore "
        "it from a backup; to start a new experiment in this folder, move the empty file away")


class Experiment:
    """An open experiment folder. Use `Experiment.open(folder)`; close it (or use `with`)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.path = self.folder / DB_NAME
        self.exports_dir = self.folder / EXPORTS
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._sessions_seen: dict[str, SessionInfo] = {}
        self._uri: str | None = None     # set when opened read-only
        self._read_only_why = ""

    # ---------------------------------------------------------------- opening
    @staticmethod
    def exists(folder: str | os.PathLike) -> bool:
        return (Path(folder) / DB_NAME).is_file()

    @classmethod
    def open(cls, folder: str | os.PathLike, *, create: bool = True,
             experiment_id: str | None = None) -> Experiment:
        """Open (or, with `create`, make) the experiment in `folder`; refuse unreadable versions."""
        folder = Path(folder)
        if cls.exists(folder):
            _refuse_empty(folder / DB_NAME)
        else:
            if not create:
                raise UserFacingError(f"no experiment in {folder} (no {DB_NAME})")
            if folder.exists() and not folder.is_dir():
                raise UserFacingError(f"{folder} is a file, not an experiment folder")
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise UserFacingError(f"cannot create the experiment folder {folder} "
                                      f"({exc.strerror or exc})") from None
        exp = cls(folder)
        try:
            exp._open_database()
            if exp._meta("experiment_id") is None and not exp.read_only:
                with exp._write() as con:
                    for key, value in (("experiment_id", experiment_id or uuid.uuid4().hex),
                                       ("created_at", iso_utc(utc_now())),
                                       ("created_with", __version__)):
                        con.execute("INSERT OR IGNORE INTO meta VALUES (?, ?)", (key, value))
        except BaseException:
            exp.close()
            raise
        if not exp.read_only:
            exp.exports_dir.mkdir(exist_ok=True)
        return exp

    @property
    def read_only(self) -> bool:
        """Opened from a read-only disk or folder (or a full one): it can be read and exported,
        and every change is refused with a StoreWriteError saying why."""
        return self._uri is not None

    def _open_database(self) -> None:
        """Open for writing, else (read-only or full disk) for reading only; a valid experiment
        is never called "not an experiment" because its disk cannot be written."""
        if not self._writable():
            self._open_read_only("it is on a read-only disk or folder")
            return
        try:
            schema.prepare(self._con(), self.path)
        except StoreOpenError as exc:
            self.close()
            self._open_read_only(exc.why)

    def _writable(self) -> bool:
        try:
            if os.statvfs(self.folder).f_flag & os.ST_RDONLY:
                return False
        except OSError:
            return False
        return os.access(self.folder, os.W_OK) and (
            not self.path.exists() or os.access(self.path, os.W_OK))

    def _open_read_only(self, why: str) -> None:
        wal = self.path.with_name(self.path.name + "-wal")
        if not self.path.exists():
            raise UserFacingError(f"cannot create {self.path}: {why}")
        # With no write-ahead log the main file holds every change, and nothing can write it
        # while we read: SQLite reads it as immutable (it could not make its -shm file here).
        # A non-empty log must be read through its -shm file, which must then exist.
        self._read_only_why = why
        immutable = not wal.exists() or wal.stat().st_size == 0
        self._uri = f"file:{quote(str(self.path))}?" + ("immutable=1" if immutable else "mode=ro")
        try:
            schema.prepare(self._con(), self.path, read_only=True)
        except StoreOpenError as exc:
            raise UserFacingError(
                f"cannot open {self.path}: {why}, and its write-ahead log {wal.name} holds "
                f"changes not yet in the main file ({exc.why}). Copy the experiment folder to a "
                "disk with free space that can be written, and open it there") from None

    def _con(self) -> sqlite3.Connection:
        con = getattr(self._local, "con", None)
        if con is None:
            try:
                if self._uri is None:
                    con = sqlite3.connect(self.path, isolation_level=None, timeout=15.0)
                else:
                    con = sqlite3.connect(self._uri, uri=True, isolation_level=None, timeout=15.0)
                schema.configure(con)
            except sqlite3.DatabaseError as exc:
                raise schema.open_error(exc, self.path) from None
            self._local.con = con
            with self._lock:
                self._all.append(con)
        return con

    @contextmanager
    def _write(self, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """One transaction, taken with the write lock up front so it cannot deadlock on upgrade.

        A failed transaction is rolled back; if SQLite already rolled it back itself (a full
        disk does that), the original error is what the caller sees. `durable=False` skips the
        fsync at commit (WAL with synchronous=NORMAL: never corrupt, but a power cut may take
        the transaction back); the next durable commit on any connection makes it durable too.
        """
        if self._uri is not None:
            raise writelock.StoreWriteError(
                f"cannot write to {self.path}: {self._read_only_why}; it was opened for reading "
                "only. This change was not stored; everything stored before it is safe.")
        con = self._con()
        if not durable:
            con.execute("PRAGMA synchronous = NORMAL")
        try:
            with self._transaction(con) as con:
                yield con
        finally:
            if not durable:
                con.execute("PRAGMA synchronous = FULL")

    @contextmanager
    def _transaction(self, con: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
        writelock.begin(con, self.path)
        try:
            yield con
        except BaseException as exc:
            if con.in_transaction:
                try:
                    con.execute("ROLLBACK")
                except sqlite3.Error:
                    pass  # the error being raised says what went wrong; this would hide it
            if isinstance(exc, sqlite3.OperationalError):
                said = writelock.failed(exc, self.path)
                if said is not exc:
                    raise said from None
            raise
        try:
            con.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if con.in_transaction:
                try:
                    con.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
            raise writelock.failed(exc, self.path) from None

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """A consistent read-only snapshot (one read transaction) for checks that must see the
        experiment as of one moment; it takes no lock, so votes go on being written meanwhile."""
        con = self._con()
        con.execute("BEGIN")
        try:
            yield con
        finally:
            con.execute("ROLLBACK")

    def checkpoint(self) -> None:
        """Copy committed pages from the write-ahead log into the database file, without
        blocking anyone (PASSIVE). A long import calls it between its transactions so the log
        never reaches SQLite's auto-checkpoint size at a vote's commit, which would make that
        vote do the copying (tens of milliseconds)."""
        try:
            self._con().execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.OperationalError:
            pass  # a later checkpoint does the work; nothing is lost by skipping one

    def close(self) -> None:
        """Close every thread's connection (call from the owning thread when the app quits)."""
        with self._lock:
            cons, self._all = self._all, []
        for con in cons:
            try:
                con.close()
            except sqlite3.ProgrammingError:
                pass  # made in another thread that is gone; the OS reclaims it
        self._local = threading.local()

    def __enter__(self) -> Experiment:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- meta and space
    def _meta(self, key: str) -> str | None:
        row = self._con().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    @property
    def experiment_id(self) -> str:
        return self._meta("experiment_id") or ""

    def space(self) -> tuple[str, dict[str, Any]] | None:
        """The voice-space (fingerprint, info) the experiment was built on, if set."""
        fp = self._meta("space_fingerprint")
        return None if fp is None else (fp, json.loads(self._meta("space_info") or "{}"))

    def set_space(self, fingerprint: str, info: Mapping[str, Any]) -> None:
        """Bind the experiment to a voice space; a different space is refused (its z differ)."""
        with self._write() as con:
            self._set_space(con, fingerprint, info)

    def _set_space(self, con: sqlite3.Connection, fingerprint: str, info: Mapping[str, Any]
                   ) -> None:
        row = con.execute("SELECT value FROM meta WHERE key = 'space_fingerprint'").fetchone()
        if row is not None:
            if row[0] != fingerprint:
                raise UserFacingError(
                    f"experiment {self.folder} was built on voice space {row[0]}; this space "
                    f"is {fingerprint}. Its coordinates mean different voices: start a new "
                    "experiment for this space.")
            return
        con.execute("INSERT INTO meta VALUES ('space_fingerprint', ?)", (fingerprint,))
        con.execute("INSERT INTO meta VALUES ('space_info', ?)",
                    (codec.canonical_json(dict(info)),))

    def lab_settings(self) -> dict[str, Any]:
        """The experiment's own settings (engine preset, kept listeners, carrier, gain), as saved
        by `save_lab_settings`; {} when none were saved yet."""
        text = self._meta("lab_settings")
        return {} if text is None else json.loads(text)

    def save_lab_settings(self, values: Mapping[str, Any]) -> None:
        """Replace the experiment's settings (one transaction); the caller versions the dict."""
        with self._write() as con:
            con.execute("INSERT OR REPLACE INTO meta VALUES ('lab_settings', ?)",
                        (codec.canonical_json(dict(values)),))

    # ---------------------------------------------------------------- rounds and stimuli
    def add_round(self, index: int, design: Mapping[str, Any], stimuli: Iterable[Stimulus]) -> None:
        """Store a round's design and stimuli; the same again is a no-op, a change is refused.

        A design may name where its anchors came from, e.g. `"anchors_from": {"round": r,
        "model_id": m}` (the samples of model m, trained after round r); it is kept as given.
        """
        if int(index) < 0:
            raise ValueError(f"round index {index} must be 0 or more")
        with self._write() as con:
            self._add_round(con, int(index), design, stimuli)

    def _add_round(self, con: sqlite3.Connection, index: int, design: Mapping[str, Any],
                   stimuli: Iterable[Stimulus]) -> None:
        text = codec.canonical_json(dict(design))
        row = con.execute("SELECT design FROM rounds WHERE idx = ?", (index,)).fetchone()
        if row is None:
            con.execute("INSERT INTO rounds VALUES (?, ?, ?)", (index, text, iso_utc(utc_now())))
        elif row[0] != text:
            raise UserFacingError(f"round {index} of {self.folder} already has a different design; "
                                  "a round's design never changes once stored")
        for s in stimuli:
            if s.round != index:
                raise ValueError(f"stimulus {s.id} belongs to round {s.round}, not {index}")
            codec.put_stimulus(con, s, self.folder)

    def rounds(self) -> dict[int, dict[str, Any]]:
        rows = self._con().execute("SELECT idx, design FROM rounds ORDER BY idx")
        return {i: json.loads(d) for i, d in rows}

    def stimuli(self, round: int | None = None, ids: Iterable[str] | None = None,
                evaluation: str | None = None) -> list[Stimulus]:
        """Stored stimuli: all (rounds first), one round's, one evaluation's, or those with the
        given ids (in that order). An evaluation's stimuli carry round EVALUATION_ROUND."""
        con = self._con()
        if ids is not None:
            out = []
            for sid in ids:
                row = con.execute(f"SELECT {codec.STIMULUS_COLUMNS} FROM stimuli WHERE id = ?",
                                  (sid,)).fetchone()
                if row is None:
                    raise UserFacingError(f"stimulus {sid} is not in {self.path}")
                out.append(codec.stimulus_from_row(row))
            return out
        sql = f"SELECT {codec.STIMULUS_COLUMNS} FROM stimuli"
        if evaluation is not None:
            rows = con.execute(sql + " WHERE evaluation = ? ORDER BY rowid", (str(evaluation),))
        elif round is None:
            rows = con.execute(sql + " ORDER BY round IS NULL, round, evaluation, rowid")
        else:
            rows = con.execute(sql + " WHERE round = ? ORDER BY rowid", (int(round),))
        return [codec.stimulus_from_row(r) for r in rows]

    def stimulus_evaluations(self, ids: Iterable[str]) -> dict[str, str]:
        """{stimulus id: evaluation name} for those of `ids` that belong to an evaluation."""
        return evaluations_sql.membership(self._con(), ids)

    # ---------------------------------------------------------------- evaluations
    def add_evaluation(self, name: str, design: Mapping[str, Any],
                       stimuli: Iterable[Stimulus]) -> str:
        """Store an evaluation set (roles eval-real/eval-sample, round EVALUATION_ROUND) under
        `name`, which is its id; the same again is a no-op, a change is refused."""
        with self._write() as con:
            return evaluations_sql.add(con, name, design, stimuli, self.folder)

    def evaluations(self) -> dict[str, dict[str, Any]]:
        """{evaluation name: design}, in the order they were stored."""
        return evaluations_sql.designs(self._con())

    # ---------------------------------------------------------------- models and samples
    def save_model(self, round: int, config: Mapping[str, Any], curve: Sequence[Mapping[str, Any]],
                   checkpoint: bytes, info: Mapping[str, Any],
                   samples: tuple[np.ndarray, int, Mapping[str, Any]] | None = None) -> str:
        """Keep a trained network (state-dict bytes) with its config, loss curve and info.

        `samples` = (z, seed, info) are stored in the same transaction: a model whose samples
        are missing would hide the previous good one, and the next round could not be designed.
        """
        with self._write() as con:
            model_id = models_sql.save_model(con, int(round), config, curve, checkpoint, info)
            if samples is not None:
                z, seed, sample_info = samples
                models_sql.save_samples(con, model_id, int(round), z, seed, sample_info, self.path)
            return model_id

    def models(self, round: int | None = None) -> list[ModelInfo]:
        """Stored models (without checkpoints), oldest first; all, or one round's."""
        return models_sql.models(self._con(), None if round is None else int(round))

    def model(self, model_id: str) -> ModelInfo:
        return models_sql.model(self._con(), model_id, self.path)

    def model_checkpoint(self, model_id: str) -> bytes:
        """The model's state-dict bytes, checked against the checksum taken when saved."""
        return models_sql.checkpoint(self._con(), model_id, self.path)

    def latest_model(self, round: int | None = None) -> ModelInfo | None:
        """The most recently saved model (of `round`, if given), or None."""
        found = self.models(round)
        return found[-1] if found else None

    def save_samples(self, model_id: str, round: int, z: np.ndarray, seed: int,
                     info: Mapping[str, Any]) -> None:
        """Keep an n x k array drawn by the model (float64, bit for bit); same again: no-op."""
        with self._write() as con:
            models_sql.save_samples(con, model_id, int(round), z, seed, info, self.path)

    def samples(self, round: int | None = None, model_id: str | None = None) -> np.ndarray:
        """Stored samples (of a round, of a model) stacked in the order saved; (0, 0) if none."""
        return models_sql.samples(self._con(), round, model_id)

    def sample_sets(self, round: int | None = None, model_id: str | None = None,
                    ) -> list[SampleSet]:
        """What each `save_samples` call stored: model, round, seed, size and info."""
        return models_sql.sample_sets(self._con(), round, model_id)

    # ---------------------------------------------------------------- sessions
    def start_session(self, listener_id: str, kind: SessionKind | str, order: Sequence[str],
                      order_seed: int | None, device: str | None = None,
                      gain_db: float | None = None,
                      settings: Mapping[str, Any] | None = None) -> str:
        """Record a new session and its trial order (stimulus ids); returns the session id."""
        listener_id = str(listener_id).strip()
        if not listener_id:
            raise UserFacingError("a session needs a listener id")
        info = SessionInfo(id=uuid.uuid4().hex, listener=listener_id, kind=SessionKind(kind),
                           order=tuple(order), order_seed=order_seed, device=device,
                           gain_db=None if gain_db is None else float(gain_db),
                           started_at=iso_utc(utc_now()), finished_at=None,
                           settings=dict(settings or {}))
        with self._write() as con:
            missing = [sid for sid in info.order if con.execute(
                "SELECT 1 FROM stimuli WHERE id = ?", (sid,)).fetchone() is None]
            if missing:
                raise UserFacingError(f"the session order names {len(missing)} stimuli that are "
                                      f"not in the experiment, e.g. {missing[0]}")
            misplaced = evaluations_sql.misplaced(info, evaluations_sql.membership(con, info.order))
            if misplaced:
                raise UserFacingError(misplaced)
            votes_sql.insert_session(con, info)
        return info.id

    def session(self, session_id: str) -> SessionInfo:
        row = self._con().execute(f"SELECT {codec.SESSION_COLUMNS} FROM sessions WHERE id = ?",
                                  (session_id,)).fetchone()
        if row is None:
            raise UserFacingError(f"no session {session_id} in {self.path}")
        return codec.session_from_row(row)

    def sessions(self, listener_id: str | None = None) -> list[SessionInfo]:
        sql = f"SELECT {codec.SESSION_COLUMNS} FROM sessions"
        rows = (self._con().execute(sql + " ORDER BY started_at, id") if listener_id is None else
                self._con().execute(sql + " WHERE listener = ? ORDER BY started_at, id",
                                    (listener_id,)))
        return [codec.session_from_row(r) for r in rows]

    def finish_session(self, session_id: str, at: datetime | None = None) -> None:
        """Mark the session finished (the first finish time is kept)."""
        with self._write() as con:
            con.execute("UPDATE sessions SET finished_at = ? WHERE id = ? AND finished_at IS NULL",
                        (iso_utc(at or utc_now()), session_id))

    # ---------------------------------------------------------------- decisions about data
    def decide(self, target: str, target_id: str, action: str, reason: str,
               at: datetime | None = None) -> decisions_sql.Decision:
        """Exclude or re-include a listener or a session, with a reason; nothing is deleted."""
        with self._write() as con:
            return decisions_sql.record(con, target, target_id, action, reason, at)

    def decisions(self) -> list[decisions_sql.Decision]:
        """Every decision about data, oldest first (the latest for a target is in force)."""
        return decisions_sql.history(self._con())

    def exclusions(self) -> decisions_sql.Exclusions:
        """The listeners and sessions excluded now."""
        return decisions_sql.exclusions(self._con())

    # ---------------------------------------------------------------- what listeners read and said
    def add_listener_record(self, listener: str, kind: str, data: Mapping[str, Any],
                            session_id: str | None = None, at: datetime | None = None,
                            record_id: str | None = None) -> records_sql.ListenerRecord:
        """Store a consent decision, questionnaire answers or a headphone-check result."""
        with self._write() as con:
            return records_sql.add(con, listener, kind, data, session_id, at, record_id)

    def listener_records(self, listener: str | None = None, kind: str | None = None
                         ) -> list[records_sql.ListenerRecord]:
        return records_sql.records(self._con(), listener, kind)

    def save_texts(self, language: str, strings: Mapping[str, str]) -> str:
        """Keep a set of listener texts; returns the checksum a session's settings name."""
        with self._write() as con:
            return records_sql.save_texts(con, language, strings)

    def texts(self, sha256: str) -> tuple[str, dict[str, str]] | None:
        return records_sql.texts(self._con(), sha256)

    def web_check_key(self, study_id: str, new: Mapping[str, Any] | None = None
                      ) -> dict[str, Any] | None:
        """The key of an online study's headphone check (its seed), kept here and never in the
        study's files; `new` is stored when the study has none yet (the first one stays)."""
        name = f"web_check_key:{study_id}"
        if new is not None and self._meta(name) is None:
            with self._write() as con:
                con.execute("INSERT OR IGNORE INTO meta VALUES (?, ?)",
                            (name, codec.canonical_json(dict(new))))
        text = self._meta(name)
        return None if text is None else json.loads(text)

    # ---------------------------------------------------------------- votes
    def record_vote(self, session_id: str, trial_index: int, stimulus_id: str,
                    response: int | bool, rt_ms: float, n_plays: int, presented_at: datetime,
                    responded_at: datetime, device: str | None = None,
                    gain_db: float | None = None) -> str:
        """Commit one vote (its own transaction, on disk before this returns); returns its id."""
        vote = NewVote(trial_index, stimulus_id, response, rt_ms, n_plays, presented_at,
                       responded_at, device, gain_db)
        return self.record_votes(session_id, [vote])[0]

    def record_votes(self, session_id: str, votes: Iterable[NewVote]) -> list[str]:
        """Commit several consecutive votes in one transaction (simulated listeners)."""
        with self._write() as con:
            session = self._session_in(con, session_id)
            expected = votes_sql.next_trial(con, session_id)
            rows = []
            for v in votes:
                rows.append(votes_sql.checked_row(session, expected, v))
                expected += 1
            votes_sql.insert(con, rows)
            ids = [row[0] for row in rows]
        return ids

    # ---------------------------------------------------------------- records made elsewhere
    def add_imported(self, *, space: tuple[str, Mapping[str, Any]] | None = None,
                     rounds: Mapping[int, Mapping[str, Any]] | None = None,
                     evaluations: Mapping[str, Mapping[str, Any]] | None = None,
                     stimuli: Iterable[tuple[Stimulus, str | None]] = (),
                     sessions: Iterable[SessionInfo] = (),
                     finished: Mapping[str, str] | None = None,
                     undos: Mapping[str, str] | None = None, durable: bool = True) -> None:
        """Store records another workstation made (rating-file import, one transaction), through
        the same inserts as the app's own: each one is stored once, and a record that differs
        from the stored one of that id is refused. `stimuli` are (stimulus, evaluation name or
        None); `finished` and `undos` map session / vote ids to their ISO times. An import in
        several steps passes `durable=False` to all but its last (see `_write`)."""
        with self._write(durable) as con:
            if space is not None:
                self._set_space(con, space[0], space[1])
            for index, design in sorted((rounds or {}).items()):
                self._add_round(con, int(index), design, ())
            for name, design in (evaluations or {}).items():
                evaluations_sql.add(con, name, design, (), self.folder)
            for stim, evaluation in stimuli:
                codec.put_stimulus(con, stim, self.folder, evaluation)
            for info in sessions:
                row = con.execute(f"SELECT {codec.SESSION_COLUMNS} FROM sessions WHERE id = ?",
                                  (info.id,)).fetchone()
                if row is None:
                    votes_sql.insert_session(con, info)
                elif codec.session_from_row(row).order != tuple(info.order):
                    raise UserFacingError(f"session {info.id} is already stored in {self.path} "
                                          "with another trial order")
            con.executemany("UPDATE sessions SET finished_at = ? WHERE id = ? AND "
                            "finished_at IS NULL", [(t, sid) for sid, t in (finished or {}).items()])
            con.executemany("UPDATE votes SET undone_at = ? WHERE id = ? AND undone_at IS NULL",
                            [(t, vid) for vid, t in (undos or {}).items()])

    def add_imported_records(self, records: Iterable[records_sql.ListenerRecord] = (),
                             decisions: Iterable[decisions_sql.Decision] = (),
                             texts: Iterable[tuple[str, Mapping[str, str]]] = (),
                             durable: bool = True) -> tuple[int, int]:
        """Store listener records, decisions and listener texts made on another workstation as
        they were made (one transaction, their sessions stored first). Returns how many records
        and decisions were new; one stored with other content is refused, nothing kept."""
        with self._write(durable) as con:
            for language, strings in texts:
                records_sql.save_texts(con, language, strings)
            new_records = sum(records_sql.add_imported(con, r) for r in records)
            new_decisions = sum(decisions_sql.add_imported(con, d) for d in decisions)
        return new_records, new_decisions

    def add_imported_votes(self, votes: Sequence[Vote], durable: bool = True) -> int:
        """Store votes cast on another workstation (one transaction; their sessions and stimuli
        stored first). A vote already stored with the same values is skipped; one stored with
        other values, or a second standing vote for a trial, is refused and nothing of this
        call is kept. Returns how many were added. `durable`: as for `add_imported`."""
        with self._write(durable) as con:
            known = {}
            ids = [v.id for v in votes]
            for start in range(0, len(ids), 500):
                part = ids[start:start + 500]
                sql = (f"SELECT {codec.VOTE_COLUMNS} FROM votes WHERE id IN "
                       f"({','.join('?' * len(part))})")
                known.update((r[0], codec.vote_from_row(r)) for r in con.execute(sql, part))
            new = []
            for v in votes:
                old = known.get(v.id)
                if old is None:
                    new.append(v)
                elif replace(old, undone_at=None) != replace(v, undone_at=None):
                    raise UserFacingError(f"vote {v.id} is already stored in {self.path} with "
                                          "other values")
            try:
                votes_sql.insert(con, [codec.vote_row(v) for v in new])
            except sqlite3.IntegrityError as exc:
                raise UserFacingError(f"{self.path}: these votes would give a trial a second "
                                      f"standing vote or name an unknown session or stimulus "
                                      f"({exc}); none of them was stored") from None
        return len(new)

    def _session_in(self, con: sqlite3.Connection, session_id: str) -> SessionInfo:
        # A session's order never changes once stored, so it is parsed once, not per vote.
        info = self._sessions_seen.get(session_id)
        if info is None:
            row = con.execute(f"SELECT {codec.SESSION_COLUMNS} FROM sessions WHERE id = ?",
                              (session_id,)).fetchone()
            if row is None:
                raise UserFacingError(f"no session {session_id} in {self.path}")
            info = self._sessions_seen[session_id] = codec.session_from_row(row)
        return info

    def undo_last_vote(self, session_id: str, at: datetime | None = None) -> Vote | None:
        """Take back the session's latest standing vote; it stays in the log, marked undone."""
        with self._write() as con:
            row = con.execute(f"SELECT {codec.VOTE_COLUMNS} FROM votes WHERE session_id = ? AND "
                              "undone_at IS NULL ORDER BY trial DESC LIMIT 1",
                              (session_id,)).fetchone()
            if row is None:
                return None
            stamp = iso_utc(at or utc_now())
            con.execute("UPDATE votes SET undone_at = ? WHERE id = ?", (stamp, row[0]))
        return codec.vote_from_row(tuple(row[:-1]) + (stamp,))

    def next_trial(self, session_id: str) -> int:
        """The session's first trial without a standing vote: where a resumed session goes on."""
        return votes_sql.next_trial(self._con(), session_id)

    def votes(self, session_id: str | None = None, listener_id: str | None = None,
              include_undone: bool = False, evaluation: str | None = None) -> list[Vote]:
        """Votes by session and trial (an undone vote before the one that replaced it); with
        `evaluation`, only votes on that evaluation's stimuli."""
        where, args = [], []
        if evaluation is not None:
            where.append("stimulus_id IN (SELECT id FROM stimuli WHERE evaluation = ?)")
            args.append(str(evaluation))
        if session_id is not None:
            where.append("session_id = ?")
            args.append(session_id)
        if listener_id is not None:
            where.append("listener = ?")
            args.append(listener_id)
        if not include_undone:
            where.append("undone_at IS NULL")
        sql = f"SELECT {codec.VOTE_COLUMNS} FROM votes"
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self._con().execute(
            sql + " ORDER BY session_id, trial, undone_at IS NULL, undone_at", args)
        return [codec.vote_from_row(r) for r in rows]

    def vote_counts(self, exclude_listeners: Iterable[str] = (),
                    kinds: Iterable[SessionKind | str] = COUNTED_KINDS,
                    ) -> dict[str, tuple[int, int]]:
        """{stimulus id: (accepts, votes)} over standing votes; practice never counts, and
        evaluation sessions only when `kinds` names them (they are not NES data)."""
        return votes_sql.vote_counts(self._con(), exclude_listeners,
                                     [SessionKind(k).value for k in kinds])
