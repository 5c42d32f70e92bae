"""NES estimates (docs/design.md 1.4) against hand-computed cases, and screening."""

import numpy as np
import pytest

from hd_desktop.design import DesignParams, Role, Stimulus, make_round
from hd_desktop.engine.estimates import Answer, Estimates, acceptance, correct_floor, nes_estimates
from hd_desktop.engine.screening import gold_accuracy, guess_rate, kept_listeners


def pair(nb, r, x, delta):
    x, delta = np.array(x, float), np.array(delta, float)
    return [Stimulus(f"p{nb}-{r}+", 0, Role.NES_PLUS, tuple(x + delta), 1, nb, r),
            Stimulus(f"p{nb}-{r}-", 0, Role.NES_MINUS, tuple(x - delta), 1, nb, r)]


def test_hand_computed_two_pairs():
    # x = (1, 2); deltas (0.5, 0) and (0, -0.5); sigma 0.5 -> 1/(2 sigma^2 R) = 1.
    stim = pair(0, 0, (1, 2), (0.5, 0)) + pair(0, 1, (1, 2), (0, -0.5))
    votes = [Answer("a", "p0-0+", 1), Answer("b", "p0-0+", 1), Answer("a", "p0-0-", 0),
             Answer("b", "p0-0-", 1), Answer("a", "p0-1+", 0), Answer("a", "p0-1-", 1)]
    est = nes_estimates(stim, acceptance(votes), 0.5)
    # D: (+) 1.0 (-) 0.5 -> diff 0.5 * (0.5, 0); pair 2: (0 - 1) * (0, -0.5) = (0, 0.5)
    np.testing.assert_allclose(est.grad[0], [0.25, 0.5], atol=1e-12)  # sum (0.25, 0.5) times 1
    np.testing.assert_allclose(est.x[0], [1, 2])
    assert est.d[0] == pytest.approx((1 + 0.5 + 0 + 1) / 4)
    assert est.n_pairs[0] == 2
    # per-pair terms (D+ - D-) delta / (2 sigma^2) = (0.5, 0) and (0, 1): SE = std(ddof=1)/sqrt(2)
    np.testing.assert_allclose(est.grad_se[0], [0.25, 0.5])


def test_incomplete_pairs_are_left_out():
    stim = pair(0, 0, (0, 0), (1, 0)) + pair(0, 1, (0, 0), (0, 1))
    votes = [Answer("a", "p0-0+", 1), Answer("a", "p0-0-", 0), Answer("a", "p0-1+", 1)]
    est = nes_estimates(stim, acceptance(votes), 1.0)
    assert est.n_pairs.tolist() == [1]
    np.testing.assert_allclose(est.grad[0], [0.5, 0.0])
    assert len(nes_estimates(stim, {}, 1.0)) == 0


def exact_rates(design, d_fn):
    return {s.id: (float(d_fn(np.array(s.z))), 1) for s in design.stimuli}


def test_nes_on_a_linear_d_recovers_its_gradient():
    w = np.array([0.03, -0.05])
    params = DesignParams(n_anchors=None, m_neighbours=1, r_pairs=4000, sigma_nes=0.5, gold_rate=0)
    d = make_round(np.zeros((3, 2)), params)
    est = nes_estimates(d.stimuli, exact_rates(d, lambda z: 0.5 + w @ z), 0.5)
    np.testing.assert_allclose(est.grad, np.tile(w, (3, 1)), atol=4 * est.grad_se.max())
    assert np.abs(est.grad - w).max() < 0.004
    np.testing.assert_allclose(est.d, 0.5 + d.neighbours @ w, atol=1e-12)  # antithetic: exact


@pytest.mark.parametrize("r_small,r_big", [(16, 64)])
def test_error_shrinks_like_one_over_sqrt_r(r_small, r_big):
    w = np.array([0.04, 0.02])
    errors = {}
    for r in (r_small, r_big):
        params = DesignParams(n_anchors=None, m_neighbours=1, r_pairs=r, sigma_nes=0.5,
                              gold_rate=0, seed=1)
        d = make_round(np.zeros((400, 2)), params)
        est = nes_estimates(d.stimuli, exact_rates(d, lambda z: 0.5 + w @ z), 0.5)
        errors[r] = np.sqrt(((est.grad - w) ** 2).sum(axis=1).mean())
        assert np.sqrt((est.grad_se ** 2).sum(axis=1).mean()) == pytest.approx(errors[r], rel=0.2)
    assert errors[r_small] / errors[r_big] == pytest.approx(np.sqrt(r_big / r_small), rel=0.15)


def test_floor_correction_and_concat():
    np.testing.assert_allclose(correct_floor([0.025, 0.5, 0.0], 0.025), [0, 0.475 / 0.975, 0])
    e = Estimates(np.ones((2, 2)), np.ones(2), np.ones(2), np.ones((2, 2)), np.ones((2, 2)),
                  np.ones(2, int), np.zeros(2, int))
    assert len(Estimates.concat([e, e])) == 4


def test_screening_drops_random_answerers_and_measures_the_floor():
    real = np.zeros((5, 2))
    d = make_round(real, DesignParams(n_anchors=5, m_neighbours=1, r_pairs=20, gold_rate=0.3))
    gold = [s for s in d.stimuli if not s.sign]
    rng = np.random.default_rng(0)
    votes = [Answer("good", s.id, int(s.role is Role.GOLD_REAL)) for s in gold]
    votes += [Answer("random", s.id, int(rng.uniform() < 0.5)) for s in gold]
    acc = gold_accuracy(d.stimuli, votes)
    assert acc["good"] == (1.0, len(gold)) and acc["random"][0] < 0.6
    assert kept_listeners(d.stimuli, votes) == {"good"}
    assert guess_rate(d.stimuli, votes, {"good"}) == 0.0
    far = [s for s in gold if s.role is Role.GOLD_FAR]
    quarter = [Answer("q", s.id, int(i % 4 == 0)) for i, s in enumerate(far[:8])]
    assert guess_rate(d.stimuli, quarter) == 2 / 8          # lapses: a floor of 0.25
    everything = [Answer("yes", s.id, 1) for s in far]
    assert guess_rate(d.stimuli, everything) == 0.5         # not lapses: held at one half
    assert np.isfinite(correct_floor([1.0, 0.0], guess_rate(d.stimuli, everything))).all()
    few = votes[:5] + votes[len(gold):len(gold) + 5]    # 5 screening answers each: not judged
    assert kept_listeners(d.stimuli, few) == set()           # not used by default
    assert kept_listeners(d.stimuli, few, unjudged=True) == {"good", "random"}
