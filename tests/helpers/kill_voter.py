"""Votes through a session flow until killed: the kill test's scripted listener.

    python kill_voter.py FOLDER new SEED     start a session (prints "session <id>")
    python kill_voter.py FOLDER SESSION_ID SEED   resume it

Prints "voted <trial> <vote id>" once each vote is committed (and "undone <trial>",
"revoted <trial> <vote id>" around the occasional change of mind), flushing every line, then
"complete" when every trial is voted.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from helpers.experiments import scripted_answer  # noqa: E402

from hd_desktop.session import FlowSettings, Phase, SessionFlow  # noqa: E402
from hd_desktop.store import Experiment  # noqa: E402

NO_BREAKS = FlowSettings(break_every_trials=10**9, break_every_minutes=1e9)


def say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def main(folder: str, session: str, seed: int) -> None:
    rng = random.Random(seed)
    exp = Experiment.open(folder, create=False)
    if session == "new":
        trials = [s for s in exp.stimuli(0) if s.role.value != "practice"]
        flow = SessionFlow(exp, trials, order_seed=seed, settings=NO_BREAKS)
        flow.set_listener("L-kill")
        flow.instructions_read()
        flow.level_checked("dummy", -6.0)
        say(f"session {flow.session_id}")
    else:
        flow = SessionFlow.resume(exp, session, settings=NO_BREAKS)
    while flow.phase == Phase.TRIALS:
        trial = flow.current
        flow.sound_started()
        time.sleep(rng.choice((0.0, 0.0, 0.001, 0.003)))
        vote_id = flow.vote(scripted_answer(trial.stimulus))
        say(f"voted {trial.index} {vote_id}")
        if rng.random() < 0.15:  # change of mind: undo, then vote the same trial again
            flow.undo()
            say(f"undone {trial.index}")
            flow.sound_started()
            vote_id = flow.vote(scripted_answer(trial.stimulus))
            say(f"revoted {trial.index} {vote_id}")
    say("complete")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
