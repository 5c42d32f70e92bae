"""Decisions about data and what listeners read and said: stored as rows, never deletions."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from helpers.experiments import make_experiment

from hd_desktop.errors import UserFacingError
from hd_desktop.store import SCHEMA_VERSION, Experiment, SessionKind


def test_an_exclusion_is_in_force_until_a_later_include_and_both_stay_on_record(tmp_path):
    exp, stimuli = make_experiment(tmp_path / "e")
    sid = exp.start_session("ana", SessionKind.TRIALS, [s.id for s in stimuli[:3]], 1)
    t0 = datetime(2026, 12, 1, 10, tzinfo=timezone.utc)
    exp.decide("listener", "ana", "exclude", "pilot listener", at=t0)
    exp.decide("session", sid, "exclude", "wrong headphones", at=t0)
    assert exp.exclusions().listeners == {"ana"} and exp.exclusions().sessions == {sid}
    assert exp.exclusions().excludes("ana", "other") and exp.exclusions().excludes("bo", sid)
    exp.decide("listener", "ana", "include", "pilot counted after all", at=t0 + timedelta(hours=1))
    assert exp.exclusions().listeners == frozenset() and exp.exclusions().sessions == {sid}
    assert [(d.target.value, d.action.value, d.reason) for d in exp.decisions()] == [
        ("listener", "exclude", "pilot listener"), ("session", "exclude", "wrong headphones"),
        ("listener", "include", "pilot counted after all")]
    exp.close()
    with Experiment.open(tmp_path / "e") as again:       # decisions survive a reopen
        assert again.exclusions().sessions == {sid} and len(again.decisions()) == 3


def test_a_decision_needs_a_known_target_and_a_reason(tmp_path):
    exp, stimuli = make_experiment(tmp_path / "e")
    exp.start_session("ana", SessionKind.TRIALS, [stimuli[0].id], 1)
    with pytest.raises(UserFacingError, match="no listener 'nobody'"):
        exp.decide("listener", "nobody", "exclude", "pilot")
    with pytest.raises(UserFacingError, match="needs a reason"):
        exp.decide("listener", "ana", "exclude", "   ")
    with pytest.raises(UserFacingError, match="under 500"):
        exp.decide("listener", "ana", "exclude", "x" * 501)
    with pytest.raises(ValueError):
        exp.decide("listener", "ana", "delete", "pilot")
    assert exp.decisions() == []
    exp.close()


def test_listener_records_and_texts_are_kept_as_given(tmp_path):
    exp, stimuli = make_experiment(tmp_path / "e")
    sid = exp.start_session("ana", SessionKind.TRIALS, [stimuli[0].id], 1)
    consent = exp.add_listener_record("ana", "consent", {"given": True, "text_sha256": "ab"}, sid)
    exp.add_listener_record("ana", "questionnaire", {"age_band": "20-29", "hearing": "no"}, sid)
    exp.add_listener_record("ana", "consent", consent.data, sid, record_id=consent.id)  # no-op
    with pytest.raises(UserFacingError, match="other content"):
        exp.add_listener_record("ana", "consent", {"given": False}, sid, record_id=consent.id)
    assert [r.kind.value for r in exp.listener_records("ana")] == ["consent", "questionnaire"]
    assert exp.listener_records("ana")[0].id == consent.id
    assert exp.listener_records(kind="questionnaire")[0].data["age_band"] == "20-29"
    sha = exp.save_texts("ja", {"trial.natural": "自然"})
    assert exp.save_texts("ja", {"trial.natural": "自然"}) == sha
    assert exp.texts(sha) == ("ja", {"trial.natural": "自然"}) and exp.texts("0" * 64) is None
    assert exp._con().execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    exp.close()
