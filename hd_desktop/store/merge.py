"""Merging rating files into an experiment: check everything first, then store it in short steps.

    import_rating_files(folder, paths)      # rating files on disk (the `import` command)
    import_ratings(folder, [(name, records)])  # RatingFile records from any source (the web)

Every record is checked against the experiment before anything is written, in a read snapshot
that takes no lock: a refused import leaves the experiment byte-identical and its message names
the file. The checks cover meaning, not only bytes: each stimulus must fit the voice space
(dimensions, finite, within MAX_RADIUS) and the design of its round (roundfit.py).

What passes is then stored through the store's own inserts (`Experiment.add_imported*`) in
transactions of at most CHUNK records with a pause between them, so a listener's vote waits for
one short transaction at most, never for the whole import. A kill part way leaves a consistent
experiment holding part of the import; importing the same files again adds the rest (votes are
keyed by their globally unique id, so importing a file twice adds nothing the second time).

Beside the votes a rating file carries its listener's records (consent, questionnaire, headphone
check), the decisions about its session and listener and the listener texts (store/carried.py):
they are checked with the rest (a record edited after export is refused), stored as they were
made, under their own ids, in one step after the sessions, and are as idempotent as the votes.
A decision imported keeps its time; the one in force is the latest by time wherever it was made,
and the report says which one that is for every listener or session the import touched.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from hd_desktop.design.stimulus import Stimulus
from hd_desktop.errors import BadInputError
from hd_desktop.store import codec, writelock
from hd_desktop.store import decisions as decisions_sql
from hd_desktop.store.decisions import Decision
from hd_desktop.store.experiment import Experiment
from hd_desktop.store.listener_records import ListenerRecord
from hd_desktop.store.ratingcheck import check_ratings, read_rating_file
from hd_desktop.store.ratingfile import RatingFile
from hd_desktop.store.records import EVALUATION_ROUND, SessionInfo, Vote
from hd_desktop.store.roundfit import is_nes_design, misfit_coordinates, misfit_round
from hd_desktop.store.writelock import StoreWriteError

CHUNK = 50           # records per write transaction: a few milliseconds of holding the lock
PAUSE_S = 0.003      # between transactions, so a waiting vote takes the lock (writelock.py)
CHECKPOINT_EVERY = 4  # transactions (about 200 log pages), below SQLite's 1000-page auto size


@dataclass
class ImportReport:
    files: int = 0
    new_votes: int = 0
    known_votes: int = 0
    new_undos: int = 0
    new_sessions: int = 0
    created: bool = False
    new_records: int = 0        # listener records (consent, questionnaire, headphone check)
    new_decisions: int = 0      # decisions about data (exclude / include again)
    decision_notes: list[str] = field(default_factory=list)  # which decision is in force now


@dataclass
class _Plan:
    """What the files add, checked against the experiment and each other before any write."""

    space: tuple | None = None
    new_space: bool = False
    dims: int | None = None
    rounds: dict[int, dict] = field(default_factory=dict)          # new: index -> design
    evaluations: dict[str, dict] = field(default_factory=dict)     # new: name -> design
    stimuli: dict[str, tuple[Stimulus, str | None]] = field(default_factory=dict)  # new ones
    sessions: dict[str, SessionInfo] = field(default_factory=dict)
    finished: dict[str, str] = field(default_factory=dict)        # session id -> finished_at
    votes: dict[str, Vote] = field(default_factory=dict)
    undos: dict[str, str] = field(default_factory=dict)           # vote id -> undone_at
    standing: dict[str, dict[int, str]] = field(default_factory=dict)  # session -> trial -> vote
    records: dict[str, ListenerRecord] = field(default_factory=dict)    # new: id -> record
    decisions: dict[str, Decision] = field(default_factory=dict)        # new: id -> decision
    texts: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)  # new: sha -> ...


def import_rating_files(folder: str | os.PathLike, paths: Sequence[str | os.PathLike], *,
                        progress: Callable[[float, str], None] | None = None) -> ImportReport:
    """Merge rating files into the experiment in `folder`, creating it from the first file."""
    files = [read_rating_file(p) for p in paths]  # file-level checks touch nothing
    return import_checked(folder, files, progress)


def import_ratings(folder: str | os.PathLike, ratings: Sequence[tuple[str, RatingFile]], *,
                   progress: Callable[[float, str], None] | None = None) -> ImportReport:
    """The entry point for ratings from any source: `ratings` are (name, records) pairs, the
    name standing for their file in messages. Each is checked as its rating file would be, then
    against the experiment in `folder` (made from the first when it does not exist), then
    stored. Refused: `BadInputError` naming it, the experiment untouched (a folder made for
    it is removed again)."""
    return import_checked(folder, [check_ratings(rf, name) for name, rf in ratings], progress)


def import_checked(folder: str | os.PathLike, ratings: Sequence[RatingFile],
                   progress: Callable[[float, str], None] | None = None) -> ImportReport:
    """Rating files already read and checked on their own (`read_rating_file`,
    `check_ratings`), checked against the experiment and each other, then stored. One import
    at a time per experiment (`writelock.ImportLock`): a second one waits, then is checked
    against what the first stored, so two imports never interleave their writes."""
    if not ratings:
        return ImportReport()
    folder = Path(folder)
    created = not Experiment.exists(folder)
    made_folder = created and not folder.exists()
    try:
        exp = Experiment.open(folder, create=created, experiment_id=ratings[0].experiment_id)
    except BaseException:
        if made_folder:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    lock = writelock.ImportLock(folder)
    try:
        lock.acquire(progress)
        report = ImportReport(files=len(ratings), created=created)
        plan = _plan(exp, ratings, report)
        if created:
            exp.close()  # a refused plan above removes the new experiment; from here it stays
    except BaseException:
        lock.release()
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
    try:
        _store(exp, plan, progress or (lambda fraction, message: None))
    finally:
        lock.release()
        exp.close()
    report.new_votes = len(plan.votes)
    report.new_undos = len(plan.undos)
    report.new_sessions = len(plan.sessions)
    report.new_records = len(plan.records)
    report.new_decisions = len(plan.decisions)
    return report


# ------------------------------------------------------------------ checking (no lock held)

def _plan(exp: Experiment, files: Sequence[RatingFile], report: ImportReport) -> _Plan:
    with exp.reading() as con:
        space = exp.space()
        plan = _Plan(space=space, dims=_dims(con, space))
        for rf in files:
            _check_file(exp, con, plan, rf, report)
        _check_rounds(con, plan, files)
        report.decision_notes = _decision_notes(con, plan)
    return plan


def _dims(con: sqlite3.Connection, space: tuple | None) -> int | None:
    """The experiment's number of voice-space dimensions, if it has any stimulus or a space
    that says."""
    if space is not None and isinstance(space[1].get("dims"), int):
        return space[1]["dims"]
    row = con.execute("SELECT z FROM stimuli LIMIT 1").fetchone()
    return None if row is None else len(json.loads(row[0]))


def _refuse(rf: RatingFile, reason: str) -> BadInputError:
    return BadInputError(f"{rf.csv_path}: {reason}; nothing was imported")


def _check_file(exp: Experiment, con: sqlite3.Connection, plan: _Plan, rf: RatingFile,
                report: ImportReport) -> None:
    if rf.experiment_id != exp.experiment_id:
        raise _refuse(rf, f"it is from experiment {rf.experiment_id}, not {exp.experiment_id} "
                          f"({exp.folder})")
    if plan.space is None:
        plan.space, plan.new_space = rf.space, rf.space is not None
    elif rf.space is None or rf.space[0] != plan.space[0]:
        theirs = None if rf.space is None else rf.space[0]
        raise _refuse(rf, f"it was made on voice space {theirs}, the experiment on "
                          f"{plan.space[0]}")
    for index, design in rf.rounds.items():
        row = con.execute("SELECT design FROM rounds WHERE idx = ?", (index,)).fetchone()
        known = plan.rounds.get(index, None if row is None else json.loads(row[0]))
        if known is not None and codec.canonical_json(known) != codec.canonical_json(design):
            raise _refuse(rf, f"its round {index} has a different design from the experiment's")
        if known is None:
            plan.rounds[index] = design
    for name, design in rf.evaluations.items():
        row = con.execute("SELECT design FROM evaluations WHERE name = ?", (name,)).fetchone()
        known = plan.evaluations.get(name, None if row is None else json.loads(row[0]))
        if known is not None and codec.canonical_json(known) != codec.canonical_json(design):
            raise _refuse(rf, f"its evaluation {name} has a different design from the "
                              "experiment's")
        if known is None:
            plan.evaluations[name] = design
    for sid, stim in rf.stimuli.items():
        if plan.dims is None:
            plan.dims = len(stim.z)
        misfit = misfit_coordinates(stim, plan.dims)
        if misfit:
            raise _refuse(rf, misfit)
        evaluation = rf.stimulus_evaluations.get(sid)
        try:
            new = codec.stimulus_row(stim, evaluation)
        except ValueError as exc:
            raise _refuse(rf, str(exc)) from None
        row = con.execute(f"SELECT {codec.STIMULUS_COLUMNS} FROM stimuli WHERE id = ?",
                          (sid,)).fetchone()
        planned = plan.stimuli.get(sid)
        known = codec.stimulus_row(*planned) if planned else None if row is None else tuple(row)
        if known is not None and known != new:
            raise _refuse(rf, f"stimulus {sid} has other coordinates, role or seed than the "
                              "experiment's stimulus of that id")
        if known is None:
            plan.stimuli[sid] = (stim, evaluation)
    s = rf.session
    row = con.execute(f"SELECT {codec.SESSION_COLUMNS} FROM sessions WHERE id = ?",
                      (s.id,)).fetchone()
    known_s = plan.sessions.get(s.id, None if row is None else codec.session_from_row(row))
    if known_s is None:
        plan.sessions[s.id] = s
    elif (known_s.listener, known_s.kind, known_s.order, known_s.order_seed) != \
            (s.listener, s.kind, s.order, s.order_seed):
        raise _refuse(rf, f"session {s.id} differs from the experiment's session of that id")
    elif known_s.finished_at is None and s.finished_at is not None:
        plan.finished[s.id] = s.finished_at
    stored = _stored_votes(con, [v.id for v in rf.votes])
    for v in rf.votes:
        _check_vote(con, plan, v, stored.get(v.id), rf, report)
    _check_carried(con, plan, rf)


def _check_carried(con: sqlite3.Connection, plan: _Plan, rf: RatingFile) -> None:
    """The listener records, decisions and texts the file carries (store/carried.py): each new
    one is planned, each known one must be the same as the experiment's."""
    if rf.texts is not None:
        sha, language, strings = rf.texts
        if con.execute("SELECT 1 FROM texts WHERE sha256 = ?", (sha,)).fetchone() is None:
            plan.texts[sha] = (language, strings)
    for r in rf.records:
        row = con.execute("SELECT listener, kind, data FROM listener_records WHERE id = ?",
                          (r.id,)).fetchone()
        planned = plan.records.get(r.id)
        known = (planned.listener, planned.kind.value, codec.canonical_json(planned.data)) \
            if planned else None if row is None else tuple(row)
        if known is None:
            plan.records[r.id] = r
        elif known != (r.listener, r.kind.value, codec.canonical_json(r.data)):
            raise _refuse(rf, f"listener {r.listener}'s {r.kind.value} (record {r.id}) is "
                              "already in the experiment with other content (edited after an "
                              "export?)")
    for d in rf.decisions:
        row = con.execute(f"SELECT {decisions_sql.COLUMNS} FROM decisions WHERE id = ?",
                          (d.id,)).fetchone()
        known = plan.decisions.get(d.id, None if row is None else decisions_sql.from_row(row))
        if known is not None and known != d:
            raise _refuse(rf, f"decision {d.id} (to {d.action.value} {d.target.value} "
                              f"{d.target_id}) is already in the experiment with other content "
                              "(edited after an export?)")
        if known is None and not any(decisions_sql.same(d, o) for o in plan.decisions.values()) \
                and not any(decisions_sql.same(d, decisions_sql.from_row(o)) for o in con.execute(
                    f"SELECT {decisions_sql.COLUMNS} FROM decisions WHERE target = ? AND "
                    "target_id = ?", (d.target.value, d.target_id))):
            plan.decisions[d.id] = d


def _decision_notes(con: sqlite3.Connection, plan: _Plan) -> list[str]:
    """For each listener or session a new decision is about: which decision is in force once
    the import is stored. The latest by its time wins, wherever it was made (docs/design.md 3):
    a later decision made here stays in force over an older one imported."""
    notes = []
    touched = dict.fromkeys((d.target, d.target_id) for d in plan.decisions.values())
    for target, target_id in touched:
        here = [decisions_sql.from_row(r) for r in con.execute(
            f"SELECT {decisions_sql.COLUMNS} FROM decisions WHERE target = ? AND target_id = ? "
            "ORDER BY decided_at, rowid", (target.value, target_id))]
        new = sorted((d for d in plan.decisions.values()
                      if (d.target, d.target_id) == (target, target_id)),
                     key=lambda d: d.decided_at)
        # as `decisions.history` will order them: by time, then as stored (imported ones last)
        current = sorted(here + new, key=lambda d: d.decided_at)[-1]
        said = f"{current.action.value} ({current.decided_at}, {current.reason!r})"
        if current in new:
            notes.append(f"{target.value} {target_id}: the imported decision to {said} is now "
                         "in force")
        else:
            notes.append(f"{target.value} {target_id}: the decision already in this "
                         f"experiment to {said} is later than the {len(new)} imported one(s) "
                         "and stays in force; they are kept on record")
    return notes


def _stored_votes(con: sqlite3.Connection, ids: list[str]) -> dict[str, Vote]:
    out = {}
    for start in range(0, len(ids), CHUNK):
        part = ids[start:start + CHUNK]
        sql = f"SELECT {codec.VOTE_COLUMNS} FROM votes WHERE id IN ({','.join('?' * len(part))})"
        out.update((r[0], codec.vote_from_row(r)) for r in con.execute(sql, part))
    return out


def _standing(con: sqlite3.Connection, plan: _Plan, session_id: str) -> dict[int, str]:
    """{trial: id of its standing vote} once the plan is applied (trials absent: open)."""
    found = plan.standing.get(session_id)
    if found is None:
        found = plan.standing[session_id] = dict(con.execute(
            "SELECT trial, id FROM votes WHERE session_id = ? AND undone_at IS NULL",
            (session_id,)).fetchall())
    return found


def _check_vote(con: sqlite3.Connection, plan: _Plan, v: Vote, stored: Vote | None,
                rf: RatingFile, report: ImportReport) -> None:
    standing = _standing(con, plan, v.session_id)
    known = plan.votes.get(v.id, stored)
    if known is not None:
        if replace(known, undone_at=None) != replace(v, undone_at=None):
            raise _refuse(rf, f"vote {v.id} (listener {v.listener}, trial {v.trial}) differs "
                              "from the experiment's vote of that id (an earlier import gave "
                              "another answer)")
        report.known_votes += 1
        if known.undone_at is None and v.undone_at is not None:  # an undo made after export
            if v.id in plan.votes:
                plan.votes[v.id] = v
            else:
                plan.undos.setdefault(v.id, v.undone_at)
            if standing.get(v.trial) == v.id:
                del standing[v.trial]
        return
    if v.undone_at is None:
        if v.trial in standing:
            raise _refuse(rf, f"trial {v.trial} of session {v.session_id} already has another "
                              "standing vote")
        standing[v.trial] = v.id
    plan.votes[v.id] = v


def _check_rounds(con: sqlite3.Connection, plan: _Plan, files: Sequence[RatingFile]) -> None:
    """Every new stimulus of a round fits that round's design (roundfit.py)."""
    stored = {i: json.loads(d) for i, d in con.execute("SELECT idx, design FROM rounds")}
    designs = {**stored, **plan.rounds}
    touched: dict[int, list[Stimulus]] = {}
    for stim, evaluation in plan.stimuli.values():
        if evaluation is None and stim.round != EVALUATION_ROUND:
            touched.setdefault(stim.round, []).append(stim)
    any_nes = any(is_nes_design(d) for d in designs.values())
    for index, new in sorted(touched.items()):
        design = designs[index]
        rf = next(f for f in files if any(s.id in f.stimuli for s in new))
        if not is_nes_design(design):
            if "kind" in design or any_nes:
                raise _refuse(rf, f"round {index}'s design is not one this app makes (kind "
                                  f"{design.get('kind')!r}), so its stimuli cannot be checked")
            continue  # designs made outside the app's designer, in an experiment of only those
        rows = con.execute(f"SELECT {codec.STIMULUS_COLUMNS} FROM stimuli WHERE round = ?",
                           (index,))
        everyone = [codec.stimulus_from_row(r) for r in rows] + new
        misfit = misfit_round(index, design, plan.dims, everyone)
        if misfit:
            culprit, why = misfit
            raise _refuse(next((f for f in files if culprit in f.stimuli), rf), why)


# ------------------------------------------------------------------ storing (short transactions)

def _store(exp: Experiment, plan: _Plan, progress: Callable[[float, str], None]) -> None:
    if not (plan.new_space or plan.rounds or plan.evaluations or plan.stimuli or plan.sessions
            or plan.finished or plan.votes or plan.undos or plan.records or plan.decisions
            or plan.texts):
        return  # all known already: nothing to write (a read-only experiment is fine)
    stimuli = list(plan.stimuli.values())
    # Undone votes first, so a trial's standing vote never meets another standing one.
    votes = sorted(plan.votes.values(), key=lambda v: v.undone_at is None)
    undos = list(plan.undos.items())
    steps = [lambda d: exp.add_imported(space=plan.space if plan.new_space else None,
                                        rounds=plan.rounds, evaluations=plan.evaluations,
                                        durable=d)]
    steps += [lambda d, part=stimuli[i:i + CHUNK]: exp.add_imported(stimuli=part, durable=d)
              for i in range(0, len(stimuli), CHUNK)]
    steps += [lambda d: exp.add_imported(sessions=plan.sessions.values(),
                                         finished=plan.finished, durable=d)]
    if plan.records or plan.decisions or plan.texts:   # after their sessions
        steps += [lambda d: exp.add_imported_records(plan.records.values(),
                                                     plan.decisions.values(),
                                                     plan.texts.values(), durable=d)]
    steps += [lambda d, part=undos[i:i + CHUNK]: exp.add_imported(undos=dict(part), durable=d)
              for i in range(0, len(undos), CHUNK)]
    steps += [lambda d, part=votes[i:i + CHUNK]: exp.add_imported_votes(part, durable=d)
              for i in range(0, len(votes), CHUNK)]
    for n, step in enumerate(steps):
        if n:
            time.sleep(PAUSE_S)
        # Only the last step waits for the disk (fsync): the lock is held for the writes alone,
        # and when the import returns all of it is durable (an earlier crash: import again).
        try:
            step(n == len(steps) - 1)
        except StoreWriteError as exc:
            if n == 0:
                raise
            raise StoreWriteError(f"{exc} The import stopped part way ({n} of {len(steps)} "
                                  "steps stored, each one whole); importing the same files "
                                  "again completes it.") from None
        if n % CHECKPOINT_EVERY == CHECKPOINT_EVERY - 1:
            exp.checkpoint()
        progress((n + 1) / len(steps), f"Storing the import: step {n + 1} of {len(steps)}")
