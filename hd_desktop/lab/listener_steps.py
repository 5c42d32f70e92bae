"""The steps of a listener's session in the order the Lab decides them (no Qt): the listener's
id, the Intake's steps before the trials (consent, questionnaire, headphone check at the level
just set), the trials with their breaks and pauses, and when an answer, an undo or a new gain
is taken. The listener's window (gui/session_window.py) shows the page `page` names and calls
these with what the listener did; it decides none of it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hd_desktop.session.flow import SessionFlow, VoteNotSaved
from hd_desktop.session.states import Phase

VOTING = (Phase.PRACTICE, Phase.TRIALS)
BEFORE_TRIALS = (Phase.LISTENER, Phase.INSTRUCTIONS, Phase.LEVEL_CHECK)
RETRY_MS = 1000             # an answer the disk could not take is saved again this often


@dataclass(frozen=True)
class Answer:
    """What became of an answer: stored (`vote_id`), or kept with its reaction time while the
    store refuses it (`refused`): the trial stays, and `retry` is due in `retry_ms`. `told`:
    the first refusal of this answer, logged here and shown by the window (later ones only
    retry)."""

    vote_id: str | None = None
    refused: VoteNotSaved | None = None
    told: bool = False

    @property
    def retry_ms(self) -> int | None:
        return RETRY_MS if self.refused is not None else None


class ListenerSteps:
    """One session's way from the listener's id to its end; `intake` (session.intake.Intake)
    is None when nothing is asked (a resumed session, a simulated listener's); `log_folder`:
    where errors.log keeps an answer the disk refused (the experiment's folder)."""

    def __init__(self, flow: SessionFlow, intake=None, log_folder=None):
        self.flow, self.intake, self.log_folder = flow, intake, log_folder
        self.simulated = False      # an autopilot in the seat: it is asked nothing

    @property
    def voting(self) -> bool:
        return self.flow.phase in VOTING

    def page(self) -> str:
        """The page shown now: a step before the instructions ("consent", "declined",
        "questionnaire") while one is owed, else the phase's ("trials", "break", ...)."""
        before = self.intake.step_before_instructions if self.intake is not None else None
        if before is not None and self.flow.phase == Phase.INSTRUCTIONS:
            return before.value
        return self.flow.phase.value

    def listener_entered(self, text: str) -> bool:
        """The listener typed their id: False while there is none (or it is not asked now)."""
        text = text.strip()
        if not text or self.flow.phase != Phase.LISTENER:
            return False
        self.flow.set_listener(text)
        if self.intake is not None and not self.simulated:
            self.intake.begin(text)          # what they still owe in this experiment
        return True

    def level_checked(self, device: str, gain_db: float) -> bool:
        """The level is set: True once the trials begin; False while the headphone check is
        due first (it runs at this level, before the first trial)."""
        if self.intake is not None:
            if self.intake.headphone_due:
                return False
            self.intake.attach(self.flow)    # the session names the texts it ran with
        self.flow.level_checked(device, gain_db)
        return True

    def may_vote(self, ready: bool) -> bool:
        """An answer is taken once the voice has started (`ready`), and not while the last
        one still waits for the disk (it is retried by itself)."""
        return self.voting and ready and self.flow.unsaved is None

    def answer(self, accept: bool, ready: bool) -> Answer | None:
        """The listener's answer, committed now (SessionFlow.vote), or kept for `retry` when
        the store refuses it (and errors.log says so); None when no answer is taken now
        (`may_vote`)."""
        from hd_desktop.lab.errorlog import log_error

        if not self.may_vote(ready):
            return None
        try:
            return Answer(self.flow.vote(accept))
        except VoteNotSaved as exc:
            log_error(self.log_folder, "saving an answer", exc)
            return Answer(refused=exc, told=True)

    def retry(self) -> Answer | None:
        """The kept answer stored again; None when none waits any more (it was stored or
        given up as the window closed)."""
        if self.flow.unsaved is None:
            return None
        try:
            return Answer(self.flow.retry_vote())
        except VoteNotSaved as exc:
            return Answer(refused=exc)      # still refused: the message stays, retried again

    def sound_started(self, onset: float, now: float) -> int:
        """The trial's voice reached the device at `onset` (monotonic s; `now` is the time
        now): reaction times run from it, and the answers open in the ms returned. The onset
        is when the first frame reaches the DAC, a few ms after it was written: answers open
        then, so no reaction time is ever negative."""
        self.flow.sound_started(onset)
        return max(0, int((onset - now) * 1000) + 1)

    def opening_gain(self, player_gain: float) -> float:
        """The gain the window opens at: a resumed session plays at the gain it recorded,
        whatever the player has now."""
        return self.flow.gain_db if self.flow.gain_db is not None else player_gain

    def undo(self) -> bool:
        """Take the last answer back (during the trials or at a break): whether one was; an
        answer waiting for the disk cannot be taken back yet."""
        if self.flow.unsaved is not None or self.flow.phase not in (*VOTING, Phase.BREAK):
            return False
        return bool(self.flow.undo())

    def pause(self) -> bool:
        if not self.voting:
            return False
        self.flow.pause()
        return True

    def go_on(self) -> Phase | None:
        """Continue after a break or a pause: which of the two ended, or None."""
        phase = self.flow.phase
        if phase == Phase.BREAK:
            self.flow.continue_after_break()
        elif phase == Phase.PAUSED:
            self.flow.unpause()
        else:
            return None
        return phase

    def records_gain(self) -> bool:
        """A gain set after the level check is the session's from then on (recorded)."""
        return self.flow.phase not in BEFORE_TRIALS

    def settle_unsaved(self, may_close: Callable[[str], bool]) -> bool:
        """Before the window closes: the answer still waiting for the disk is stored, or, if
        the disk still refuses it, `may_close(question)` asks the experimenter; an answer
        given up is written in full to errors.log. False keeps the window open (retrying)."""
        from hd_desktop.lab.errorlog import log_error
        from hd_desktop.lab.session_view import unsaved_question

        try:
            self.flow.retry_vote()
            return True
        except VoteNotSaved as exc:
            if not may_close(unsaved_question(exc)):
                return False
            log_error(self.log_folder, "an answer given up when its window closed",
                      VoteNotSaved(f"{exc}; the answer: {self.flow.give_up_unsaved()}"))
            return True
