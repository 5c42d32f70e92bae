"""The session flow with a scripted listener: practice, trials, a break, undo, pause, finish."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from helpers.experiments import make_experiment, practice_stimuli, scripted_answer

from hd_desktop.design.order import adjacent_partners
from hd_desktop.session import FlowSettings, Phase, SessionFlow
from hd_desktop.store import read_rating_file


class FakeClock:
    """Monotonic seconds and the matching UTC wall time, advanced by the test."""

    def __init__(self):
        self.t = 100.0
        self.start = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)

    def __call__(self) -> float:
        return self.t

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.t - 100.0)

    def tick(self, seconds: float) -> None:
        self.t += seconds


def _answer(flow, clock, rt=0.5, accept=None):
    trial = flow.current
    flow.sound_started(clock())
    clock.tick(rt)
    return trial, flow.vote(scripted_answer(trial.stimulus) if accept is None else accept)


@pytest.fixture
def setup(tmp_path):
    exp, trials = make_experiment(tmp_path / "e", neighbours=3, pairs=4)  # 24 + 4 gold
    yield exp, trials
    exp.close()


def test_a_whole_session(setup):
    exp, trials = setup
    clock = FakeClock()
    flow = SessionFlow(exp, trials, practice=practice_stimuli(0), order_seed=42,
                       settings=FlowSettings(break_every_trials=10, break_every_minutes=60),
                       clock=clock, now=clock.now)
    assert flow.phase == Phase.LISTENER and flow.current is None
    flow.set_listener(" L07 ")
    flow.instructions_read()
    flow.level_checked("Dummy Out", -12.0)
    assert adjacent_partners(flow.order) == []
    info = exp.session(flow.session_id)
    assert info.listener == "L07" and info.order_seed == 42 and info.gain_db == -12.0
    assert list(info.order) == [s.id for s in flow.order]

    # practice: three trials, stored in a practice session, never counted
    assert flow.phase == Phase.PRACTICE
    for _ in range(3):
        assert flow.current.practice
        _answer(flow, clock)
    assert flow.phase == Phase.TRIALS and flow.current.index == 0
    assert exp.vote_counts() == {}

    # a replay: two plays, reaction time from the onset of the second
    trial = flow.current
    flow.sound_started(clock())
    clock.tick(1.2)
    flow.sound_started(clock())
    clock.tick(0.8)
    flow.vote(True)
    v = exp.votes(session_id=flow.session_id)[0]
    assert (v.trial, v.stimulus_id, v.n_plays, v.response) == (0, trial.stimulus.id, 2, 1)
    assert v.rt_ms == pytest.approx(800.0)
    assert v.presented_at == "2026-03-02T09:00:01.500000+00:00"  # after 3 x 0.5 s practice
    assert v.device == "Dummy Out" and v.gain_db == -12.0

    # undo: the vote is logged as undone and the trial comes back
    assert flow.undo() and flow.current.index == 0 and flow.plays == 0
    _answer(flow, clock, accept=False)
    assert len(exp.votes(session_id=flow.session_id, include_undone=True)) == 2

    # a break after 10 trials
    for _ in range(9):
        _answer(flow, clock)
    assert flow.phase == Phase.BREAK and flow.current is None
    with pytest.raises(RuntimeError):
        flow.vote(True)
    flow.continue_after_break()

    # pause: the trial has to be played again before a vote
    flow.sound_started(clock())
    flow.pause()
    clock.tick(300)
    flow.unpause()
    with pytest.raises(RuntimeError, match="before the sound"):
        flow.vote(True)
    flow.sound_started(clock())
    clock.tick(0.4)
    flow.vote(True)
    assert exp.votes(session_id=flow.session_id)[-1].n_plays == 2

    breaks_at = []
    while flow.phase in (Phase.TRIALS, Phase.BREAK):
        if flow.phase == Phase.BREAK:
            breaks_at.append(exp.next_trial(flow.session_id))
            flow.continue_after_break()
        _answer(flow, clock)
    assert breaks_at == [20] and flow.phase == Phase.COMPLETE  # no break after the last trial
    summary = flow.finish()
    assert flow.phase == Phase.FINISHED
    assert (summary.votes, summary.trials, summary.practice_votes) == (28, 28, 3)
    assert (summary.screening.correct, summary.screening.total) == (4, 4)
    assert exp.session(flow.session_id).finished_at is not None
    rf = read_rating_file(summary.rating_csv)
    assert rf.session.id == flow.session_id and len(rf.votes) == 29  # 28 + the undone one
    assert summary.rating_csv.parent == exp.exports_dir


def test_a_break_after_minutes(setup):
    exp, trials = setup
    clock = FakeClock()
    flow = SessionFlow(exp, trials, order_seed=1, clock=clock, now=clock.now,
                       settings=FlowSettings(break_every_trials=1000, break_every_minutes=2))
    flow.set_listener("L08")
    flow.instructions_read()
    flow.level_checked(None, 0.0)
    _answer(flow, clock, rt=30)
    _answer(flow, clock, rt=30)
    assert flow.phase == Phase.TRIALS
    clock.tick(61)
    _answer(flow, clock)
    assert flow.phase == Phase.BREAK


def test_resume_continues_at_the_first_unvoted_trial_in_the_same_order(setup):
    exp, trials = setup
    clock = FakeClock()
    flow = SessionFlow(exp, trials, order_seed=9, clock=clock, now=clock.now)
    flow.set_listener("L09")
    flow.instructions_read()
    flow.level_checked("Dummy Out", -3.0)
    for _ in range(7):
        _answer(flow, clock)
    flow.undo()  # the listener took trial 6 back before the app was closed
    again = SessionFlow.resume(exp, flow.session_id, clock=clock, now=clock.now)
    assert again.phase == Phase.TRIALS and again.current.index == 6
    assert [s.id for s in again.order] == [s.id for s in flow.order]
    assert again.current.stimulus == flow.order[6] and again.listener == "L09"
    while again.phase == Phase.TRIALS:
        _answer(again, clock)
    votes = exp.votes(session_id=flow.session_id)
    assert [v.trial for v in votes] == list(range(28))
    assert [v.stimulus_id for v in votes] == [s.id for s in flow.order]
    assert again.finish().votes == 28


def test_phases_are_enforced(setup):
    exp, trials = setup
    flow = SessionFlow(exp, trials, order_seed=2)
    with pytest.raises(RuntimeError, match="expected phase level-check"):
        flow.level_checked(None, 0.0)
    with pytest.raises(ValueError):
        flow.set_listener("  ")
    with pytest.raises(RuntimeError):
        flow.sound_started()
