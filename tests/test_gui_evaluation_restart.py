"""Evaluation 2's result stays in the window after a restart: read back from the store."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from helpers.app import open_window

from hd_desktop.design import DesignParams
from hd_desktop.engine.config import EngineConfig
from hd_desktop.engine.listeners import wide
from hd_desktop.lab import engine_job
from hd_desktop.lab.evaluations import create_evaluation, evaluation_session
from hd_desktop.lab.listening import answer_session
from hd_desktop.voice.build import run

SMALL_ENGINE = EngineConfig(train_steps=100, n_chains=50, sampler_steps=100)


def shown(panel):
    table = panel.eval_table
    return [[table.item(i, j).text() if table.item(i, j) else "" for j in range(6)]
            for i in range(table.rowCount())]


@pytest.mark.slow
def test_a_reopened_experiment_shows_its_evaluation(qtbot, tmp_home):
    w = open_window(qtbot, tmp_home)
    lab = w.lab
    lab.set_settings(auto_update=False)
    lab.create_round(DesignParams(n_anchors=10, m_neighbours=2, r_pairs=3, gold_rate=0.1, seed=1))
    lab.simulated_session(wide(seed=3), size=10_000, seed=3, listener_id="sim")
    snap = lab.engine_snapshot(SMALL_ENGINE, seed=1)
    lab.save_engine_result(run(engine_job(snap)), snap)
    name = create_evaluation(lab, 12, seed=4)
    with qtbot.waitSignal(w.evaluationReady, timeout=30000):
        answer_session(evaluation_session(lab, name, seed=4), wide(seed=5), "E01")
    before = shown(w.experiment_panel)
    assert len(before) == 3 and before[0][0] == "real" and before[0][2] == "12"
    note = w.experiment_panel.eval_note.text()
    w.close()

    again = open_window(qtbot, tmp_home)
    assert shown(again.experiment_panel) == before
    assert again.experiment_panel.eval_note.text() == note     # names the written report too
    assert f"Evaluation {name}" in note and "Written to" in note
    again.close()
