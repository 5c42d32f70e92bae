"""The Experiment tab in the real window (issue 21, items 2, 3, 4, 6): exclusions taken there
are honoured by the next update and the exports and undone by Include; an autopilot session
changes no model and no export of people's data; the screening settings are there and a
listener below the minimum shows "not judged yet"; the design form shows the stored design
after a restart; an update after 20 votes gives a plain message and nothing in errors.log."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import json

import pytest
from helpers.app import open_window
from helpers.people import first_votes, person
from PySide6.QtWidgets import QInputDialog

from hd_desktop.session.states import Phase

SMALL = dict(train_steps="150", n_chains="150", sampler_steps="150")
DESIGN = dict(n_anchors=6, m_neighbours=2, r_pairs=3, gold_rate=0.1, seed=2)


def design_round(w, **values) -> None:
    panel = w.experiment_panel
    for name, value in {**DESIGN, **values}.items():
        panel._editors[name].setValue(value)
    panel.create_button.click()


def row_of(panel, target: str, target_id: str) -> list[str]:
    return panel.decisions.texts(target, target_id)


def update(qtbot, w):
    """One update through the app's engine (its own process), waited for; the stored result."""
    w.lab.engine.request()
    qtbot.waitUntil(lambda: not w.engine.busy, timeout=120_000)
    return w.engine.latest


@pytest.mark.slow
def test_an_exclusion_in_the_experiment_tab_leaves_the_listener_out_and_include_undoes_it(
        qtbot, tmp_home, monkeypatch):
    w = open_window(qtbot, tmp_home)
    w.lab.set_settings(auto_update=False, engine_overrides=SMALL)
    design_round(w)
    ann = person(w.lab, "ann", 10_000, seed=1)
    bob = person(w.lab, "bob", 10_000, seed=2)
    n_ann = len(w.lab.experiment.votes(session_id=ann))
    n_bob = len(w.lab.experiment.votes(session_id=bob))
    panel = w.experiment_panel
    panel.refresh()
    panel.decisions.select("listener", "bob")
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("wrong headphones", True))
    panel.decisions.exclude_button.click()
    assert row_of(panel, "listener", "bob")[2].startswith("excluded: wrong headphones (")
    assert panel.decisions.include_button.isEnabled() and not panel.decisions.exclude_button.isEnabled()

    result = update(qtbot, w)
    assert result.votes_used == n_ann and result.set_aside["excluded"] == n_bob
    stored = w.lab.experiment.latest_model().info
    assert stored["votes_used"] == n_ann and stored["set_aside"]["excluded"] == n_bob
    panel.export(tmp_home / "out")
    sidecar = json.loads(next((tmp_home / "out").glob(f"*{bob}.json")).read_text())
    assert [d["reason"] for d in sidecar["excluded"]] == ["wrong headphones"]

    panel.decisions.select("listener", "bob")
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("fine after all", True))
    panel.decisions.include_button.click()
    assert row_of(panel, "listener", "bob")[2] == ""
    assert update(qtbot, w).votes_used == n_ann + n_bob
    w.close()


@pytest.mark.slow
def test_an_autopilot_session_changes_no_model_and_no_export_of_peoples_data(
        qtbot, tmp_home, jack_device):
    w = open_window(qtbot, tmp_home)
    w.lab.set_settings(auto_update=True, engine_overrides=SMALL)
    design_round(w)
    w.lab.set_settings(auto_update=False)
    person(w.lab, "ann", 10_000, seed=1)
    model = update(qtbot, w)
    w.lab.set_settings(auto_update=True)      # an autopilot block would ask for an update
    first = w.experiment_panel.export(tmp_home / "before")

    sw = w.start_autopilot(size=40, seed=3, name="wide", seconds=0.0)
    qtbot.waitUntil(lambda: sw.flow.phase == Phase.FINISHED, timeout=60_000)
    sw.close()
    assert not w.engine.busy
    assert [m.id for m in w.lab.experiment.models()] == [model.model_id]
    auto = w.lab.experiment.session(sw.flow.session_id)
    assert auto.kind.value == "simulated"
    assert len(w.lab.engine_snapshot().votes) == model.votes_used

    after = w.experiment_panel.export(tmp_home / "after")
    people = sorted(p.name for p in after if p.parent.name == "after")
    assert people == sorted(p.name for p in first)
    for name in people:
        if name == "datapackage.json":     # the codebook: the same for people's files
            continue
        assert (tmp_home / "after" / name).read_bytes() == (tmp_home / "before" / name).read_bytes()

    def peoples_resources(folder):
        package = json.loads((folder / "datapackage.json").read_text())
        return [r for r in package["resources"] if not r["path"].startswith("simulated/")]
    assert peoples_resources(tmp_home / "after") == peoples_resources(tmp_home / "before")
    apart = [p for p in after if p.name not in people]    # its trials and its practice run
    assert len(apart) == 2 and {p.parent.name for p in apart} == {"simulated"}
    assert all(json.loads(p.with_suffix(".json").read_text())["simulated"] for p in apart)
    panel = w.experiment_panel
    assert row_of(panel, "listener", "autopilot-wide")[0].startswith("autopilot-wide (simulated, ")
    assert "(simulated, 40)" in row_of(panel, "session", auto.id)[0]
    w.close()


@pytest.mark.slow
def test_screening_settings_in_the_tab_and_a_listener_below_the_minimum_is_not_judged(
        qtbot, tmp_home):
    w = open_window(qtbot, tmp_home)
    panel = w.experiment_panel
    assert panel.screening.threshold.value() == 60 and panel.screening.minimum.value() == 20
    panel.screening.minimum.setValue(24)
    assert w.lab.settings.screen_min == 24
    panel.screening.threshold.setValue(70)
    assert w.lab.settings.screen_threshold == 0.7
    w.lab.set_settings(auto_update=False, engine_overrides=SMALL)
    # a design of 224 NES stimuli has 12 screening trials of its own; the round gets 24
    design_round(w, n_anchors=28, m_neighbours=1, r_pairs=4, gold_rate=0.05)
    gold = [s for s in w.lab.experiment.stimuli(round=0) if s.role.name.startswith("GOLD")]
    assert len(gold) == 24 and "(24 screening)" in panel.open_design.text()
    first_votes(w.lab, "ann", 20)
    panel.refresh()
    assert row_of(panel, "listener", "ann")[1].startswith("not judged yet (")
    assert "of 24 screening answers" in row_of(panel, "listener", "ann")[1]

    # few votes: the update says in plain words what is missing, nothing goes to errors.log
    messages = []
    w.engine.failed.connect(messages.append)
    assert w.lab.engine.request() is False
    assert "ann: not judged yet" in messages[-1] and "Traceback" not in messages[-1]
    assert not (w.lab.folder / "errors.log").exists()
    w.close()


@pytest.mark.slow
def test_the_design_form_shows_the_stored_design_after_a_restart(qtbot, tmp_home):
    w = open_window(qtbot, tmp_home)
    panel = w.experiment_panel
    panel.preset_box.setCurrentText("lab-hour")
    assert "lab-hour</b>" in panel.proposal_title.text()
    panel._editors["n_anchors"].setValue(12)
    assert panel.design_name() == "lab-hour (edited)"
    assert "Round 0 (next): lab-hour (edited)" in panel.proposal_title.text()
    panel.create_button.click()
    made = w.lab.current_round()
    assert made.design["preset"] == "lab-hour (edited)"
    w.close()

    again = open_window(qtbot, tmp_home)
    panel = again.experiment_panel
    text = panel.open_design.text()
    assert "Round 0 (open), as made: lab-hour (edited)" in text
    assert f"{made.n_stimuli} stimuli" in text and "12 anchors" in text
    # the next round's proposal is round 0's values, shown and named, not another preset's
    assert "Round 1 (next): lab-hour (edited)" in panel.proposal_title.text()
    assert panel.params().n_anchors == 12 and panel.params().r_pairs == 8
    assert not panel.create_button.isEnabled()          # no model yet: nothing to anchor on
    again.close()


@pytest.mark.slow
def test_a_decision_about_data_shows_in_the_engine_tab_at_once(qtbot, tmp_home, monkeypatch):
    from hd_desktop.design import DesignParams

    w = open_window(qtbot, tmp_home)
    lab = w.lab
    lab.set_settings(auto_update=False)
    lab.create_round(DesignParams(**DESIGN))
    person(lab, "ann", 30, seed=1)
    person(lab, "bob", 30, seed=2)
    w.experiment_panel.refresh()
    w.engine_panel.refresh()
    engine_table = w.engine_panel.listeners
    listed = lambda: [engine_table.item(i, 0).text() for i in range(engine_table.rowCount())]  # noqa: E731
    assert listed() == ["ann", "bob"]
    panel = w.experiment_panel
    panel.decisions.select("listener", "bob")
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("pilot", True))
    panel.decisions.exclude_button.click()
    assert listed() == ["ann"]            # bob's votes are left out: the Engine tab says so now
    panel.decisions.select("listener", "bob")
    panel.decisions.include_button.click()
    assert listed() == ["ann", "bob"]
    w.close()


@pytest.mark.slow
def test_both_tabs_read_whether_there_is_a_model_from_one_place(qtbot, tmp_home):
    from hd_desktop.design import DesignParams
    from hd_desktop.engine.config import EngineConfig
    from hd_desktop.engine.listeners import wide
    from hd_desktop.lab import engine_job
    from hd_desktop.voice.build import run

    w = open_window(qtbot, tmp_home)
    lab = w.lab
    lab.set_settings(auto_update=False)
    lab.create_round(DesignParams(**DESIGN))
    lab.simulated_session(wide(seed=3), size=10_000, seed=3, listener_id="sim")
    w.experiment_panel.refresh()
    w.engine_panel.refresh()
    assert not w.experiment_panel.eval_button.isEnabled()
    assert not w.engine_panel.next_button.isEnabled()
    snap = lab.engine_snapshot(EngineConfig(train_steps=50, n_chains=40, sampler_steps=50), seed=1)
    lab.save_engine_result(run(engine_job(snap)), snap)   # stored, not by the Engine tab's run
    w.experiment_panel.refresh()
    w.engine_panel.refresh()
    assert w.experiment_panel.eval_button.isEnabled()
    assert w.experiment_panel.create_button.text() == "Create round 1 from the samples"
    assert w.engine_panel.next_button.isEnabled()          # the same answer in the Engine tab
    assert "Round 1 from 40 samples" in w.engine_panel.next_label.text()
    w.close()
