"""Practice bookkeeping in the real window: a session closed during its practice resumes into the
practice, its practice session is finished and counted, and no empty practice session is left."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import Qt

from hd_desktop.design import DesignParams
from hd_desktop.gui.audio_output import AudioOutput
from hd_desktop.gui.session_window import SessionWindow
from hd_desktop.lab import Lab
from hd_desktop.session.states import Phase
from hd_desktop.store import SessionKind
from hd_desktop.voice import load_space

SMALL = DesignParams(n_anchors=3, m_neighbours=1, r_pairs=2, gold_rate=0.2, seed=5)


@pytest.fixture(scope="module")
def space(tmp_path_factory):
    return load_space(cache_dir=tmp_path_factory.mktemp("space"))


@pytest.fixture
def lab(space, tmp_home):
    lab = Lab(tmp_home / "sessions" / "exp", space)
    lab.set_settings(auto_update=False, consent=False, questionnaire=False, headphone_check="none")
    lab.create_round(SMALL)
    yield lab
    lab.close()


@pytest.fixture
def audio(jack_device, qtbot):
    out = AudioOutput()
    assert out.open(None), out.problem
    yield out
    out.close()


def answer(qtbot, window, key=Qt.Key.Key_F):
    qtbot.waitUntil(window.trial_page.accept.isEnabled, timeout=60_000)
    qtbot.keyClick(window, key)


@pytest.mark.slow
def test_practice_is_counted_right_after_a_close_in_the_practice(qtbot, lab, space, audio):
    flow = lab.new_session(size=100, seed=4)
    w = SessionWindow(flow, space, audio)
    qtbot.addWidget(w)
    w.show()
    qtbot.keyClicks(w.listener_page.listener, "L11")
    qtbot.keyClick(w.listener_page.listener, Qt.Key.Key_Return)
    qtbot.keyClick(w, Qt.Key.Key_Return)
    qtbot.keyClick(w, Qt.Key.Key_Return)
    answer(qtbot, w)
    answer(qtbot, w)
    assert flow.phase == Phase.PRACTICE and flow.current.index == 2
    w.close()                                   # the listener leaves during the practice

    [unfinished] = lab.unfinished_sessions()
    resumed = lab.resume_session(unfinished.id)
    # the Lab keeps it paused until the listener is back; it goes on in the practice
    assert resumed.phase == Phase.PAUSED and resumed.paused_trial.index == 2
    assert resumed.paused_trial.practice
    assert resumed.practice_session_id == flow.practice_session_id
    w2 = SessionWindow(resumed, space, audio)
    qtbot.addWidget(w2)
    w2.show()
    assert w2.pages.currentWidget() is w2.paused_page
    assert "in the practice: 2 of 4 practice voices" in w2.paused_page.text.text()
    qtbot.keyClick(w2, Qt.Key.Key_Return)
    answer(qtbot, w2)
    answer(qtbot, w2)
    assert resumed.phase == Phase.TRIALS
    exp = lab.experiment
    assert exp.session(flow.practice_session_id).finished_at is not None   # done: finished now
    while resumed.phase != Phase.FINISHED:
        answer(qtbot, w2)
    assert "4 practice answers" in w2.summary_page.text.text()
    assert w2.summary.practice_votes == 4

    practice = [s for s in exp.sessions() if s.kind == SessionKind.PRACTICE]
    assert [s.id for s in practice] == [flow.practice_session_id]       # no empty one beside it
    assert len(exp.votes(session_id=practice[0].id)) == 4
    assert all(s.finished_at is not None for s in exp.sessions())
    assert sorted(v.trial for v in exp.votes(session_id=flow.session_id)) == \
        list(range(len(resumed.order)))
    w2.close()


@pytest.mark.slow
def test_a_session_closed_after_its_practice_resumes_into_the_trials_and_counts_the_practice(
        qtbot, lab, space, audio):
    flow = lab.new_session(size=100, seed=5)
    w = SessionWindow(flow, space, audio)
    qtbot.addWidget(w)
    w.show()
    qtbot.keyClicks(w.listener_page.listener, "L12")
    qtbot.keyClick(w.listener_page.listener, Qt.Key.Key_Return)
    qtbot.keyClick(w, Qt.Key.Key_Return)
    qtbot.keyClick(w, Qt.Key.Key_Return)
    for _ in range(4 + 2):
        answer(qtbot, w)
    w.close()
    resumed = lab.resume_session(flow.session_id)
    assert resumed.phase == Phase.PAUSED and resumed.paused_trial.index == 2
    assert not resumed.paused_trial.practice
    w2 = SessionWindow(resumed, space, audio)
    qtbot.addWidget(w2)
    w2.show()
    qtbot.keyClick(w2, Qt.Key.Key_Return)
    while resumed.phase != Phase.FINISHED:
        answer(qtbot, w2)
    assert w2.summary.practice_votes == 4 and "4 practice answers" in w2.summary_page.text.text()
    w2.close()
