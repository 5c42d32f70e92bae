"""Whole rounds with a simulated listener, through the same Lab as the app's sessions.

`simulate` and the autopilot benchmarks drive this: each round is designed by the Lab, voted
in one session whose order and recording are the lab's own (lab/listening.py), and learned
by the Lab's one update at the session's end; the next round starts from its samples.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from hd_desktop.design import DesignParams, derive_seed, fit_to_budget
from hd_desktop.errors import UserFacingError

ORDER_STREAM = 12     # derive_seed(seed, round, ORDER_STREAM) seeds a round's session


@dataclass
class Rounds:
    """What the rounds left behind (the Lab's store holds all of it too)."""

    sessions: list[str] = field(default_factory=list)
    results: list = field(default_factory=list)          # EngineResult of each round
    timings: list[dict] = field(default_factory=list)
    votes: int = 0


def session_seed(seed: int, round_index: int) -> int:
    """The order seed of round `round_index`'s simulated session."""
    return derive_seed(seed, round_index, ORDER_STREAM)


def run_rounds(lab, listener, params: DesignParams, *, rounds: int, budget: int, seed: int,
               listener_id: str = "sim", render: bool = False) -> Rounds:
    """`rounds` rounds sharing `budget` votes (an equal share of what is left, each round; a
    round larger than its share shrinks to fit it, so every pair is voted in full)."""
    out = Rounds()
    if lab.engine.start is None:
        lab.engine.start = lab.engine.drive_here     # each round's update runs here, to its end
    failures: list[str] = []
    stop = lab.events.subscribe(lambda e: e.kind == "engine_failed" and failures.append(e.message))
    try:
        for done in range(rounds):
            left = budget - out.votes
            if left <= 0:
                break
            share = left // (rounds - done)
            t0 = time.perf_counter()
            latest = lab.engine.latest
            n_anchors = len(lab.space.coords) if latest is None else len(latest.samples)
            # sized to its share of the budget: no screening trials beyond the design's own
            design = lab.create_round(fit_to_budget(params, n_anchors, share), screening_min=0)
            r = design.design["round"]
            session = lab.simulated_session(listener, size=share, seed=session_seed(seed, r),
                                            listener_id=listener_id, render=render)
            votes = lab.experiment.next_trial(session)
            t1 = time.perf_counter()
            result = lab.engine.latest
            if failures or result is None or result.round != r:
                raise UserFacingError(f"round {r}: the model update failed: "
                                      f"{failures[-1] if failures else 'no model'}")
            out.sessions.append(session)
            out.results.append(result)
            out.votes += votes
            # the session's end ran the update: its time is the job's, not the votes'
            engine_s = result.timings.get("estimates_s", 0.0)    # the job's whole time so far
            out.timings.append({"round": r, "votes_s": t1 - t0 - engine_s, **result.timings,
                                "votes": votes, "estimates": len(result.estimates)})
    finally:
        stop()
    return out

