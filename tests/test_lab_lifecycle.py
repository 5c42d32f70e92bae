"""A whole experiment through the application layer, with no Qt, killed twice on the way.

round 0 -> a session -> SIGKILL -> resume -> finish -> exactly one model -> evaluation ->
SIGKILL -> resume -> its table written -> the next round from the model's samples.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.experiments import scripted_answer

from hd_desktop.design import DesignParams
from hd_desktop.lab import Lab
from hd_desktop.lab.evaluations import create_evaluation
from hd_desktop.lab.listening import answer_session
from hd_desktop.store import SessionKind
from hd_desktop.voice import load_space

HELPER = Path(__file__).parent / "helpers" / "lab_voter.py"
FAST = {"train_steps": 150, "n_chains": 120, "sampler_steps": 150}


class Scripted:
    def vote(self, heard):
        return scripted_answer(heard.stimulus)


def vote_until_killed(folder: Path, kind: str, arg: str, kill_after: int) -> str:
    """Run the helper; SIGKILL it once `kill_after` votes are committed. Returns the session."""
    proc = subprocess.Popen([sys.executable, str(HELPER), str(folder), kind, arg],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    session, votes = None, 0
    try:
        for line in proc.stdout:
            word, value = line.split()[:2] + [""] * (2 - len(line.split()))
            if word == "session":
                session = value
            elif word == "voted":
                votes += 1
                if votes >= kill_after:
                    os.kill(proc.pid, signal.SIGKILL)
                    break
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read()
    assert session is not None
    return session


@pytest.mark.slow
def test_a_whole_lifecycle_through_the_lab_survives_two_kills(tmp_path):
    folder = tmp_path / "exp"
    space = load_space(cache_dir=folder / "space")
    lab = Lab(folder, space, spawn_engine=False)
    lab.engine.start = lab.engine.drive_here             # updates run here, as simulate's do
    events = []
    lab.events.subscribe(lambda e: events.append(e.kind))
    lab.set_settings(engine_overrides=FAST)      # the helper process reads them from the store
    lab.create_round(DesignParams(n_anchors=8, m_neighbours=2, r_pairs=3, gold_rate=0.1, seed=2))
    n_trials = lab.current_round().n_stimuli

    session = vote_until_killed(folder, "trials", "7", kill_after=20)
    assert lab.unfinished_sessions()[0].id == session
    flow = lab.resume_session(session)
    assert flow.paused_trial.index == 20                 # nothing lost, nothing doubled
    summary = answer_session(flow, Scripted(), "L-life")
    assert summary.votes == n_trials
    models = lab.experiment.models()
    assert len(models) == 1                              # one finished session, one update
    assert events.count("block_done") == 1 and events.count("model_stored") == 1
    flow.close()                                         # the window closing after the end
    assert len(lab.experiment.models()) == 1
    model = lab.engine.latest
    assert model.model_id == models[0].id and model.votes_used == n_trials

    name = create_evaluation(lab, n_each=10, seed=5)
    evaluation = vote_until_killed(folder, "evaluation", name, kill_after=6)
    assert lab.experiment.session(evaluation).kind == SessionKind.EVALUATION
    flow = lab.resume_session(evaluation)
    summary = answer_session(flow, Scripted(), "L-life")
    assert summary.votes == 20
    assert events.count("evaluation_report") == 1       # written though the session resumed
    written = summary.rating_csv.parent / f"evaluation-{name}-evaluation.json"
    table = json.loads(written.read_text())
    assert table["groups"]["real"]["votes"] == table["groups"]["sampled"]["votes"] == 10
    assert len(lab.experiment.models()) == 1             # evaluations never train the model

    nxt = lab.create_round(DesignParams(n_anchors=8, m_neighbours=2, r_pairs=3, gold_rate=0.1,
                                        seed=3))
    assert nxt.design["anchors_from"] == {"round": 0, "model_id": models[0].id}
    samples = lab.experiment.samples(model_id=models[0].id)
    anchors = [s for s in nxt.stimuli if s.role.value.startswith("nes")]
    assert anchors and len(samples) == FAST["n_chains"]
    lab.close()


@pytest.mark.slow
def test_the_experiments_settings_survive_a_restart(tmp_path):
    from hd_desktop.errors import UserFacingError
    from hd_desktop.lab import LabSettings

    folder = tmp_path / "exp"
    space = load_space(cache_dir=folder / "space")
    lab = Lab(folder, space, defaults=LabSettings(carrier="sentence", gain_db=-3.0))
    assert (lab.settings.carrier, lab.settings.gain_db) == ("sentence", -3.0)   # a new one
    seen = []
    lab.events.subscribe(seen.append)
    lab.set_settings(engine_preset="paper", keep_listeners={"L2", "L1"}, gain_db=-9.0,
                     auto_update=False, engine_overrides={"n_chains": 50})
    lab.set_settings(gain_db=-9.0)                       # no change, no event
    assert [e.kind for e in seen] == ["settings"]
    with pytest.raises(UserFacingError, match="no engine preset 'fast'"):
        lab.set_settings(engine_preset="fast")
    lab.close()

    again = Lab(folder, space, defaults=LabSettings(carrier="sustained"))
    s = again.settings
    assert (s.engine_preset, s.keep_listeners, s.carrier, s.gain_db, s.auto_update) == \
        ("paper", ("L1", "L2"), "sentence", -9.0, False)
    assert s.engine_config().n_chains == 50 and s.engine_config().loss == "paper"
    again.close()
