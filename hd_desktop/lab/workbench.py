"""The experimenter's actions on one experiment: its voice space, its rounds, its sessions (no Qt).

The GUI and the command line both go through here, so a round designed in the app and one
designed headless are made by the same code (hd_desktop.design) and stored the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from hd_desktop.design import (PRESETS, DesignParams, RoundDesign, count_stimuli, derive_seed,
                               make_round, preset)
from hd_desktop.design.order import pick_session_stimuli
from hd_desktop.design.stimulus import Role, Stimulus
from hd_desktop.engine.config import EngineConfig
from hd_desktop.errors import UserFacingError
from hd_desktop.lab.engine_job import ENGINE_KINDS, EngineSnapshot, trial_designs
from hd_desktop.lab.engine_runs import EngineRuns
from hd_desktop.lab.events import (BlockDone, DataDecided, EvaluationReported, Events, Exported,
                                   Imported, ImportRefused, RoundCreated, SessionFinished, SessionStarted,
                                   SettingsChanged, VoteCast)
from hd_desktop.lab.exports import SIMULATED_FOLDER
from hd_desktop.lab.furniture import left_out_by_headphone_check
from hd_desktop.lab.listening import answer_session
from hd_desktop.lab.settings import LabSettings
from hd_desktop.session.flow import SessionFlow
from hd_desktop.session.states import FlowSettings, Phase
from hd_desktop.store import Experiment, SessionInfo, SessionKind
from hd_desktop.store.decisions import Action, Decision
from hd_desktop.store.sidecar import a_person_voted
from hd_desktop.voice import VoiceSpace

PRACTICE_TRIALS = 4


@dataclass(frozen=True)
class Proposal:
    """The next round's design as the Lab proposes it: its values and what they are called."""

    round: int
    params: DesignParams
    name: str               # a preset's name, or where the values came from
    note: str               # why these values


def preset_name(params: DesignParams) -> str | None:
    """The preset `params` are (seed and screening minimum aside), or None when edited."""
    plain = replace(params, seed=0, min_gold=0)
    return next((name for name, p in PRESETS.items() if replace(p, seed=0) == plain), None)


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
    """One experiment bound to one voice space: the application layer (docs/design.md 2).

    It decides the lifecycle: which update runs when (exactly one per block of votes), which
    report is written (an evaluation's, when its session finishes, resumed or not), where the
    experiment's settings live (its store). It emits `events`; windows and `simulate` only
    subscribe and drive it.
    """

    def __init__(self, folder: Path, space: VoiceSpace, *, spawn_engine: bool = True,
                 defaults: LabSettings | None = None, in_process: bool | None = None):
        """`spawn_engine`: each engine update in a process of its own (the app); False runs it
        in the driver's thread (headless, `simulate`). `in_process` is its former name."""
        self.folder = Path(folder)
        self.space = space
        self.events = Events()
        self.experiment = Experiment.open(self.folder)
        self.open = True
        try:
            self.experiment.set_space(space.fingerprint, space.info())
            self.settings = LabSettings.from_dict(self.experiment.lab_settings(),
                                                  str(self.experiment.path), defaults)
        except BaseException:
            self.experiment.close()
            raise
        self.engine = EngineRuns(
            self.events, snapshot=self.engine_snapshot, store=self.save_engine_result,
            stored=self.restore_engine_results,
            spawn=spawn_engine if in_process is None else in_process)
        self._blocks: dict[str, int] = {}     # session id -> standing votes at its last block
        self._proposal: Proposal | None = None   # the next round's design, as edited

    def stop_engine(self) -> None:
        """No more updates from now on (the app is quitting); a running engine process ends."""
        self.open = False
        self.engine.close()

    def close(self) -> None:
        self.stop_engine()
        self.experiment.close()

    # -- the experiment's settings -----------------------------------------------------------

    def set_settings(self, **changes) -> LabSettings:
        """Change and store the experiment's settings (engine preset, kept listeners, carrier,
        gain, auto update); a `settings` event tells the views."""
        new = self.settings.with_(**changes)
        if "engine_preset" in changes or "engine_overrides" in changes:
            new.engine_config()          # refuses an unknown preset or setting by name
        if new != self.settings:
            self.experiment.save_lab_settings(new.to_dict())
            old, self.settings = self.settings, new
            self.events.publish(SettingsChanged(new, frozenset(
                name for name in changes if getattr(new, name) != getattr(old, name))))
        return self.settings

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

    def model(self, round: int | None = None):
        """The latest stored model (of `round`), or None: the one answer, for every tab and
        command, to whether there is a model (to sample the next round from, to evaluate)."""
        return self.experiment.latest_model(round)

    def preview_round(self, params: DesignParams, anchors: np.ndarray | None = None) -> dict:
        """Size and listening time of the next round before anything is made (with the
        experiment's minimum of screening trials, as create_round makes it)."""
        n = len(self.space.coords if anchors is None else anchors)
        if self.settings.screen_min > params.min_gold:
            params = replace(params, min_gold=self.settings.screen_min)
        return count_stimuli(params, n)

    def propose_next_round(self, params: DesignParams, name: str, note: str = "") -> Proposal:
        """The researcher's edit of the proposal (the Experiment tab's form): the next round,
        created from any window, is made with it."""
        current = self.current_round()
        self._proposal = Proposal(0 if current is None else current.index + 1, params, name, note)
        return self._proposal

    def next_round_proposal(self) -> Proposal:
        """What the next round's design form proposes: round 0 the preset the default engine
        runs best with in this space; a later round the design of the round before it, named
        as that round's preset (or "as round N" when it was edited)."""
        from hd_desktop.engine.config import default_plan

        current = self.current_round()
        index = 0 if current is None else current.index + 1
        if self._proposal is not None and self._proposal.round == index:
            return self._proposal
        if current is None:
            name = default_plan(self.space.coords.shape[1]).design
            return Proposal(0, preset(name), name, "the preset the default engine runs best "
                            f"with in {self.space.coords.shape[1]} dimensions")
        stored = DesignParams.from_dict(current.design["params"])
        params = replace(stored, min_gold=0)    # the minimum comes from the settings then
        made = current.design.get("preset")
        name = preset_name(params) or (made if made not in (None, "custom") else
                                       f"as round {current.index}")
        return Proposal(current.index + 1, params, name,
                        f"round {current.index}'s design (its draws differ: they are seeded "
                        "by the round too)")

    def create_round(self, params: DesignParams, anchors: np.ndarray | None = None,
                     anchors_from: dict | None = None, *,
                     screening_min: int | None = None, name: str | None = None) -> RoundDesign:
        """The next round from `anchors` (round 0: the real voices), stored with its practice trials.

        Later rounds start from the samples of the latest model (docs/design.md 1.7) unless
        given other anchors; the design records where its anchors came from. The round holds
        at least the experiment's minimum of screening trials (`screening_min` overrides it:
        simulated rounds sized to a vote budget pass 0), so every session over the whole round
        and every online list judges its listener. `name` says what the values are (a preset,
        "lab-hour (edited)"); by default the preset they match, or "custom".
        """
        name = name or preset_name(params) or "custom"
        minimum = self.settings.screen_min if screening_min is None else screening_min
        if minimum > params.min_gold:
            params = replace(params, min_gold=int(minimum))
        current = self.current_round()
        index = 0 if current is None else current.index + 1
        if anchors is None and index > 0:
            model = self.model(index - 1)
            if model is None:
                raise UserFacingError(f"round {index} starts from the samples of round {index - 1}'s "
                                      "model: update the model first")
            anchors = self.experiment.samples(model_id=model.id)
            anchors_from = {"round": index - 1, "model_id": model.id}
        if anchors is None:
            anchors, anchors_from = self.space.coords, {"real": True}
        design = make_round(anchors, params, round_index=index, real=self.space.coords)
        design.design["anchors_from"] = anchors_from or {"given": True}
        design.design["preset"] = name
        practice = self._practice(index, params.seed)
        self.experiment.add_round(index, design.design, list(design.stimuli) + practice)
        self._proposal = None
        self.events.publish(RoundCreated(index, design))
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

    def new_session(self, size: int, seed: int, settings: FlowSettings | None = None, *,
                    practice: bool = True) -> SessionFlow:
        """A listener's session over the least-covered stimuli of the current round."""
        current = self.current_round()
        if current is None:
            raise UserFacingError("no round designed yet: design round 0 first")
        stimuli = self.experiment.stimuli(round=current.index)
        warm_up = [s for s in stimuli if s.role == Role.PRACTICE] if practice else []
        picked = pick_session_stimuli(stimuli, self.experiment.vote_counts(), size, seed)
        flow = SessionFlow(self.experiment, picked, practice=warm_up, order_seed=seed,
                           settings=settings or FlowSettings(carrier=self.settings.carrier))
        return self.watch_session(flow)

    def simulated_session(self, listener, size: int, seed: int, listener_id: str = "sim",
                          render: bool = False) -> str:
        """A whole session answered by a simulated listener through the same flow as a person's
        (same order, same recording), stored as kind `simulated`; returns its id."""
        flow = self.new_session(size, seed, FlowSettings(
            break_every_trials=10**9, break_every_minutes=1e9, kind=SessionKind.SIMULATED,
            carrier=self.settings.carrier), practice=False)
        answer_session(flow, listener, listener_id, self.space.render if render else None)
        return flow.session_id

    def unfinished_sessions(self) -> list[SessionInfo]:
        from hd_desktop.web.importing import SOURCE

        # an online participant who left mid-study is not resumed here, at the workstation
        return [s for s in self.experiment.sessions()
                if s.finished_at is None and s.kind != SessionKind.PRACTICE
                and s.settings.get("source") != SOURCE]

    def resume_session(self, session_id: str) -> SessionFlow:
        """The session as it was started: same order, breaks, carrier and gain. It starts
        paused: nothing plays until the listener is back in the seat and continues. A session
        whose every trial was voted is finished here (its rating file, its reports)."""
        info = self.experiment.session(session_id)
        stored = info.settings or {}
        settings = FlowSettings(
            break_every_trials=stored.get("break_every_trials", FlowSettings.break_every_trials),
            break_every_minutes=stored.get("break_every_minutes", FlowSettings.break_every_minutes),
            kind=info.kind, carrier=stored.get("carrier", "sustained"))
        flow = self.watch_session(SessionFlow.resume(self.experiment, session_id,
                                                     settings=settings))
        if flow.phase in (Phase.PRACTICE, Phase.TRIALS):
            flow.pause()
        elif flow.phase == Phase.COMPLETE:
            flow.finish()
        return flow

    def watch_session(self, flow: SessionFlow) -> SessionFlow:
        """The Lab follows `flow`: its blocks update the model, its end writes its reports."""
        flow.observer = self._session_news
        return flow

    def _session_news(self, flow: SessionFlow, kind: str, info: dict) -> None:
        """What a session's progress means for the experiment (the flow reports, this decides)."""
        if kind == "started":
            if flow.gain_db is not None:
                self.set_settings(gain_db=flow.gain_db)
            self.events.publish(SessionStarted(flow.session_id, flow.settings.kind, flow.listener))
        elif kind == "vote":
            self.events.publish(VoteCast(flow.session_id, **info))
            if flow.phase == Phase.COMPLETE:      # every trial voted: the session ends here
                flow.finish()
        elif kind in ("block", "closed"):
            self._block_done(flow)
        elif kind == "finished":
            self._block_done(flow)
            if flow.settings.kind == SessionKind.EVALUATION:
                self._evaluation_finished(flow, info["summary"])
            self.events.publish(SessionFinished(info["summary"]))

    def _block_done(self, flow: SessionFlow) -> None:
        """A block of votes ended: exactly one model update for each block with new votes
        (simulated votes the engine leaves out are no news to it)."""
        if flow.session_id is None or flow.settings.kind not in ENGINE_KINDS:
            return
        if flow.settings.kind == SessionKind.SIMULATED and not self.simulated_votes_used():
            return
        votes = self.experiment.next_trial(flow.session_id)
        if votes == self._blocks.get(flow.session_id, 0):
            return
        self._blocks[flow.session_id] = votes
        self.events.publish(BlockDone(flow.session_id, votes))
        if self.settings.auto_update and self.open:
            self.engine.request()

    def _evaluation_finished(self, flow: SessionFlow, summary) -> None:
        from hd_desktop.lab.evaluations import evaluation_report

        names = set(self.experiment.stimulus_evaluations([s.id for s in flow.order]).values())
        for name in sorted(names):
            table = evaluation_report(self, name, summary.rating_csv.parent)
            self.events.publish(EvaluationReported(name, table, str(summary.rating_csv.parent)))

    # -- evaluation (the paper's Evaluation 2) -----------------------------------------------

    def create_evaluation(self, n_each: int, seed: int, round: int | None = None) -> str:
        """The evaluation set of the latest model (of `round`): real voices and its samples."""
        from hd_desktop.lab.evaluations import create_evaluation

        return create_evaluation(self, n_each, seed, round)

    def evaluation_session(self, name: str, seed: int, settings: FlowSettings) -> SessionFlow:
        """A blind session over an evaluation set; its end writes the report (see above)."""
        from hd_desktop.lab.evaluations import evaluation_session

        return evaluation_session(self, name, seed, settings)

    def evaluation_report(self, name: str, out_dir: Path | None = None) -> dict:
        """The table of an evaluation from its votes so far (excluded listeners left out)."""
        from hd_desktop.lab.evaluations import evaluation_report

        if name not in self.experiment.evaluations():
            known = ", ".join(self.experiment.evaluations()) or "none yet"
            raise UserFacingError(f"no evaluation {name!r} in {self.experiment.path} (known: "
                                  f"{known})")
        return evaluation_report(self, name, out_dir)

    # -- rating files ----------------------------------------------------------------------

    def export_study(self, folder: Path) -> list[Path]:
        """Rating files, tidy tables and their codebook into `folder` (lab/exports.py)."""
        from hd_desktop.lab.exports import export_study

        written = export_study(self.experiment, folder)
        self.events.publish(Exported(tuple(written)))
        return written

    def export_rating_files(self, folder: Path) -> list[Path]:
        """One rating file (CSV + JSON sidecar) per session with votes, into `folder`."""
        from hd_desktop.store import write_rating_file
        from hd_desktop.store.sidecar import is_simulated

        exp = self.experiment
        try:
            Path(folder).mkdir(parents=True, exist_ok=True)
            # simulated sessions (the autopilot) apart, so they never pass for a person's
            written = [write_rating_file(exp, s.id, Path(folder) / SIMULATED_FOLDER
                                         if is_simulated(exp, s) else folder)[0]
                       for s in exp.sessions() if exp.votes(session_id=s.id)]
        except OSError as exc:
            raise UserFacingError(f"export to {folder}: {exc.strerror or exc}") from None
        self.events.publish(Exported(tuple(written)))
        return written

    def import_results(self, files) -> object:
        """Merge rating files of other workstations and results of online studies; refused
        files change nothing (an import_refused event, and the error raised). Returns
        hd_desktop.web.importing's result."""
        from hd_desktop.web.importing import import_results

        try:
            report = import_results(self.folder, files)
        except UserFacingError as exc:
            self.import_refused(files, exc)
            raise
        return self.imported(report)

    def imported(self, result) -> object:
        """News of an import done elsewhere (the app runs it on a worker thread, on its own
        connection): subscribers refresh what they show."""
        self.events.publish(Imported(result))
        return result

    def import_refused(self, files, exc: BaseException) -> str:
        """News of an import refused elsewhere (it changed nothing): why, in words."""
        message = str(exc)
        self.events.publish(ImportRefused(tuple(str(f) for f in files), message))
        return message

    # -- the engine ------------------------------------------------------------------------

    def save_engine_result(self, result, snapshot: EngineSnapshot) -> str:
        """Keep the model and its samples in the experiment (they anchor the next round)."""
        from hd_desktop.lab.results import save_result

        result.model_id = save_result(self.experiment, result, snapshot)
        return result.model_id

    def restore_engine_results(self, config: EngineConfig | None = None) -> dict:
        """The stored models of each round, ready to draw and preview after a restart."""
        from hd_desktop.lab.results import restore_results

        if self.current_round() is None:
            return {}
        return restore_results(self.experiment,
                               self.engine_snapshot(config or self.settings.engine_config()))

    def engine_snapshot(self, config: EngineConfig | None = None, seed: int | None = None,
                        keep_listeners=None) -> EngineSnapshot:
        """Everything the engine needs, copied out of the store (run the job on any thread).

        The votes it learns from: those of trial sessions, minus the excluded listeners and
        sessions (the decisions in force), minus simulated votes when people voted too and the
        settings do not ask for them. What was left out is counted in `set_aside`.
        """
        current = self.current_round()
        if current is None:
            raise UserFacingError("no round designed yet: there is nothing to learn from")
        s = self.settings
        config = s.engine_config() if config is None else config
        seed = s.engine_seed if seed is None else seed
        keep_listeners = s.keep_listeners if keep_listeners is None else keep_listeners
        sessions = {x.id: x for x in self.experiment.sessions() if x.kind in ENGINE_KINDS}
        use_simulated = self.simulated_votes_used(sessions.values())
        excluded = self.experiment.exclusions()
        failed = left_out_by_headphone_check(self.experiment, s)   # when the researcher says so
        votes, aside = [], {"excluded": 0, "simulated": 0, "headphone_check": 0}
        for v in self.experiment.votes():
            session = sessions.get(v.session_id)
            if session is None:
                continue
            if excluded.excludes(v.listener, v.session_id):
                aside["excluded"] += 1
            elif session.kind == SessionKind.SIMULATED and not use_simulated:
                aside["simulated"] += 1
            elif v.listener in failed:
                aside["headphone_check"] += 1
            else:
                votes.append(v)
        before = [m for m in self.experiment.models() if m.round <= current.index]
        previous = self.experiment.samples(model_id=before[-1].id) if before else None
        return EngineSnapshot(round=current.index, designs=trial_designs(self.experiment),
                              votes=tuple(votes), real=self.space.coords, config=config, seed=seed,
                              keep_listeners=frozenset(keep_listeners), min_gold=s.screen_min,
                              use_unjudged=s.use_unjudged, set_aside=aside,
                              previous_samples=previous)

    def simulated_votes_used(self, sessions=None) -> bool:
        """Whether the engine learns from simulated votes: when the settings ask for them, or
        when no person has voted in this experiment (a demo, `simulate`)."""
        if self.settings.use_simulated:
            return True
        if sessions is None:
            sessions = self.experiment.sessions()
        return not a_person_voted(sessions)

    # -- decisions about data ----------------------------------------------------------------

    def exclude(self, target: str, target_id: str, reason: str) -> Decision:
        """Leave a listener's or a session's votes out of the engine, the evaluation and the
        exports' counts, with a reason; nothing is deleted, `include` undoes it."""
        return self._decide(target, target_id, Action.EXCLUDE, reason)

    def include(self, target: str, target_id: str, reason: str = "included again") -> Decision:
        """Undo an exclusion (both decisions stay in the history)."""
        return self._decide(target, target_id, Action.INCLUDE, reason)

    def _decide(self, target, target_id: str, action: Action, reason: str) -> Decision:
        from hd_desktop.lab.decisions import apply

        decision = apply(self.experiment, target, target_id, action, reason)
        self.events.publish(DataDecided(decision=decision))
        return decision

    def decisions(self) -> list[Decision]:
        """Every decision about data, oldest first."""
        return self.experiment.decisions()

    def decisions_in_force(self) -> dict[tuple[str, str], Decision]:
        """(target, id) -> the exclusion in force for each excluded listener and session."""
        from hd_desktop.store.decisions import in_force

        return {(t.value, i): d for (t, i), d in in_force(self.decisions()).items()
                if d.action == Action.EXCLUDE}
