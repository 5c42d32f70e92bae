"""The outside judge of benchmarks/outside_judge.py without its predictor (no benchmark extra): the
threshold chosen from the real voices' MOS, and the votes given a stub predictor."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from hd_desktop.design.stimulus import Role, Stimulus
from hd_desktop.engine.listeners import Heard, Listener
from helpers.benchmarks import load_benchmark


@pytest.fixture(scope="module")
def oj():
    module = load_benchmark("outside_judge")
    assert "speechmos" not in sys.modules and "onnxruntime" not in sys.modules
    return module


def test_the_threshold_accepts_the_stated_share_of_the_real_voices(oj):
    mos = np.array([3.1, 4.0, 3.5, 3.9, 3.3, 3.7, 3.6, 3.8, 3.4, 3.2])
    t = oj.choose_threshold(mos, 0.8)            # two of ten rejected: 3.1 and 3.2
    assert t == pytest.approx(3.25)
    assert np.mean(mos > t) == pytest.approx(0.8)
    assert np.mean(mos > oj.choose_threshold(mos, 0.96)) == pytest.approx(1.0)   # 9.6 -> 10
    assert np.mean(mos > oj.choose_threshold(mos, 0.5)) == pytest.approx(0.5)
    assert oj.choose_threshold(mos, 0.0) > mos.max()
    with pytest.raises(ValueError):
        oj.choose_threshold([], 0.9)
    with pytest.raises(ValueError):
        oj.choose_threshold(mos, 1.5)


def _heard(z):
    return Heard(Stimulus(id="s", round=0, role=Role.GOLD_REAL, z=tuple(z), seed=0))


def test_the_judge_votes_by_the_predicted_mos_and_hears_each_point_once(oj):
    heard = []

    def render(z):
        heard.append(tuple(z))
        return np.full(160, z[0], dtype=np.float32), 16000

    def predict(audio, sr):       # a stub: the MOS is 3 + the first coordinate
        assert sr == 16000
        return 3.0 + float(audio[0])

    judge = oj.OutsideJudge(render, predict, threshold=3.5, lapse=0.0, seed=1)
    assert isinstance(judge, Listener)
    assert judge.vote(_heard((1.0, 0.0))) is True
    assert judge.vote(_heard((0.2, 5.0))) is False
    assert judge.vote(_heard((1.0, 0.0))) is True
    assert heard == [(1.0, 0.0), (0.2, 5.0)]
    assert judge.probability(np.array([1.0, 0.0])) == 1.0
    assert judge.probability(np.array([[0.6, 0.0], [0.4, 0.0]])).tolist() == [1.0, 0.0]


def test_its_lapses_are_seeded_coin_flips(oj):
    def judge(seed):
        return oj.OutsideJudge(lambda z: (np.zeros(16), 16000), lambda a, sr: 5.0, threshold=3.5,
                               lapse=0.5, seed=seed)

    a, b = judge(7), judge(7)
    votes = [a.vote(_heard((0.0, 0.0))) for _ in range(400)]
    assert votes == [b.vote(_heard((0.0, 0.0))) for _ in range(400)]
    assert 0.65 < np.mean(votes) < 0.85          # accepted, but a lapse's coin flip: 1 - 0.5 / 2
    assert votes != [judge(8).vote(_heard((0.0, 0.0))) for _ in range(400)]


def test_p_star_on_a_grid_is_the_nearest_nodes_acceptance_and_nothing_off_it(oj):
    axes = [np.array([-1.0, 0.0, 1.0]), np.array([0.0, 2.0])]
    accepted = np.array([[1, 0], [0, 1], [1, 1]], dtype=bool)
    p = oj.GridAcceptance(axes, accepted)
    z = np.array([[-1.2, 0.4], [0.3, 1.2], [0.6, -0.9], [1.4, 2.9], [1.6, 0.0], [0.0, -1.1]])
    assert p(z).tolist() == [1.0, 1.0, 1.0, 1.0, 0.0, 0.0]
    assert p(np.array([[-0.9, 1.8]])).tolist() == [0.0]
