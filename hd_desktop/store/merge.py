"""Merging rating files into an experiment: check everything, then write it in one transaction.

A refused import leaves the experiment exactly as it was (nothing is written until every file
and every row has passed), and importing a file twice adds nothing the second time: votes are
keyed by their globally unique id.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from hd_desktop.errors import BadInputError
from hd_desktop.store import codec
from hd_desktop.store.experiment import Experiment
from hd_desktop.store.ratingcheck import read_rating_file
from hd_desktop.store.ratingfile import RatingFile
from hd_desktop.store.records import SessionInfo, Vote, iso_utc, utc_now


@dataclass
class ImportReport:
    files: int = 0
    new_votes: int = 0
    known_votes: int = 0
    new_undos: int = 0
    new_sessions: int = 0
    created: bool = False


@dataclass
class _Plan:
    """What the files add, checked against the experiment and each other before any write."""

    space: tuple | None = None
    rounds: dict[int, str] = field(default_factory=dict)          # index -> canonical design
    evaluations: dict[str, str] = field(default_factory=dict)     # name -> canonical design
    stimuli: dict[str, tuple] = field(default_factory=dict)       # id -> stored row
    sessions: dict[str, SessionInfo] = field(default_factory=dict)
    finished: dict[str, str] = field(default_factory=dict)        # session id -> finished_at
    votes: dict[str, Vote] = field(default_factory=dict)
    undos: dict[str, str] = field(default_factory=dict)           # vote id -> undone_at
    standing: dict[tuple[str, int], str | None] = field(default_factory=dict)  # None: freed


def import_rating_files(folder: str | os.PathLike, paths: Sequence[str | os.PathLike],
                        ) -> ImportReport:
    """Merge rating files into the experiment in `folder`, creating it from the first file."""
    files = [read_rating_file(p) for p in paths]  # file-level checks touch nothing
    if not files:
        return ImportReport()
    folder = Path(folder)
    created = not Experiment.exists(folder)
    made_folder = created and not folder.exists()
    try:
        exp = Experiment.open(folder, create=created, experiment_id=files[0].experiment_id)
    except BaseException:
        if made_folder:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    try:
        report = _merge(exp, files)
    except BaseException:
        exp.close()
        if made_folder:
            shutil.rmtree(folder, ignore_errors=True)
        elif created:  # the folder was there, the experiment was not: take back what we made
            for name in (exp.path.name, exp.path.name + "-wal", exp.path.name + "-shm"):
                (folder / name).unlink(missing_ok=True)
            try:
                exp.exports_dir.rmdir()
            except OSError:
                pass
        raise
    exp.close()
    report.created = created
    return report


def _merge(exp: Experiment, files: list[RatingFile]) -> ImportReport:
    report = ImportReport(files=len(files))
    with exp._write() as con:
        plan = _Plan(space=exp.space())
        for rf in files:
            _check_file(exp, con, plan, rf, report)
        _apply(con, plan)
    report.new_votes = len(plan.votes)
    report.new_undos = len(plan.undos)
    report.new_sessions = len(plan.sessions)
    return report


def _check_file(exp: Experiment, con: sqlite3.Connection, plan: _Plan, rf: RatingFile,
                report: ImportReport) -> None:
    name = rf.csv_path

    def refuse(reason: str) -> BadInputError:
        return BadInputError(f"{name}: {reason}; nothing was imported")

    if rf.experiment_id != exp.experiment_id:
        raise refuse(f"it is from experiment {rf.experiment_id}, not {exp.experiment_id} "
                     f"({exp.folder})")
    if plan.space is None:
        plan.space = rf.space
    elif rf.space is None or rf.space[0] != plan.space[0]:
        theirs = None if rf.space is None else rf.space[0]
        raise refuse(f"it was made on voice space {theirs}, the experiment on {plan.space[0]}")
    for index, design in rf.rounds.items():
        text = codec.canonical_json(design)
        row = con.execute("SELECT design FROM rounds WHERE idx = ?", (index,)).fetchone()
        known = plan.rounds.get(index, None if row is None else row[0])
        if known is not None and known != text:
            raise refuse(f"its round {index} has a different design from the experiment's")
        if known is None:
            plan.rounds[index] = text
    for name, design in rf.evaluations.items():
        text = codec.canonical_json(design)
        row = con.execute("SELECT design FROM evaluations WHERE name = ?", (name,)).fetchone()
        known = plan.evaluations.get(name, None if row is None else row[0])
        if known is not None and known != text:
            raise refuse(f"its evaluation {name} has a different design from the experiment's")
        if known is None:
            plan.evaluations[name] = text
    for sid, stim in rf.stimuli.items():
        new = codec.stimulus_row(stim, rf.stimulus_evaluations.get(sid))
        row = con.execute(f"SELECT {codec.STIMULUS_COLUMNS} FROM stimuli WHERE id = ?",
                          (sid,)).fetchone()
        known = plan.stimuli.get(sid, None if row is None else tuple(row))
        if known is not None and known != new:
            raise refuse(f"stimulus {sid} has other coordinates, role or seed than the "
                         "experiment's stimulus of that id")
        if known is None:
            plan.stimuli[sid] = new
    s = rf.session
    row = con.execute(f"SELECT {codec.SESSION_COLUMNS} FROM sessions WHERE id = ?",
                      (s.id,)).fetchone()
    known_s = plan.sessions.get(s.id, None if row is None else codec.session_from_row(row))
    if known_s is None:
        plan.sessions[s.id] = s
    elif (known_s.listener, known_s.kind, known_s.order, known_s.order_seed) != \
            (s.listener, s.kind, s.order, s.order_seed):
        raise refuse(f"session {s.id} differs from the experiment's session of that id")
    elif known_s.finished_at is None and s.finished_at is not None:
        plan.finished[s.id] = s.finished_at
    for v in rf.votes:
        _check_vote(con, plan, v, refuse, report)


def _standing(con: sqlite3.Connection, plan: _Plan, key: tuple[str, int]) -> str | None:
    """The id of the trial's standing vote once the plan is applied (None: the trial is open)."""
    if key in plan.standing:
        return plan.standing[key]
    row = con.execute("SELECT id FROM votes WHERE session_id = ? AND trial = ? AND "
                      "undone_at IS NULL", key).fetchone()
    return None if row is None else row[0]


def _check_vote(con: sqlite3.Connection, plan: _Plan, v: Vote, refuse, report: ImportReport,
                ) -> None:
    key = (v.session_id, v.trial)
    row = con.execute(f"SELECT {codec.VOTE_COLUMNS} FROM votes WHERE id = ?", (v.id,)).fetchone()
    known = plan.votes.get(v.id, None if row is None else codec.vote_from_row(row))
    if known is not None:
        if replace(known, undone_at=None) != replace(v, undone_at=None):
            raise refuse(f"vote {v.id} differs from the experiment's vote of that id")
        report.known_votes += 1
        if known.undone_at is None and v.undone_at is not None:  # an undo made after export
            if v.id in plan.votes:
                plan.votes[v.id] = v
            else:
                plan.undos.setdefault(v.id, v.undone_at)
            if _standing(con, plan, key) == v.id:
                plan.standing[key] = None
        return
    if v.undone_at is None:
        other = _standing(con, plan, key)
        if other is not None:
            raise refuse(f"trial {v.trial} of session {v.session_id} already has another "
                         "standing vote")
        plan.standing[key] = v.id
    plan.votes[v.id] = v


def _apply(con: sqlite3.Connection, plan: _Plan) -> None:
    if plan.space is not None and con.execute(
            "SELECT 1 FROM meta WHERE key = 'space_fingerprint'").fetchone() is None:
        con.execute("INSERT INTO meta VALUES ('space_fingerprint', ?)", (plan.space[0],))
        con.execute("INSERT INTO meta VALUES ('space_info', ?)",
                    (codec.canonical_json(plan.space[1]),))
    for index, text in sorted(plan.rounds.items()):
        con.execute("INSERT INTO rounds VALUES (?, ?, ?)", (index, text, iso_utc(utc_now())))
    now = iso_utc(utc_now())
    con.executemany("INSERT INTO evaluations VALUES (?, ?, ?)",
                    [(name, text, now) for name, text in plan.evaluations.items()])
    con.executemany(f"INSERT INTO stimuli VALUES ({codec.STIMULUS_PLACEHOLDERS})",
                    plan.stimuli.values())
    con.executemany("INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [codec.session_row(s) for s in plan.sessions.values()])
    con.executemany("UPDATE sessions SET finished_at = ? WHERE id = ? AND finished_at IS NULL",
                    [(t, sid) for sid, t in plan.finished.items()])
    con.executemany("UPDATE votes SET undone_at = ? WHERE id = ? AND undone_at IS NULL",
                    [(t, vid) for vid, t in plan.undos.items()])
    # Undone votes first, so a trial's standing vote never meets another standing one.
    ordered = sorted(plan.votes.values(), key=lambda v: v.undone_at is None)
    con.executemany(f"INSERT INTO votes ({codec.VOTE_COLUMNS}) VALUES "
                    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [codec.vote_row(v) for v in ordered])
