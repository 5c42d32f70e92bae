"""SIGKILL between storing a model and storing its samples: the previous good model stays the
latest, every stored model has its samples, and the next round can take them as anchors."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
from helpers.experiments import make_experiment

from hd_desktop.store import Experiment

HELPER = Path(__file__).parent / "helpers" / "kill_model_saver.py"


def _save(folder: Path, count: int, pause: float, kill_at: str | None) -> list[list[str]]:
    """Run the helper; SIGKILL it when it prints a line starting with `kill_at`."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
    proc = subprocess.Popen([sys.executable, str(HELPER), str(folder), str(count), str(pause)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    lines = []
    try:
        for line in proc.stdout:
            lines.append(line.split())
            if kill_at is not None and line.startswith(kill_at):
                os.kill(proc.pid, signal.SIGKILL)
                break
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        err = proc.stderr.read()
        proc.stdout.close()
        proc.stderr.close()
    expected = -signal.SIGKILL if kill_at is not None else 0
    assert proc.returncode == expected, err
    return lines


def _check(folder: Path, saved: list[str]) -> None:
    with Experiment.open(folder, create=False) as exp:
        models = [m.id for m in exp.models()]
        assert models == saved  # the killed save left no model behind
        for model_id in models:
            assert [s.model_id for s in exp.sample_sets(model_id=model_id)] == [model_id]
        latest = exp.latest_model()
        anchors = exp.samples(model_id=latest.id)
        assert anchors.ndim == 2 and anchors.shape == (50, 2) and np.all(np.isfinite(anchors))


def test_a_kill_between_model_and_samples_leaves_the_previous_model_in_charge(tmp_path):
    folder = tmp_path / "e"
    make_experiment(folder)[0].close()
    saved = [w[1] for w in _save(folder, 1, 0.0, None) if w[0] == "saved"]
    assert len(saved) == 1
    for attempt in range(3):
        lines = _save(folder, 3, 5.0, "between")
        assert lines[-1][0] == "between"
        _check(folder, saved)
    # a kill after some saves completed: those stay, the interrupted one is gone
    lines = _save(folder, 3, 0.05, "between 2")
    saved += [w[1] for w in lines if w[0] == "saved"]
    assert len(saved) == 3
    _check(folder, saved)
