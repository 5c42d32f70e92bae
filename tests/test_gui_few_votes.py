"""A model from few votes, shown as such: intervals from the votes on the map, no nan in the
Engine tab, and the next round asked for before the current one is mostly voted."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtWidgets import QMessageBox

from helpers.app import open_window
from helpers.importing import vote_session

from hd_desktop.design import DesignParams
from hd_desktop.design.stimulus import Role
from hd_desktop.engine.config import EngineConfig
from hd_desktop.lab import RoundStatus, engine_job
from hd_desktop.lab.round_readiness import early_next_round
from hd_desktop.voice.build import run

SMALL_ENGINE = EngineConfig(train_steps=100, n_chains=50, sampler_steps=100)


@pytest.fixture
def few_votes(qtbot, tmp_home):
    """A window whose model learned from one complete pair at each of four neighbours."""
    w = open_window(qtbot, tmp_home)
    lab = w.lab
    lab.set_settings(auto_update=False, use_unjudged=True)   # one listener, not judged yet
    lab.create_round(DesignParams(n_anchors=6, m_neighbours=2, r_pairs=2, gold_rate=0.1, seed=1))
    stimuli = lab.experiment.stimuli(round=0)
    chosen = [s for s in stimuli if s.role in (Role.NES_PLUS, Role.NES_MINUS)
              and s.neighbour < 4 and s.pair == 0]
    assert len(chosen) == 8
    vote_session(lab.experiment, chosen, "L01", seed=2)
    snap = lab.engine_snapshot(SMALL_ENGINE, seed=1)
    lab.save_engine_result(run(engine_job(snap)), snap)
    with qtbot.waitSignal(w.engine.resultReady, timeout=30000):
        w.engine.restore()
    yield w
    w.close()


@pytest.mark.slow
def test_the_maps_tooltip_gives_the_votes_and_their_interval_not_a_zero_error(few_votes):
    layers = few_votes.layers
    x, d, votes = layers._estimates
    assert len(d) == 4
    for i in range(4):
        tip = layers._neighbour_tip(x[i, 0], x[i, 1], i)
        assert "±" not in tip and "from 2 votes" in tip, tip
        lo, hi = votes.lo[i], votes.hi[i]
        assert hi - lo > 0.5          # two votes allow a wide interval, never 0.00 wide
        assert f"95% interval {lo:.2f}–{hi:.2f}" in tip


@pytest.mark.slow
def test_the_engine_tab_says_not_enough_votes_instead_of_nan(few_votes):
    text = few_votes.engine_panel.estimates_label.text()
    assert "nan" not in text and "not enough votes" in text, text


@pytest.mark.slow
def test_the_next_round_is_asked_for_while_most_stimuli_have_no_votes(few_votes, monkeypatch):
    w = few_votes
    panel = w.engine_panel
    current = w.lab.current_round()
    open_ = current.n_stimuli - current.covered
    assert panel.next_button.isEnabled()
    assert f"{open_} still without votes" in panel.next_label.text()
    asked = []

    def answer(reply):
        def question(parent, title, text, *args):
            asked.append(text)
            return reply
        return question

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.No))
    panel.next_button.click()
    assert len(asked) == 1 and f"{open_} of {current.n_stimuli} stimuli still without votes" \
        in asked[0]
    assert w.lab.current_round().index == 0 and "not created" in panel.state.text()

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Yes))
    panel.next_button.click()
    assert len(asked) == 2 and w.lab.current_round().index == 1


def test_a_mostly_voted_round_goes_on_without_a_question():
    status = RoundStatus(index=2, n_stimuli=100, votes=90, covered=80, design={})
    assert early_next_round(status) is None
    early = early_next_round(RoundStatus(2, 100, 50, 79, {}))
    assert "21 of 100 stimuli still without votes" in early and "round 2 without votes" in early
