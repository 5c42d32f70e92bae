"""A study export a researcher can analyse: every table of the experiment and its codebook.

Into one folder: each session's rating file (CSV + JSON sidecar, as `write_rating_file`
writes them), each evaluation's summary (`evaluation-<name>-evaluation.csv/.json`), the tidy
tables (votes, sessions, consent, questionnaire, headphone-check, screening, decisions) and
`datapackage.json`, the codebook describing every column of every CSV written
(store/codebook.py). `Lab.export_study`, `hd-desktop export` and the Experiment tab's Export
button all come here.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from types import SimpleNamespace

from hd_desktop import __version__
from hd_desktop.engine.screening import DEFAULT_MIN_GOLD, gold_accuracy, judged
from hd_desktop.errors import UserFacingError
from hd_desktop.files import atomic_write
from hd_desktop.store import codebook, tables
from hd_desktop.store.records import iso_utc, utc_now

DATAPACKAGE = "datapackage.json"
SIMULATED_FOLDER = "simulated"      # exports of simulated sessions go in this subfolder


def screening_rows(exp, votes: list | None = None) -> list[list]:
    """Per listener of trials and simulated sessions: gold answers and what screening decides,
    with the threshold and kept listeners of the experiment's settings (lab/engine_job.py).
    `votes`: all of them, undone ones included, if the caller has read them already."""
    from hd_desktop.design.stimulus import Role
    from hd_desktop.lab.settings import LabSettings
    from hd_desktop.lab.engine_job import ENGINE_KINDS

    settings = LabSettings.from_dict(exp.lab_settings(), str(exp.path))
    threshold = float(settings.engine_config().screen_threshold)
    kinds = {k.value for k in ENGINE_KINDS}
    sessions = {s.id for s in exp.sessions() if s.kind.value in kinds}
    votes = [v for v in (exp.votes() if votes is None else votes)
             if v.session_id in sessions and v.undone_at is None]
    stimuli = [s for r in exp.rounds() for s in exp.stimuli(round=r) if s.role != Role.PRACTICE]
    accuracy = gold_accuracy(stimuli, votes)
    counts: dict[str, int] = {}
    for v in votes:
        counts[v.listener] = counts.get(v.listener, 0) + 1
    excluded = exp.exclusions().listeners
    rows = []
    for who, n in sorted(counts.items()):
        share, gold = accuracy.get(who, (None, 0))
        is_judged = judged(gold, DEFAULT_MIN_GOLD)
        passed = share >= threshold if is_judged else None
        kept = who in settings.keep_listeners
        rows.append([who, n, gold, None if share is None else round(share * gold), share,
                     threshold, DEFAULT_MIN_GOLD, is_judged, passed, kept,
                     not is_judged or bool(passed) or kept, who in excluded])
    return rows


def _evaluation_summaries(exp, folder: Path) -> list[tuple[str, Path]]:
    """Each evaluation set with votes, summarised as its session's end writes it."""
    from hd_desktop.lab.evaluations import evaluation_report, summary_stem

    lab = SimpleNamespace(experiment=exp)     # the report reads nothing of a Lab but its store
    written = []
    for name in exp.evaluations():
        if exp.votes(evaluation=name):
            evaluation_report(lab, name, folder)
            written.append((name, folder / f"{summary_stem(name)}-evaluation.csv"))
    return written


def _header(path: Path) -> list[str]:
    with open(path, encoding="utf-8", newline="") as f:
        return next(csv.reader(f), [])


def export_study(exp, folder: str | Path) -> list[Path]:
    """Write the whole study into `folder`; returns the CSV files written, then
    datapackage.json. Rating files and summaries already there are rewritten, others kept."""
    from hd_desktop.store import write_rating_file
    from hd_desktop.store.ratingfile import file_stem
    from hd_desktop.store.sidecar import is_simulated

    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        study, per_file, written = [], [], []
        votes = exp.votes(include_undone=True)
        voted = {v.session_id for v in votes}
        apart = simulated_apart(exp)
        for table in _tables(exp, [v for v in votes if v.session_id not in apart], apart):
            path = tables.write_table(table, folder)
            written.append(path)
            study.append(codebook.resource(table.kind, path.name, table.header))
        for s in exp.sessions():
            if s.id in voted:
                where = folder / SIMULATED_FOLDER if is_simulated(exp, s) else folder
                path, _ = write_rating_file(exp, s.id, where)
                written.append(path)
                per_file.append(codebook.resource(
                    codebook.RATINGS, path.relative_to(folder).as_posix(), _header(path),
                    name=file_stem(s),
                    title=f"Rating file of session {s.id} ({s.listener}, {s.kind.value})"))
        for name, path in _evaluation_summaries(exp, folder):
            written.append(path)
            per_file.append(codebook.resource(
                codebook.EVALUATION_SUMMARY, path.name, _header(path),
                name=path.stem, title=f"Evaluation summary of {name}"))
        package = codebook.datapackage(
            study + per_file, experiment_id=exp.experiment_id,
            title=f"hd-desktop study {exp.folder.name}", created=iso_utc(utc_now()),
            app_version=__version__)
        atomic_write(folder / DATAPACKAGE,
                     (json.dumps(package, indent=1, ensure_ascii=False) + "\n").encode("utf-8"))
    except OSError as exc:
        raise UserFacingError(f"export to {folder}: {exc.strerror or exc} "
                              f"({exc.filename or folder}); the votes are safe in "
                              f"{exp.path}: export to another folder (`--out DIR` on the command "
                              "line)") from None
    return written + [folder / DATAPACKAGE]


def simulated_apart(exp) -> set[str]:
    """Sessions whose votes stay out of the study's tables: the simulated ones (the autopilot
    and its practice), once a person has voted; in an experiment of simulated listeners only
    (`simulate`) they are the data. Their rating files go to `simulated/` either way."""
    from hd_desktop.store.sidecar import a_person_voted, is_simulated

    sessions = exp.sessions()
    if not a_person_voted(sessions):
        return set()
    return {s.id for s in sessions if is_simulated(exp, s)}


def _tables(exp, votes: list, apart: set[str]) -> list[tables.Table]:
    return [tables.votes_table(exp, votes), tables.sessions_table(exp, votes, skip=apart),
            *[tables.record_table(exp, kind) for kind in codebook.RECORD_KINDS],
            tables.screening_table(screening_rows(exp, votes)), tables.decisions_table(exp)]
