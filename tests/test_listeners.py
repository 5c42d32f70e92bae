"""Built-in simulated listeners, and the engine reaching their acceptable region (the issue's targets)."""

import numpy as np
import pytest

from hd_desktop.design import Role, Stimulus, preset
from hd_desktop.engine.config import engine_preset
from hd_desktop.engine.listeners import BUILTIN, GaussianListener, Heard, Listener, shifted, wide
from hd_desktop.engine.metrics import evaluate
from hd_desktop.engine.rounds import run_rounds, run_to_end


def heard(z):
    return Heard(Stimulus("s", 0, Role.NES_PLUS, tuple(z), 0))


def test_probability_shapes():
    w = wide(lapse=0.0)
    assert w.probability([0.0, 0.0]) == 1.0
    assert w.probability([2.0, 0.0]) == pytest.approx(np.exp(-0.5))
    np.testing.assert_allclose(w.probability(np.array([[0, 2.0], [2.0, 0]])), [np.exp(-0.5)] * 2)
    s = shifted()
    assert s.probability([1.0, -0.5]) == 1.0  # centred off the data
    along = np.array([np.cos(np.pi / 6), np.sin(np.pi / 6)])
    assert s.probability(np.array([1.0, -0.5]) + 2.5 * along) == pytest.approx(np.exp(-0.5))
    assert s.probability(np.array([1.0, -0.5]) + 1.2 * along[::-1] * [-1, 1]) == pytest.approx(
        np.exp(-0.5))
    assert len(s.probability(np.zeros((3, 4)))) == 3  # any number of dimensions
    assert isinstance(w, Listener)


def test_lapses_and_bias():
    sure_no = GaussianListener(widths=(0.01,), centre=(50.0,), lapse=0.2, seed=0)
    rate = np.mean([sure_no.vote(heard([0.0, 0.0])) for _ in range(4000)])
    assert rate == pytest.approx(0.1, abs=0.02)  # lapses answer at random: half of 20%
    # the expected share of natural answers, 0.2 / 2 + 0.8 p: p ~ 0 far away, p = 1 at the centre
    assert sure_no.answer_rate([0.0, 0.0]) == pytest.approx(0.1)
    assert GaussianListener(widths=(1.0,), lapse=0.2).answer_rate(np.zeros((2, 2))) == \
        pytest.approx([0.9, 0.9])
    lenient = wide(bias=2.0)
    assert lenient.probability([2.0, 0.0]) > wide().probability([2.0, 0.0])
    a, b = wide(seed=4), wide(seed=4)
    assert [a.vote(heard([1.0, 1.0])) for _ in range(50)] == [b.vote(heard([1.0, 1.0]))
                                                              for _ in range(50)]


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    """The real data: the bundled corpus's voice space (built once into a temporary cache)."""
    from hd_desktop.voice import load_space
    return load_space(cache_dir=tmp_path_factory.mktemp("space"), k=2).coords


@pytest.fixture(scope="module")
def one_torch_thread():
    """Torch on one thread: sums add up in one order, so the figures below are the same on any
    machine and under any load (tests/conftest.py sets OMP_NUM_THREADS; this makes sure)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


QUALITY_SEEDS = (0, 1, 2)   # one run is one draw of the listener's lapses: judge the median


@pytest.mark.slow
@pytest.mark.timeout(3600)  # three runs of 3000 votes; on a loaded 2-core machine 6 minutes each
@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_default_settings_reach_the_targets(name, real, one_torch_thread):
    runs = []
    for seed in QUALITY_SEEDS:
        listener = BUILTIN[name](seed=seed, lapse=0.05)
        h = run_to_end(run_rounds(listener, real, preset("default"), engine_preset("default"),
                                  rounds=3, budget=3000, seed=seed))
        assert len(h.votes) <= 3100
        m = evaluate(h.samples[-1], real, listener.probability, seed=seed)
        runs.append({"fidelity_ratio": m["fidelity_ratio"], "spread_ratio": m["spread_ratio"],
                     "acceptance_ratio": m["acceptance_samples"] / m["acceptance_target"]})
    median = {key: float(np.median([r[key] for r in runs])) for key in runs[0]}
    assert median["fidelity_ratio"] <= 0.35, runs
    assert median["spread_ratio"] > 1.2, runs
    assert median["acceptance_ratio"] >= 0.9, runs
