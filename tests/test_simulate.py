"""`hd-desktop simulate` end to end with a listener class defined in a file outside the project."""

import csv
import json
import textwrap

import numpy as np
import pytest

from hd_desktop.cli import main
from hd_desktop.engine.loading import load_listener
from hd_desktop.errors import UserFacingError

LISTENER = textwrap.dedent('''
    import numpy as np

    class Picky:
        """Accepts voices within about two SD of the centre; sees only z."""
        def __init__(self):
            self.rng = np.random.default_rng(1)
        def probability(self, z):
            z = np.asarray(z, float)
            return np.exp(-(z ** 2).sum(-1) / 8.0)
        def vote(self, stimulus):
            return bool(self.rng.uniform() < self.probability(stimulus.z))

    def make():
        return Picky()

    instance = Picky()
    nothing = 3
''')


@pytest.fixture
def listener_file(tmp_path):
    path = tmp_path / "elsewhere" / "my_listener.py"
    path.parent.mkdir()
    path.write_text(LISTENER)
    return path


@pytest.fixture(scope="module")
def space_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("exp")


def test_loading_listeners_by_every_kind_of_name(listener_file):
    for attr in ("Picky", "make", "instance"):
        assert hasattr(load_listener(f"{listener_file}:{attr}"), "vote")
    assert load_listener("builtin:shifted", seed=2).name == "shifted"
    assert hasattr(load_listener("hd_desktop.engine.listeners:wide"), "probability")
    for bad in (f"{listener_file}:nothing", f"{listener_file}:Missing", "builtin:nope",
                "no/such/file.py:X", "no_such_module_xyz:X", "justaname"):
        with pytest.raises(UserFacingError):
            load_listener(bad)


@pytest.mark.slow
def test_simulate_with_a_listener_from_a_file(listener_file, tmp_path, space_dir):
    out = tmp_path / "run"
    rc = main(["simulate", "--listener", f"{listener_file}:Picky", "--rounds", "2",
               "--votes", "600", "--no-audio", "--out", str(out), "--experiment", str(space_dir),
               "--set", "n_anchors=20", "--set", "r_pairs=4", "--set", "train_steps=300",
               "--set", "sampler_steps=200", "--set", "n_chains=200"])
    assert rc == 0
    report = json.loads((out / "report.json").read_text())
    used = report["votes_used"]  # each round sized to its 300 votes, so no pair is half voted
    assert 570 <= used <= 600 and report["rounds"] == 2
    assert report["design"]["r_pairs"] == 4 and report["engine"]["n_chains"] == 200
    assert {"fidelity_ratio", "acceptance_samples", "acceptance_target", "acceptance_real",
            "spread_ratio"} <= set(report["metrics"])
    assert len(report["timings"]) == 2
    rows = list(csv.reader((out / "samples.csv").open()))
    assert rows[0] == ["z1", "z2"] and len(rows) == 201
    assert list(csv.reader((out / "real.csv").open()))[0] == ["z1", "z2"]
    ratings = sorted(out.glob("ratings-*.csv"))
    assert len(ratings) == 2
    n_votes = sum(len(list(csv.DictReader(p.open()))) for p in ratings)
    assert n_votes == used
    assert (out / "model.pt").stat().st_size > 0 and (out / "map.png").stat().st_size > 10_000
    samples = np.loadtxt(out / "samples.csv", delimiter=",", skiprows=1)
    assert np.isfinite(samples).all()
    from hd_desktop.store import Experiment
    with Experiment.open(out, create=False) as exp:  # the run is an experiment the app can open
        assert sorted(exp.rounds()) == [0, 1] and len(exp.votes()) == used
        trials = [s.id for s in exp.stimuli() if s.role.value != "practice"]
        assert sorted(v.stimulus_id for v in exp.votes()) == sorted(trials)  # every one voted
        assert len(exp.models()) == 2 and exp.models(1)[0].curve
        assert np.allclose(exp.samples(round=1), samples)


def test_simulate_refuses_bad_settings(tmp_path, capsys):
    assert main(["simulate", "--out", str(tmp_path / "x"), "--set", "bogus=1"]) == 2
    assert "bogus" in capsys.readouterr().err
    assert main(["simulate", "--out", str(tmp_path / "x"), "--listener", "builtin:nope"]) == 2


@pytest.mark.slow
def test_simulate_refuses_to_overwrite_an_earlier_run(tmp_path, tmp_home):
    import subprocess
    import sys

    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "experiment.sqlite").write_bytes(b"an earlier run")
    done = subprocess.run([sys.executable, "-m", "hd_desktop.cli", "simulate", "--listener",
                           "builtin:wide", "--out", str(tmp_path / "run"), "--no-audio"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "already holds a run" in done.stderr
    assert (tmp_path / "run" / "experiment.sqlite").read_bytes() == b"an earlier run"


@pytest.mark.slow
def test_simulate_in_four_dimensions_runs_the_gp_engine_in_five_rounds_by_default(tmp_path,
                                                                                 space_dir):
    out = tmp_path / "run"
    rc = main(["simulate", "--listener", "builtin:curved", "--dims", "4", "--votes", "500",
               "--no-audio", "--out", str(out), "--experiment", str(space_dir),
               "--set", "screen_threshold=0", "--set", "train_steps=200",
               "--set", "sampler_steps=100", "--set", "n_chains=100"])
    assert rc == 0
    report = json.loads((out / "report.json").read_text())
    assert report["rounds"] == 5 and report["engine"]["loss"] == "gp"
    assert len(report["round_designs"]) == 5 and 400 <= report["votes_used"] <= 500
    assert np.isfinite(np.loadtxt(out / "samples.csv", delimiter=",", skiprows=1)).all()
