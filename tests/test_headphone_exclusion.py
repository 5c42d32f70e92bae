"""A failed headphone check leaves a listener out of the engine only when the researcher says so."""

from __future__ import annotations

import pytest

from hd_desktop.audio import headphone as hp


@pytest.fixture(scope="module")
def space(tmp_path_factory):
    from hd_desktop.voice import load_space

    return load_space(cache_dir=tmp_path_factory.mktemp("space"))


@pytest.fixture
def lab(space, tmp_home):
    from hd_desktop.design import DesignParams
    from hd_desktop.lab import Lab

    lab = Lab(tmp_home / "sessions" / "exp", space)
    lab.set_settings(auto_update=False)
    lab.create_round(DesignParams(n_anchors=3, m_neighbours=1, r_pairs=2, gold_rate=0.2, seed=5))
    yield lab
    lab.close()


def test_a_failed_check_leaves_the_listener_out_of_the_engine_when_the_researcher_says_so(lab):
    from hd_desktop.engine.listeners import wide
    from hd_desktop.lab.furniture import headphone_status, left_out_by_headphone_check

    for name in ("P1", "F1", "N1"):
        lab.simulated_session(wide(seed=1), size=12, seed=2, listener_id=name)
    exp = lab.experiment
    exp.add_listener_record("P1", "headphone_check", hp.score("huggins", 1, [
        t.answer for t in hp.plan("huggins", 1)]).record())
    exp.add_listener_record("F1", "headphone_check", hp.score("huggins", 1, [1] * 6).record())
    assert not hp.score("huggins", 1, [1] * 6).passed
    assert headphone_status(exp) == {"P1": "passed", "F1": "failed"}  # simulated: not tested
    config = lab.settings.engine_config()
    shown = {v.listener for v in lab.engine_snapshot(config).votes}
    assert shown == {"P1", "F1", "N1"} and left_out_by_headphone_check(exp) == frozenset()
    lab.set_settings(headphone_excludes=True)
    assert left_out_by_headphone_check(exp) == {"F1"}
    assert {v.listener for v in lab.engine_snapshot(config).votes} == {"P1", "N1"}


def test_a_failed_check_online_leaves_the_participant_out_by_default_and_the_lab_does_not(lab):
    from hd_desktop.engine.listeners import wide
    from hd_desktop.lab.furniture import left_out_by_headphone_check

    for name in ("LAB", "WEB"):
        lab.simulated_session(wide(seed=1), size=12, seed=2, listener_id=name)
    failed = hp.score("huggins", 1, [1] * 6).record()
    lab.experiment.add_listener_record("LAB", "headphone_check", failed)
    lab.experiment.add_listener_record("WEB", "headphone_check", {**failed, "source": "web"})
    assert left_out_by_headphone_check(lab.experiment) == {"WEB"}
    lab.set_settings(headphone_excludes_online=False)
    assert left_out_by_headphone_check(lab.experiment) == frozenset()
    lab.set_settings(headphone_excludes=True)
    assert left_out_by_headphone_check(lab.experiment) == {"LAB"}


def test_the_headphone_check_is_shown_beside_screening_in_the_experiment_tabs_table(lab):
    from hd_desktop.engine.listeners import wide
    from hd_desktop.lab.decisions import overview

    for name in ("P1", "F1"):
        lab.simulated_session(wide(seed=1), size=12, seed=2, listener_id=name)
    lab.experiment.add_listener_record("P1", "headphone_check", hp.score("huggins", 1, [
        t.answer for t in hp.plan("huggins", 1)]).record())
    lab.experiment.add_listener_record("F1", "headphone_check", {
        **hp.score("huggins", 1, [1] * 6).record(), "source": "web"})
    shown = {r.id: r.screening for r in overview(lab) if r.target == "listener"}
    assert shown["P1"].endswith("; headphones passed")
    assert shown["F1"].endswith("; headphones failed (left out)")      # online: left out
