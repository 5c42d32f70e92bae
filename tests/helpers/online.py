"""Online-study results as hd-study.js writes them, made in Python (no browser): one participant's
jsPsych rows, with the end record's count and checksum, written as CSV, JSON or a JATOS archive.

The browser test (test_web_browser.py) proves the real page writes what this writes; here the
import's rules are tested fast, for many participants, files and archives."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

from hd_desktop.web.order import participant_seed, web_order
from hd_desktop.web.results import RESULTS_SCHEMA, SCHEMA_VERSION, WebAnswer, digest
from hd_desktop.web.study import StudySettings, study_design

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
UA = "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/120"


def online_experiment(folder: Path):
    """An experiment with round 0 designed by the app's designer and three practice voices, as
    the app stores a round (tests/helpers/importing.py); returns it open."""
    from hd_desktop.design import make_round
    from hd_desktop.design.stimulus import Role, Stimulus
    from hd_desktop.store import Experiment
    from helpers.importing import PARAMS, REAL, SPACE

    design = make_round(REAL, PARAMS, round_index=0)
    practice = [Stimulus(f"r0-practice-{i}", 0, Role.PRACTICE, tuple(float(v) for v in REAL[i]),
                         1000 + i) for i in range(3)]
    exp = Experiment.open(folder)
    exp.set_space(*SPACE)
    exp.add_round(0, design.design, list(design.stimuli) + practice)
    return exp


def _stamp(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def participant_rows(exp, pid: str, *, seed: int = 3, answered: int | None = None,
                     complete: bool = True, response=lambda i, sid: (i * 7 + len(sid)) % 2,
                     user_agent: str = UA, start: datetime = T0,
                     practiced: bool = True) -> list[dict]:
    """The jsPsych data of participant `pid` in the study of round 0 (`seed`): a vote row per
    answer (the practice, unless not `practiced`, and the first `answered` trials; all by
    default) and the end record. `complete` False:
    a JATOS checkpoint sent at a break."""
    study = study_design(exp, StudySettings(round=0, seed=seed))
    pseed = participant_seed(seed, pid)
    index = pseed % len(study.lists)
    order = [s.id for s in web_order(study.lists[index], pseed)]
    practice = [s.id for s in study.practice]
    meta = {"hd_study": study.study_id, "hd_experiment": exp.experiment_id, "hd_round": 0,
            "hd_participant": pid, "hd_seed": pseed, "hd_list": index,
            "hd_order": ",".join(order), "hd_practice_order": ",".join(practice)}
    fields = {**meta, "hd_schema": RESULTS_SCHEMA, "hd_schema_version": SCHEMA_VERSION,
              "hd_study_seed": seed, "hd_trials_per_participant": None, "hd_carrier": "sustained",
              "hd_id_from": "PROLIFIC_PID", "hd_hosting": "jatos", "hd_user_agent": user_agent,
              "hd_app_version": "0.1.0", "hd_jspsych_version": "8.2.1"}
    rows = [{**fields, "hd_kind": "instructions"}]
    answers = []
    n = len(order) if answered is None else answered
    for phase, ids in (("practice", practice if practiced else []), ("trials", order[:n])):
        for i, sid in enumerate(ids):
            shown = start + timedelta(seconds=3 * (len(answers) + 1))
            a = WebAnswer(phase=phase, trial=i, stimulus_id=sid, response=response(i, sid),
                          rt_ms=400.0 + i / 10, n_plays=1 + i % 2, presented_at=_stamp(shown),
                          responded_at=_stamp(shown + timedelta(milliseconds=400 + i)))
            answers.append(a)
            rows.append({**fields, "hd_kind": "vote", "hd_phase": phase, "hd_trial": i,
                         "stimulus_id": sid, "response": a.response, "rt_ms": a.rt_ms,
                         "n_plays": a.n_plays, "presented_at": a.presented_at,
                         "responded_at": a.responded_at, "answered_by": "key:f",
                         "audio_started": True, "audio_clock": "webaudio",
                         "audio_onset_s": 1.5 + 3 * len(answers)})
    end = {**fields, "hd_kind": "end", "hd_rows": len(answers),
           "hd_digest": digest(meta, answers)}
    if not complete:
        end["hd_complete"] = False
    return rows + [end]


def as_json(rows: list[dict]) -> str:
    return json.dumps(rows)


def as_csv(rows: list[dict]) -> str:
    """jsPsych's data.csv(): every key of every row a column, in order of first appearance."""
    names = list(dict.fromkeys(k for r in rows for k in r))
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(names)
    for r in rows:
        writer.writerow(["" if r.get(k) is None else
                         ("true" if r[k] is True else "false" if r[k] is False else r[k])
                         for k in names])
    return buf.getvalue()


def jatos_archive(path: Path, results: list[list[dict]]) -> Path:
    """A JATOS result archive: each result's JSON as data.txt of its own component result."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, rows in enumerate(results):
            z.writestr(f"study_result_{n + 1}/comp-result_{n + 1}/data.txt", as_json(rows))
    return path
