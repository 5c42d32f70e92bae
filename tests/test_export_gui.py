"""The Experiment tab's Export button writes the whole study (tables and codebook), and an
evaluation run in the app leaves its summary under a name no rating-file glob matches."""

from __future__ import annotations

import json
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from helpers.app import open_window
from PySide6.QtWidgets import QFileDialog

from hd_desktop.design import DesignParams
from hd_desktop.engine.config import EngineConfig
from hd_desktop.store import read_rating_file

SMALL_ENGINE = EngineConfig(train_steps=400, n_chains=150, sampler_steps=400)


@pytest.mark.slow
def test_the_export_button_writes_the_study_and_its_codebook(qtbot, tmp_home, jack_device,
                                                              monkeypatch):
    from hd_desktop.engine.listeners import wide
    from hd_desktop.lab import engine_job
    from hd_desktop.voice.build import run

    w = open_window(qtbot, tmp_home)
    lab = w.lab
    lab.set_settings(auto_update=False)
    lab.create_round(DesignParams(n_anchors=10, m_neighbours=2, r_pairs=3, gold_rate=0.1, seed=1))
    sim = lab.simulated_session(wide(seed=3), size=10_000, seed=3, listener_id="sim")
    snap = lab.engine_snapshot(SMALL_ENGINE, seed=1)
    lab.save_engine_result(run(engine_job(snap)), snap)
    w.experiment_panel.refresh()
    w.experiment_panel.eval_n.setValue(6)
    with qtbot.waitSignal(w.evaluationReady, timeout=60000):
        w.experiment_panel.eval_auto_button.click()
    exports = lab.experiment.exports_dir
    for path in exports.glob("ratings-*.csv"):        # the session's end wrote only rating files
        assert read_rating_file(path).votes
    (summary,) = exports.glob("evaluation-*-evaluation.csv")
    lab.experiment.decide("session", sim, "exclude", "simulated votes, a demo")

    out = tmp_home / "chosen"
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(out))
    w.tabs.setCurrentWidget(w.experiment_panel)
    w.experiment_panel.export_button.click()
    package = json.loads((out / "datapackage.json").read_text())
    files = {r["path"] for r in package["resources"]}
    assert {"votes.csv", "sessions.csv", "screening.csv", "decisions.csv", summary.name} <= files
    assert files == {p.relative_to(out).as_posix() for p in out.rglob("*.csv")}
    votes = (out / "votes.csv").read_text().splitlines()
    assert len(votes) == 1 + len(lab.experiment.votes(include_undone=True))
    told = w.experiment_panel.files_state.text()
    rating_files = len(list(out.rglob("ratings-*.csv")))     # simulated ones in simulated/
    assert str(out) in told and f"{rating_files} rating files" in told and "datapackage" in told
    w.grab().save(str(tmp_home / "export.png"))
    if os.environ.get("HD_SHOT_DIR"):
        w.grab().save(os.path.join(os.environ["HD_SHOT_DIR"], "export-button.png"))
    w.close()
