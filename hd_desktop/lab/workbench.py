"""The experimenter's actions on one experiment: its voice space, its rounds, its sessions (no Qt).

The GUI and the command line both go through here, so a round designed in the app and one
designed headless are made by the same code (hd_desktop.design) and stored the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hd_desktop.design import DesignParams, RoundDesign, count_stimuli, derive_seed, make_round
from hd_desktop.design.order import pick_session_stimuli, session_order
from hd_desktop.design.stimulus import Role, Stimulus
from hd_desktop.engine.config import EngineConfig
from hd_desktop.errors import UserFacingError
from hd_desktop.lab.engine_job import EngineSnapshot, trial_designs
from hd_desktop.session.flow import SessionFlow
from hd_desktop.session.states import FlowSettings
from hd_desktop.store import Experiment, NewVote, SessionInfo, SessionKind
from hd_desktop.store.records import utc_now
from hd_desktop.voice import VoiceSpace

PRACTICE_TRIALS = 4
ENGINE_KINDS = (SessionKind.TRIALS, SessionKind.SIMULATED)   # votes that feed the estimates


@dataclass(frozen=True)
class RoundStatus:
    index: int
    n_stimuli: int
    votes: int                 # standing votes on the round's trial stimuli
    covered: int               # stimuli with at least one vote
    design: dict

    @property
    def complete(self) -> bool:
        return self.covered >= self.n_stimuli


class Lab:
    """One experiment bound to one voice space."""

    def __init__(self, folder: Path, space: VoiceSpace):
        self.folder = Path(folder)
        self.space = space
        self.experiment = Experiment.open(self.folder)
        self.experiment.set_space(space.fingerprint, space.info())

    def close(self) -> None:
        self.experiment.close()

    # -- rounds ----------------------------------------------------------------------------

    def rounds(self) -> list[RoundStatus]:
        counts = self.experiment.vote_counts()
        out = []
        for index, design in sorted(self.experiment.rounds().items()):
            trials = [s for s in self.experiment.stimuli(round=index) if s.role != Role.PRACTICE]
            voted = [counts.get(s.id, (0, 0))[1] for s in trials]
            out.append(RoundStatus(index, len(trials), sum(voted), sum(v > 0 for v in voted), design))
        return out

    def current_round(self) -> RoundStatus | None:
        rounds = self.rounds()
        return rounds[-1] if rounds else None

    def preview_round(self, params: DesignParams, anchors: np.ndarray | None = None) -> dict:
        """Size and listening time of the next round before anything is made."""
        n = len(self.space.coords if anchors is None else anchors)
        return count_stimuli(params, n)

    def create_round(self, params: DesignParams, anchors: np.ndarray | None = None,
                     anchors_from: dict | None = None) -> RoundDesign:
        """The next round from `anchors` (round 0: the real voices), stored with its practice trials.

        Later rounds start from the samples of the latest model (DESIGN.md 1.7) unless given
        other anchors; the design records where its anchors came from.
        """
        current = self.current_round()
        index = 0 if current is None else current.index + 1
        if anchors is None and index > 0:
            model = self.experiment.latest_model(index - 1)
            if model is None:
                raise UserFacingError(f"round {index} starts from the samples of round {index - 1}'s "
                                      "model: update the model first")
            anchors = self.experiment.samples(model_id=model.id)
            anchors_from = {"round": index - 1, "model_id": model.id}
        if anchors is None:
            anchors, anchors_from = self.space.coords, {"real": True}
        design = make_round(anchors, params, round_index=index, real=self.space.coords)
        design.design["anchors_from"] = anchors_from or {"given": True}
        practice = self._practice(index, params.seed)
        self.experiment.add_round(index, design.design, list(design.stimuli) + practice)
        return design

    def _practice(self, round_index: int, seed: int) -> list[Stimulus]:
        """Practice voices: real voices and one far outside, so the listener hears both ends."""
        rng = np.random.default_rng(derive_seed(seed, round_index, 99))
        real = self.space.coords
        picks = rng.choice(len(real), size=PRACTICE_TRIALS - 1, replace=False)
        points = [real[i] for i in picks]
        far = rng.standard_normal(real.shape[1])
        points.insert(1, 8.0 * far / np.linalg.norm(far))
        return [Stimulus(f"r{round_index}-practice-{i}", round_index, Role.PRACTICE,
                         tuple(float(v) for v in z), derive_seed(seed, round_index, 99, i))
                for i, z in enumerate(points)]

    # -- sessions --------------------------------------------------------------------------

    def new_session(self, size: int, seed: int, settings: FlowSettings = FlowSettings()) -> SessionFlow:
        """A listener's session over the least-covered stimuli of the current round."""
        current = self.current_round()
        if current is None:
            raise UserFacingError("no round designed yet: design round 0 first")
        stimuli = self.experiment.stimuli(round=current.index)
        practice = [s for s in stimuli if s.role == Role.PRACTICE]
        picked = pick_session_stimuli(stimuli, self.experiment.vote_counts(), size, seed)
        return SessionFlow(self.experiment, picked, practice=practice, order_seed=seed,
                           settings=settings)

    def simulated_session(self, listener, size: int, seed: int, listener_id: str = "sim",
                          render: bool = False) -> str:
        """A whole session answered by a simulated listener, stored like any other (kind simulated)."""
        from hd_desktop.engine.listeners import Heard

        current = self.current_round()
        if current is None:
            raise UserFacingError("no round designed yet: design round 0 first")
        picked = pick_session_stimuli(self.experiment.stimuli(round=current.index),
                                      self.experiment.vote_counts(), size, seed)
        order = session_order(picked, seed)
        session_id = self.experiment.start_session(
            listener_id, SessionKind.SIMULATED, [s.id for s in order], seed, None, None,
            {"listener": type(listener).__name__, "rendered": render})
        votes = []
        for i, s in enumerate(order):
            audio, rate = self.space.render(s.z) if render else (None, None)
            now = utc_now()
            votes.append(NewVote(i, s.id, int(bool(listener.vote(Heard(s, audio, rate)))), 0.0, 1,
                                 now, now))
        self.experiment.record_votes(session_id, votes)
        self.experiment.finish_session(session_id)
        return session_id

    def unfinished_sessions(self) -> list[SessionInfo]:
        return [s for s in self.experiment.sessions()
                if s.finished_at is None and s.kind != SessionKind.PRACTICE]

    def resume_session(self, session_id: str) -> SessionFlow:
        """The session as it was started: same order, same breaks, same carrier."""
        info = self.experiment.session(session_id)
        stored = info.settings or {}
        settings = FlowSettings(
            break_every_trials=stored.get("break_every_trials", FlowSettings.break_every_trials),
            break_every_minutes=stored.get("break_every_minutes", FlowSettings.break_every_minutes),
            kind=info.kind, carrier=stored.get("carrier", "sustained"))
        return SessionFlow.resume(self.experiment, session_id, settings=settings)

    # -- the engine ------------------------------------------------------------------------

    def save_engine_result(self, result, snapshot: EngineSnapshot) -> str:
        """Keep the model and its samples in the experiment (they anchor the next round)."""
        from hd_desktop.lab.results import save_result

        result.model_id = save_result(self.experiment, result, snapshot)
        return result.model_id

    def restore_engine_results(self, config: EngineConfig) -> dict:
        """The stored models of each round, ready to draw and preview after a restart."""
        from hd_desktop.lab.results import restore_results

        if self.current_round() is None:
            return {}
        return restore_results(self.experiment, self.engine_snapshot(config))

    def engine_snapshot(self, config: EngineConfig, seed: int = 0,
                        keep_listeners=()) -> EngineSnapshot:
        """Everything the engine needs, copied out of the store (run the job on any thread)."""
        current = self.current_round()
        if current is None:
            raise UserFacingError("no round designed yet: there is nothing to learn from")
        sessions = {s.id for s in self.experiment.sessions() if s.kind in ENGINE_KINDS}
        votes = tuple(v for v in self.experiment.votes() if v.session_id in sessions)
        return EngineSnapshot(round=current.index, designs=trial_designs(self.experiment),
                              votes=votes, real=self.space.coords, config=config, seed=seed,
                              keep_listeners=frozenset(keep_listeners))
