"""Inputs that used to meet the command line's last-resort line ("not an input the command
checks yet") now meet a check that says what is wrong (issue 22): JSON nested too deep, lone
surrogate escapes, a listener that is no Python file or module, a rating file that is a pipe."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.importing import designed_experiment, export, vote_session
from helpers.online import as_json, online_experiment, participant_rows

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("checks")
    exp, stimuli = designed_experiment(root / "exp")
    rating = export(exp, vote_session(exp, stimuli, "L1", seed=1, n=20), root / "out")
    exp.close()
    online = online_experiment(root / "online")
    rows = participant_rows(online, "P1")
    online.close()
    return root, rating, rows


def cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "hd_desktop.cli", *args], env=env,
                          capture_output=True, text=True, timeout=300)


def refused(done: subprocess.CompletedProcess, *words: str) -> None:
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "checks yet" not in done.stderr and "Traceback" not in done.stderr, done.stderr
    for w in words:
        assert w in done.stderr, done.stderr


def test_results_nested_too_deep_or_with_a_lone_surrogate(world, tmp_path):
    root, _, rows = world
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 200_000 + "]" * 200_000)
    refused(cli("import", str(root / "online"), str(deep)), f"{deep}: JSON nested too deep")
    lone = tmp_path / "lone.json"
    lone.write_text(as_json(rows).replace('"P1"', '"P\\ud8001"'))
    refused(cli("import", str(root / "online"), str(lone)), f"{lone}: holds a lone surrogate")


def test_a_rating_file_with_a_lone_surrogate_or_given_as_a_pipe(world, tmp_path):
    root, rating, _ = world
    sidecar = json.loads(rating.with_suffix(".json").read_text())
    sidecar["session"]["device"] = "Dummy \ud800 Out"
    bad = tmp_path / "ratings-bad.csv"
    shutil.copy(rating, bad)
    bad.with_suffix(".json").write_text(json.dumps(sidecar))
    refused(cli("import", "--create", str(tmp_path / "new"), str(bad)),
            f"{bad.with_suffix('.json')}: holds a lone surrogate")
    pipe = tmp_path / "ratings-pipe.csv"
    os.mkfifo(pipe)
    shutil.copy(rating.with_suffix(".json"), pipe.with_suffix(".json"))
    refused(cli("import", str(root / "exp"), str(pipe)), f"{pipe}: a pipe (FIFO)")


@pytest.mark.parametrize("spec,words", [("/etc/passwd:x", "is not a Python file (.py)"),
                                        ("..:x", "is not a module name")])
def test_a_listener_that_is_no_python_file_or_module(tmp_path, spec, words):
    refused(cli("simulate", "--listener", spec, "--out", str(tmp_path / "sim")), words)
