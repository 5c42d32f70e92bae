"""Built-in simulated listeners: their shapes, lapses and bias (the engine's quality on them:
test_engine_quality_*.py)."""

import numpy as np
import pytest

from hd_desktop.design import Role, Stimulus
from hd_desktop.engine.listeners import BUILTIN, GaussianListener, Heard, Listener, shifted, wide


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


def test_every_builtin_listener_has_its_quality_pin():
    from helpers.quality import HALVES

    pinned = [name for names in HALVES.values() for name in names]
    assert sorted(pinned) == sorted(BUILTIN)   # each once, in test_engine_quality_*.py
