"""Whole rounds with a simulated listener, through the same Lab as the app's sessions.

`simulate` drives this with the engine's one round loop (engine/rounds.round_loop, the loop
the benchmarks and the engine's tests run in memory): each round is designed by the Lab, voted
in one session whose order and recording are the lab's own (lab/listening.py), and learned by
the Lab's one update at the session's end; the next round starts from its samples.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hd_desktop.design import DesignParams, RoundDesign
from hd_desktop.engine.rounds import order_seed, round_loop
from hd_desktop.errors import UserFacingError
from hd_desktop.progress import drive


@dataclass
class Rounds:
    """What the rounds left behind (the Lab's store holds all of it too)."""

    sessions: list[str] = field(default_factory=list)
    results: list = field(default_factory=list)          # EngineResult of each round
    timings: list[dict] = field(default_factory=list)
    votes: int = 0


def session_seed(seed: int, round_index: int) -> int:
    """The order seed of round `round_index`'s simulated session (engine.rounds.order_seed)."""
    return order_seed(seed, round_index)


class LabRounds(Rounds):
    """round_loop's steps in a Lab: its rounds, a simulated session each, its engine updates."""

    def __init__(self, lab, listener, *, listener_id: str = "sim", render: bool = False):
        super().__init__()
        self.lab, self.listener, self.listener_id, self.render = lab, listener, listener_id, render
        self.failures: list[str] = []

    def anchors(self) -> int:
        latest = self.lab.engine.latest
        return len(self.lab.space.coords) if latest is None else len(latest.samples)

    def design(self, params: DesignParams) -> RoundDesign:
        # sized to its share of the budget: no screening trials beyond the design's own
        return self.lab.create_round(params, screening_min=0)

    def vote(self, design: RoundDesign, size: int, order_seed: int):
        # the session's end runs the round's update (the Lab's one update per block)
        session = self.lab.simulated_session(self.listener, size=size, seed=order_seed,
                                             listener_id=self.listener_id, render=self.render)
        self.sessions.append(session)
        return self.lab.experiment.next_trial(session)
        yield  # a generator with no progress of its own: the engine's goes out as Lab events

    def learn(self, design: RoundDesign, votes: int, votes_s: float):
        r, result = design.design["round"], self.lab.engine.latest
        if self.failures or result is None or result.round != r:
            raise UserFacingError(f"round {r}: the model update failed: "
                                  f"{self.failures[-1] if self.failures else 'no model'}")
        self.results.append(result)
        self.votes += votes
        # the session's end ran the update: its time is the job's, not the votes'
        engine_s = result.timings.get("estimates_s", 0.0)    # the job's whole time so far
        self.timings.append({"round": r, "votes_s": votes_s - engine_s, **result.timings,
                             "votes": votes, "estimates": len(result.estimates)})
        return
        yield


def run_rounds(lab, listener, params: DesignParams, *, rounds: int, budget: int, seed: int,
               listener_id: str = "sim", render: bool = False) -> Rounds:
    """`rounds` rounds sharing `budget` votes in `lab` (engine.rounds.round_loop)."""
    steps = LabRounds(lab, listener, listener_id=listener_id, render=render)
    if lab.engine.start is None:
        lab.engine.start = lab.engine.drive_here     # each round's update runs here, to its end
    stop = lab.events.subscribe(
        lambda e: e.kind == "engine_failed" and steps.failures.append(e.message))
    try:
        drive(round_loop(steps, params, rounds=rounds, budget=budget, seed=seed))
    finally:
        stop()
    return Rounds(steps.sessions, steps.results, steps.timings, steps.votes)
