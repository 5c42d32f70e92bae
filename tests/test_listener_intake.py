"""Before the trials: consent, questionnaire, in the real listener window and in plain Python."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import Qt

from hd_desktop.design import DesignParams
from hd_desktop.gui.audio_output import AudioOutput
from hd_desktop.gui.session_window import SessionWindow
from hd_desktop.lab import Lab
from hd_desktop.session import texts as lt
from hd_desktop.session.intake import Intake, IntakeSettings, Step
from hd_desktop.session.states import FlowSettings, Phase
from hd_desktop.store import Experiment
from hd_desktop.voice import load_space

SMALL = DesignParams(n_anchors=3, m_neighbours=1, r_pairs=2, gold_rate=0.2, seed=5)
ANSWERS = {"age_band": "20_29", "hearing_problems": "no", "output": "headphones",
           "native_language": "日本語"}


@pytest.fixture(scope="module")
def space(tmp_path_factory):
    return load_space(cache_dir=tmp_path_factory.mktemp("space"))


@pytest.fixture
def lab(space, tmp_home):
    lab = Lab(tmp_home / "sessions" / "exp", space)
    lab.set_settings(auto_update=False, headphone_check="none")   # the check: its own tests
    lab.create_round(SMALL)
    yield lab
    lab.close()


def window(qtbot, lab, space, audio, listener="L01"):
    flow = lab.new_session(size=100, seed=3, settings=FlowSettings(break_every_trials=100),
                           practice=False)
    w = SessionWindow(flow, space, audio)
    qtbot.addWidget(w)
    w.show()
    qtbot.keyClicks(w.listener_page.listener, listener)
    qtbot.keyClick(w.listener_page.listener, Qt.Key.Key_Return)
    return w


def test_texts_edited_for_the_experiment_are_what_the_listener_reads_and_what_is_stored(
        qtbot, lab, space, jack_device):
    lab.set_settings(language="ja")
    path = lt.write_for_editing(lab.folder, "ja")
    data = json.loads(path.read_text(encoding="utf-8"))
    edited = {"id.heading": "<h2>ようこそ、東京ラボへ</h2>IDを入力してください。",
              "consent.body": "<p>東京ラボの同意文です(倫理審査 2026-17)。</p>",
              "trial.question": "<h1>この声は人の声らしいですか?</h1>"}
    data["strings"].update(edited)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    audio = AudioOutput()
    assert audio.open(None), audio.problem
    try:
        w = window(qtbot, lab, space, audio, "L05")
        assert w.pages.currentWidget() is w.consent_page
        assert w.listener_page.text.text() == edited["id.heading"]
        assert edited["consent.body"] in w.consent_page.text.text()
        assert w.consent_page.agree.text() == "同意して参加します"
        qtbot.mouseClick(w.consent_page.agree, Qt.MouseButton.LeftButton)
        assert w.pages.currentWidget() is w.questionnaire_page
        for name in ("age_band", "hearing_problems", "output"):
            w.questionnaire_page.choose(name, ANSWERS[name])
        w.questionnaire_page.native_language.setText(ANSWERS["native_language"])
        qtbot.mouseClick(w.questionnaire_page.go, Qt.MouseButton.LeftButton)
        assert w.flow.phase == Phase.INSTRUCTIONS and w.pages.currentWidget() is w.instructions_page
        qtbot.keyClick(w, Qt.Key.Key_Return)
        qtbot.keyClick(w, Qt.Key.Key_Return)
        assert w.flow.phase == Phase.TRIALS
        assert w.trial_page.question.text() == edited["trial.question"]
        qtbot.waitUntil(w.trial_page.accept.isEnabled, timeout=60_000)
        qtbot.keyClick(w, Qt.Key.Key_F)
        exp = lab.experiment
        sha = exp.session(w.flow.session_id).settings["texts_sha256"]
        language, strings = exp.texts(sha)
        assert language == "ja" and strings == data["strings"]
        (consent,) = exp.listener_records("L05", "consent")
        (questions,) = exp.listener_records("L05", "questionnaire")
        assert consent.data["given"] is True and consent.data["text_sha256"] == sha
        assert {k: questions.data[k] for k in ANSWERS} == ANSWERS
        assert len(exp.votes(session_id=w.flow.session_id)) == 1
        w.close()
    finally:
        audio.close()


def test_a_refused_consent_ends_with_a_thank_you_and_stores_no_session_and_no_vote(
        qtbot, lab, space):
    before = datetime.now(timezone.utc)
    audio = AudioOutput()                       # no device needed: nothing may play
    w = window(qtbot, lab, space, audio, "L06")
    assert w.pages.currentWidget() is w.consent_page
    qtbot.mouseClick(w.consent_page.decline, Qt.MouseButton.LeftButton)
    assert w.pages.currentWidget() is w.declined_page
    assert "None of your answers will be recorded" in w.declined_page.text.text()
    for key in (Qt.Key.Key_Return, Qt.Key.Key_Return, Qt.Key.Key_F, Qt.Key.Key_J):
        qtbot.keyClick(w, key)                  # no way on from here but Close
    assert w.pages.currentWidget() is w.declined_page
    exp = lab.experiment
    assert exp.sessions() == [] and exp.votes() == []
    (consent,) = exp.listener_records("L06", "consent")
    assert consent.data["given"] is False
    assert before <= datetime.fromisoformat(consent.recorded_at.replace("Z", "+00:00"))
    assert exp.listener_records("L06", "questionnaire") == []
    qtbot.mouseClick(w.declined_page.close_button, Qt.MouseButton.LeftButton)
    assert exp.sessions() == [] and exp.votes() == []


def test_an_unanswered_question_is_asked_again_and_nothing_is_stored(qtbot, lab, space):
    w = window(qtbot, lab, space, AudioOutput(), "L07")
    qtbot.mouseClick(w.consent_page.agree, Qt.MouseButton.LeftButton)
    w.questionnaire_page.choose("age_band", "no_answer")
    qtbot.mouseClick(w.questionnaire_page.go, Qt.MouseButton.LeftButton)
    assert w.pages.currentWidget() is w.questionnaire_page
    assert not w.questionnaire_page.incomplete.isHidden()
    assert lab.experiment.listener_records("L07", "questionnaire") == []


def test_a_listener_who_consented_and_answered_is_not_asked_again(tmp_path):
    with Experiment.open(tmp_path / "exp") as exp:
        t = lt.shipped("en")
        first = Intake(exp, t, IntakeSettings(headphone_check="none"))
        first.begin("L01")
        assert first.step_before_instructions is Step.CONSENT
        first.consent(True)
        assert first.step_before_instructions is Step.QUESTIONNAIRE
        with pytest.raises(ValueError, match="native_language"):
            first.answer({**ANSWERS, "native_language": "  "})
        first.answer(ANSWERS)
        assert first.step_before_instructions is None
        again = Intake(exp, t, IntakeSettings(headphone_check="none"))
        again.begin("L01")                     # a new session of the same listener
        assert again.step_before_instructions is None and not again.headphone_due
        refused = Intake(exp, t, IntakeSettings(headphone_check="huggins"))
        refused.begin("L02")
        refused.consent(False)
        assert refused.step_before_instructions is Step.DECLINED and not refused.headphone_due
        with pytest.raises(RuntimeError):
            refused.answer(ANSWERS)
        later = Intake(exp, t, IntakeSettings(headphone_check="huggins"))
        later.begin("L02")                     # who refused once is asked again next time
        assert later.step_before_instructions is Step.CONSENT and later.headphone_due
