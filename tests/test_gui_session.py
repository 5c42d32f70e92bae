"""A whole listening session in the real window, by key presses, through the real playback path."""

from __future__ import annotations

import csv
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import Qt

from hd_desktop import __version__
from hd_desktop.design import DesignParams
from hd_desktop.design.stimulus import Role
from hd_desktop.gui.audio_output import AudioOutput
from hd_desktop.gui.session_window import SessionWindow
from hd_desktop.lab import Lab
from hd_desktop.session.states import FlowSettings, Phase
from hd_desktop.voice import load_space

SMALL = DesignParams(n_anchors=3, m_neighbours=1, r_pairs=2, gold_rate=0.2, seed=5)


@pytest.fixture(scope="module")
def space(tmp_path_factory):
    return load_space(cache_dir=tmp_path_factory.mktemp("space"))


@pytest.fixture
def lab(space, tmp_home):
    lab = Lab(tmp_home / "sessions" / "exp", space)
    lab.set_settings(auto_update=False)   # these tests watch the session, not the engine
    # nor the steps before the trials (tests/test_listener_intake.py)
    lab.set_settings(consent=False, questionnaire=False, headphone_check="none")
    lab.create_round(SMALL, screening_min=0)    # the design's own 3 screening trials
    yield lab
    lab.close()


@pytest.fixture
def audio(jack_device, qtbot):
    out = AudioOutput()
    assert out.open(None), out.problem
    yield out
    out.close()


def answer(qtbot, window, key):
    """Press `key` once the voice has started (answers are taken only after onset)."""
    qtbot.waitUntil(window.trial_page.accept.isEnabled, timeout=60_000)
    qtbot.keyClick(window, key)


def test_a_whole_session_by_keys_is_stored_and_exported(qtbot, lab, space, audio, jack_capture):
    flow = lab.new_session(size=100, seed=3, settings=FlowSettings(break_every_trials=6))
    n_trials = len(flow.order)
    assert n_trials == 15  # 12 NES stimuli + 3 screening
    w = SessionWindow(flow, space, audio)
    qtbot.addWidget(w)
    w.show()
    jack_capture.attach()

    qtbot.keyClicks(w.listener_page.listener, "L07")
    qtbot.keyClick(w.listener_page.listener, Qt.Key.Key_Return)
    assert flow.phase == Phase.INSTRUCTIONS
    qtbot.keyClick(w, Qt.Key.Key_Return)
    assert flow.phase == Phase.LEVEL_CHECK
    qtbot.keyClick(w, Qt.Key.Key_Down)   # the listener turns it down by 1 dB
    qtbot.keyClick(w, Qt.Key.Key_Return)

    # practice: four voices, never counted
    assert flow.phase == Phase.PRACTICE
    for i in range(4):
        answer(qtbot, w, Qt.Key.Key_F if i % 2 else Qt.Key.Key_J)
    assert flow.phase == Phase.TRIALS

    answers = {}
    def vote_current(key):
        stim = flow.current.stimulus
        answer(qtbot, w, key)
        answers[stim.id] = key == Qt.Key.Key_F

    vote_current(Qt.Key.Key_F)
    # a replay before answering counts as a second play
    qtbot.waitUntil(w.trial_page.accept.isEnabled, timeout=60_000)
    qtbot.keyClick(w, Qt.Key.Key_Space)
    replayed = flow.current.stimulus.id
    vote_current(Qt.Key.Key_J)
    # undo: the last answer is taken back and the same voice is asked again
    qtbot.keyClick(w, Qt.Key.Key_Backspace)
    assert flow.current.stimulus.id == replayed
    answers.pop(replayed)
    vote_current(Qt.Key.Key_F)

    breaks = 0
    while flow.phase != Phase.FINISHED:
        if flow.phase == Phase.BREAK:
            breaks += 1
            assert w.pages.currentWidget() is w.break_page
            qtbot.keyClick(w, Qt.Key.Key_Return)
            continue
        stim = flow.current.stimulus
        vote_current(Qt.Key.Key_J if stim.role == Role.GOLD_FAR else Qt.Key.Key_F)
    assert breaks == 2  # after trials 6 and 12 of 15
    assert w.pages.currentWidget() is w.summary_page
    assert "Thank you" in w.summary_page.text.text()

    # every vote, with its fields, in the database
    exp = lab.experiment
    votes = exp.votes(session_id=flow.session_id, include_undone=True)
    standing = [v for v in votes if v.undone_at is None]
    undone = [v for v in votes if v.undone_at is not None]
    assert len(standing) == n_trials and len(undone) == 1
    assert sorted(v.trial for v in standing) == list(range(n_trials))
    for v in standing:
        assert v.listener == "L07" and v.app_version == __version__
        assert v.response == int(answers[v.stimulus_id])
        assert v.rt_ms > 0
        assert "JACK" in v.device and v.gain_db == -1.0
        assert v.presented_at.endswith("+00:00") and v.responded_at > v.presented_at
        assert v.n_plays == 1
    # the undone answer was to the voice played twice; it stays in the log, marked undone
    assert undone[0].stimulus_id == replayed and undone[0].n_plays == 2 and undone[0].response == 0
    assert [v.stimulus_id for v in sorted(standing, key=lambda v: v.trial)] == \
        [s.id for s in flow.order]
    summary = w.summary
    assert summary.screening.total == 3 and summary.screening.correct == 3
    practice = exp.votes(session_id=flow.practice_session_id)
    assert len(practice) == 4
    assert exp.vote_counts().keys().isdisjoint({v.stimulus_id for v in practice})

    # the rating file written at the end holds the same votes
    with open(summary.rating_csv, newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(votes)
    by_id = {r["vote_id"] if "vote_id" in r else r["id"]: r for r in rows}
    for v in standing:
        assert int(by_id[v.id]["response"]) == v.response
    assert summary.rating_json.exists()
    # and the voices really reached the output device
    assert jack_capture.first_sound() is not None


def test_closing_mid_session_resumes_at_the_next_unvoted_trial(qtbot, lab, space, audio):
    flow = lab.new_session(size=100, seed=4)
    w = SessionWindow(flow, space, audio)
    qtbot.addWidget(w)
    w.show()
    qtbot.keyClicks(w.listener_page.listener, "L08")
    qtbot.keyClick(w.listener_page.listener, Qt.Key.Key_Return)
    qtbot.keyClick(w, Qt.Key.Key_Return)
    w.level_page.gain.setValue(-12)          # the listener's level, recorded with the session
    qtbot.keyClick(w, Qt.Key.Key_Return)
    for _ in range(4 + 5):      # practice, then five trials
        answer(qtbot, w, Qt.Key.Key_F)
    order = [s.id for s in flow.order]
    w.close()
    assert lab.settings.gain_db == -12.0     # the experiment keeps it (its store)
    audio.player.gain_db = 0.0               # e.g. the app restarted at its default level

    [unfinished] = lab.unfinished_sessions()
    resumed = lab.resume_session(unfinished.id)
    assert [s.id for s in resumed.order] == order
    assert resumed.paused_trial.index == 5 and resumed.phase == Phase.PAUSED
    w2 = SessionWindow(resumed, space, audio)
    qtbot.addWidget(w2)
    w2.show()
    # nothing plays until the listener is back: a welcome-back page, then Enter
    assert w2.pages.currentWidget() is w2.paused_page
    assert "Welcome back, L08" in w2.paused_page.text.text() and "5 of" in w2.paused_page.text.text()
    qtbot.keyClick(w2, Qt.Key.Key_Return)
    answer(qtbot, w2, Qt.Key.Key_J)
    assert audio.player.gain_db == -12.0     # plays at the gain it records
    votes = lab.experiment.votes(session_id=unfinished.id)
    assert {v.gain_db for v in votes} == {-12.0}
    assert sorted(v.trial for v in votes) == list(range(6))
    assert {v.trial: v.stimulus_id for v in votes}[5] == order[5]
    w2.close()
