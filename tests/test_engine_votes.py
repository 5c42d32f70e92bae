"""The default engine's use of every vote: voted points, the Bernoulli loss, its prior and floor,
designs that fit a vote budget, spread anchors, and the `paper` preset pinned to the poster."""

import math

import numpy as np
import pytest
import torch

from hd_desktop.design import DesignParams, Role, Stimulus, count_stimuli, fit_to_budget, preset
from hd_desktop.design.rounds import farthest_points, make_round
from hd_desktop.engine.config import engine_preset
from hd_desktop.engine.estimates import Answer, Estimates, VotedPoints, acceptance, voted_points
from hd_desktop.engine.listeners import CurvedListener, TwoLobedListener
from hd_desktop.engine.network import ScoreNet
from hd_desktop.engine.training import (Objective, bernoulli_loss, consistency, hd_loss,
                                        init_network, run_training, vote_nll)


class Linear(torch.nn.Module):
    """S_D = sigmoid(w . z), S_VD = v (constant): small enough to compute the losses by hand."""

    def __init__(self, w, v):
        super().__init__()
        self.w, self.v = torch.tensor(w), torch.tensor(v)

    def forward(self, z):
        return torch.sigmoid(z @ self.w), self.v.expand(len(z), -1)


def test_every_voted_stimulus_is_a_point_whether_or_not_its_pair_is_complete():
    stim = [Stimulus("a+", 0, Role.NES_PLUS, (1.0, 0.0), 1, 0, 0),
            Stimulus("a-", 0, Role.NES_MINUS, (-1.0, 0.0), 1, 0, 0),
            Stimulus("g", 0, Role.GOLD_FAR, (8.0, 0.0), 2)]
    votes = [Answer("x", "a+", 1), Answer("y", "a+", 0), Answer("x", "a+", 1), Answer("x", "g", 0)]
    pts = voted_points(stim, acceptance(votes))
    np.testing.assert_array_equal(pts.z, [[1.0, 0.0], [8.0, 0.0]])  # "a-" has no vote
    np.testing.assert_array_equal(pts.accepts, [2, 0])
    np.testing.assert_array_equal(pts.votes, [3, 1])


def test_vote_nll_by_hand():
    # S_D 0.5 and 0.8, floor 0.1: P = 0.55 and 0.82; 2 of 3 and 0 of 1 accepted
    s_d = torch.tensor([0.5, 0.8])
    nll = vote_nll(s_d, torch.tensor([2.0, 0.0]), torch.tensor([3.0, 1.0]), guess=0.1)
    expected = -(2 * math.log(0.55) + math.log(0.45) + math.log(0.18)) / 4
    assert float(nll) == pytest.approx(expected, rel=1e-6)


def test_consistency_by_hand():
    # S_D = sigmoid(w.z): grad = s(1-s) w; at z = 0 that is w/4. S_VD = v.
    net = Linear([2.0, -1.0], [[0.5, 0.0]])
    c = consistency(net, torch.zeros(1, 2))
    assert float(c.detach()) == pytest.approx((0.5 - 0.5) ** 2 + (0.0 + 0.25) ** 2)


def test_bernoulli_loss_adds_gradient_consistency_and_prior_terms_by_hand():
    net = Linear([1.0, 0.0], [[1.0, 0.0]])
    z, acc, n = torch.zeros(2, 2), torch.tensor([1.0, 0.0]), torch.ones(2)
    x, grad = torch.zeros(1, 2), torch.tensor([[0.0, 2.0]])
    prior = torch.tensor([[math.log(3.0), 0.0]])           # S_D = 0.75 there
    loss = bernoulli_loss(net, (z, acc, n), x, grad, guess=0.0, grad_weight=0.5,
                          consistency_weight=2.0, prior=prior, prior_votes=4.0)
    nll = -(math.log(0.5) + math.log(0.5)) / 2
    grad_term = 0.5 * (1.0 ** 2 + 2.0 ** 2)                  # |(1, 0) - (0, 2)|^2
    cons = 2.0 * ((1.0 - 0.25) ** 2 + 0.0)                  # grad S_D at 0 = (1/4, 0)
    prior_term = -4.0 / 2 * math.log(1 - 0.75)              # 4 pseudo-votes over 2 real votes
    assert float(loss.detach()) == pytest.approx(nll + grad_term + cons + prior_term, rel=1e-6)


def test_the_paper_preset_keeps_the_posters_formulas_and_values():
    paper = engine_preset("paper")
    assert (paper.loss, paper.eps, paper.sampler_steps, paper.adjust, paper.grad_weight) == (
        "paper", 0.003, 10000, False, 1.0)
    assert not paper.envelope and paper.prior_votes == 0 and not paper.learn_floor
    assert (paper.region_radius, paper.region_reach) == (3.0, None)  # its guards as before
    design = preset("paper")
    assert (design.n_anchors, design.m_neighbours, design.r_pairs, design.anchors) == (
        100, 3, 20, "random")
    # L = |S_VD - grad D|^2 + |S_D - D|^2 on the neighbours' estimates, nothing else
    x = np.array([[0.0, 0.0], [1.0, 1.0]])
    est = Estimates(x, np.array([0.3, 0.9]), np.zeros(2), np.array([[1.0, 0.0], [0.0, -1.0]]),
                    np.zeros((2, 2)), np.ones(2, int), np.zeros(2, int))
    net = ScoreNet(2, width=4)
    objective = Objective(est, "paper")
    t = torch.as_tensor(x, dtype=torch.float32)
    expected = hd_loss(net, t, torch.tensor([0.3, 0.9]), torch.tensor([[1.0, 0.0], [0.0, -1.0]]))
    assert float(objective(net).detach()) == pytest.approx(float(expected.detach()))
    assert objective.parameters() == []


def test_the_floor_is_learned_from_the_votes():
    # 10% lapses that accept: far voices (radius 8, D = 0) are accepted 10% of the time
    rng = np.random.default_rng(0)
    near = rng.uniform(-3, 3, size=(2000, 2))
    angle = rng.uniform(0, 2 * np.pi, 600)
    z = np.concatenate([near, 8 * np.c_[np.cos(angle), np.sin(angle)]])
    p_true = np.exp(-(z ** 2).sum(axis=1) / 2)
    y = rng.uniform(size=len(z)) < 0.1 + 0.9 * p_true
    pts = VotedPoints(z, y.astype(float), np.ones(len(z)))
    est = Estimates.empty(2).with_points(pts, guess=0.02)
    objective = Objective(est, "bernoulli", learn_floor=True)
    net = init_network(2, width=32, envelope=True, seed=0)
    run_training(net, est, steps=600, lr=1e-2, objective=objective)
    assert float(objective.floor.detach()) == pytest.approx(0.1, abs=0.03)


def test_large_panels_train_on_a_minibatch_of_votes_and_smaller_ones_whole():
    # up to BATCH voted stimuli a step sees every one; a larger panel (the paper-size round has
    # 12 632) a seeded draw of VOTE_BATCH, so its 1500 steps stay within the round's budget
    from hd_desktop.engine import training

    class Rows(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.seen = []

        def forward(self, z):
            self.seen.append(len(z))
            return torch.full((len(z),), 0.5), torch.zeros_like(z)

    for n, rows in ((training.BATCH, training.BATCH), (training.BATCH + 1, training.VOTE_BATCH)):
        pts = VotedPoints(np.zeros((n, 2)), np.ones(n), np.ones(n))
        net = Rows()
        Objective(Estimates.empty(2).with_points(pts, guess=0.02), "bernoulli")(net)
        assert net.seen[-1] == rows
    assert training.VOTE_BATCH < training.BATCH


def test_a_design_shrinks_to_its_budget_keeping_whole_pairs():
    params = DesignParams(n_anchors=60, m_neighbours=4, r_pairs=2, gold_rate=0.05)
    assert fit_to_budget(params, 56, 5000) == params                 # fits: unchanged
    small = fit_to_budget(params, 56, 500)                           # 2 neighbours per real voice
    assert (small.n_anchors, small.m_neighbours, small.r_pairs) == (56, 2, 2)
    assert count_stimuli(small, 56)["trials"] <= 500
    many = fit_to_budget(params, 1000, 500)                          # one neighbour per sample
    assert (many.n_anchors, many.m_neighbours) == (118, 1) and count_stimuli(many, 1000)["trials"] == 497
    tiny = fit_to_budget(params, 56, 3)                              # one pair and no screening
    assert (tiny.n_anchors, tiny.m_neighbours, tiny.r_pairs) == (1, 1, 1)


def test_spread_anchors_cover_the_samples_by_farthest_points():
    pts = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 0.0], [0.0, 4.0], [0.2, 0.1]])
    assert farthest_points(pts, 3, first=0).tolist() == [0, 2, 3]
    samples = np.random.default_rng(0).standard_normal((500, 2))
    params = DesignParams(n_anchors=10, m_neighbours=1, r_pairs=1, anchors="spread")
    d = make_round(samples, params)
    chosen = samples[d.design["anchor_indices"]]
    rand = samples[make_round(samples, params.with_overrides(anchors="random")).design["anchor_indices"]]
    assert np.linalg.norm(chosen, axis=1).mean() > np.linalg.norm(rand, axis=1).mean()
    assert d.design["params"]["anchors"] == "spread"


def test_the_non_ellipse_listeners_by_hand():
    arc = CurvedListener(length=2.0, thickness=1.0, bend=0.5, sag=1.0, depth=1.0)
    # on the arc u2 = 0.5 u1^2 - 1: only the along-arc term counts
    assert arc.probability(np.array([2.0, 1.0])) == pytest.approx(math.exp(-0.5))
    assert arc.probability(np.array([0.0, 0.0])) == pytest.approx(math.exp(-0.5))  # inside the bend
    assert arc.probability(np.array([0.0, -1.0, 1.0])) == pytest.approx(math.exp(-0.5))
    lobes = TwoLobedListener(offset=(2.0, 0.0), widths=(1.0, 1.0))
    assert lobes.probability(np.array([2.0, 0.0])) == pytest.approx(1.0)
    assert lobes.probability(np.array([-2.0, 0.0])) == pytest.approx(1.0)
    assert lobes.probability(np.array([0.0, 0.0])) == pytest.approx(math.exp(-2.0))  # the valley


def test_the_reach_guard_follows_any_shape():
    from hd_desktop.engine.sampler import Reach

    # voices voted along an arc (whatever the answers): the guard is the arc, 1 SD thick
    arc = np.array([[-2.0, 2.0], [-1.0, 0.5], [0.0, 0.0], [1.0, 0.5], [2.0, 2.0]])
    guard = Reach(arc, reach=1.0)
    inside = guard.contains(torch.tensor([[-2.5, 2.5], [2.0, 2.9], [0.0, 1.5], [0.0, -2.0],
                                          [0.6, 0.8]]))
    # the tips and a point 0.5 from a voted voice yes; the bend (1.5 from the nearest) and
    # below no (distances by hand: |(0, 1.5) - (+-1, 0.5)| = sqrt 2 > 1)
    assert inside.tolist() == [True, True, False, False, True]
    assert guard.contains(torch.tensor([[1.0, 1.499]])).item()    # just inside 1 SD
    assert not guard.contains(torch.tensor([[1.0, 1.501]])).item()
