"""The GP classifier of every vote (smoother.py) and the loss that hands its estimates to S_D, S_VD."""

import math

import numpy as np
import pytest
import torch
from scipy.optimize import brentq
from scipy.stats import norm

from hd_desktop.engine.network import ScoreNet
from hd_desktop.engine import smoother as smoother_module
from hd_desktop.engine.smoother import (FLOORS, SHIFTS, STEEPNESS, VAR_WEIGHTS, GPSettings,
                                         GPSmoother, _laplace, link_by_votes, vote_terms)
from hd_desktop.engine.training import smoothed_loss

SETTINGS = GPSettings(lengthscale=1.0, outputscale=2.0, mean=-4.0)


def test_far_from_every_vote_acceptance_is_the_prior_s():
    gp = GPSmoother([[0.0, 0.0], [1.0, 0.0]], [3, 3], [3, 3], floor=0.025, settings=SETTINGS)
    d, grad = gp.predict([[40.0, -40.0]])
    # Phi(mean / sqrt(1 + outputscale)) = Phi(-4 / sqrt(3)) = 0.01046
    assert d[0] == pytest.approx(norm.cdf(-4 / math.sqrt(3)), abs=1e-9)
    assert d[0] == pytest.approx(0.01046, abs=1e-5)
    assert np.abs(grad).max() < 1e-12


def test_one_voted_voice_by_hand():
    # One stimulus, 3 natural of 4 votes, lapse floor g = 0.025. Its latent f has prior
    # N(-4, 2); the Laplace mode solves (f + 4) / 2 = d/df [3 log P + log(1 - P)],
    # P = g + (1 - 2g) Phi(f); the posterior variance is 1 / (1/2 + W), W the Fisher weight
    # 4 ((1 - 2g) phi(f))^2 / (P (1 - P)); D-hat = Phi(f / sqrt(1 + variance)). Lapses make
    # a second, lower mode near the prior (f = -3.97: all three "natural" were lapses); the
    # higher one lies near f = -0.17.
    g, a, n = 0.025, 3.0, 4.0

    def score(f):
        p = g + (1 - 2 * g) * norm.cdf(f)
        dp = (1 - 2 * g) * norm.pdf(f)
        return dp * (a / p - (n - a) / (1 - p)) - (f + 4) / 2

    f = brentq(score, -2, 4)
    p = g + (1 - 2 * g) * norm.cdf(f)
    w = n * ((1 - 2 * g) * norm.pdf(f)) ** 2 / (p * (1 - p))
    expected = norm.cdf(f / math.sqrt(1 + 1 / (0.5 + w)))

    gp = GPSmoother([[0.3, -0.2]], [a], [n], floor=g,
                    settings=GPSettings(1.0, 2.0, -4.0, jitter=1e-12))
    d, _ = gp.predict([[0.3, -0.2]])
    assert d[0] == pytest.approx(expected, abs=1e-6)
    assert 0.3 < d[0] < 0.75  # 3 of 4 pulls it up from the prior's 0.01, not all the way
    # Laplace's evidence: log p(votes | f) - (f + 4)^2 / (2 * 2) - log(1 + 2 W) / 2
    evidence = 3 * math.log(p) + math.log(1 - p) - (f + 4) ** 2 / 4 - math.log(1 + 2 * w) / 2
    assert gp.log_evidence == pytest.approx(evidence, abs=1e-6)


@pytest.mark.parametrize("lapse, floors", [(0.0, (0.005, 0.01)), (0.05, (0.02, 0.03, 0.05)),
                                           (0.2, (0.08, 0.12))])
def test_the_floor_of_highest_evidence_is_the_listeners_lapses(lapse, floors):
    # 1500 single votes of a listener who answers at random `lapse` of the time: the floor
    # (lapse / 2) is what the votes where nobody accepts tell, whatever the far voices said
    rng = np.random.default_rng(7)
    z = rng.uniform(-3, 3, size=(1500, 2))
    p = lapse / 2 + (1 - lapse) * norm.cdf(2 - 2 * np.hypot(*z.T))
    natural = (rng.uniform(size=1500) < p).astype(float)
    gp = GPSmoother(z, natural, np.ones(1500), settings=SETTINGS)
    assert gp.floor in floors
    assert gp.evidence[gp.floor] == max(gp.evidence.values())


def _lapsing_votes(lapse: float, n: int = 1500, k: int = 2, seed: int = 7):
    """n single votes over a disc of radius 1 in k-D, from a listener lapsing `lapse` of the time."""
    rng = np.random.default_rng(seed)
    z = rng.uniform(-3, 3, size=(n, k))
    p = lapse / 2 + (1 - lapse) * norm.cdf(2 - 2 * np.linalg.norm(z, axis=1))
    return z, (rng.uniform(size=n) < p).astype(float)


@pytest.mark.parametrize("lapse", [0.0, 0.05, 0.2])
def test_the_floor_walk_picks_the_floor_the_full_scan_picks(lapse):
    # the walk stops after the evidence fell twice in a row; every floor fitted the same way
    # (each from the last one's mode) says where the maximum is
    z, natural = _lapsing_votes(lapse)
    gp = GPSmoother(z, natural, np.ones(1500), settings=SETTINGS)
    phi = gp._features(torch.as_tensor(z))
    a, n = torch.as_tensor(natural), torch.ones(1500, dtype=torch.float64)
    mean = torch.full((1500,), SETTINGS.mean, dtype=torch.float64)
    full, start = {}, None
    for g in FLOORS:
        start, _, _, full[g] = _laplace(phi, a, n, mean, g, 20, start, tolerance=1e-2,
                                        newton=False, phi32=phi.float())
    assert gp.floor == max(full, key=full.get)
    assert all(gp.evidence[g] == pytest.approx(full[g], abs=1e-6) for g in gp.evidence)
    if lapse == 0.0:   # the maximum comes early: the walk left out the floors past it
        assert len(gp.evidence) < len(FLOORS)


@pytest.mark.slow
def test_the_fit_stops_at_the_mode_not_where_its_steps_get_small():
    # lapses make the likelihood flat and not concave far below the floor: Fisher scoring
    # crept there in steps of 1e-7 nats, short of the mode; the fit's Newton steps reach it
    z, natural = _lapsing_votes(0.1, n=2000, k=4, seed=3)
    settings = GPSettings(lengthscale=math.sqrt(2), outputscale=2.0, mean=-4.0)
    gp = GPSmoother(z, natural, np.ones(2000), floor=0.05, settings=settings)
    phi = gp._features(torch.as_tensor(z))
    a, n = torch.as_tensor(natural), torch.ones(2000, dtype=torch.float64)
    mean = torch.full((2000,), settings.mean, dtype=torch.float64)
    _, grad, _ = vote_terms(mean + phi @ gp.v, a, n, 0.05)
    assert float((phi.T @ grad - gp.v).norm()) < 1e-6     # the objective's gradient at the fit
    assert gp.iterations < 100     # converged, not stopped by the cap
    # the same mode by steps formed in float64 (not float32), run on to 1e-12: the same D-hat
    v, chol, _, evidence = _laplace(phi, a, n, mean, 0.05, 300, tolerance=1e-12)
    assert evidence == pytest.approx(gp.log_evidence, abs=1e-5)
    reference = object.__new__(GPSmoother)
    reference.__dict__.update(gp.__dict__, v=v, _chol_h=chol)
    assert np.abs(reference.predict(z)[0] - gp.predict(z)[0]).max() < 1e-5


def test_vote_terms_by_hand():
    f = torch.tensor([0.0, -1.0], dtype=torch.float64)
    ll, grad, w = vote_terms(f, torch.tensor([1.0, 0.0], dtype=torch.float64),
                             torch.tensor([2.0, 1.0], dtype=torch.float64), floor=0.1)
    p0, p1 = 0.1 + 0.8 * 0.5, 0.1 + 0.8 * norm.cdf(-1.0)
    assert float(ll) == pytest.approx(math.log(p0) + math.log(1 - p0) + math.log(1 - p1))
    assert float(grad[0]) == pytest.approx(0.8 * norm.pdf(0) * (1 / p0 - 1 / (1 - p0)))
    assert float(grad[1]) == pytest.approx(-0.8 * norm.pdf(-1) / (1 - p1))
    assert float(w[0]) == pytest.approx(2 * (0.8 * norm.pdf(0)) ** 2 / (p0 * (1 - p0)))


def test_gradient_is_the_slope_of_d_hat_and_mirror_votes_give_a_mirror_map():
    rng = np.random.default_rng(3)
    z = rng.uniform(-2, 2, size=(60, 2))
    z = np.concatenate([z, -z])  # the same answers at z and -z: D-hat(x) = D-hat(-x)
    natural = (np.hypot(*z.T) < 1.2).astype(float)
    gp = GPSmoother(z, natural, np.ones(len(z)), floor=0.025, settings=SETTINGS)
    x = np.array([[0.4, 0.7], [-0.4, -0.7], [1.5, -0.2]])
    d, grad = gp.predict(x)
    assert d[0] == pytest.approx(d[1], abs=1e-9)
    np.testing.assert_allclose(grad[0], -grad[1], atol=1e-9)
    h = 1e-5
    for i in range(2):
        step = np.zeros(2)
        step[i] = h
        up, _ = gp.predict(x + step)
        down, _ = gp.predict(x - step)
        np.testing.assert_allclose(grad[:, i], (up - down) / (2 * h), atol=1e-6)
    inside, _ = gp.predict([[0.0, 0.0]])
    outside, _ = gp.predict([[1.9, 1.9]])
    assert inside[0] > 0.6 and outside[0] < 0.2


def test_inducing_points_stand_in_for_many_votes():
    # 600 voted voices through 150 inducing points: close to the full model where votes are
    rng = np.random.default_rng(0)
    z = rng.uniform(-2, 2, size=(600, 2))
    natural = (rng.uniform(size=600) < norm.cdf(2 - 2 * np.abs(z[:, 0]))).astype(float)
    full = GPSmoother(z, natural, np.ones(600), floor=0.025,
                      settings=GPSettings(1.0, 2.0, -4.0, inducing=600))
    low = GPSmoother(z, natural, np.ones(600), floor=0.025,
                     settings=GPSettings(1.0, 2.0, -4.0, inducing=150), seed=1)
    assert len(low.inducing) == 150 and len(full.inducing) == 600
    grid = rng.uniform(-1.5, 1.5, size=(200, 2))
    assert np.abs(full.predict(grid)[0] - low.predict(grid)[0]).max() < 0.05


def test_smoothed_loss_by_hand():
    net = ScoreNet(2, width=8)
    z = torch.randn(4, 2)
    d = torch.tensor([0.0, 0.2, 0.9, 1.0])
    grad = torch.randn(4, 2)
    s_d, s_vd = net(z)
    s = s_d.detach().numpy().astype(np.float64)
    kl = [-math.log(1 - s[0]),                                         # D = 0
          0.2 * math.log(0.2 / s[1]) + 0.8 * math.log(0.8 / (1 - s[1])),
          0.9 * math.log(0.9 / s[2]) + 0.1 * math.log(0.1 / (1 - s[2])),
          -math.log(s[3])]                                             # D = 1
    expected = np.mean(kl) + 0.5 * float(((s_vd - grad) ** 2).sum(1).mean().detach())
    got = smoothed_loss(net, z, d, grad, grad_weight=0.5)
    assert float(got.detach()) == pytest.approx(expected, rel=1e-5)
    # a network that is the smoother: only the gradient term is left
    assert float(smoothed_loss(net, z, s_d.detach(), s_vd.detach()).detach()) == pytest.approx(
        0.0, abs=1e-6)


def test_the_median_d_hat_is_phi_of_the_latent_mean_and_leaks_less_past_a_hard_edge():
    # a hard-edged disc (acceptance 1 inside radius 1.5, 0 outside; 5% lapses), 500 single votes
    rng = np.random.default_rng(11)
    z = rng.uniform(-3, 3, size=(500, 2))
    inside = np.hypot(*z.T) < 1.5
    natural = np.where(rng.uniform(size=500) < 0.05, rng.uniform(size=500) < 0.5, inside)
    gp = GPSmoother(z, natural.astype(float), np.ones(500), floor=0.025, settings=SETTINGS)
    grid = np.stack(np.meshgrid(*2 * [np.linspace(-3, 3, 61)]), -1).reshape(-1, 2)
    mean, _ = gp.predict(grid)
    median, grad = gp.predict(grid, median=True)
    mu, _ = gp.latent(torch.as_tensor(grid))
    np.testing.assert_allclose(median, norm.cdf(mu.detach().numpy()), atol=1e-12)
    assert np.all(np.abs(grad) < np.inf) and np.abs(grad).max() > 0
    # far from every vote: the prior's median Phi(-4), not its mean Phi(-4 / sqrt(3))
    far = gp.predict([[40.0, 40.0]], median=True)[0][0]
    assert far == pytest.approx(norm.cdf(-4.0), abs=1e-9) and far < gp.predict([[40.0, 40.0]])[0][0]
    # p ∝ D-hat over the grid: the median's samples are accepted more often, and less of its
    # mass lies past the edge (radius 1.8 and out)
    true = (np.hypot(*grid.T) < 1.5).astype(float)
    past = np.hypot(*grid.T) > 1.8
    acc = {name: (d * true).sum() / d.sum() for name, d in (("mean", mean), ("median", median))}
    leak = {name: d[past].sum() / d.sum() for name, d in (("mean", mean), ("median", median))}
    assert acc["median"] > acc["mean"] + 0.03
    assert leak["median"] < 0.7 * leak["mean"]


def test_the_link_goes_from_the_posterior_mean_to_the_median_and_steeper():
    gp = GPSmoother([[0.0, 0.0], [1.0, 0.0]], [3, 1], [3, 3], floor=0.025, settings=SETTINGS)
    z = np.array([[0.5, 0.0], [2.0, 1.0], [40.0, 0.0]])
    mu, var = (t.detach().numpy() for t in gp.latent(torch.as_tensor(z)))
    for a, c in ((1.0, 0.0), (1.0, 0.3), (2.0, 1.0), (0.75, 2.0)):
        np.testing.assert_allclose(gp.predict(z, steepness=a, var_weight=c)[0],
                                   norm.cdf(a * mu / np.sqrt(1 + c * var)), rtol=1e-9)
    np.testing.assert_array_equal(gp.predict(z, steepness=1.0, var_weight=1.0)[0], gp.predict(z)[0])
    np.testing.assert_array_equal(gp.predict(z, var_weight=0.0)[0], gp.predict(z, median=True)[0])
    # far from every vote: Phi(-4 a / sqrt(1 + 2c))
    assert gp.predict(z, steepness=1.5, var_weight=0.5)[0][2] == pytest.approx(
        norm.cdf(-6 / math.sqrt(2)), abs=1e-12)


def test_how_sure_the_posterior_is_that_acceptance_exceeds_a_level():
    # GPSmoother.exceeds (cover_level): P(D(z) > level) = P(f(z) > Phi^-1(level)) under the
    # posterior of f; sure inside a well-voted disc, sure of nothing far from every vote, where
    # the prior says D is about Phi(-4) and most likely under 0.05
    rng = np.random.default_rng(11)
    z = rng.uniform(-3, 3, size=(500, 2))
    natural = np.hypot(*z.T) < 1.5
    gp = GPSmoother(z, natural.astype(float), np.ones(500), floor=0.025, settings=SETTINGS)
    where = np.array([[0.0, 0.0], [2.5, 0.0], [40.0, 40.0]])
    mu, var = (t.detach().numpy() for t in gp.latent(torch.as_tensor(where)))
    for level in (0.05, 0.3):
        np.testing.assert_allclose(gp.exceeds(where, level),
                                   norm.cdf((mu - norm.ppf(level)) / np.sqrt(var)), rtol=1e-9)
    inside, past, far = gp.exceeds(where, 0.05)
    assert inside > 0.99 and past < 0.2 and far == pytest.approx(norm.cdf((-4 + 1.645) / math.sqrt(2)), abs=1e-3)
    assert np.all(gp.exceeds(where, 0.3) < gp.exceeds(where, 0.05))


def test_the_link_chosen_is_the_one_that_foretells_the_held_votes():
    # votes inside a disc fitted; the held round lies past its edge, where mu < 0: D-hat falls
    # as the link steepens and as c falls there, so held votes all "not natural" choose the
    # steepest median on offer, all "natural" the softest mean
    rng = np.random.default_rng(3)
    inner = rng.uniform(-1, 1, size=(200, 2))
    angle = rng.uniform(0, 2 * np.pi, 60)
    shell = 2.2 * np.stack([np.cos(angle), np.sin(angle)], 1)
    z = np.concatenate([inner, shell])
    held = np.r_[np.zeros(200, bool), np.ones(60, bool)]
    for answer, expected in ((0.0, (3.0, 0.0)), (1.0, (0.75, 2.0))):
        accepts = np.r_[np.ones(200), np.full(60, answer)]
        link, ll = link_by_votes(z, accepts, np.ones(260), held, floor=0.025, settings=SETTINGS)
        assert link == expected
        assert len(ll) == 30 and ll[link] == max(ll.values())
    # only c on offer: the median for "not natural"
    accepts = np.r_[np.ones(200), np.zeros(60)]
    assert link_by_votes(z, accepts, np.ones(260), held, floor=0.025, settings=SETTINGS,
                         steepness=(1.0,))[0] == (1.0, 0.0)
    # the mean stays unless another link gains more than the margin
    accepts = np.r_[np.ones(200), np.zeros(60)]
    link, ll = link_by_votes(z, accepts, np.ones(260), held, floor=0.025, settings=SETTINGS)
    gain = ll[link] - ll[(1.0, 1.0)]
    assert gain > 2.0
    assert link_by_votes(z, accepts, np.ones(260), held, floor=0.025, settings=SETTINGS,
                         margin=gain + 0.1)[0] == (1.0, 1.0)
    # the log-likelihood by hand at (1.5, 0.5) for the "not natural" round
    gp = GPSmoother(inner, np.ones(200), np.ones(200), floor=0.025, settings=SETTINGS)
    mu, var = (t.detach().numpy() for t in gp.latent(torch.as_tensor(shell)))
    p = 0.025 + 0.95 * norm.cdf(1.5 * mu / np.sqrt(1 + 0.5 * var))
    assert gp.vote_loglik(shell, np.zeros(60), np.ones(60), [(1.5, 0.5)])[(1.5, 0.5)] == (
        pytest.approx(np.log1p(-p).sum(), rel=1e-9))
    # nothing held, or everything: the posterior mean
    assert link_by_votes(z, np.ones(260), np.ones(260), np.zeros(260, bool),
                         floor=0.025, settings=SETTINGS) == ((1.0, 1.0), {})
    assert link_by_votes(z, np.ones(260), np.ones(260), np.ones(260, bool), floor=0.025,
                         settings=SETTINGS, steepness=(2.0,), var_weights=(0.0, 1.0)) == ((2.0, 0.0), {})


def _edge_and_level():
    """200 voices inside a disc, all "natural", and two held rounds of 120 after them: one
    past the disc's edge ("natural" at radius 0.6, "not natural" at 2.2) and one inside it,
    accepted half as often as D-hat says (at 0.6). Returns (inner, (z, accepts) of each)."""
    inner = np.random.default_rng(3).uniform(-1, 1, size=(200, 2))

    def ring(radius, n, seed):
        angle = np.random.default_rng(seed).uniform(0, 2 * np.pi, n)
        return radius * np.stack([np.cos(angle), np.sin(angle)], 1)

    edge = np.concatenate([inner, ring(0.6, 60, 1), ring(2.2, 60, 2)]), np.r_[np.ones(260), np.zeros(60)]
    level = np.concatenate([inner, ring(0.6, 120, 3)]), np.r_[np.ones(200), np.arange(120) % 2]
    return inner, edge, level


def test_a_link_chosen_for_the_held_votes_level_alone_is_refused_under_shape_margin():
    # votes inside a disc fitted. Past its edge (held votes "natural" just inside, "not natural"
    # at 2.2) the steep median wins by its shape; where the held votes lie inside and are only
    # accepted half as often as D-hat says, a flatter link wins by lowering D-hat's level there,
    # which a shift of the mean's latent does as well: refused under shape_margin
    inner, (edge, edge_votes), (level, level_votes) = _edge_and_level()
    held = np.r_[np.zeros(200, bool), np.ones(120, bool)]
    for shape_margin in (None, 3.0):
        link, ll = link_by_votes(edge, edge_votes, np.ones(320), held, floor=0.025,
                                 settings=SETTINGS, shape_margin=shape_margin)
        assert link == (3.0, 0.0) and ll[link] - ll[(1.0, 1.0)] > 5
        link, ll = link_by_votes(level, level_votes, np.ones(320), held, floor=0.025,
                                 settings=SETTINGS, shape_margin=shape_margin)
        assert max(ll.values()) - ll[(1.0, 1.0)] > 20
        assert link == ((0.75, 2.0) if shape_margin is None else (1.0, 1.0))
    # the shifted log-likelihood is each link's best over the shifts
    gp = GPSmoother(inner, np.ones(200), np.ones(200), floor=0.025, settings=SETTINGS)
    z, a, n = level[200:], level_votes[200:], np.ones(120)
    shifted = gp.vote_loglik(z, a, n, [(1.0, 1.0)], shifts=(-3.0, -1.0, 0.0))[(1.0, 1.0)]
    one_each = [gp.vote_loglik(z, a, n, [(1.0, 1.0)], shifts=(b,))[(1.0, 1.0)] for b in (-3.0, -1.0, 0.0)]
    assert shifted == max(one_each) and one_each[0] > one_each[2] + 20


def test_leave_one_out_foretells_each_voted_voice_as_a_fit_without_its_votes(monkeypatch):
    # a disc's votes, 100 inducing points: each stimulus's cavity (loo_latent) against the GP
    # fitted again without that stimulus, on the same inducing points
    rng = np.random.default_rng(0)
    z = rng.normal(0, 1.3, (300, 2))
    inside = np.hypot(z[:, 0] - 0.3, z[:, 1]) < 1.2
    votes = rng.integers(1, 4, 300).astype(float)
    accepts = rng.binomial(votes.astype(int), 0.02 + 0.96 * inside).astype(float)
    settings = GPSettings(inducing=100)
    gp = GPSmoother(z, accepts, votes, floor=0.02, settings=settings)
    monkeypatch.setattr(smoother_module, "_inducing_points", lambda *_: gp.inducing.numpy())
    mu, var = gp.loo_latent()
    full_mu, full_var = gp.latent(torch.as_tensor(z))
    moved = 0.0
    for i in (0, 5, 17, 40, 99, 150, 222):
        keep = np.arange(300) != i
        refit = GPSmoother(z[keep], accepts[keep], votes[keep], floor=0.02, settings=settings)
        refit_mu, refit_var = (float(t) for t in refit.latent(torch.as_tensor(z[i:i + 1])))
        assert float(mu[i]) == pytest.approx(refit_mu, abs=0.01)
        assert float(var[i]) == pytest.approx(refit_var, abs=0.01)
        moved = max(moved, abs(refit_mu - float(full_mu[i])))
    assert moved > 0.05   # taking a stimulus out does move its latent: the check can fail
    # the log-likelihood by hand at (1.5, 0.5)
    p = 0.02 + 0.96 * norm.cdf(1.5 * mu.numpy() / np.sqrt(1 + 0.5 * var.numpy()))
    by_hand = (accepts * np.log(p) + (votes - accepts) * np.log1p(-p)).sum()
    assert gp.loo_loglik([(1.5, 0.5)])[(1.5, 0.5)] == pytest.approx(by_hand, rel=1e-9)


@pytest.mark.parametrize("seed", [0, 1])
def test_every_vote_left_out_in_turn_tells_a_hard_edge_from_a_soft_slope(seed):
    # 600 voices around the real ones, one vote each: a disc accepted inside (a hard edge) and
    # a soft Gaussian hill peaking at 0.8. Past the edge the steepest median foretells the
    # votes far better than the mean, by its shape (level shifts allowed); on the hill no link
    # gains the margin
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 1.5, (600, 2))
    r = np.hypot(*z.T)
    links = [(a, c) for a in STEEPNESS for c in VAR_WEIGHTS]
    for d, hard in (((r < 1.5) * 1.0, True), (0.8 * np.exp(-r ** 2 / 2.88), False)):
        accepts = rng.binomial(1, 0.025 + 0.95 * d).astype(float)
        gp = GPSmoother(z, accepts, np.ones(600), floor=0.025, settings=SETTINGS)
        ll = gp.loo_loglik(links)
        shaped = gp.loo_loglik(links, shifts=SHIFTS)
        gain = max(ll.values()) - ll[(1.0, 1.0)]
        if hard:
            assert max(ll, key=ll.get) == (3.0, 0.0) and gain > 10
            assert shaped[(3.0, 0.0)] - shaped[(1.0, 1.0)] > 10
        else:
            assert gain < 2.0


def test_a_link_the_held_votes_chose_by_its_level_alone_is_refused_under_loo_margin():
    # votes inside a disc, then a held round. Past its edge (held votes "natural" at 0.6, "not
    # natural" at 2.2) the steep median the held votes choose also foretells every vote left
    # out in turn better by its shape: kept. Where the held votes lie inside, accepted half as
    # often as D-hat says, the flatter link they choose gains nothing there: the mean stays
    from hd_desktop.engine.config import EngineConfig
    from hd_desktop.engine.estimates import VotedPoints
    from hd_desktop.engine.rounds import _link

    _, edge, level = _edge_and_level()
    rounds = np.r_[np.zeros(200, int), np.ones(120, int)]
    for (z, accepts), gated in ((edge, (3.0, 0.0)), (level, (1.0, 1.0))):
        gp = GPSmoother(z, accepts, np.ones(320), floor=0.025, settings=SETTINGS)
        points = VotedPoints(z, accepts, np.ones(320), rounds)
        chosen = _link(points, gp, EngineConfig(), seed=0)
        assert chosen == ((3.0, 0.0) if gated != (1.0, 1.0) else (0.75, 2.0))
        assert _link(points, gp, EngineConfig(gp_link_loo_margin=2.0), seed=0) == gated
        shaped = gp.loo_loglik([(1.0, 1.0), chosen], shifts=SHIFTS)
        assert (shaped[chosen] - shaped[(1.0, 1.0)] > 5) == (gated == chosen)


def test_the_engine_holds_out_the_latest_round_where_the_link_is_none_as_by_default():
    from hd_desktop.engine.config import EngineConfig
    from hd_desktop.engine.estimates import VotedPoints
    from hd_desktop.engine.rounds import _link

    rng = np.random.default_rng(3)
    inner = rng.uniform(-1, 1, size=(200, 2))
    angle = rng.uniform(0, 2 * np.pi, 60)
    z = np.concatenate([inner, 2.2 * np.stack([np.cos(angle), np.sin(angle)], 1)])
    accepts = np.r_[np.ones(200), np.zeros(60)]
    points = VotedPoints(z, accepts, np.ones(260), np.r_[np.zeros(200, int), np.ones(60, int)])
    gp = GPSmoother(z, accepts, np.ones(260), floor=0.025, settings=SETTINGS)
    learned = EngineConfig()    # the default: both chosen by the latest round's votes
    assert _link(points, gp, learned, seed=0) == (3.0, 0.0)
    assert _link(points, gp, EngineConfig(gp_steepness=1.0), seed=0) == (1.0, 0.0)
    assert _link(points, gp, EngineConfig(gp_var_weight=2.0), seed=0)[1] == 2.0
    mean = EngineConfig(gp_steepness=1.0, gp_var_weight=1.0)
    assert _link(points, gp, mean, seed=0) == (1.0, 1.0)
    assert _link(points, gp, EngineConfig(gp_steepness=2.0, gp_var_weight=0.3), seed=0) == (2.0, 0.3)
    assert _link(points, gp, EngineConfig(gp_steepness=1.0, gp_median=True), seed=0) == (1.0, 0.0)
    # one round only, or no rounds known: the posterior mean
    one = VotedPoints(z, accepts, np.ones(260), np.zeros(260, int))
    assert _link(one, gp, learned, seed=0) == (1.0, 1.0)
    assert _link(VotedPoints(z, accepts, np.ones(260)), gp, learned, seed=0) == (1.0, 1.0)
    # ... and a value the researcher set is kept there too, the other one the mean's
    assert _link(one, gp, EngineConfig(gp_steepness=2.0), seed=0) == (2.0, 1.0)
    assert _link(one, gp, EngineConfig(gp_var_weight=0.3), seed=0) == (1.0, 0.3)
    assert _link(one, gp, EngineConfig(gp_median=True), seed=0) == (1.0, 0.0)


def test_the_floor_is_sought_no_higher_than_floor_max():
    rng = np.random.default_rng(7)
    z = rng.uniform(-3, 3, size=(1500, 2))
    p = 0.1 + 0.8 * norm.cdf(2 - 2 * np.hypot(*z.T))   # 20% lapses: floor 0.1
    natural = (rng.uniform(size=1500) < p).astype(float)
    free = GPSmoother(z, natural, np.ones(1500), settings=SETTINGS)
    capped = GPSmoother(z, natural, np.ones(1500), settings=SETTINGS, floor_max=0.05)
    assert free.floor > 0.05
    assert capped.floor == 0.05 and max(capped.evidence) == 0.05
    assert GPSmoother(z, natural, np.ones(1500), settings=SETTINGS, floor_max=0.0).floor == 0.005
