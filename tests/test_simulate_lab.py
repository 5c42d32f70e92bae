"""`simulate` and the lab are one path: same trial order for the same seed, same vote rows."""

from __future__ import annotations

from dataclasses import asdict

import pytest

from hd_desktop.cli import main
from hd_desktop.design import DesignParams
from hd_desktop.engine.listeners import wide
from hd_desktop.lab import Lab
from hd_desktop.lab.listening import answer_session
from hd_desktop.store import Experiment, SessionKind
from hd_desktop.voice import load_space

LISTENER_FIELDS = {"id", "listener", "session_id", "rt_ms", "n_plays", "presented_at",
                   "responded_at", "device", "gain_db", "app_version", "undone_at"}


@pytest.mark.slow
def test_simulate_and_a_lab_session_give_the_same_order_and_vote_rows(tmp_path, tmp_home):
    out = tmp_path / "run"
    assert main(["simulate", "--listener", "builtin:wide", "--rounds", "1", "--votes", "150",
                 "--no-audio", "--seed", "4", "--out", str(out), "--experiment", str(tmp_path),
                 "--set", "n_anchors=10", "--set", "r_pairs=3", "--set", "train_steps=100",
                 "--set", "sampler_steps=100", "--set", "n_chains=100"]) == 0
    with Experiment.open(out, create=False) as run:
        [sim] = [s for s in run.sessions() if s.kind == SessionKind.SIMULATED]
        sim_votes = run.votes(session_id=sim.id)
        design = run.rounds()[0]

    # the same round in a fresh experiment of the lab, a session of the same size and seed,
    # answered by the same listener through the flow the listener's window drives
    lab = Lab(tmp_path / "lab", load_space(cache_dir=tmp_path / "space"), spawn_engine=False)
    lab.set_settings(auto_update=False)
    # as simulate makes its rounds: sized to the votes, no screening beyond the design's
    lab.create_round(DesignParams.from_dict(design["params"]), screening_min=0)
    assert lab.experiment.rounds()[0]["params"] == design["params"]
    flow = lab.new_session(size=len(sim.order), seed=sim.order_seed, practice=False)
    assert [s.id for s in flow.order] == list(sim.order)           # the same order
    summary = answer_session(flow, wide(seed=4), "L-person")
    lab_votes = lab.experiment.votes(session_id=summary.session_id)

    def rows(votes):
        return [{k: v for k, v in asdict(vote).items() if k not in LISTENER_FIELDS}
                for vote in votes]

    assert len(sim_votes) == len(sim.order) and rows(lab_votes) == rows(sim_votes)
    assert all(0 <= v.rt_ms < 1000 for v in sim_votes)    # timed from onset by the flow
    lab.close()
