"""The lab's decisions and operations without a window (issue 21, items 2, 3, 6, 9): exclusions
honoured by the engine and the exports and undone by include; simulated votes kept apart from
people's; screening with a minimum every round and list guarantees; an update from few votes;
and `hd-desktop update / round next / evaluate / exclude / include` on a real experiment with
imported online results."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from helpers.people import first_votes, person

from hd_desktop.cli import main
from hd_desktop.design import DesignParams
from hd_desktop.design.order import SCREENING, pick_session_stimuli
from hd_desktop.engine.listeners import Heard, wide
from hd_desktop.lab import Lab
from hd_desktop.lab.engine_job import listener_table
from hd_desktop.store import Experiment, SessionKind
from hd_desktop.voice import load_space

FAST = {"train_steps": "150", "n_chains": "200", "sampler_steps": "150"}
SMALL = DesignParams(n_anchors=6, m_neighbours=2, r_pairs=3, gold_rate=0.1, seed=2)


@pytest.fixture(scope="module")
def space_cache(tmp_path_factory):
    cache = tmp_path_factory.mktemp("space")
    return load_space(cache_dir=cache), cache


def new_lab(space_cache, folder: Path, **settings) -> Lab:
    """A Lab whose folder holds the space's cache (the commands open it from there)."""
    space, cache = space_cache
    shutil.copytree(cache, folder / "space")
    lab = Lab(folder, space)
    lab.set_settings(engine_overrides=FAST, auto_update=False, **settings)
    return lab


def test_an_excluded_listener_is_left_out_of_the_engine_and_the_export_and_include_undoes_it(
        space_cache, tmp_path):
    lab = new_lab(space_cache, tmp_path / "exp")
    lab.create_round(SMALL)
    person(lab, "ann", 10_000, seed=1)
    bob = person(lab, "bob", 10_000, seed=2)
    everyone = len(lab.engine_snapshot().votes)
    events = []
    lab.events.subscribe(events.append)
    lab.exclude("listener", "bob", "wrong headphones")
    snap = lab.engine_snapshot()
    assert {v.listener for v in snap.votes} == {"ann"}
    assert snap.set_aside["excluded"] == everyone - len(snap.votes) > 0
    assert events[-1].kind == "decision" and events[-1].decision.reason == "wrong headphones"
    files = lab.export_rating_files(tmp_path / "out")
    sidecar = json.loads(next(p for p in files if bob in p.name).with_suffix(".json").read_text())
    assert [d["reason"] for d in sidecar["excluded"]] == ["wrong headphones"]
    assert sidecar["simulated"] is False
    lab.include("listener", "bob", "headphones were fine after all")
    assert len(lab.engine_snapshot().votes) == everyone
    lab.export_rating_files(tmp_path / "out2")
    again = json.loads(next((tmp_path / "out2").glob(f"*{bob}.json")).read_text())
    assert again["excluded"] == [] and [d["action"] for d in again["decisions"]] == \
        ["exclude", "include"]
    with pytest.raises(Exception, match="already included"):
        lab.include("listener", "bob", "twice")
    lab.close()


def test_simulated_votes_beside_peoples_change_no_model_and_are_exported_apart(
        space_cache, tmp_path):
    lab = new_lab(space_cache, tmp_path / "exp")
    lab.create_round(SMALL)
    person(lab, "ann", 10_000)
    people = lab.engine_snapshot().votes
    requests = []
    lab.engine.start = requests.append            # would run an update
    lab.set_settings(auto_update=True)
    lab.simulated_session(wide(seed=3), size=10_000, seed=3, listener_id="autopilot-wide")
    assert requests == []                         # nothing new for the engine
    snap = lab.engine_snapshot()
    assert snap.votes == people and snap.set_aside["simulated"] > 0
    files = lab.export_rating_files(tmp_path / "out")
    assert {p.parent.name for p in files} == {"out", "simulated"}
    assert all("autopilot" in p.name for p in files if p.parent.name == "simulated")
    lab.set_settings(use_simulated=True)          # asked for: they count
    assert len(lab.engine_snapshot().votes) > len(people)
    lab.close()


def test_a_round_of_twelve_screening_trials_gets_the_minimum_in_every_session_and_list(
        space_cache, tmp_path):
    from hd_desktop.design import count_stimuli
    from hd_desktop.web.order import make_lists

    params = DesignParams(n_anchors=28, m_neighbours=1, r_pairs=4, gold_rate=0.05, seed=1)
    assert count_stimuli(params, 28)["gold"] == 12       # the design alone: 12 of 236
    lab = new_lab(space_cache, tmp_path / "exp", screen_min=20)
    assert lab.preview_round(params)["gold"] == 20
    lab.create_round(params)
    stimuli = lab.experiment.stimuli(round=0)
    assert sum(s.role in SCREENING for s in stimuli) == 20
    session = pick_session_stimuli(stimuli, {}, 120, seed=4)
    assert sum(s.role in SCREENING for s in session) == 20
    assert all(sum(s.role in SCREENING for s in lst) == 20 for lst in make_lists(stimuli, 60, 1))
    lab.close()


@pytest.mark.slow
def test_a_listener_below_the_minimum_is_not_judged_and_not_used_and_an_update_says_so(
        space_cache, tmp_path):
    lab = new_lab(space_cache, tmp_path / "exp")
    lab.create_round(SMALL)
    first_votes(lab, "ann", 20)                  # 20 votes: a few screening answers
    rows = listener_table(lab.engine_snapshot())
    assert rows[0]["status"].startswith("not judged yet (") and not rows[0]["used"]
    failed = []
    lab.events.subscribe(lambda e: e.kind == "engine_failed" and failed.append(e.message))
    lab.engine.start = lab.engine.drive_here
    assert lab.engine.request() is False
    assert "ann: not judged yet" in failed[-1] and "Traceback" not in failed[-1]
    assert not (lab.folder / "errors.log").exists()
    lab.set_settings(use_unjudged=True)          # the researcher uses them anyway
    assert lab.engine.request() is True
    assert lab.engine.latest is not None and lab.engine.latest.votes_used == 20
    lab.close()


def scripted_web_results(exp: Experiment, out: Path, participant: str = "P1") -> Path:
    """One online participant's jsPsych CSV for round 0 as hd-study.js writes it, answered by
    a simulated listener (the format checked by tests/test_web_browser.py in a real browser)."""
    from hd_desktop import __version__
    from hd_desktop.web.order import participant_seed, web_order
    from hd_desktop.web.results import WebAnswer, digest
    from hd_desktop.web.study import RESULTS_SCHEMA, SCHEMA_VERSION, StudySettings, study_design

    study = study_design(exp, StudySettings(round=0, seed=1))
    seed = participant_seed(1, participant)
    order = web_order(study.lists[seed % len(study.lists)], seed)
    meta = {"hd_study": study.study_id, "hd_experiment": exp.experiment_id, "hd_round": 0,
            "hd_participant": participant, "hd_seed": seed,
            "hd_list": seed % len(study.lists), "hd_order": ",".join(s.id for s in order),
            "hd_practice_order": ",".join(s.id for s in study.practice), "hd_study_seed": 1,
            "hd_trials_per_participant": "", "hd_carrier": "sustained",
            "hd_hosting": "standalone", "hd_user_agent": "scripted", "hd_app_version": __version__,
            "hd_jspsych_version": "7", "hd_id_from": "url", "hd_schema": RESULTS_SCHEMA,
            "hd_schema_version": SCHEMA_VERSION}
    voter = wide(lapse=0.0, seed=4)
    answers = [WebAnswer(phase, i, s.id, int(voter.vote(Heard(s))), 800.0, 1,
                         f"2026-12-06T10:{i // 60:02d}:{i % 60:02d}.000Z",
                         f"2026-12-06T10:{i // 60:02d}:{i % 60:02d}.800Z")
               for phase, stimuli in (("practice", study.practice), ("trials", order))
               for i, s in enumerate(stimuli)]
    rows = [{**meta, "hd_kind": "vote", "hd_phase": a.phase, "hd_trial": a.trial,
             "stimulus_id": a.stimulus_id, "response": a.response, "rt_ms": f"{a.rt_ms:.1f}",
             "n_plays": a.n_plays, "presented_at": a.presented_at,
             "responded_at": a.responded_at, "audio_started": "true", "audio_clock": "webaudio",
             "audio_onset_s": f"{1.5 + 2 * n:.3f}"} for n, a in enumerate(answers)]
    rows.append({**meta, "hd_kind": "end", "hd_rows": len(answers),
                 "hd_digest": digest(meta, answers), "hd_complete": "true"})
    path = out / f"{participant}.csv"
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(dict.fromkeys(k for r in rows for k in r)))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.mark.slow
def test_update_round_next_and_evaluate_from_the_command_line_after_an_online_round(
        space_cache, tmp_path, capsys):
    folder = tmp_path / "exp"
    lab = new_lab(space_cache, folder)
    lab.create_round(SMALL)
    results = scripted_web_results(lab.experiment, tmp_path)
    lab.close()
    assert main(["import", str(folder), str(results)]) == 0
    capsys.readouterr()

    assert main(["update", str(folder)]) == 0
    out = capsys.readouterr().out
    with Experiment.open(folder, create=False) as exp:
        models = exp.models()
        votes = len([v for v in exp.votes() if exp.session(v.session_id).kind == SessionKind.TRIALS])
    assert len(models) == 1 and f"model {models[0].id} of round 0 stored" in out
    assert f"votes used: {votes}" in out and "samples: 200" in out

    assert main(["round", "next", str(folder), "--set", "n_anchors=4"]) == 0
    out = capsys.readouterr().out
    assert "round 1: as round 0 (edited)" in out and "created round 1" in out
    assert main(["evaluate", str(folder), "--round", "0", "--voices", "5"]) == 0
    assert "evaluation set r0_s1_n5: 10 voices" in capsys.readouterr().out

    assert main(["exclude", str(folder), "--listener", "P1", "--reason", "pilot"]) == 0
    assert main(["update", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "no votes to learn from yet (left out: " in err and "Traceback" not in err
    assert main(["include", str(folder), "--listener", "P1"]) == 0
    assert main(["decisions", str(folder)]) == 0
    listed = capsys.readouterr().out
    assert "exclude listener P1: pilot" in listed and "include listener P1" in listed


def test_round_next_creates_a_new_experiment_only_when_asked(space_cache, tmp_path, capsys,
                                                             monkeypatch):
    monkeypatch.setenv("HD_SESSIONS_DIR", str(tmp_path / "sessions"))
    folder = tmp_path / "online"
    assert main(["round", "next", str(folder)]) == 2                    # a typo is not a study
    assert "no experiment" in capsys.readouterr().err and not folder.exists()
    assert main(["round", "next", str(folder), "--create", "--dry-run"]) == 2
    assert "cannot --create" in capsys.readouterr().err and not folder.exists()
    shutil.copytree(space_cache[1], folder / "space")                   # the space, cached
    assert main(["round", "next", str(folder), "--create", "--preset", "lab-20min"]) == 0
    assert "created round 0" in capsys.readouterr().out
    with Experiment.open(folder, create=False) as exp:
        assert list(exp.rounds()) == [0] and exp.space()[1]["settings"]["dims"] == 2
    assert main(["round", "next", str(folder), "--create", "--dry-run"]) == 2   # still refused
