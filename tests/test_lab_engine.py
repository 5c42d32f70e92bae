"""The app's engine update: votes in the store -> estimates -> network -> samples, with screening."""

from __future__ import annotations

import numpy as np
import pytest
from helpers.voting import vote_through

from hd_desktop.design import DesignParams
from hd_desktop.engine.config import EngineConfig
from hd_desktop.engine.listeners import wide
from hd_desktop.lab import Lab, engine_job
from hd_desktop.lab.engine_job import listener_table
from hd_desktop.voice import load_space
from hd_desktop.voice.build import run

FAST = EngineConfig(train_steps=150, n_chains=200, sampler_steps=150)


@pytest.fixture(scope="module")
def space(tmp_path_factory):
    return load_space(cache_dir=tmp_path_factory.mktemp("space"))


class Contrarian:
    """Answers every voice the wrong way round: fails screening."""

    def __init__(self):
        self.inner = wide(lapse=0.0, seed=9)

    def vote(self, heard):
        return not self.inner.vote(heard)


@pytest.mark.slow
def test_engine_update_learns_from_stored_votes_and_screens_listeners(space, tmp_path):
    lab = Lab(tmp_path / "exp", space)
    lab.create_round(DesignParams(n_anchors=12, m_neighbours=2, r_pairs=4, gold_rate=0.15, seed=2))
    good = wide(lapse=0.05, seed=1)
    lab.simulated_session(good, size=10_000, seed=1, listener_id="good")
    lab.simulated_session(Contrarian(), size=10_000, seed=2, listener_id="contrarian")
    snap = lab.engine_snapshot(FAST, seed=3)
    assert {v.listener for v in snap.votes} == {"good", "contrarian"}

    events = []
    result = run(engine_job(snap), events.append)
    kinds = {e.kind for e in events}
    assert {"estimates", "train", "sample"} <= kinds
    assert result.excluded == ("contrarian",)
    assert result.votes_used == sum(v.listener == "good" for v in snap.votes)
    assert result.samples.shape == (200, 2) and np.all(np.isfinite(result.samples))
    assert len(result.curve) > 0 and result.curve[-1]["loss"] < result.curve[0]["loss"]
    table = {row["listener"]: row for row in listener_table(snap)}
    assert table["contrarian"]["used"] is False and table["good"]["used"] is True
    assert table["contrarian"]["screening"] < 0.5 < table["good"]["screening"]

    # the user may keep a listener whom screening would drop
    kept = run(engine_job(lab.engine_snapshot(FAST, seed=3, keep_listeners={"contrarian"})))
    assert kept.excluded == () and kept.votes_used == len(snap.votes)
    lab.close()


def test_an_update_whose_every_listener_fails_screening_says_so_and_how_to_keep_them(
        space, tmp_path):
    from hd_desktop.errors import UserFacingError

    lab = Lab(tmp_path / "exp", space)
    lab.create_round(DesignParams(n_anchors=12, m_neighbours=2, r_pairs=4, gold_rate=0.15, seed=2))
    lab.simulated_session(Contrarian(), size=10_000, seed=2, listener_id="contrarian")
    snap = lab.engine_snapshot(FAST, seed=3)
    gold = sum(s.role.name.startswith("GOLD") for d in snap.designs for s in d.stimuli)
    with pytest.raises(UserFacingError, match=rf"every listener is left out by screening "
                       rf"\(contrarian: failed \d+% of {gold}\)\. .* at least 60% .*Tick a "
                       rf"listener's 'use' box"):
        run(engine_job(snap))
    kept = run(engine_job(lab.engine_snapshot(FAST, seed=3, keep_listeners={"contrarian"})))
    assert kept.excluded == () and kept.votes_used == len(snap.votes)
    lab.close()


@pytest.mark.slow
def test_in_four_dimensions_the_default_engine_smooths_the_votes_and_the_stored_model_says_so(
        tmp_path_factory, tmp_path):
    from hd_desktop.lab.engine_view import estimates_summary

    space4 = load_space(cache_dir=tmp_path_factory.mktemp("space4"), k=4)
    lab = Lab(tmp_path / "exp", space4)
    lab.create_round(DesignParams(n_anchors=12, m_neighbours=2, r_pairs=4, gold_rate=0.15, seed=2))
    lab.simulated_session(wide(lapse=0.05, seed=1), size=10_000, seed=1, listener_id="a")
    assert FAST.loss == "auto"
    snap = lab.engine_snapshot(FAST, seed=3)
    assert snap.config == FAST.with_overrides(loss="gp")
    result = run(engine_job(snap))
    assert result.loss == "gp" and result.samples.shape == (200, 4)
    lab.save_engine_result(result, snap)
    lab.close()

    again = Lab(tmp_path / "exp", space4)
    r0 = again.restore_engine_results(FAST)[0]
    assert r0.loss == "gp" and "every vote smoothed by a GP classifier" in estimates_summary(r0)
    assert again.experiment.latest_model(0).config["loss"] == "gp"
    again.close()


def test_engine_update_with_no_votes_says_what_is_missing(space, tmp_path):
    lab = Lab(tmp_path / "exp", space)
    lab.create_round(DesignParams(n_anchors=3, m_neighbours=1, r_pairs=2, seed=2))
    from hd_desktop.errors import UserFacingError

    with pytest.raises(UserFacingError, match="no votes to learn from yet: run a listening session"):
        run(engine_job(lab.engine_snapshot(FAST)))
    lab.close()


def test_models_and_samples_survive_a_restart_and_anchor_the_next_round(space, tmp_path):
    from hd_desktop.lab.evaluations import create_evaluation, evaluation_report

    lab = Lab(tmp_path / "exp", space)
    params = DesignParams(n_anchors=10, m_neighbours=2, r_pairs=3, gold_rate=0.1, seed=2)
    lab.create_round(params)
    lab.simulated_session(wide(seed=1), size=10_000, seed=1, listener_id="a")
    snap = lab.engine_snapshot(FAST, seed=5)
    result = run(engine_job(snap))
    model_id = lab.save_engine_result(result, snap)
    lab.close()

    again = Lab(tmp_path / "exp", space)
    restored = again.restore_engine_results(FAST)
    assert list(restored) == [0]
    r0 = restored[0]
    assert r0.model_id == model_id and np.array_equal(r0.samples, result.samples)
    assert r0.curve == result.curve and len(r0.estimates) == len(result.estimates)
    # the floor the model learned and the loss it was trained with come back with it
    assert 0 < result.lapse_floor < 0.25 and result.loss == "bernoulli"
    assert (r0.lapse_floor, r0.loss) == (result.lapse_floor, "bernoulli")
    from hd_desktop.lab.engine_view import estimates_summary

    assert f"{result.lapse_floor:.3f} learned with the network" in estimates_summary(r0)
    from hd_desktop.engine.training import predict

    probe = np.array([[0.0, 0.0], [1.0, -1.0]])
    np.testing.assert_array_equal(predict(r0.net, probe)[0], predict(result.net, probe)[0])

    # round 1 is anchored on the stored samples, and says so
    design = again.create_round(params)
    assert design.design["anchors_from"] == {"round": 0, "model_id": model_id}
    assert again.current_round().index == 1

    # Evaluation 2: real vs sampled voices, blind, with intervals
    name = create_evaluation(again, n_each=8, seed=3)
    flow_stimuli = again.experiment.stimuli(evaluation=name)
    assert len(flow_stimuli) == 16
    from hd_desktop.lab.evaluations import evaluation_session

    flow = evaluation_session(again, name, seed=4)
    assert {s.id for s in flow.order} == {s.id for s in flow_stimuli}
    summary = vote_through(flow, wide(seed=8))
    table = evaluation_report(again, name, summary.rating_csv.parent)
    real, sampled = table["groups"]["real"], table["groups"]["sampled"]
    assert real["votes"] == sampled["votes"] == 8
    for g in (real, sampled):
        lo, hi = g["ci95_wilson"]
        assert lo <= g["acceptance"] <= hi
        assert g["spread"]["mean_distance_to_centroid"] > 0
    assert (summary.rating_csv.parent / f"evaluation-{name}-evaluation.json").exists()
    # evaluation votes never feed the NES estimates
    assert not set(again.experiment.vote_counts()) & {s.id for s in flow_stimuli}
    again.close()


@pytest.mark.slow
def test_engine_process_gives_the_same_result_and_reports_errors(space, tmp_path):
    from hd_desktop.errors import UserFacingError
    from hd_desktop.lab.engine_process import engine_in_process

    lab = Lab(tmp_path / "exp", space)
    lab.create_round(DesignParams(n_anchors=8, m_neighbours=2, r_pairs=3, gold_rate=0.1, seed=2))
    snap_empty = lab.engine_snapshot(FAST, seed=1)
    with pytest.raises(UserFacingError, match="round 0: no votes to learn from yet"):
        run(engine_in_process(snap_empty))
    lab.simulated_session(wide(seed=1), size=10_000, seed=1, listener_id="a")
    snap = lab.engine_snapshot(FAST, seed=1)
    here = run(engine_job(snap))
    events = []
    there = run(engine_in_process(snap), events.append)
    assert {e.kind for e in events} >= {"train", "sample"}
    np.testing.assert_array_equal(there.samples, here.samples)   # seeded: bit for bit
    assert there.curve == here.curve
    lab.close()


def test_votes_imported_from_another_workstation_feed_the_engine(space, tmp_path):
    from hd_desktop.store import import_rating_files, write_rating_file

    params = DesignParams(n_anchors=6, m_neighbours=2, r_pairs=3, gold_rate=0.1, seed=2)
    here = Lab(tmp_path / "here", space)
    here.create_round(params)
    there_folder = tmp_path / "there"
    # the other workstation works on a copy of the same experiment
    import shutil

    here.close()
    shutil.copytree(tmp_path / "here", there_folder)
    there = Lab(there_folder, space)
    session = there.simulated_session(wide(seed=4), size=10_000, seed=4, listener_id="remote")
    csv_path, _ = write_rating_file(there.experiment, session, tmp_path / "files")
    there.close()

    here = Lab(tmp_path / "here", space)
    assert here.engine_snapshot(FAST).votes == ()
    here.close()
    import_rating_files(tmp_path / "here", [csv_path])
    here = Lab(tmp_path / "here", space)
    snap = here.engine_snapshot(FAST)
    assert {v.listener for v in snap.votes} == {"remote"}
    result = run(engine_job(snap))
    assert result.votes_used == len(snap.votes) > 0
    here.close()


@pytest.mark.slow
def test_cancel_ends_the_engine_process_before_it_returns(space, tmp_path):
    import threading
    import time

    from hd_desktop.errors import Cancelled
    from hd_desktop.lab.engine_process import EngineProcess

    lab = Lab(tmp_path / "exp", space)
    lab.create_round(DesignParams(n_anchors=8, m_neighbours=2, r_pairs=3, gold_rate=0.1, seed=2))
    lab.simulated_session(wide(seed=1), size=10_000, seed=1, listener_id="a")
    slow = EngineConfig(train_steps=10**6, n_chains=200, sampler_steps=150)
    run_ = EngineProcess(lab.engine_snapshot(slow, seed=1))
    seen, outcome = [], []

    def drive():   # a worker thread iterates, as the app's does; cancel comes from another
        try:
            for event in run_.events():
                seen.append(event.kind)
        except Cancelled as exc:
            outcome.append(exc)

    worker = threading.Thread(target=drive)
    worker.start()
    deadline = time.monotonic() + 120
    while "train" not in seen and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "train" in seen and run_.process.is_alive()
    run_.cancel()
    assert not run_.process.is_alive()   # gone when cancel returns (how soon: a benchmark's)
    worker.join(timeout=60.0)    # the iterating thread notices at its next step
    assert not worker.is_alive() and isinstance(outcome[0], Cancelled)
    lab.close()
