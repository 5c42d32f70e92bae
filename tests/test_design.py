"""Round designs: counts, stable ids, antithetic pairs, gold trials, presets, rebuild from JSON."""

import json

import numpy as np
import pytest

from hd_desktop.design import (PRESETS, DesignParams, Role, count_stimuli, make_round, preset,
                               rebuild_round)
from hd_desktop.errors import UserFacingError


@pytest.fixture
def real():
    return np.random.default_rng(3).standard_normal((60, 2))


def small(**kw):
    return DesignParams(n_anchors=10, m_neighbours=2, r_pairs=4, **kw)


def test_counts_match_the_formula(real):
    params = small()
    d = make_round(real, params)
    nes = [s for s in d.stimuli if s.sign]
    assert len(nes) == 2 * 10 * 2 * 4
    gold = [s for s in d.stimuli if s.role in (Role.GOLD_REAL, Role.GOLD_FAR)]
    assert len(gold) == count_stimuli(params, 60)["gold"] > 0
    assert abs(len(gold) / len(d.stimuli) - params.gold_rate) < 0.01
    assert len({s.id for s in d.stimuli}) == len(d.stimuli)
    assert d.neighbours.shape == (20, 2)


def test_pairs_are_antithetic_around_their_neighbour(real):
    d = make_round(real, small())
    by_key = {(s.neighbour, s.pair, s.sign): s for s in d.stimuli if s.sign}
    for (nb, r, sign), s in by_key.items():
        if sign == 1:
            other = by_key[(nb, r, -1)]
            mid = (np.array(s.z) + np.array(other.z)) / 2
            np.testing.assert_allclose(mid, d.neighbours[nb], atol=1e-12)
            assert s.seed == other.seed and s.round == 0


def test_spreads_follow_the_sigmas():
    anchors = np.zeros((200, 2))
    params = DesignParams(n_anchors=None, m_neighbours=5, r_pairs=10, sigma_nei=1.5,
                          sigma_nes=0.25, gold_rate=0.0)
    d = make_round(anchors, params)
    assert abs(d.neighbours.std() - 1.5) < 0.05
    plus = np.array([s.z for s in d.stimuli if s.sign == 1])
    deltas = plus - d.neighbours[[s.neighbour for s in d.stimuli if s.sign == 1]]
    assert abs(deltas.std() - 0.25) < 0.01


def test_gold_trials_are_real_items_or_far_away(real):
    params = small(gold_rate=0.2, gold_far_radius=7.0)
    d = make_round(real, params)
    reals = {tuple(r) for r in real}
    for s in d.stimuli:
        if s.role is Role.GOLD_REAL:
            assert s.z in reals
        elif s.role is Role.GOLD_FAR:
            assert abs(np.linalg.norm(np.array(s.z) - real.mean(axis=0)) - 7.0) < 1e-9
    assert {Role.GOLD_REAL, Role.GOLD_FAR} <= {s.role for s in d.stimuli}


def test_same_seed_same_design_and_rebuild_from_json(real):
    d = make_round(real, small(seed=7), round_index=2)
    again = rebuild_round(json.loads(json.dumps(d.design)), real)
    assert again.stimuli == d.stimuli
    assert d.stimuli[0].id.startswith("r2-n000-m0-r00")
    other = make_round(real, small(seed=8), round_index=2)
    assert other.stimuli != d.stimuli


def test_params_json_round_trip_and_refusals():
    p = preset("lab-hour").with_overrides(r_pairs="10", n_anchors="all")
    assert p.r_pairs == 10 and p.n_anchors is None
    assert DesignParams.from_dict(json.loads(json.dumps(p.to_dict()))) == p
    with pytest.raises(UserFacingError, match="schema"):
        DesignParams.from_dict({**p.to_dict(), "schema": 99})
    with pytest.raises(UserFacingError, match="unknown"):
        DesignParams.from_dict({**p.to_dict(), "bogus": 1})
    with pytest.raises(UserFacingError, match="no parameter"):
        p.with_overrides(bogus=1)
    with pytest.raises(UserFacingError):
        preset("nope")
    with pytest.raises(UserFacingError):
        DesignParams(r_pairs=0)


def test_presets_sizes_and_listening_time():
    paper = count_stimuli(PRESETS["paper"], 200)
    assert paper["nes"] == 2 * 100 * 3 * 20
    assert count_stimuli(PRESETS["paper"], 56)["anchors"] == 56  # N 100 or all items
    hour = count_stimuli(PRESETS["lab-hour"], 56)
    assert 50 * 60 <= hour["seconds"] <= 65 * 60
    default = count_stimuli(PRESETS["default"], 56)
    assert 2800 <= 3 * default["trials"] <= 3200  # three rounds in about two hours
    short = count_stimuli(PRESETS["lab-20min"], 1000)   # anchored on the samples of a model
    assert (short["anchors"], short["nes"], short["gold"]) == (100, 400, 21)
    assert 17 * 60 <= short["seconds"] <= 18 * 60       # 421 trials of 2.5 s
    assert 5 * short["trials"] == 2105                   # five rounds: about 2000 votes
