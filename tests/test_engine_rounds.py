"""Rounds (docs/design.md 1.7): samples become anchors, estimates accumulate, budgets, events, cancel."""

import numpy as np
import pytest

from hd_desktop.design import DesignParams
from hd_desktop.engine.config import EngineConfig, engine_preset
from hd_desktop.engine.estimates import Answer, NoEstimates
from hd_desktop.engine.listeners import wide
from hd_desktop.engine.rounds import all_estimates, run_rounds, run_to_end
from hd_desktop.errors import UserFacingError

REAL = np.random.default_rng(0).standard_normal((30, 2))
PARAMS = DesignParams(n_anchors=10, m_neighbours=1, r_pairs=4)
FAST = EngineConfig(train_steps=100, sampler_steps=50, n_chains=60)


def test_samples_become_the_next_anchors_and_estimates_accumulate():
    events = []
    job = run_rounds(wide(seed=0), REAL, PARAMS, FAST, rounds=2, budget=10_000, seed=3)
    while True:
        try:
            events.append(next(job))
        except StopIteration as stop:
            h = stop.value
            break
    assert [d.design["round"] for d in h.designs] == [0, 1]
    assert h.designs[0].design["n_anchors_available"] == 30       # round 0: the real data
    assert h.designs[1].design["n_anchors_available"] == 60       # round 1: round 0's samples
    anchors_1 = h.samples[0][h.designs[1].design["anchor_indices"]]
    offsets = h.designs[1].neighbours - anchors_1
    assert np.abs(offsets).max() < 6 * PARAMS.sigma_nei
    assert set(h.estimates.round.tolist()) == {0, 1} and len(h.estimates) == 20
    assert {"votes", "voted", "train", "sample", "round"} <= {e.kind for e in events}
    assert [t["round"] for t in h.timings] == [0, 1]
    assert all(s.shape == (60, 2) and np.isfinite(s).all() for s in h.samples)


@pytest.mark.parametrize("loss, cover", [("bernoulli", 2.0), ("gp", 2.0), ("gp", None)])
def test_every_sample_lies_near_a_voted_voice_or_a_real_one(loss, cover):
    # also when the samples are the chains' states weighted by the reach's cover (by_cover):
    # under loss gp, unless cover_radius is none; under bernoulli the cover is not asked
    config = FAST.with_overrides(loss=loss, cover_radius=cover)
    h = run_to_end(run_rounds(wide(seed=0), REAL, PARAMS, config, rounds=2, budget=10_000, seed=5))
    assert all(("cover_ess" in t) == (loss == "gp" and cover is not None) for t in h.timings)
    voted = {v.stimulus_id for v in h.votes}
    near = np.array([s.z for d in h.designs for s in d.stimuli if s.id in voted] + REAL.tolist())
    for samples in h.samples:  # brute force: the distance to the nearest of them
        nearest = np.linalg.norm(samples[:, None] - near[None], axis=2).min(axis=1)
        assert nearest.max() <= FAST.region_reach + 1e-6  # k = 2: the reach itself
    assert FAST.region_reach == 0.5 and FAST.region_radius is None


@pytest.mark.slow
def test_same_seed_same_run_and_rounds_share_the_budget_with_every_pair_voted_in_full():
    a = run_to_end(run_rounds(wide(seed=1), REAL, PARAMS, FAST, rounds=3, budget=60, seed=2))
    b = run_to_end(run_rounds(wide(seed=1), REAL, PARAMS, FAST, rounds=3, budget=60, seed=2))
    # 20 votes a round: 2 anchors x 1 neighbour x 4 pairs = 16 NES stimuli + 1 screening trial;
    # the last round takes what is left (26: 3 anchors, 24 + 1)
    assert [len(d.stimuli) for d in a.designs] == [17, 17, 25] and len(a.votes) == 59
    voted = [v.stimulus_id for v in a.votes]
    assert sorted(voted) == sorted(s.id for d in a.designs for s in d.stimuli)  # each once
    assert len(a.estimates) == 7 and a.estimates.n_pairs.tolist() == [4] * 7  # no pair half voted
    assert a.votes == b.votes and np.array_equal(a.samples[-1], b.samples[-1])


class CountingListener:
    """A listener that counts the votes it was asked for."""

    def __init__(self, listener):
        self.listener, self.asked = listener, 0

    def vote(self, stimulus) -> bool:
        self.asked += 1
        return self.listener.vote(stimulus)


def test_stopping_iteration_cancels_a_run_in_the_middle_of_training():
    config = EngineConfig(train_steps=400, sampler_steps=50, n_chains=60)
    listener = CountingListener(wide(seed=1))
    job = run_rounds(listener, REAL, PARAMS, config, rounds=5, budget=10_000)
    first_train = next(ev for ev in job if ev.kind == "train")
    job.close()
    # training reports before it is done, so a cancel lands within a round, not after it
    assert first_train.done < first_train.total == config.train_steps
    asked_in_round_0 = listener.asked
    assert next(job, None) is None                  # a closed run does nothing more
    assert listener.asked == asked_in_round_0
    two_rounds = CountingListener(wide(seed=1))
    run_to_end(run_rounds(two_rounds, REAL, PARAMS, FAST, rounds=2, budget=10_000))
    assert 0 < asked_in_round_0 < two_rounds.asked  # the later rounds' votes were never asked


def test_screened_out_listeners_and_no_pairs():
    h = run_to_end(run_rounds(wide(seed=1), REAL, PARAMS.with_overrides(gold_rate=0.3), FAST,
                              rounds=1, budget=10_000))
    stimuli = h.designs[0].stimuli
    noise = [Answer("yes-sayer", s.id, 1) for s in stimuli]  # half the gold trials right: 0.5
    with_noise = all_estimates(h.designs, h.votes + noise, FAST)
    assert np.allclose(with_noise.d, all_estimates(h.designs, h.votes, FAST).d)  # dropped
    with pytest.raises(NoEstimates):
        all_estimates(h.designs, [], FAST)
    assert issubclass(NoEstimates, UserFacingError) and issubclass(NoEstimates, ValueError)


def test_engine_settings_json_and_overrides():
    c = engine_preset("default").with_overrides(adjust="false", eps="0.2", region_radius="none")
    assert (c.adjust, c.eps, c.region_radius) == (False, 0.2, None)
    assert EngineConfig.from_dict(c.to_dict()) == c
    assert engine_preset("paper").eps == 0.003 and engine_preset("paper").sampler_steps == 10000
    with pytest.raises(UserFacingError):
        c.with_overrides(nope=1)
    with pytest.raises(UserFacingError):
        engine_preset("nope")


def test_the_default_loss_is_bernoulli_below_four_dimensions_and_gp_from_four_on():
    from hd_desktop.engine.config import ENGINE_PRESETS, default_plan

    default = engine_preset("default")
    assert default.loss == "auto"
    assert [default.for_dims(k).loss for k in (1, 2, 3, 4, 8)] == [
        "bernoulli", "bernoulli", "bernoulli", "gp", "gp"]
    assert default.for_dims(4).with_overrides(loss="auto") == default  # nothing else changes
    for name in ("bernoulli", "gp", "paper"):   # a named loss is kept in any dimension
        assert ENGINE_PRESETS[name].for_dims(2) == ENGINE_PRESETS[name].for_dims(4) == \
            ENGINE_PRESETS[name]
    assert (default_plan(3).rounds, default_plan(3).design) == (3, "lab-hour")
    assert (default_plan(4).rounds, default_plan(4).design) == (5, "lab-20min")


@pytest.mark.slow
def test_the_gp_loss_hands_the_smoothers_map_to_the_network_and_reports_its_floor():
    from hd_desktop.engine.rounds import smoothed_targets
    from hd_desktop.engine.smoother import FLOORS
    from hd_desktop.engine.training import predict

    config = FAST.with_overrides(loss="gp", train_steps=600)
    h = run_to_end(run_rounds(wide(seed=0), REAL, PARAMS, config, rounds=2, budget=400, seed=4))
    (where, d, grad), smoother = smoothed_targets(h.estimates, h.region[0], config, seed=0)
    assert h.timings[-1]["lapse_floor"] in FLOORS
    assert smoother.floor == max(smoother.evidence, key=smoother.evidence.get)
    # the network learned D-hat where the chains go: at the voted voices and around them
    s_d, _ = predict(h.net, where)
    assert np.corrcoef(s_d, d)[0, 1] > 0.95
    assert np.abs(s_d - d).mean() < 0.05
    assert len(where) == len(h.estimates.points) * (1 + config.gp_copies) + 1000


def test_a_gp_that_cannot_be_fitted_stops_the_update_in_words():
    from dataclasses import replace

    from hd_desktop.engine.rounds import fit_and_sample
    from hd_desktop.engine.training import TrainingDiverged

    h = run_to_end(run_rounds(wide(seed=0), REAL, PARAMS, FAST, rounds=1, budget=200, seed=4))
    z = h.estimates.points.z.copy()
    z[3] = np.nan  # a corrupt coordinate that got past every other check
    est = h.estimates.with_points(replace(h.estimates.points, z=z), h.estimates.guess)
    with pytest.raises(TrainingDiverged, match="smoothing the votes|NaN"):
        run_to_end(fit_and_sample(est, REAL, FAST.with_overrides(loss="gp"), seed=1))


@pytest.mark.parametrize("level", [0.05, None])
def test_from_four_dimensions_the_samples_are_weighted_where_the_smoother_trusts_d(monkeypatch, level):
    # the default engine in 4-D (loss gp) hands by_cover the smoother's P(D > cover_level) as
    # each state's trust; with cover_level none every state gets the whole 1 / cover weight
    import hd_desktop.engine.rounds as rounds_module

    seen = []
    real_by_cover = rounds_module.by_cover

    def spy(states, reach, n, *, radius, seed, trust=None):
        seen.append((np.concatenate(states), trust, radius / reach.reach))
        return real_by_cover(states, reach, n, radius=radius, seed=seed, trust=trust)

    monkeypatch.setattr(rounds_module, "by_cover", spy)
    real4 = np.random.default_rng(0).standard_normal((30, 4))
    config = FAST.with_overrides(gp_inducing=100, cover_level=level)
    h = run_to_end(run_rounds(wide(seed=0), real4, PARAMS, config, rounds=1, budget=10_000, seed=5))
    assert config.for_dims(4).loss == "gp" and len(seen) == 1 and "cover_ess" in h.timings[0]
    states, trust, radius = seen[0]
    assert radius == pytest.approx(FAST.cover_radius) == pytest.approx(2.0)
    if level is None:
        assert trust is None
    else:
        t = trust(states)
        assert t.shape == (len(states),) and np.all((t >= 0) & (t <= 1))
        far = trust(np.full((3, 4), 8.0))   # nobody voted there: the prior's, not sure at all
        assert np.all(far < 0.2) and t.max() > 0.5
