"""The stop signal (engine/stopping.py): how far an update moved the samples, beside chance."""

import json
import math

import numpy as np
import pytest

from hd_desktop.cli import main
from hd_desktop.engine.stopping import StopSignal, stop_signal


def normal_shift_energy(delta: float) -> float:
    """Energy distance of N(0, 1) and N(delta, 1) in 1-D, by hand: X - Y ~ N(delta, 2), so
    E|X - Y| = 2/sqrt(pi) e^(-delta^2/4) + delta (1 - 2 Phi(-delta/sqrt(2))), E|X - X'| = 2/sqrt(pi)."""
    phi = 0.5 * (1 + math.erf(-delta / 2))
    xy = 2 / math.sqrt(math.pi) * math.exp(-delta ** 2 / 4) + delta * (1 - 2 * phi)
    return 2 * xy - 2 * (2 / math.sqrt(math.pi))


def test_the_same_distribution_twice_is_settled():
    rng = np.random.default_rng(0)
    for k in (1, 4):
        s = stop_signal(rng.normal(size=(1000, k)), rng.normal(size=(1000, k)),
                        rng.normal(size=(500, k)) * 0.5, tolerance=0.0)
        assert s.settled and s.verdict == "settled" and s.moved <= s.chance
        assert 0 < s.chance < 0.01      # the noise of two sets of 1000 draws


def test_a_shift_is_still_changing_and_measured_in_sds():
    rng = np.random.default_rng(1)
    for delta in (0.3, 1.0):
        s = stop_signal(rng.normal(size=(1000, 1)), rng.normal(size=(1000, 1)) + delta,
                        rng.normal(size=(1000, 1)) - 2.0)
        assert s.verdict == "still changing" and s.moved > 10 * s.chance
    # the energy distance itself (its noise: the two sets' means differ by delta +/- 0.045)
    assert s.moved == pytest.approx(normal_shift_energy(1.0), rel=0.15)
    # the scale: the real voices at -2 lie as far from the new samples as two unit normals 3 apart
    assert s.reach == pytest.approx(normal_shift_energy(3.0), rel=0.15)
    assert s.relative == pytest.approx(normal_shift_energy(1.0) / normal_shift_energy(3.0), rel=0.3)


def test_a_small_move_within_the_tolerance_is_settled():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(1000, 2)), rng.normal(size=(1000, 2)) + [0.15, 0.0]
    real = rng.normal(size=(1000, 2)) + [1.0, 0.0]     # reach ~0.33: the move is ~7% of it
    strict, lenient = stop_signal(a, b, real, tolerance=0.0), stop_signal(a, b, real, tolerance=0.1)
    assert strict.moved == lenient.moved > strict.chance
    assert not strict.settled and lenient.settled
    assert "still changing" in strict.sentence() and "SD" in strict.sentence()
    assert StopSignal.from_dict(strict.to_dict()) == strict
    assert "not validated" not in strict.sentence()


def test_above_two_dimensions_the_verdict_says_it_is_not_validated():
    rng = np.random.default_rng(3)
    for k in (4, 6):
        s = stop_signal(rng.normal(size=(300, k)), rng.normal(size=(300, k)), rng.normal(size=(300, k)))
        assert s.dims == k and "not validated above 2 dimensions" in s.sentence()
    assert "inf" not in StopSignal(0.01, 0.002, 0.0, False, 2).sentence()


@pytest.mark.slow
def test_simulate_reports_the_stop_signal_of_each_round(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["simulate", "--listener", "builtin:zoo-13", "--rounds", "2", "--votes", "600",
                 "--no-audio", "--out", str(out), "--experiment", str(tmp_path / "space"),
                 "--set", "n_anchors=20", "--set", "r_pairs=4", "--set", "train_steps=300",
                 "--set", "sampler_steps=200", "--set", "n_chains=200"]) == 0
    report = json.loads((out / "report.json").read_text())
    first, second = report["stop_per_round"]
    assert first["stop"] is None      # nothing to compare the first update with
    assert second["stop"]["verdict"] in ("settled", "still changing")
    assert second["stop"]["moved"] >= 0 and second["stop"]["chance"] > 0
    assert "round 1: samples moved" in capsys.readouterr().out
