"""What the windows used to decide themselves and the Lab decides now (issue 24), tried without a
window: the app's checks and the experiment's opening at start, where the listener's window
goes, when a refused answer is saved again, when answers open, the gain a resumed session
plays at, the researcher's voices' outputs, the Experiment and Engine tabs' buttons, the
screening form, the listener dialog's ticks and the headphone check's stage."""

from __future__ import annotations

from dataclasses import fields
from types import SimpleNamespace

import pytest

from hd_desktop.errors import UserFacingError
from hd_desktop.lab import LabSettings, engine_view
from hd_desktop.lab.decisions import SCREENING_TIPS, screening_form, screening_settings
from hd_desktop.lab.experiment_view import ExperimentState, NextRoundSource
from hd_desktop.lab.furniture import ASKED, CHECK_EXCLUDES
from hd_desktop.lab.listener_screen import Screen, place_listener_window
from hd_desktop.lab.listener_steps import RETRY_MS, ListenerSteps
from hd_desktop.lab.playback_guard import PlaybackGuard
from hd_desktop.lab.researcher_playback import ResearcherPlayback
from hd_desktop.lab.researcher_voices import Voice
from hd_desktop.lab.session_view import HeadphoneRun, questionnaire
from hd_desktop.lab.startup import NO_DISPLAY, open_experiment, space_opening, start_problem
from hd_desktop.lab.window_view import (carrier_chosen, output_gain, output_view,
                                        user_choice)
from hd_desktop.session.flow import VoteNotSaved
from hd_desktop.session.states import Phase
from hd_desktop.settings import Settings

# -- start-up -------------------------------------------------------------------------------


def test_the_app_is_refused_before_any_window_for_bad_dims_or_no_display():
    assert start_problem(None, None, {"DISPLAY": ":0"}) is None
    assert start_problem(None, None, {"QT_QPA_PLATFORM": "offscreen"}) is None
    assert start_problem(None, None, {"DISPLAY": ""}) == NO_DISPLAY
    said = start_problem(0, None, {"DISPLAY": ":0"})
    assert said.startswith("hd-desktop: --dims 0") and "at least 1 dimension" in said
    assert start_problem(0, None, {}).startswith("hd-desktop: --dims 0")   # dims said first


def test_the_voice_space_opens_with_the_dims_asked_for_a_new_experiment(tmp_path):
    opening, note = space_opening(tmp_path / "exp", None, 3)
    assert note is None and opening.args[1] == tmp_path / "exp" / "space"
    assert opening.args[2].dims == 3 and opening.func.__name__ == "open_space"
    assert space_opening(tmp_path / "exp", None, None)[0].args[2].dims == 2


@pytest.fixture(scope="module")
def space(tmp_path_factory):
    from hd_desktop.voice import load_space

    return load_space(cache_dir=tmp_path_factory.mktemp("space"))


def test_an_experiment_opens_from_the_users_defaults_or_is_refused_in_words(space, tmp_path):
    opened = open_experiment(tmp_path / "exp", space, Settings(carrier="sentence", gain_db=-6.0))
    try:
        assert opened.refused is None and opened.evaluation is None
        assert opened.evaluation_problem is None
        assert (opened.lab.settings.carrier, opened.lab.settings.gain_db) == ("sentence", -6.0)
    finally:
        opened.lab.close()
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / "experiment.sqlite").write_bytes(b"not a database, not empty either" * 64)
    refused = open_experiment(damaged, space, Settings())
    assert refused.lab is None and isinstance(refused.refused, UserFacingError)
    assert refused.refused_words(damaged).startswith(f"Experiment {damaged} cannot be used: ")


# -- where the listener's window goes -------------------------------------------------------

TWO = [Screen("Desk", (0, 0, 1920, 1080)), Screen("Booth", (1920, 0, 1280, 1024))]


def test_the_listener_window_fills_the_other_screen_or_the_only_one():
    auto = place_listener_window(TWO, 0, None)
    assert (auto.screen, auto.geometry, auto.hide_researcher) == (1, (1920, 0, 1280, 1024), False)
    assert place_listener_window(TWO, 1, "auto").geometry == (0, 0, 1920, 1080)
    assert place_listener_window(TWO, 0, "Desk").hide_researcher    # the researcher's screen
    alone = place_listener_window(TWO[:1], None, None)
    assert (alone.geometry, alone.hide_researcher) == ((0, 0, 1920, 1080), True)


def test_a_simulated_listener_or_window_choice_is_an_ordinary_window():
    for placed in (place_listener_window(TWO, 0, "2", listener_mode=False),
                   place_listener_window(TWO, 0, "window")):
        assert placed.geometry is None and not placed.hide_researcher and placed.note is None


def test_an_unknown_listener_screen_is_said_and_the_other_used():
    placed = place_listener_window(TWO, 0, "7")
    assert placed.geometry == TWO[1].geometry and "'7' is not one of the screens" in placed.note


# -- the listener's answers --------------------------------------------------------------------


class Disk:
    """A flow whose store refuses the next `full` writes."""

    def __init__(self, full: int, gain_db=None):
        self.phase, self.unsaved, self.gain_db, self.full = Phase.TRIALS, None, gain_db, full
        self.stored, self.onsets = [], []

    def vote(self, accept: bool) -> str:
        self.unsaved = accept
        return self.retry_vote()

    def retry_vote(self) -> str:
        if self.full:
            self.full -= 1
            raise VoteNotSaved("the disk is full")
        self.stored.append(self.unsaved)
        self.unsaved = None
        return f"vote-{len(self.stored)}"

    def sound_started(self, onset):
        self.onsets.append(onset)


def test_a_refused_answer_is_told_once_logged_kept_and_retried_until_stored(tmp_path):
    flow = Disk(full=2)
    steps = ListenerSteps(flow, log_folder=tmp_path)
    assert steps.answer(True, ready=False) is None and flow.unsaved is None   # not playing yet
    first = steps.answer(True, ready=True)
    assert first.vote_id is None and "disk is full" in str(first.refused)
    assert first.told and first.retry_ms == RETRY_MS
    assert steps.answer(False, ready=True) is None      # the kept answer comes first
    log = (tmp_path / "errors.log").read_text()
    assert "saving an answer" in log and "disk is full" in log
    again = steps.retry()
    assert again.refused is not None and not again.told and again.retry_ms == RETRY_MS
    stored = steps.retry()
    assert stored.vote_id == "vote-1" and stored.retry_ms is None and flow.stored == [True]
    assert steps.retry() is None                        # nothing waits: no more retries
    assert (tmp_path / "errors.log").read_text() == log      # a retry refused is not logged again


def test_answers_open_when_the_voice_reaches_the_device_and_a_resumed_gain_holds():
    flow = Disk(full=0, gain_db=-12.0)
    steps = ListenerSteps(flow)
    assert steps.sound_started(10.0123, now=10.0) == 13 and flow.onsets == [10.0123]
    assert steps.sound_started(9.5, now=10.0) == 0       # already playing: open now
    assert steps.opening_gain(3.0) == -12.0               # as the session recorded it
    assert ListenerSteps(Disk(full=0)).opening_gain(3.0) == 3.0


# -- the researcher's voices -----------------------------------------------------------------


class Out:
    def __init__(self, label: str, plays: bool = True):
        self.device_label, self.problem, self.plays, self.player = label, "unplugged", plays, None
        self.played = []

    def play(self, buffer):
        if not self.plays:
            return None
        self.played.append(buffer)
        return SimpleNamespace(buffer=buffer)


def test_only_the_latest_voice_plays_and_an_ab_plays_its_second_after_the_first():
    main = Out("Main")
    playing = ResearcherPlayback(main, PlaybackGuard())
    old = playing.requests.point(2, 0.0, 0.0, "sustained")
    ab = playing.requests.preview([("sample", (1.0, 0.0)), ("real", (0.5, 0.0))], "sustained")
    out, why = playing.output(ab.what)
    assert out is main and why is None
    assert playing.play(old, main, [(Voice("point", (0.0, 0.0)), "b0", 1.0)]).playback is None
    prepared = [(ab.voices[0], "b1", 1.0), (ab.voices[1], "b2", 1.0)]
    first = playing.play(ab, main, prepared)
    assert first.voice.name == "sample" and main.played == ["b1"]
    assert first.words.startswith("Playing the sample voice") and "on Main" in first.words
    assert playing.due_after(SimpleNamespace()) is None           # another sound ended
    assert playing.due_after(first.playback) == (ab, main, prepared[1:])
    assert playing.due_after(first.playback) is None              # once


def test_a_voice_rendered_before_a_session_opened_is_not_played_and_is_told():
    main = Out("Main")
    guard = PlaybackGuard()
    playing = ResearcherPlayback(main, guard)
    request = playing.requests.point(2, 1.0, -0.5, "sustained")
    guard.session_opened("Main")
    said = playing.play(request, main, [(request.voices[0], "b", 1.0)])
    assert said.playback is None and main.played == []
    assert "would hear it" in said.words and "Researcher output" in said.words
    guard.session_closed()
    silent = Out("Main", plays=False)
    playing = ResearcherPlayback(silent, PlaybackGuard())
    request = playing.requests.point(2, 1.0, -0.5, "sustained")
    assert "no output device: unplugged" in playing.play(
        request, silent, [(request.voices[0], None, 1.0)]).words


# -- the researcher's tabs --------------------------------------------------------------------


def _state(round, possible, can_evaluate):
    return ExperimentState(round, "", "", NextRoundSource(possible, ""), can_evaluate, [], "",
                           [], [])


def test_the_experiment_tabs_buttons_follow_the_experiment():
    before = _state(None, True, False).enabled(online_busy=False)
    assert before == {"create_button": True, "start_button": False, "autopilot_button": False,
                      "online_button": False, "eval_button": False, "eval_auto_button": False}
    open_round = _state(0, False, True)
    assert open_round.enabled(online_busy=False)["online_button"]
    assert not open_round.enabled(online_busy=True)["online_button"]   # one export at a time
    assert open_round.enabled(online_busy=True)["start_button"]
    assert open_round.enabled(False)["eval_button"]
    assert not open_round.enabled(False)["create_button"]     # the open round has no model yet


def test_an_early_next_round_is_made_only_once_the_researcher_agreed(monkeypatch):
    made, asked = [], []
    early = engine_view.NextRound(True, "", early="4 stimuli have no votes yet", round=2,
                                  samples=30)
    monkeypatch.setattr(engine_view, "next_round", lambda lab: early)
    monkeypatch.setattr(engine_view, "create_next_round", lambda lab: made.append(lab))
    no = engine_view.create_next_round_asking("lab", lambda q: asked.append(q) or False)
    assert no.startswith("Round 2 not created") and made == [] and "no votes yet" in asked[0]
    yes = engine_view.create_next_round_asking("lab", lambda q: True)
    assert yes == "Round 2 created from 30 samples." and made == ["lab"]
    ready = engine_view.NextRound(True, "", round=3, samples=5)
    monkeypatch.setattr(engine_view, "next_round", lambda lab: ready)
    assert engine_view.create_next_round_asking("lab", lambda q: asked.append(q)).startswith(
        "Round 3 created") and len(asked) == 1          # not early: nobody is asked

    def refuse(lab):
        raise UserFacingError("no samples stored")

    monkeypatch.setattr(engine_view, "create_next_round", refuse)
    assert engine_view.create_next_round_asking("lab", lambda q: True) == "<b>no samples stored</b>"


def test_the_training_curve_takes_the_training_steps_only():
    curve = engine_view.TrainingCurve()
    assert curve.add(SimpleNamespace(kind="train", done=3, info={"loss": 0.5}))
    assert not curve.add(SimpleNamespace(kind="sample", done=4, info={}))
    assert not curve.add(SimpleNamespace(kind="train", done=5, info={}))
    assert curve.add(SimpleNamespace(kind="train", done=6, info={"loss": 0.0}))
    assert curve.steps == [3, 6] and curve.losses == [0.5, 1e-12]      # log-scale safe


def test_the_engine_tabs_listener_row_and_its_use_column():
    line = engine_view.ListenerLine("ann", 41, "85% of 20", "90% of 41", used=True, kept=False)
    assert line.cells() == ["ann", "41", "85% of 20", "90% of 41"]
    assert engine_view.LISTENERS_HEADERS[engine_view.USE_COLUMN] == "use"
    assert len(engine_view.LISTENERS_HEADERS) == len(line.cells()) + 1


def test_the_screening_form_shows_the_threshold_in_percent_and_stores_a_share():
    shown = screening_form(LabSettings(screen_threshold=0.65, screen_min=24, use_simulated=True))
    assert shown == {"screen_threshold": 65, "screen_min": 24, "use_unjudged": False,
                     "use_simulated": True}
    assert screening_settings({**shown, "screen_threshold": 70})["screen_threshold"] == 0.7
    assert LabSettings(**screening_settings(shown)).screen_threshold == 0.65
    assert set(SCREENING_TIPS) <= {f.name for f in fields(LabSettings)}


def test_the_listener_dialogs_ticks_are_the_experiments_yes_no_settings():
    booleans = {f.name for f in fields(LabSettings) if f.type in ("bool", bool)}
    assert set(ASKED) == {"consent", "questionnaire"}
    assert set(CHECK_EXCLUDES) == {"headphone_excludes", "headphone_excludes_online"}
    assert {**ASKED, **CHECK_EXCLUDES}.keys() <= booleans


def test_the_questionnaire_asks_what_the_intake_stores():
    from hd_desktop.session.intake import QUESTIONS

    assert {name: codes for name, _, codes in questionnaire()} == QUESTIONS


def test_the_headphone_check_goes_from_its_introduction_through_its_trials_to_its_end():
    run = HeadphoneRun("huggins", seed=4)
    assert run.stage == "intro"
    run.started = True
    for n in range(len(run.trials)):
        assert run.stage == "trial" and run.progress()["n"] == n + 1
        run.answer(1)
    assert run.stage == "done"


# -- the main window's toolbar ---------------------------------------------------------------


def test_the_output_as_shown_after_opening_it():
    ok = output_view(True, "Booth (ALSA)", None, ["Booth (ALSA)", "Desk"])
    assert ok.devices == [("Booth (ALSA)", "Booth (ALSA)"), ("Desk", "Desk")]
    assert ok.researcher[0] == ("none: refuse during sessions", None) and len(ok.researcher) == 3
    assert (ok.words, ok.alarm, ok.tip, ok.told) == ("Output: Booth (ALSA)", False, "",
                                                     "Output: Booth (ALSA)")
    none = output_view(False, "no output device", "PortAudio: no device", [])
    assert none.devices == [("No output device found", None)] and none.told is None
    assert (none.words, none.alarm, none.tip) == ("No sound: no output device", True,
                                                  "PortAudio: no device")


def test_the_carrier_and_gain_belong_to_the_experiment_once_one_is_open():
    user = Settings(carrier="sustained", gain_db=-3.0)
    assert output_gain(None, user) == -3.0
    set_to = []
    lab = SimpleNamespace(settings=SimpleNamespace(gain_db=-9.0),
                          set_settings=lambda **kw: set_to.append(kw))
    assert output_gain(lab, user) == -9.0
    assert carrier_chosen(lab, user, "sentence") is None and set_to == [{"carrier": "sentence"}]
    assert carrier_chosen(None, user, "sentence").carrier == "sentence"     # the user's default
    assert user_choice(user, "output_device", None) is None   # "No output device found"
    assert user_choice(user, "researcher_output", None).researcher_output is None
    assert user_choice(user, "output_device", "Desk").output_device == "Desk"


def test_each_button_of_the_listeners_window_does_what_a_key_does():
    from hd_desktop.lab.session_view import BUTTON_ACTIONS, LEVEL_KEYS, NEXT_STEP, TRIAL_KEYS

    by_key = {*TRIAL_KEYS.values(), *NEXT_STEP.values(), *LEVEL_KEYS.values()}
    actions = [action for _, action in BUTTON_ACTIONS]
    assert set(actions) <= by_key
    assert set(TRIAL_KEYS.values()) <= set(actions)            # every trial key has its button
    assert len({name for name, _ in BUTTON_ACTIONS}) == len(BUTTON_ACTIONS)


def test_a_resumed_session_welcomes_its_listener_back_where_they_are():
    from hd_desktop.lab.session_view import welcome_back_words

    def t(key, **values):
        return key, values

    trial = SimpleNamespace(index=5, total=40, practice=False)
    flow = SimpleNamespace(phase=Phase.PAUSED, paused_trial=trial, listener="L08")
    assert welcome_back_words(t, flow) == ("paused.welcome_back",
                                           dict(listener="L08", done=5, total=40))
    flow.paused_trial = SimpleNamespace(index=2, total=4, practice=True)
    assert welcome_back_words(t, flow)[0] == "paused.welcome_back_practice"
    assert welcome_back_words(t, SimpleNamespace(phase=Phase.PAUSED, paused_trial=None)) is None
    assert welcome_back_words(t, SimpleNamespace(phase=Phase.TRIALS, paused_trial=trial)) is None


def test_each_table_has_a_heading_for_each_cell_of_its_rows():
    from hd_desktop.lab.decisions import OVERVIEW_HEADERS, OverviewRow, row_cells
    from hd_desktop.lab.experiment_view import EVALUATION_HEADERS, evaluation_rows

    row = OverviewRow("listener", "ann", "ann", "lab", 41, "passed 85% of 24", "", False)
    assert len(OVERVIEW_HEADERS) == len(row_cells(row))
    group = {"stimuli": 3, "votes": 12, "acceptance": 0.5, "ci95_bootstrap": None,
             "ci95_wilson": (0.25, 0.75), "spread": {"mean_distance_to_centroid": 1.0}}
    rows, _ = evaluation_rows({
        "groups": {"real": group, "sampled": group}, "listeners": 1,
        "difference": {"estimate": 0.0, "ci95_bootstrap": None, "ci95_newcombe": (-0.3, 0.3)},
        "intervals": {"ci95_wilson": "Wilson", "ci95_bootstrap": "bootstrap"}})
    assert rows and all(len(cells) == len(EVALUATION_HEADERS) for cells in rows)


def test_the_design_form_shows_all_anchors_as_the_top_of_its_box():
    from hd_desktop.design import DesignParams
    from hd_desktop.lab.experiment_view import WHOLE_NUMBERS, design_form, form_values

    shown = form_values(DesignParams(n_anchors=None, seed=7))
    assert shown["n_anchors"] == WHOLE_NUMBERS["n_anchors"][1] and shown["seed"] == 7
    assert list(shown) == [name for name, _, _ in design_form()]       # min_gold is not shown
    assert form_values(DesignParams(n_anchors=12))["n_anchors"] == 12
