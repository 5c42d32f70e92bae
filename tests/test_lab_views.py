"""What the windows used to work out themselves, now done by the Lab and tried here without a
window (issue 24): a session ends at its last vote and a resumed one starts paused, in the
headless loop as in the app; imports and online exports through the Lab; the new voices'
table and voices.csv; the Engine tab's agreement and next round; the evaluation in one step."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from helpers.people import first_votes, person

from hd_desktop.design import DesignParams
from hd_desktop.lab import Lab
from hd_desktop.lab.engine_view import agreement_with_others, next_round
from hd_desktop.lab.listening import (answer_session, autopilot, autopilot_answer,
                                      autopilot_session)
from hd_desktop.lab.online import (import_words, importer, online_export_steps,
                                   sessions_per_listener, study_folder)
from hd_desktop.lab.previews import NewVoices, learned_surface, nearest_real, new_voices, write_voices
from hd_desktop.progress import drive
from hd_desktop.session.states import FlowSettings, Phase
from hd_desktop.store import SessionKind
from hd_desktop.voice import load_space

SMALL = DesignParams(n_anchors=4, m_neighbours=2, r_pairs=2, gold_rate=0.1, seed=2)


@pytest.fixture(scope="module")
def space_cache(tmp_path_factory):
    cache = tmp_path_factory.mktemp("space")
    return load_space(cache_dir=cache), cache


@pytest.fixture
def lab(space_cache, tmp_path):
    space, cache = space_cache
    shutil.copytree(cache, tmp_path / "exp" / "space")
    lab = Lab(tmp_path / "exp", space)
    lab.set_settings(auto_update=False)
    lab.create_round(SMALL)
    yield lab
    lab.close()


def test_the_lab_ends_a_session_at_its_last_vote_and_a_resumed_one_starts_paused(lab):
    events = []
    lab.events.subscribe(lambda e: events.append(e.kind))
    session = first_votes(lab, "ana", 5)           # ana leaves after 5 answers
    [left] = lab.unfinished_sessions()
    assert left.id == session
    flow = lab.resume_session(session)
    # nothing plays until the listener is back, in the app and headless alike
    assert flow.phase == Phase.PAUSED and flow.current is None
    assert flow.paused_trial.index == 5 and not flow.paused_trial.practice
    flow.unpause()
    voter = autopilot("wide", seed=1)
    while flow.phase == Phase.TRIALS:
        flow.sound_started()
        flow.vote(autopilot_answer(voter, flow.current.stimulus, None, None))
    # the last vote ended it: no window called finish()
    assert flow.phase == Phase.FINISHED and flow.summary.votes == len(flow.order)
    assert flow.summary.rating_csv.exists()
    assert flow.finish() is flow.summary           # finishing again changes nothing
    assert events.count("session_finished") == 1 and lab.unfinished_sessions() == []


def test_the_headless_loop_goes_on_from_a_paused_resumed_session(lab):
    session = first_votes(lab, "bo", 3)
    flow = lab.resume_session(session)
    summary = answer_session(flow, autopilot("wide", seed=2), "bo")
    assert summary is flow.summary and summary.votes == len(flow.order)


def test_an_autopilot_session_is_stored_as_simulated(lab):
    flow = autopilot_session(lab, 6, 1, FlowSettings(break_every_trials=100))
    answer_session(flow, autopilot("shifted", seed=1), "autopilot-shifted")
    assert lab.experiment.session(flow.session_id).kind == SessionKind.SIMULATED


def test_an_import_runs_as_a_job_and_the_lab_tells_the_views(lab, tmp_path):
    person(lab, "cy", 8)
    files = lab.export_rating_files(tmp_path / "out")   # as a copy of this workstation's
    events = []
    lab.events.subscribe(events.append)
    job = importer(lab, files)
    report = job()                                       # the app runs it on a worker thread
    assert events == []                                  # ... and tells nothing from there
    lab.imported(report)
    assert [e.kind for e in events] == ["imported"] and events[0].report is report
    assert import_words(report) == (f"{len(files)} file(s): 0 new votes merged, 8 were already "
                                    "here.")
    assert sessions_per_listener(lab) == {"cy": 1}


@pytest.mark.slow    # renders the round's voices for the web twice
def test_the_online_export_writes_the_current_round_into_a_new_folder_each_time(lab, tmp_path):
    steps = online_export_steps(lab, tmp_path, carrier="sustained", trials=None, seed=3,
                                break_every=60)
    seen = []
    first = drive(steps, seen.append)
    assert seen and seen[-1].fraction <= 1.0
    assert first.folder == tmp_path / "online-round0-seed3" and first.jzip.exists()
    assert first.n_stimuli == len(lab.experiment.stimuli(round=0))   # practice voices too
    second = drive(online_export_steps(lab, tmp_path, carrier="sustained", trials=None, seed=3,
                                       break_every=60))
    assert second.folder == tmp_path / "online-round0-seed3-2"     # the first one is kept


def test_the_study_folder_never_overwrites_one_there(tmp_path):
    assert study_folder(tmp_path, 1, 7) == tmp_path / "online-round1-seed7"
    (tmp_path / "online-round1-seed7.jzip").write_text("")
    assert study_folder(tmp_path, 1, 7) == tmp_path / "online-round1-seed7-2"


def test_the_new_voices_and_voices_csv(space_cache, tmp_path):
    from hd_desktop.engine.network import ScoreNet

    space = space_cache[0]
    samples = space.coords[:3] + 0.01
    result = SimpleNamespace(round=2, samples=samples, net=ScoreNet(space.dims))
    voices = new_voices(result, space)
    assert list(voices.nearest) == [0, 1, 2] and np.all(voices.distance < 0.02)
    assert voices.nearest_label[0] == f"{space.speakers[0]} ({space.items[0]})"
    assert np.all((voices.s_d > 0) & (voices.s_d < 1))
    s_d, s_vd = learned_surface(result, space.dims)(np.zeros((4, 2)))
    assert s_d.shape == (4,) and s_vd.shape == (4, space.dims)

    rendered = []

    def render(z, carrier):
        rendered.append((tuple(z), carrier))
        return np.zeros(800), 16000

    written = drive(write_voices(voices, [2, 0], tmp_path / "chosen", "sentence", render))
    assert [p.name for p in written] == ["round2-sample0002-sentence.wav",
                                         "round2-sample0000-sentence.wav"]
    rows = list(csv.DictReader(open(tmp_path / "chosen" / "voices.csv")))
    assert [r["sample"] for r in rows] == ["2", "0"] and rows[0]["carrier"] == "sentence"
    assert float(rows[0]["z1"]) == samples[2][0] and rows[0]["nearest_real_item"] == space.items[2]
    assert len(rendered) == 2


def test_nearest_real_voice():
    idx, dist = nearest_real(np.array([[0.0, 0.9], [3.0, 0.0]]), np.array([[0.0, 0.0],
                                                                         [0.0, 1.0]]))
    assert list(idx) == [1, 0] and np.allclose(dist, [0.1, 3.0])
    assert NewVoices(0, np.zeros((2, 2)), np.zeros(2), idx, dist, ("a", "b"), ("a", "b")) \
        .title().startswith("2 new voices sampled by the model of round 0")


def test_agreement_with_the_other_listeners_majority():
    def vote(who, stimulus, response):
        return SimpleNamespace(listener=who, stimulus_id=stimulus, response=response)

    votes = [vote("a", "s1", 1), vote("b", "s1", 1), vote("c", "s1", 1), vote("d", "s1", 0),
             vote("a", "s2", 0), vote("b", "s2", 0), vote("c", "s2", 1), vote("d", "s2", 0),
             vote("a", "s3", 1)]                         # s3: nobody else to agree with
    assert agreement_with_others(votes) == {"a": (1.0, 2), "b": (1.0, 2), "c": (0.5, 2),
                                            "d": (0.5, 2)}
    # a tie among the others is no majority: that answer is not compared
    assert agreement_with_others(votes[:4] + [vote("e", "s1", 0)]) == {"d": (0.0, 1),
                                                                       "e": (0.0, 1)}


def test_the_next_round_waits_for_a_model_of_the_current_round(lab, monkeypatch):
    state = next_round(lab)
    assert not state.possible and "Update the model" in state.text
    stored = {0: SimpleNamespace(round=0, id="m0")}          # a model of round 0 in the store
    monkeypatch.setattr(lab, "model", lambda round=None: stored.get(round))
    monkeypatch.setattr(lab.experiment, "samples", lambda model_id=None: lab.space.coords[:5])
    state = next_round(lab)
    assert state.possible and "Round 1 from 5 samples" in state.text
    assert state.early is not None          # nothing voted yet: the researcher is asked first
    assert "Create round 1 anyway?" in state.question()
    assert state.created_words() == "Round 1 created from 5 samples."
    assert state.declined_words() == "Round 1 not created: round 0 goes on collecting votes."


def test_no_round_no_next_round(space_cache, tmp_path):
    space, cache = space_cache
    shutil.copytree(cache, tmp_path / "fresh" / "space")
    with_nothing = Lab(Path(tmp_path / "fresh"), space)
    assert next_round(with_nothing) is None
    with_nothing.close()


def test_a_design_is_named_by_its_preset_or_by_what_it_was_edited_from(lab):
    from dataclasses import replace

    from hd_desktop.design import preset
    from hd_desktop.lab.experiment_view import design_name, proposal_base

    base = proposal_base(lab.next_round_proposal())       # round 1: as round 0 (custom values)
    assert base[0] == "as round 0" and base[1] == replace(SMALL, min_gold=0)
    assert design_name(base[1], base) == "as round 0"
    assert design_name(replace(base[1], r_pairs=5), base) == "as round 0 (edited)"
    assert design_name(preset("lab-hour"), base) == "lab-hour"    # a preset's values: its name
    edited = lab.propose_next_round(replace(preset("lab-hour"), r_pairs=7), "lab-hour (edited)")
    assert proposal_base(edited) == ("lab-hour", preset("lab-hour"))


def test_an_imports_words_say_the_records_and_decisions_it_brought_and_which_is_in_force():
    from hd_desktop.store.merge import ImportReport
    from hd_desktop.web.importing import ResultsReport

    note = "listener ana: the imported decision to exclude (2026-12-01T10:00:00Z, 'pilot') is " \
           "now in force"
    report = ResultsReport(ImportReport(files=2, new_votes=30, new_records=3, new_decisions=1,
                                        decision_notes=[note]))
    assert import_words(report) == (
        "2 file(s): 30 new votes merged, 0 were already here. 3 listener record(s) (consent, "
        "questionnaire, headphone check) and 1 decision(s) about data stored. " + note + ".")


def test_a_map_click_and_the_new_voices_tab_play_through_one_path():
    from hd_desktop.lab.researcher_voices import ResearcherVoices, render_voices

    voices = ResearcherVoices()
    click = voices.point(4, 1.0, -0.5, "sustained")
    assert click.voices[0].z == (1.0, -0.5, 0.0, 0.0)      # the other axes at the real mean
    assert click.what == "the voice at (1.00, -0.50)" and click.source == "map"
    ab = voices.preview([("sample", [0.5, 0.5]), ("real", [0.0, 1.0])], "sentence")
    assert ab.what == "the sample and real voice from the New voices tab"
    assert [v.name for v in ab.voices] == ["sample", "real"]
    assert voices.is_latest(ab) and not voices.is_latest(click)   # a later request wins

    class Renderer:
        def render(self, z, carrier):
            return np.full(int(sum(z) * 10) + 10, 0.1), 10

    class Output:
        def prepare(self, audio, rate):
            return ("prepared", len(audio), rate)

    done = render_voices(Renderer(), Output(), ab)
    assert [(v.name, buffer, seconds) for v, buffer, seconds in done] == [
        ("sample", ("prepared", 20, 10), 2.0), ("real", ("prepared", 20, 10), 2.0)]
    assert ab.playing_words(ab.voices[1], 2.0, "JACK") == \
        "Playing the real voice, sentence (cmu arctic), 2.0 s, on JACK"
    assert click.playing_words(click.voices[0], 1.0, "JACK").startswith(
        "Playing (1.00, -0.50, 0.00, 0.00), sustained vowel (1 s), 1.0 s")


def test_the_tabs_show_the_experiment_again_after_news_of_whose_votes_count(lab):
    from hd_desktop.lab.window_view import refreshes_tabs

    seen = []
    lab.events.subscribe(seen.append)
    lab.set_settings(gain_db=-6.0)                     # a session's gain: the trial comes first
    lab.set_settings(keep_listeners={"ann"})
    lab.set_settings(screen_min=25)
    first_votes(lab, "ann", 3)                         # its start records the session's gain
    lab.exclude("listener", "ann", "pilot")
    news = [e for e in seen if e.kind in ("settings", "decision")]
    assert [(e.kind, sorted(getattr(e, "changed", ()))) for e in news] == [
        ("settings", ["gain_db"]), ("settings", ["keep_listeners"]), ("settings", ["screen_min"]),
        ("settings", ["gain_db"]), ("decision", [])]
    assert [refreshes_tabs(e) for e in news] == [False, True, True, False, True]


def test_an_output_that_cannot_open_is_a_notice_in_words_never_a_crash():
    from hd_desktop.lab.output import Output

    told = []
    out = Output(on_unavailable=told.append)
    assert out.open("no device is called this") is False
    assert out.player is None and "no device is called this" in out.problem
    assert out.device_label == "no output device" and out.prepare([0.0], 100) is None
    assert out.play(object()) is None and told == [out.problem, out.problem]
    out.close()
