"""Score network, training (progress, cancel, NaN), Langevin sampler and its guards, metrics."""

import numpy as np
import pytest
import torch

from hd_desktop.engine.estimates import Estimates
from hd_desktop.engine.metrics import energy_distance, evaluate, sample_target, spread
from hd_desktop.engine.network import ScoreNet, load_checkpoint, save_checkpoint, score_field
from hd_desktop.engine.sampler import (Reach, by_cover, covered_region, iter_langevin,
                                      langevin, start_points)
from hd_desktop.engine.training import (TrainingDiverged, hd_loss, init_network, predict,
                                        run_training, train)


def gaussian_estimates(n=300, s=2.0, seed=0):
    x = np.random.default_rng(seed).uniform(-4, 4, size=(n, 2))
    d = np.exp(-(x ** 2).sum(axis=1) / (2 * s * s))
    g = -x / (s * s) * d[:, None]
    z = np.zeros(n)
    return Estimates(x, d, z, g, np.zeros_like(g), np.ones(n, int), z.astype(int))


def test_loss_is_the_poster_formula():
    net = ScoreNet(2, width=8)
    z = torch.randn(5, 2)
    s_d, s_vd = net(z)
    d, g = torch.rand(5), torch.randn(5, 2)
    expected = ((s_vd - g) ** 2).sum(1).mean() + ((s_d - d) ** 2).mean()
    assert float(hd_loss(net, z, d, g).detach()) == pytest.approx(float(expected.detach()))


def test_training_is_seeded_learns_d_and_yields_progress():
    est = gaussian_estimates()
    nets = [init_network(2, width=32, seed=1) for _ in range(2)]
    steps = [p.done for p in train(nets[0], est, steps=600, seed=1, report_every=100)]
    assert steps == [100, 200, 300, 400, 500, 600]
    run_training(nets[1], est, steps=600, seed=1)
    for a, b in zip(nets[0].parameters(), nets[1].parameters()):
        assert torch.equal(a, b)
    s_d, s_vd = predict(nets[0], [[0.0, 0.0], [3.0, 0.0]])
    assert s_d[0] > 0.85 and s_d[1] < 0.5 and s_vd[1, 0] < 0


def test_the_optimiser_steps_as_torch_adam_does_to_the_last_bit():
    # two parameter groups as in training: the network's weights with an L2 decay, and a
    # learned floor without; the same gradients into both optimisers, step after step
    from hd_desktop.engine.training import Adam

    gen = torch.Generator().manual_seed(0)
    ours = [torch.randn(50, generator=gen, requires_grad=True), torch.randn(1, requires_grad=True)]
    theirs = [p.detach().clone().requires_grad_(True) for p in ours]
    mine = Adam([(ours[0], 1e-3), (ours[1], 0.0)], lr=3e-3)
    torch_adam = torch.optim.Adam([{"params": [theirs[0]], "weight_decay": 1e-3},
                                   {"params": [theirs[1]], "weight_decay": 0.0}], lr=3e-3)
    for _ in range(200):
        grads = [torch.randn(50, generator=gen), torch.randn(1, generator=gen)]
        for p, q, g in zip(ours, theirs, grads):
            p.grad, q.grad = g.clone(), g.clone()
        mine.step()
        torch_adam.step()
    assert all(torch.equal(p, q) for p, q in zip(ours, theirs))


def test_a_model_update_does_not_load_torchs_compiler():
    # torch.optim's first step imports torch._dynamo: seconds every update paid for nothing
    import subprocess
    import sys

    code = ("import sys\n"
            "import numpy as np\n"
            "from hd_desktop.engine.estimates import Estimates\n"
            "from hd_desktop.engine.training import init_network, run_training\n"
            "x, n = np.random.default_rng(0).normal(size=(20, 2)), np.ones(20, int)\n"
            "est = Estimates(x, np.full(20, 0.5), np.zeros(20), x, x, n, n)\n"
            "run_training(init_network(2, width=8), est, steps=3, weight_decay=1e-3)\n"
            "assert 'torch._dynamo' not in sys.modules, 'torch._dynamo was imported'\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_stopping_iteration_cancels_training():
    net = init_network(2, width=8)
    job = train(net, gaussian_estimates(50), steps=10_000, report_every=10)
    next(job)
    job.close()  # the consumer stops: no more steps run
    assert job.gi_frame is None


def test_nan_keeps_the_last_good_model():
    est = gaussian_estimates(50)
    net = init_network(2, width=8)
    job = train(net, est, steps=1000, lr=1e-2, report_every=3)
    next(job)  # step 3 reported: the weights that gave its loss are the fallback
    next(job)  # step 6: likewise
    good = [p.clone() for p in net.parameters()]  # = the weights after step 6's update
    with torch.no_grad():
        net.head.weight[0, 0] = float("nan")
    with pytest.raises(TrainingDiverged, match="NaN at step 7.*model of step 6"):
        next(job)
    assert all(torch.isfinite(p).all() for p in net.parameters())
    assert not all(torch.equal(a, b) for a, b in zip(net.parameters(), good))  # before step 6's update
    bad = Estimates(*(np.nan * np.ones_like(getattr(est, f)) if f == "d" else getattr(est, f)
                      for f in Estimates.__dataclass_fields__))
    with pytest.raises(TrainingDiverged, match="NaN"):
        run_training(net, bad, steps=10)


def test_a_diverging_loss_stops_with_a_message():
    net = init_network(2, width=16)
    before = [p.clone() for p in net.parameters()]
    with pytest.raises(TrainingDiverged, match="diverged.*model of step 0.*smaller learning rate"):
        run_training(net, gaussian_estimates(100), steps=500, lr=1e3)
    for a, b in zip(net.parameters(), before):
        assert torch.equal(a, b)


def test_checkpoint_round_trip(tmp_path):
    net = init_network(2, width=16, activation="tanh", seed=3)
    save_checkpoint(net, tmp_path / "m.pt", round=2)
    again, meta = load_checkpoint(tmp_path / "m.pt")
    assert meta["round"] == 2
    z = torch.randn(4, 2)
    assert torch.equal(net(z)[0], again(z)[0])


def gaussian_field(s=2.0):
    def field(z):
        d = torch.exp(-(z ** 2).sum(1) / (2 * s * s))
        return d, -z / (s * s)
    return field


@pytest.mark.parametrize("adjust", [False, True])
def test_langevin_samples_a_known_gaussian(adjust):
    z0 = torch.zeros(2000, 2)
    z = langevin(gaussian_field(), z0, 0.5, 400, generator=torch.Generator().manual_seed(0),
                 adjust=adjust)
    assert z.std().item() == pytest.approx(2.0, rel=0.08)
    again = langevin(gaussian_field(), z0, 0.5, 400, generator=torch.Generator().manual_seed(0),
                     adjust=adjust)
    assert torch.equal(z, again)


def test_runaway_chains_stay_in_the_covered_region():
    def runaway(z):  # a score that points outward and grows: the extrapolation failure
        return torch.ones(len(z)), 5.0 * z
    region = covered_region(np.random.default_rng(0).standard_normal((100, 2)), margin=0.5)
    z0 = torch.zeros(200, 2)
    free = langevin(runaway, z0, 0.3, 300, generator=torch.Generator().manual_seed(0))
    assert not torch.isfinite(free).all() or free.abs().max() > 1e6
    kept = langevin(runaway, z0, 0.3, 300, generator=torch.Generator().manual_seed(0),
                    region=region)
    assert torch.isfinite(kept).all() and bool(region.contains(kept).all())


def test_chains_never_leave_the_reach_of_the_voted_voices_and_cross_it_where_it_is_joined():
    # voted voices along a line 0.4 apart, and one alone far off: reach 0.5 joins the line's
    # balls into one corridor, the lone voice is an island no chain can get to
    voted = np.array([[x, 0.0] for x in np.arange(-4.0, 4.01, 0.4)] + [[0.0, 3.0]])
    guard = Reach(voted, reach=0.5)
    def flat(z):
        return torch.ones(len(z)), torch.zeros_like(z)
    z0 = torch.zeros(300, 2)
    for _, z, _ in iter_langevin(flat, z0, 0.3, 400, generator=torch.Generator().manual_seed(1),
                                 region=guard, report_every=1):
        nearest = torch.cdist(z.double(), torch.as_tensor(voted)).min(dim=1).values
        assert float(nearest.max()) <= 0.5 + 1e-6  # every chain, after every step (brute force)
    assert z[:, 0].min() < -3 and z[:, 0].max() > 3      # the corridor was crossed both ways
    assert z[:, 1].max() < 1.0                           # the island was never reached


def test_the_reach_guard_answers_as_the_tree_and_names_a_point_within_reach():
    # settle answers inside/outside as the tree does, and names for each row inside a point
    # within reach of it: the sampler then knows that row inside without asking again until it
    # moves out of that point's reach
    rng = np.random.default_rng(0)
    for k, points in ((2, 2000), (4, 500)):     # with the grid, and without
        guard = Reach(rng.standard_normal((points, k)), reach=0.5 if k == 2 else 0.9)
        z = rng.uniform(-3, 3, size=(20000, k))
        exact, _ = guard.nearest(z)
        inside, near = guard.settle(z)
        assert inside.tolist() == (exact >= 0).tolist()
        assert 2000 < inside.sum() < len(z) - 2000
        dist = np.linalg.norm(z - guard.points[near], axis=1)
        assert bool((dist[inside] <= guard.reach).all())


def test_the_reach_covers_all_of_a_ball_among_dense_voices_and_its_share_around_a_lone_one():
    # a grid of voices 0.1 apart, reach 0.25: inside it every ball is covered; around a lone
    # voice a ball of radius 0.5 holds its reach ball, (0.25 / 0.5)^k of it
    rng = np.random.default_rng(0)
    g = np.arange(0.0, 3.0, 0.1)
    grid = np.stack(np.meshgrid(g, g), axis=-1).reshape(-1, 2)
    guard = Reach(np.concatenate([grid, [[6.0, 6.0]]]), reach=0.25)
    inner = guard.cover(np.array([[1.5, 1.5], [1.0, 2.0]]), 0.5, rng=rng, draws=4000)
    lone = guard.cover(np.array([[6.0, 6.0], [6.1, 5.9]]), 0.5, rng=rng, draws=4000)
    assert inner.tolist() == [1.0, 1.0]
    assert np.allclose(lone, 0.25, atol=0.02)
    lone4 = Reach(np.zeros((1, 4)), 0.25).cover(np.full((1, 4), 0.1), 0.5, rng=rng, draws=8000)
    assert abs(lone4[0] - 1 / 16) < 0.01
    assert guard.cover(np.array([[9.0, 9.0]]), 0.5, rng=rng, draws=100)[0] == 0.01  # never 0


def test_samples_weighted_by_cover_are_as_dense_where_the_voices_are_sparse_as_where_they_are_dense():
    # chains that follow a flat S_D inside the reach (uniform states over it) sample a lone
    # voice's reach ball as densely as the dense grid's; weighted by 1 / cover, the lone balls
    # (a quarter of their surroundings covered) get four times the density: the share of the
    # surroundings the guard left out is given back
    rng = np.random.default_rng(1)
    g = np.arange(0.0, 3.0, 0.1)
    grid = np.stack(np.meshgrid(g, g), axis=-1).reshape(-1, 2)
    lone = np.array([[x, y] for x in (5.0, 6.5, 8.0, 9.5) for y in (0.0, 1.5)])  # 1.5 apart
    guard = Reach(np.concatenate([grid, lone]), reach=0.25)
    u = rng.uniform([-0.3, -0.3], [9.8, 3.3], size=(200000, 2))
    states = u[guard.nearest(u)[0] >= 0][:12000]
    lone_area, inner_area = len(lone) * np.pi * 0.25 ** 2, 2.0 * 2.0

    def density_ratio(z):  # per unit area: in the lone balls / in the grid's middle
        in_lone = (z[:, 0] > 4).sum() / lone_area
        in_inner = ((np.abs(z - 1.5) <= 1.0).all(axis=1)).sum() / inner_area
        return in_lone / in_inner

    assert 0.85 < density_ratio(states) < 1.15
    samples, kept = by_cover([states[:6000], states[6000:]], guard, 4000, radius=0.5, seed=3)
    assert samples.shape == (4000, 2) and 0.4 < kept < 0.95
    assert 3.4 < density_ratio(samples) < 4.8
    again, _ = by_cover([states[:6000], states[6000:]], guard, 4000, radius=0.5, seed=3)
    assert np.array_equal(samples, again)                       # seeded
    # a state the smoother does not trust to be accepted (trust 0: cover_level) keeps the
    # chains' own weight: the lone balls' density as the chains left it
    untrusted, _ = by_cover([states[:6000], states[6000:]], guard, 4000, radius=0.5, seed=3,
                            trust=lambda z: (z[:, 0] < 4).astype(float))
    assert 0.8 < density_ratio(untrusted) < 1.25
    # where every state's ball is covered alike, each state is drawn once
    inside = states[(np.abs(states - 1.5) <= 0.9).all(axis=1)][:500]
    same, kept = by_cover([inside], guard, len(inside), radius=0.5, seed=4)
    assert kept == 1.0 and sorted(map(tuple, same)) == sorted(map(tuple, inside))


@pytest.mark.parametrize("k", [2, 6])
def test_the_reach_guard_refuses_the_same_moves_as_asking_the_tree_for_every_chain(k):
    # the sampler asks the tree only where its bounds cannot tell (the chain's slack, a point
    # known near it, the 2-D grid): a shortcut, so the chains must go exactly where asking the
    # tree for every chain at every step sends them, across the edge of the region and back
    rng = np.random.default_rng(3)
    guard = Reach(rng.standard_normal((400 if k == 6 else 2000, k)), reach=0.9 if k == 6 else 0.5)

    class EveryChain:  # not a Reach: the sampler asks its `contains` for every proposal
        def contains(self, z):
            return guard.slack(z) >= 0

    def outward(z):
        return torch.ones(len(z)), 0.5 * z
    runs = [list(iter_langevin(outward, torch.zeros(200, k), 0.2, 300, adjust=adjust,
                               generator=torch.Generator().manual_seed(2), region=region,
                               report_every=100))
            for adjust in (False, True) for region in (guard, EveryChain())]
    for fast, slow in ((runs[0], runs[1]), (runs[2], runs[3])):
        for (_, z, acc), (_, z_tree, acc_tree) in zip(fast, slow):
            assert torch.equal(z, z_tree) and acc == acc_tree
    assert 0.2 < runs[0][-1][2] < 0.98     # the guard refused moves: the chains reached the edge


def test_guarded_division_and_progress():
    net = init_network(2, width=8)
    with torch.no_grad():
        net.head.bias[0] = -50.0  # S_D ~ 0 everywhere
    d, s = score_field(net, d_floor=0.05)(torch.randn(10, 2))
    assert torch.isfinite(s).all()
    seen = []
    langevin(score_field(net), torch.zeros(3, 2), 0.1, 1000,
             generator=torch.Generator().manual_seed(0), callback=seen.append)
    assert [c["step"] for c in seen] == [500, 1000]
    job = iter_langevin(score_field(net), torch.zeros(3, 2), 0.1, 10**6,
                        generator=torch.Generator().manual_seed(0))
    _, z, _ = next(job)
    # between reports the caller's code runs in its own mode: it can train a network on the
    # chains it was handed (the model update yields progress while sampling)
    assert torch.is_grad_enabled() and not torch.is_inference_mode_enabled()
    assert not z.is_inference()
    net(z)[0].sum().backward()
    job.close()


def test_start_points_cover_the_real_data():
    real = np.arange(20.0).reshape(10, 2)
    z = start_points(real, 25, seed=0)
    assert len(z) == 25 and len({tuple(r) for r in z}) == 10


def test_energy_distance_and_metrics():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((800, 2)), rng.standard_normal((800, 2))
    assert abs(energy_distance(a, b)) < 0.02
    # 1-D closed form: ED(N(0,1) point mass at 0 vs N(0,1))... use shifted samples instead:
    assert energy_distance(a, b + 3.0) > 2.0
    x = np.array([[1.0, 0], [-1, 0], [0, 1], [0, -1]])
    assert spread(x) == 1.0

    def wide(z):
        return np.exp(-(np.asarray(z) ** 2).sum(-1) / 8)
    target = sample_target(wide, a, 4000, rng=rng)
    assert target.std() == pytest.approx(2.0, rel=0.05)
    m = evaluate(2.0 * rng.standard_normal((800, 2)), a, wide)
    assert m["fidelity_ratio"] < 0.1
    assert m["acceptance_target"] == pytest.approx(0.5, abs=0.03)  # (1/2)^(k/2) for k = 2
    assert m["spread_ratio"] == pytest.approx(2.0, rel=0.1)
    assert evaluate(a, a, wide)["fidelity_ratio"] == pytest.approx(1.0)
    one_at_a_time = evaluate(a, a, lambda z: float(wide(np.asarray(z).reshape(-1))))
    assert one_at_a_time["acceptance_real"] == pytest.approx(m["acceptance_real"])


def test_one_langevin_step_by_hand():
    z0 = torch.tensor([[1.0, -1.0], [0.0, 2.0]])
    eps = 0.2

    def field(z):
        return torch.full((len(z),), 0.5), torch.tensor([[1.0, 2.0]]).expand(len(z), 2)
    z1 = langevin(field, z0, eps, 1, generator=torch.Generator().manual_seed(5))
    noise = torch.randn(2, 2, generator=torch.Generator().manual_seed(5))
    expected = z0 + eps ** 2 / 2 * torch.tensor([1.0, 2.0]) + eps * noise  # docs/design.md 1.6
    assert torch.allclose(z1, expected)


def test_metropolis_step_by_hand():
    # constant D and zero score: the proposal is symmetric and D never changes, so every move
    # is accepted; a D that is 0 outside x < 0 refuses every move there.
    def flat(z):
        return torch.ones(len(z)), torch.zeros_like(z)

    def half(z):
        return (z[:, 0] >= 0).float(), torch.zeros_like(z)
    g = torch.Generator().manual_seed(0)
    moved = langevin(flat, torch.zeros(500, 2), 0.5, 1, generator=g, adjust=True)
    assert (moved != 0).all(dim=1).all()
    z = langevin(half, torch.full((500, 2), 0.01), 0.5, 200, generator=g, adjust=True)
    assert (z[:, 0] >= 0).all()


def test_energy_distance_and_region_by_hand():
    x, y = np.array([[0.0], [2.0]]), np.array([[1.0], [3.0]])
    # 2 * mean(1, 3, 1, 1) - |0 - 2| - |1 - 3| = 3 - 2 - 2
    assert energy_distance(x, y) == pytest.approx(-1.0)
    square = np.array([[1.0, 1], [1, -1], [-1, 1], [-1, -1]])  # mean 0, covariance 4/3 I
    region = covered_region(square, margin=0.0)
    assert region.r2 == pytest.approx(1.5)  # 2 / (4/3)
    inside = region.contains(torch.tensor([[1.4, 0.0], [1.0, 1.0], [1.5, 0.0]]))  # edge: sqrt(2)
    assert inside.tolist() == [True, True, False]


def test_a_fidelity_ratio_over_real_voices_already_at_p_star_is_undefined_not_a_number():
    """Where the real voices are as close to p* as a sample can tell, ED(real, p*) is about 0 or
    below and the ratio any number (-3 to -14 on a 4-D shape): it is NaN and says so, and
    simulate's report.json writes it as null."""
    import json
    import math

    from hd_desktop.commands.simulate import json_numbers
    from hd_desktop.engine.metrics import fidelity_ratio

    assert fidelity_ratio(0.02, 0.04) == 0.5
    assert math.isnan(fidelity_ratio(0.02, 0.0)) and math.isnan(fidelity_ratio(0.02, -0.004))
    rng = np.random.default_rng(3)
    real = rng.standard_normal((400, 2))

    def like_the_real_voices(z):         # p* is the real voices' own distribution
        return np.exp(-(np.asarray(z) ** 2).sum(-1) / 2)

    m = evaluate(rng.standard_normal((400, 2)), real, like_the_real_voices, seed=1)
    assert m["energy_distance_real"] <= 0           # this seed: as close as chance allows
    assert not m["fidelity_defined"] and math.isnan(m["fidelity_ratio"])
    elsewhere = evaluate(real, real + 3.0, like_the_real_voices)   # real voices off p*: defined
    assert elsewhere["fidelity_defined"] and elsewhere["fidelity_ratio"] < 0.1
    text = json.dumps(json_numbers({"metrics": m, "per_round": [m]}))
    assert json.loads(text)["metrics"]["fidelity_ratio"] is None and "NaN" not in text
