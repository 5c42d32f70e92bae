"""A study export a researcher can analyse: one tidy table of every vote, listener tables, the
evaluation summary under a name of its own, and a codebook (datapackage.json) that describes
every column of every CSV written."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest
from helpers.experiments import make_experiment

from hd_desktop.cli import main
from hd_desktop.engine.evaluation import evaluation_design, make_evaluation_stimuli
from hd_desktop.lab.exports import export_study
from hd_desktop.lab.settings import LabSettings
from hd_desktop.store import SessionKind, read_rating_file
from hd_desktop.store.codebook import KINDS

T0 = datetime(2026, 12, 1, 9, tzinfo=timezone.utc)
EVAL = "r0_s3_n4"


def _session(exp, listener, kind, stimuli, answers, *, settings=None, undo_at=None):
    """A session whose votes are `answers` (1/0 per stimulus); `undo_at`: that trial is voted,
    undone and voted again the other way."""
    sid = exp.start_session(listener, kind, [s.id for s in stimuli], 7, "test device", -3.0,
                            settings)
    clock = T0 + timedelta(minutes=len(exp.sessions()))
    for trial, (s, answer) in enumerate(zip(stimuli, answers)):
        clock += timedelta(seconds=2)
        exp.record_vote(sid, trial, s.id, answer, 412.5 + trial / 3, 1 + trial % 2, clock,
                        clock + timedelta(milliseconds=400), "test device", -3.0)
        if trial == undo_at:
            exp.undo_last_vote(sid, at=clock + timedelta(seconds=1))
            exp.record_vote(sid, trial, s.id, 1 - answer, 900.0, 2, clock,
                            clock + timedelta(seconds=1, milliseconds=500), "test device", -3.0)
    exp.finish_session(sid, at=clock + timedelta(seconds=5))
    return sid


@pytest.fixture
def study(tmp_path):
    """An experiment with every kind of row a study export has: trials (one vote undone),
    practice, an evaluation, an online session with its texts, simulated votes, listener
    records (one with a field this version does not know), decisions, screening."""
    exp, trials = make_experiment(tmp_path / "study")
    rng = np.random.default_rng(3)
    real, samples = rng.standard_normal((6, 2)), 2.0 * rng.standard_normal((6, 2))
    exp.add_evaluation(EVAL, evaluation_design(EVAL, 4, 3),
                       make_evaluation_stimuli(real, samples, 4, 3, name=EVAL))
    practice = exp.stimuli(round=0)[-3:]
    gold = [s for s in trials if s.role.value.startswith("gold")]
    ids = {}
    ids["ana"] = _session(exp, "ana", SessionKind.TRIALS, trials[:24],
                          [i % 3 != 0 for i in range(24)], undo_at=5)
    ids["ana-practice"] = _session(exp, "ana", SessionKind.PRACTICE, practice, [1, 0, 1])
    ids["ana-eval"] = _session(exp, "ana", SessionKind.EVALUATION, exp.stimuli(evaluation=EVAL),
                               [1, 0, 1, 1, 0, 1, 1, 0])
    sha = exp.save_texts("ja", {"trial.natural": "自然", "trial.unnatural": "不自然"})
    ids["web"] = _session(exp, "P-17", SessionKind.TRIALS, trials[10:30], [1] * 20,
                          settings={"source": "web", "texts_sha256": sha, "carrier": "sentence"})
    # screening judges from 20 gold answers: 'cy' gets 8 of 20 right (fails, kept by the
    # researcher), 'dee' 18 of 20 (passes), 'sim' too few to be judged
    expected = [s.role.value == "gold-real" for s in gold] * 5
    ids["cy"] = _session(exp, "cy", SessionKind.TRIALS, gold * 5,
                         [e if i < 8 else not e for i, e in enumerate(expected)])
    ids["dee"] = _session(exp, "dee", SessionKind.TRIALS, gold * 5,
                          [e if i < 18 else not e for i, e in enumerate(expected)])
    ids["sim"] = _session(exp, "sim", SessionKind.SIMULATED, trials[:8], [1, 0] * 4)
    exp.save_lab_settings(LabSettings().with_(keep_listeners=["cy"]).to_dict())
    exp.add_listener_record("ana", "consent", {"given": True, "text_sha256": sha}, ids["ana"],
                            at=T0)
    exp.add_listener_record("ana", "questionnaire",
                            {"age_band": "20_29", "hearing_problems": "no",
                             "output": "headphones", "native_language": "日本語"}, ids["ana"],
                            at=T0)
    exp.add_listener_record("P-17", "headphone_check",
                            {"test": "huggins", "score": 5, "n_trials": 6, "passed": True,
                             "seed": 99, "answers": [1, 2, 3, 1, 2, 2]}, ids["web"], at=T0)
    exp.decide("session", ids["ana-practice"], "exclude", "practice was a pilot", at=T0)
    exp.decide("listener", "P-17", "exclude", "failed the headphone check", at=T0)
    exp.decide("listener", "P-17", "include", "passed on a second try",
               at=T0 + timedelta(hours=1))
    exp.decide("listener", "dee", "exclude", "said afterwards she had a cold",
               at=T0 + timedelta(hours=2))
    yield exp, ids
    exp.close()


def _rows(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def _package(folder):
    return json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))


def test_every_column_of_every_exported_table_is_described_in_the_codebook(study, tmp_path):
    exp, ids = study
    out = tmp_path / "out"
    written = export_study(exp, out)
    package = _package(out)
    resources = {r["path"]: r for r in package["resources"]}
    csv_files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.csv"))
    # every CSV in the folder is a resource of the codebook, and every resource a file there
    assert csv_files == sorted(resources) == sorted(p.relative_to(out).as_posix()
                                                    for p in written[:-1])
    assert {"votes.csv", "sessions.csv", "consent.csv", "questionnaire.csv",
            "headphone-check.csv", "screening.csv", "decisions.csv",
            f"evaluation-{EVAL}-evaluation.csv"} <= set(csv_files)
    assert len([f for f in csv_files if f.startswith("ratings-")]) == len(ids) - 1
    # the simulated session's rating file is apart, and its votes are in no table of people's
    assert [f for f in csv_files if f.startswith("simulated/")] == [
        f"simulated/ratings-sim-{ids['sim']}.csv"]
    names = [r["name"] for r in package["resources"]]
    assert len(set(names)) == len(names)
    described = 0
    for path, res in resources.items():
        header, *rows = _rows(out / path)
        fields = res["schema"]["fields"]
        assert header == [f["name"] for f in fields], path     # same columns, same order
        for j, f in enumerate(fields):
            assert f["type"] in {"string", "integer", "number", "boolean", "datetime"}
            assert len(f["description"]) > 10, (path, f["name"])
            values = {row[j] for row in rows} - {""}
            if "constraints" in f:                                # codes: each one labelled
                enum = f["constraints"]["enum"]
                assert [c["value"] for c in f["categories"]] == enum
                assert all(c["label"] for c in f["categories"])
                assert values <= {str(v) for v in enum}, (path, f["name"], values)
            if f["type"] == "boolean":
                assert values <= {"true", "false"}, (path, f["name"])
            if f["type"] in ("integer", "number"):
                for v in values:
                    (int if f["type"] == "integer" else float)(v)
            described += 1
    assert described > 200
    votes = resources["votes.csv"]["schema"]["fields"]
    by_name = {f["name"]: f for f in votes}
    assert by_name["response"]["categories"] == [{"value": 1, "label": "natural (accepted)"},
                                                 {"value": 0, "label": "not natural (rejected)"}]
    assert "SD of the real voices" in by_name["z2"]["unit"] and by_name["rt_ms"]["unit"] == "ms"
    assert "-1 marks an evaluation trial" in by_name["round"]["description"]
    check = {f["name"]: f for f in resources["headphone-check.csv"]["schema"]["fields"]}
    assert "not described by this version" in check["answers"]["description"]


def test_a_pandas_read_of_the_votes_table_gives_the_votes_of_the_store(study, tmp_path):
    exp, ids = study
    export_study(exp, tmp_path / "out")
    table = pd.read_csv(tmp_path / "out" / "votes.csv", dtype={"vote_id": str})
    stored = [v for v in exp.votes(include_undone=True) if v.session_id != ids["sim"]]
    assert len(table) == len(stored) == 24 + 1 + 3 + 8 + 20 + 20 + 20    # no simulated vote
    rows = table.set_index("vote_id")
    stimuli = {s.id: s for s in exp.stimuli()}
    for v in stored:
        row = rows.loc[v.id]
        assert (row.listener_id, row.session_id, row.trial_index, row.stimulus_id) == \
            (v.listener, v.session_id, v.trial, v.stimulus_id)
        assert (row.response, row.rt_ms, row.n_plays) == (v.response, v.rt_ms, v.n_plays)
        assert (row.presented_at, row.responded_at) == (v.presented_at, v.responded_at)
        assert row.undone == (v.undone_at is not None)
        assert (pd.isna(row.undone_at) if v.undone_at is None else row.undone_at == v.undone_at)
        assert (row.z1, row.z2) == stimuli[v.stimulus_id].z          # exact, not approximate
        assert row["round"] == stimuli[v.stimulus_id].round
    assert table.undone.dtype == bool and table.excluded.dtype == bool
    # the analysis filter the codebook gives: standing votes, nothing excluded
    ex = exp.exclusions()
    kept = table[~table.undone & ~table.excluded]
    assert set(kept.vote_id) == {v.id for v in exp.votes() if not ex.excludes(v.listener,
                                                                             v.session_id)
                                 and v.session_id != ids["sim"]}
    assert set(table.loc[table.excluded, "session_id"]) == {ids["ana-practice"], ids["dee"]}
    evaluation = table[table["round"] == -1]
    assert set(evaluation.session_kind) == {"evaluation"} and set(evaluation.evaluation) == {EVAL}
    assert set(evaluation.role) == {"eval-real", "eval-sample"}


def test_the_votes_table_repeats_each_rating_file_cell_for_cell(study, tmp_path):
    exp, _ = study
    export_study(exp, tmp_path / "out")
    header, *votes = _rows(tmp_path / "out" / "votes.csv")
    for path in (tmp_path / "out").glob("ratings-*.csv"):
        rating_header, *rating_rows = _rows(path)
        assert header[:len(rating_header)] == rating_header
        sid = read_rating_file(path).session.id
        mine = [row[:len(rating_header)] for row in votes if row[2] == sid]
        assert mine == rating_rows, path.name


def test_the_evaluation_summary_has_a_name_no_rating_file_glob_matches(study, tmp_path):
    exp, _ = study
    out = tmp_path / "out"
    export_study(exp, out)
    for path in out.glob("ratings-*.csv"):          # every one of them is a rating file
        assert read_rating_file(path).votes
    summary = _rows(out / f"evaluation-{EVAL}-evaluation.csv")
    assert [row[0] for row in summary[1:]] == ["real", "sampled", "sampled-real"]
    assert summary[1][2] == "4" and summary[2][2] == "4"           # votes per group
    doc = json.loads((out / f"evaluation-{EVAL}-evaluation.json").read_text())
    assert doc["evaluation"] == EVAL and doc["csv"]["file"] == f"evaluation-{EVAL}-evaluation.csv"


def _table(folder, name):
    return pd.read_csv(folder / f"{name}.csv", keep_default_na=False, dtype=str)


def test_listener_tables_screening_and_decisions(study, tmp_path):
    exp, ids = study
    out = tmp_path / "out"
    export_study(exp, out)
    consent = _table(out, "consent")
    assert consent.to_dict("records") == [{
        "record_id": exp.listener_records(kind="consent")[0].id, "listener_id": "ana",
        "session_id": ids["ana"], "recorded_at": "2026-12-01T09:00:00.000000+00:00",
        "app_version": exp.listener_records()[0].app_version, "given": "true",
        "text_sha256": exp.session(ids["web"]).settings["texts_sha256"],
        "listener_excluded": "false"}]
    questionnaire = _table(out, "questionnaire")
    assert list(questionnaire.columns[5:]) == ["age_band", "hearing_problems", "output",
                                               "native_language", "listener_excluded"]
    assert questionnaire.native_language.tolist() == ["日本語"]
    check = _table(out, "headphone-check")
    assert check[["test", "score", "n_trials", "passed", "seed", "answers"]].values.tolist() == \
        [["huggins", "5", "6", "true", "99", "[1, 2, 3, 1, 2, 2]"]]
    screening = _table(out, "screening").set_index("listener_id")
    assert screening.loc["cy", ["gold_answers", "gold_right", "judged", "passed", "kept",
                                "used"]].tolist() == ["20", "8", "true", "false", "true", "true"]
    assert screening.loc["dee", ["gold_right", "passed", "used", "listener_excluded"]].tolist() \
        == ["18", "true", "true", "true"]
    assert "sim" not in screening.index         # simulated votes are not a listener's data
    assert screening.loc["ana", "threshold"] == "0.6"
    assert "P-17" in screening.index and "ana" in screening.index
    decisions = _table(out, "decisions")
    assert decisions[["target_id", "action", "in_force"]].values.tolist() == [
        [ids["ana-practice"], "exclude", "true"], ["P-17", "exclude", "false"],
        ["P-17", "include", "true"], ["dee", "exclude", "true"]]
    sessions = _table(out, "sessions").set_index("session_id")
    web = sessions.loc[ids["web"]]
    assert (web.source, web.language, web.carrier, web.votes) == ("web", "ja", "sentence", "20")
    assert sessions.loc[ids["ana"], ["votes", "undone_votes", "source"]].tolist() == \
        ["24", "1", "workstation"]


def test_cli_export_writes_the_study_and_keeps_its_session_option(study, tmp_path, capsys):
    exp, ids = study
    assert main(["export", str(exp.folder)]) == 0               # default: the exports folder
    printed = capsys.readouterr().out.split()
    assert str(exp.exports_dir / "datapackage.json") in printed
    assert (exp.exports_dir / "votes.csv").exists()
    assert main(["export", str(exp.folder), "--out", str(tmp_path / "one"),
                 "--session", ids["web"]]) == 0
    assert [p.name for p in (tmp_path / "one").iterdir()] and \
        {p.suffix for p in (tmp_path / "one").iterdir()} == {".csv", ".json"}
    assert sorted(p.name for p in (tmp_path / "one").glob("*.csv")) == \
        [f"ratings-P-17-{ids['web']}.csv"]


def test_the_codebook_document_names_every_table_and_matches_the_codebook():
    from pathlib import Path

    from hd_desktop.store.codebook import markdown_columns

    doc = (Path(__file__).parent.parent / "docs" / "codebook.md").read_text(encoding="utf-8")
    for kind in KINDS.values():
        assert f"`{kind.name}" in doc, kind.name
    begin, end = "<!-- columns: generated -->", "<!-- columns: end -->"
    assert doc[doc.index(begin) + len(begin):doc.index(end)].strip() == \
        markdown_columns().strip(), \
        "docs/codebook.md is out of date: run python -m hd_desktop.store.codebook docs/codebook.md"
