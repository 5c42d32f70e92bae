"""A listening session: listener id -> instructions -> level check -> practice -> trials -> summary.

The flow owns the timing of reaction times: the player reports when the sound actually started
(`sound_started(onset)`, on the flow's monotonic clock) and the reaction time runs from the
onset of the play the listener answered. Each vote is committed by the store before `vote`
returns. A flow built with `SessionFlow.resume` continues a session at its first unvoted trial,
or in its practice when the listener left during the practice (its practice session is found
by its `for_session` setting, finished when its last voice is answered, and counted at the end).
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from hd_desktop.design.order import session_order
from hd_desktop.design.stimulus import Role, Stimulus
from hd_desktop.store import Experiment, SessionKind, StoreWriteError, write_rating_file
from hd_desktop.engine.screening import gold_accuracy
from hd_desktop.store.records import Screening, utc_now
from hd_desktop.session.states import FlowSettings, Phase, Summary, Trial

_VOTING = (Phase.PRACTICE, Phase.TRIALS)


def session_screening(stimuli, votes) -> Screening:
    """The session's gold trials answered as expected, counted as the engine's screening counts
    them (engine/screening.py): one rule for the summary and for who is left out."""
    accuracy, total = gold_accuracy(stimuli, votes).get(votes[0].listener, (0.0, 0)) if votes \
        else (0.0, 0)
    return Screening(correct=round(accuracy * total), total=total)


def practice_session_of(experiment: Experiment, session_id: str):
    """The practice session started with `session_id` (SessionInfo), or None."""
    found = [s for s in experiment.sessions() if s.kind == SessionKind.PRACTICE
             and (s.settings or {}).get("for_session") == session_id]
    return found[-1] if found else None


class VoteNotSaved(StoreWriteError):
    """The store refused an answer (a full disk, a busy file); the trial stays and the answer,
    its reaction time and timestamps are kept for `retry_vote` (a `vote` retries it too)."""


class SessionFlow:
    """Drive it with the methods below; read `phase` and `current` to know what to show."""

    def __init__(self, experiment: Experiment, stimuli: Sequence[Stimulus], *,
                 practice: Sequence[Stimulus] = (), order_seed: int | None = None,
                 settings: FlowSettings = FlowSettings(),
                 clock: Callable[[], float] = time.monotonic,
                 now: Callable[[], datetime] = utc_now):
        self.experiment = experiment
        self.settings = settings
        self._clock, self._now = clock, now
        if any(s.role == Role.PRACTICE for s in stimuli):
            raise ValueError("practice stimuli go in `practice`, not among the trials")
        self.order_seed = random.SystemRandom().randrange(2**31) if order_seed is None \
            else int(order_seed)
        self.order: list[Stimulus] = session_order(list(stimuli), self.order_seed)
        self.practice: list[Stimulus] = list(practice)
        self.phase = Phase.LISTENER
        self.listener: str | None = None
        self.session_id: str | None = None
        self.practice_session_id: str | None = None
        self.device: str | None = None
        self.gain_db: float | None = None
        self._index = 0            # next trial (or practice trial) to vote
        self._paused_from = Phase.TRIALS
        self.observer: Callable | None = None   # observer(flow, kind, info): the Lab listens
        self.unsaved: dict | None = None        # an answer the store could not take yet
        self.summary: Summary | None = None     # once finished
        self._reset_presentation()
        self._break_mark = (0, clock())

    @classmethod
    def resume(cls, experiment: Experiment, session_id: str, *,
               settings: FlowSettings = FlowSettings(),
               clock: Callable[[], float] = time.monotonic,
               now: Callable[[], datetime] = utc_now) -> SessionFlow:
        """Continue a stored session at its first unvoted trial, in the order it was given."""
        info = experiment.session(session_id)
        flow = cls.__new__(cls)
        flow.experiment, flow.settings, flow._clock, flow._now = experiment, settings, clock, now
        flow.order_seed = info.order_seed
        flow.order = experiment.stimuli(ids=info.order)
        practice = practice_session_of(experiment, session_id)
        flow.practice = experiment.stimuli(ids=practice.order) if practice else []
        flow.listener, flow.session_id = info.listener, info.id
        flow.practice_session_id = practice.id if practice else None
        flow.device, flow.gain_db = info.device, info.gain_db
        flow._index = experiment.next_trial(session_id)
        flow._paused_from = Phase.TRIALS
        flow.observer, flow.unsaved, flow.summary = None, None, None
        flow.phase = Phase.TRIALS if flow._index < len(flow.order) else Phase.COMPLETE
        if practice and practice.finished_at is None and flow._index == 0:
            # left during the practice: it goes on where it stopped, in the same practice session
            flow._index = experiment.next_trial(practice.id)
            flow.phase = Phase.PRACTICE if flow._index < len(flow.practice) else flow.phase
            if flow.phase != Phase.PRACTICE:
                flow._index = 0
                experiment.finish_session(practice.id, now())
        if info.finished_at is not None:
            flow.phase = Phase.FINISHED
        flow._reset_presentation()
        flow._break_mark = (flow._index, clock())
        return flow

    # ------------------------------------------------------------------ before the trials
    def set_listener(self, listener_id: str) -> None:
        self._expect(Phase.LISTENER)
        listener_id = listener_id.strip()
        if not listener_id:
            raise ValueError("the listener id is empty")
        self.listener = listener_id
        self.phase = Phase.INSTRUCTIONS

    def instructions_read(self) -> None:
        self._expect(Phase.INSTRUCTIONS)
        self.phase = Phase.LEVEL_CHECK

    def level_checked(self, device: str | None, gain_db: float) -> None:
        """The listener set a comfortable level; the session (and its order) is stored now."""
        self._expect(Phase.LEVEL_CHECK)
        self.device, self.gain_db = device, float(gain_db)
        settings = {"break_every_trials": self.settings.break_every_trials,
                    "break_every_minutes": self.settings.break_every_minutes,
                    "carrier": self.settings.carrier}
        if self.settings.texts_sha256:
            settings["texts_sha256"] = self.settings.texts_sha256
        if self.settings.simulated:
            settings["simulated"] = True
        self.session_id = self.experiment.start_session(
            self.listener, self.settings.kind, [s.id for s in self.order], self.order_seed,
            device, gain_db, settings)
        if self.practice:
            self.practice_session_id = self.experiment.start_session(
                self.listener, SessionKind.PRACTICE, [s.id for s in self.practice], None,
                device, gain_db, {"for_session": self.session_id})
            self.phase = Phase.PRACTICE
        else:
            self.phase = Phase.TRIALS if self.order else Phase.COMPLETE
        self._index = 0
        self._break_mark = (0, self._clock())
        self._notify("started")

    def set_output(self, device: str | None, gain_db: float) -> None:
        """A new device or gain: recorded with every following vote."""
        self.device, self.gain_db = device, float(gain_db)

    # ------------------------------------------------------------------ trials
    @property
    def current(self) -> Trial | None:
        """The trial to play now, or None outside the voting phases."""
        return self._trial(self.phase) if self.phase in _VOTING else None

    @property
    def paused_trial(self) -> Trial | None:
        """The trial a paused session goes on with after `unpause`, or None when not paused."""
        return self._trial(self._paused_from) if self.phase == Phase.PAUSED else None

    def _trial(self, phase: Phase) -> Trial:
        items = self.practice if phase == Phase.PRACTICE else self.order
        return Trial(self._index, len(items), items[self._index], phase == Phase.PRACTICE)

    @property
    def plays(self) -> int:
        return self._plays

    def sound_started(self, onset: float | None = None) -> None:
        """The player reports a play's onset (flow clock; None = now). Replays count as plays."""
        if self.phase not in _VOTING:
            raise RuntimeError(f"no trial is playing in phase {self.phase.value}")
        onset = self._clock() if onset is None else float(onset)
        if self._plays == 0:
            self._presented_at = self._now() - timedelta(seconds=self._clock() - onset)
        self._plays += 1
        self._onset = onset

    def vote(self, accept: bool) -> str:
        """Commit the listener's answer to the current trial; returns the vote id.

        When the store cannot take it (a full disk), VoteNotSaved is raised and the trial stays:
        the answer, its reaction time and timestamps are kept in `unsaved` for `retry_vote`.
        """
        if self.phase not in _VOTING:
            raise RuntimeError(f"cannot vote in phase {self.phase.value}")
        if self.unsaved is not None:
            return self.retry_vote()
        if self._onset is None:
            raise RuntimeError("vote before the sound started: the player has not reported onset")
        rt_ms = (self._clock() - self._onset) * 1000.0
        if rt_ms < 0:
            raise RuntimeError("vote before the sound's onset")
        trial = self.current
        self.unsaved = {
            "session": self.practice_session_id if trial.practice else self.session_id,
            "trial": trial, "values": (trial.index, trial.stimulus.id, int(bool(accept)), rt_ms,
                                       self._plays, self._presented_at, self._now(), self.device,
                                       self.gain_db)}
        return self.retry_vote()

    def give_up_unsaved(self) -> str:
        """Forget the answer kept in `unsaved` (the trial stays); returns it in words, for a log."""
        if self.unsaved is None:
            raise RuntimeError("no unsaved answer to give up")
        pending, self.unsaved = self.unsaved, None
        index, stimulus, response, rt_ms, plays, presented, responded = pending["values"][:7]
        return (f"session {pending['session']}, trial {index}, voice {stimulus}, response "
                f"{response}, {rt_ms:.0f} ms, {plays} plays, presented {presented}, answered "
                f"{responded}")

    def retry_vote(self) -> str:
        """Store the answer kept in `unsaved` (after VoteNotSaved), then move on."""
        if self.unsaved is None:
            raise RuntimeError("no unsaved answer to store")
        pending = self.unsaved
        try:
            vote_id = self.experiment.record_vote(pending["session"], *pending["values"])
        except (sqlite3.OperationalError, OSError, StoreWriteError) as exc:
            why = "the disk is full" if "disk is full" in str(exc) else str(exc)
            raise VoteNotSaved(f"the answer to voice {pending['trial'].index + 1} could not be "
                               f"saved in {self.experiment.path}: {why}") from exc
        self.unsaved = None
        trial = pending["trial"]
        self._index += 1
        self._reset_presentation()
        if trial.practice:
            if self._index >= len(self.practice):
                # the practice is done: its session is finished now, not left open
                self.experiment.finish_session(self.practice_session_id, self._now())
                self._index = 0
                self.phase = Phase.TRIALS if self.order else Phase.COMPLETE
                self._break_mark = (0, self._clock())
        elif self._index >= len(self.order):
            self.phase = Phase.COMPLETE
        elif self._break_due():
            self.phase = Phase.BREAK
        self._notify("vote", vote_id=vote_id, trial=trial.index, practice=trial.practice)
        if self.phase == Phase.BREAK:
            self._notify("block")
        return vote_id

    def undo(self) -> bool:
        """Take back the last vote of the current run (it stays in the log); False if none."""
        if self.phase == Phase.PRACTICE:
            session = self.practice_session_id
        elif self.phase in (Phase.TRIALS, Phase.BREAK, Phase.COMPLETE):
            session = self.session_id
        else:
            raise RuntimeError(f"cannot undo in phase {self.phase.value}")
        self.unsaved = None     # an answer never stored is simply dropped
        if self.experiment.undo_last_vote(session) is None:
            return False
        self._index = self.experiment.next_trial(session)
        if self.phase != Phase.PRACTICE:
            self.phase = Phase.TRIALS
        self._reset_presentation()
        return True

    def _break_due(self) -> bool:
        done, since = self._index - self._break_mark[0], self._clock() - self._break_mark[1]
        return (done >= self.settings.break_every_trials
                or since >= 60.0 * self.settings.break_every_minutes)

    def continue_after_break(self) -> None:
        self._expect(Phase.BREAK)
        self.phase = Phase.TRIALS
        self._break_mark = (self._index, self._clock())

    def pause(self) -> None:
        """Stop the clock on this trial; after `unpause` it is played again before a vote."""
        if self.phase not in _VOTING:
            raise RuntimeError(f"cannot pause in phase {self.phase.value}")
        self._paused_from, self.phase = self.phase, Phase.PAUSED
        self._onset = None

    def unpause(self) -> None:
        self._expect(Phase.PAUSED)
        self.phase = self._paused_from
        self._break_mark = (self._break_mark[0], self._clock())

    # ------------------------------------------------------------------ the end
    def finish(self) -> Summary:
        """End the session (early or complete): mark it finished and write its rating file.
        A session ended already (the Lab ends one at its last vote) returns its summary."""
        if self.summary is not None:
            return self.summary
        if self.session_id is None or self.phase == Phase.FINISHED:
            raise RuntimeError("no running session to finish")
        exp, sid = self.experiment, self.session_id
        exp.finish_session(sid, self._now())
        if self.practice_session_id:   # a session ended during its practice
            exp.finish_session(self.practice_session_id, self._now())
        csv_path, json_path = write_rating_file(exp, sid, exp.exports_dir)
        votes = exp.votes(session_id=sid)
        practice = exp.votes(session_id=self.practice_session_id) if self.practice_session_id \
            else []
        self.phase = Phase.FINISHED
        summary = Summary(session_id=sid, listener=self.listener or "", votes=len(votes),
                          accepted=sum(v.response for v in votes), trials=len(self.order),
                          practice_votes=len(practice),
                          screening=session_screening(self.order, votes),
                          rating_csv=csv_path, rating_json=json_path)
        self.summary = summary
        self._notify("finished", summary=summary)
        return summary

    def close(self) -> None:
        """The listener's window closes; an unfinished session resumes later (votes are stored)."""
        if self.session_id is not None and self.phase != Phase.FINISHED:
            self._notify("closed")

    def _notify(self, kind: str, **info) -> None:
        if self.observer is not None:
            self.observer(self, kind, info)

    # ------------------------------------------------------------------ helpers
    def _reset_presentation(self) -> None:
        self._plays = 0
        self._onset: float | None = None
        self._presented_at: datetime | None = None

    def _expect(self, phase: Phase) -> None:
        if self.phase != phase:
            raise RuntimeError(f"expected phase {phase.value}, the session is in "
                               f"{self.phase.value}")
