"""Votes through the application layer (hd_desktop.lab) until killed: the lifecycle test's seat.

    python lab_voter.py FOLDER trials SEED       a new session of the current round
    python lab_voter.py FOLDER evaluation NAME   a session over the evaluation set NAME

Opens the experiment as the app does (a Lab on the cached voice space, its settings read from
the store), prints "session <id>" once the session is stored and "voted <trial>" after each
committed vote, flushing every line.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from helpers.experiments import scripted_answer  # noqa: E402

from hd_desktop.lab import Lab  # noqa: E402
from hd_desktop.lab.evaluations import evaluation_session  # noqa: E402
from hd_desktop.lab.listening import answer_session  # noqa: E402
from hd_desktop.session import FlowSettings  # noqa: E402
from hd_desktop.voice import load_space  # noqa: E402

NO_BREAKS = FlowSettings(break_every_trials=10**9, break_every_minutes=1e9)


class Scripted:
    def vote(self, heard):
        return scripted_answer(heard.stimulus)


def say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def main(folder: str, kind: str, arg: str) -> None:
    lab = Lab(Path(folder), load_space(cache_dir=Path(folder) / "space"), spawn_engine=False)
    lab.events.subscribe(lambda e: e.kind == "session_started" and say(f"session {e.session_id}"))
    lab.events.subscribe(lambda e: e.kind == "vote" and not e.practice and say(f"voted {e.trial}"))
    if kind == "trials":
        flow = lab.new_session(size=10**6, seed=int(arg), settings=NO_BREAKS)
    else:
        flow = evaluation_session(lab, arg, seed=5, settings=NO_BREAKS)
    answer_session(flow, Scripted(), "L-life")
    say("complete")


if __name__ == "__main__":
    main(*sys.argv[1:4])
