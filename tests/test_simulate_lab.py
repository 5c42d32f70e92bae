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


@pytest.mark.slow  # two small engine updates in each loop
def test_simulate_and_the_in_memory_rounds_are_one_loop_with_one_order_seed(tmp_path):
    # the benchmarks' and the engine tests' rounds (engine.rounds.run_rounds) and simulate's
    # (lab.autopilot.run_rounds) share the budget the same way and order each round's session
    # by the same seed: the same listener casts the same votes on the same round 0
    from hd_desktop.engine.config import EngineConfig
    from hd_desktop.engine.rounds import run_rounds, run_to_end
    from hd_desktop.lab import autopilot

    fast = {"train_steps": 100, "sampler_steps": 100, "n_chains": 100}
    params = DesignParams(n_anchors=10, m_neighbours=1, r_pairs=3)
    lab = Lab(tmp_path / "lab", load_space(cache_dir=tmp_path / "space"), spawn_engine=False)
    lab.set_settings(engine_overrides=fast, use_simulated=True, use_unjudged=True)
    done = autopilot.run_rounds(lab, wide(seed=4), params, rounds=2, budget=150, seed=7)
    memory = run_to_end(run_rounds(wide(seed=4), lab.space.coords, params, EngineConfig(**fast),
                                   rounds=2, budget=150, seed=7))
    designs = [lab.experiment.stimuli(round=r) for r in (0, 1)]
    assert [t["votes"] for t in done.timings] == [t["votes"] for t in memory.timings]
    assert [len([s for s in d if s.role.value != "practice"]) for d in designs] == \
        [len(d.stimuli) for d in memory.designs]
    round_0 = lab.experiment.votes(session_id=done.sessions[0])
    assert [(v.stimulus_id, v.response) for v in round_0] == \
        [(a.stimulus_id, a.response) for a in memory.votes[:len(round_0)]]
    lab.close()
