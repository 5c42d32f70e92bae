"""The listener's window: a SessionFlow driven by keys, each stimulus rendered before it is due.

The flow (hd_desktop.session) owns the session's state and commits each vote before `vote`
returns; this window only shows the flow's phase and turns keys into calls (which key does what
in which phase, and the words shown: hd_desktop.lab.session_view). The next stimulus is rendered
ahead by a Prefetcher, so after a vote it starts at the next audio period.
"""

from __future__ import annotations

import time
from operator import attrgetter

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QStackedWidget, QVBoxLayout, QWidget

from hd_desktop.audio import Prefetcher
from hd_desktop.gui.audio_output import AudioOutput
from hd_desktop.gui.errors import channel
from hd_desktop.gui.listener_pages import (ConsentPage, DeclinedPage, FurniturePage,
                                           HeadphoneCheckPage, QuestionnairePage)
from hd_desktop.lab import session_view as view
from hd_desktop.lab.furniture import listener_side
from hd_desktop.lab.listener_steps import ListenerSteps
from hd_desktop.gui.widgets import key_name
from hd_desktop.gui.session_pages import LevelPage, ListenerPage, PausedPage, TextPage, TrialPage
from hd_desktop.session.flow import SessionFlow
from hd_desktop.session.states import Phase
from hd_desktop.voice import VoiceSpace


class SessionWindow(QWidget):
    voted = Signal(str)              # vote id, once committed
    phaseChanged = Signal(object)    # Phase
    finished = Signal(object)        # Summary
    closed = Signal()
    breakEnded = Signal()
    voteNotSaved = Signal(str)       # why; the answer is kept and retried

    def __init__(self, flow: SessionFlow, space: VoiceSpace, audio: AudioOutput, parent=None,
                 renderer=None):
        super().__init__(parent)
        self.flow, self.space, self.audio = flow, space, audio
        self.renderer = renderer or space     # a RenderPool keeps WORLD off this process's GIL
        self.carrier = flow.settings.carrier   # recorded with the session, so files can re-render
        self.summary = None
        self._playback = None
        self.autopilot = None          # lab.listening.AutopilotSeat: a simulated listener seated
        self._trial_started: list[float] = []
        self.texts, self.intake = listener_side(flow)   # what the listener reads and is asked
        self.steps = ListenerSteps(flow, self.intake, channel().folder)   # as the Lab decides
        self.setWindowTitle(self.texts("window.title"))
        self.resize(900, 640)
        self.prefetch = Prefetcher(self._render, ahead=3)
        self.prefetch.set_order(list(flow.practice) + list(flow.order))
        self.audio.started.connect(self._sound_started)
        self._actions = {
            "accept": lambda: self.vote(True), "reject": lambda: self.vote(False),
            "replay": self.replay, "undo": self.undo, "pause": self.pause,
            "listener": self._listener_entered, "instructions": self._instructions_read,
            "level": self._level_checked, "continue": self._continue,
            "reference": self._play_reference, "louder": lambda: self._nudge_gain(1),
            "softer": lambda: self._nudge_gain(-1)}
        self._build()
        self._retry_timer = QTimer(self)      # saves a kept answer again when the Lab says
        self._retry_timer.setSingleShot(True)
        self._retry_timer.timeout.connect(lambda: self._answered(self.steps.retry()))
        if self.audio.player is not None:
            self.audio.player.gain_db = self.steps.opening_gain(self.audio.player.gain_db)
            self.level_page.gain.setValue(round(self.audio.player.gain_db))
        # a resumed session: paused by the Lab until the listener is back
        back = view.welcome_back_words(self.texts, flow)
        if back is not None:
            self.paused_page.text.setText(back)
        self._show_phase()

    # -- layout --------------------------------------------------------------------------

    def _build(self) -> None:
        self.pages = QStackedWidget()
        t = self.texts
        self.listener_page, self.level_page = ListenerPage(t), LevelPage(t)
        self.instructions_page = TextPage(t("instructions.body") + t("instructions.keys"),
                                          t("instructions.continue"), center=False)
        self.trial_page, self.paused_page = TrialPage(t), PausedPage(t)
        self.break_page = TextPage("", t("break.continue"))
        self.summary_page = TextPage("", t("end.close"), 12, selectable=True)
        self.consent_page, self.declined_page = ConsentPage(t), DeclinedPage(t)
        self.questionnaire_page = QuestionnairePage(t)
        self.headphone_page = HeadphoneCheckPage(t, self.audio)
        self._page_of = {      # by ListenerSteps.page()
            "listener": self.listener_page, "instructions": self.instructions_page,
            "level-check": self.level_page, "practice": self.trial_page,
            "trials": self.trial_page, "break": self.break_page, "paused": self.paused_page,
            "finished": self.summary_page, "consent": self.consent_page,
            "declined": self.declined_page, "questionnaire": self.questionnaire_page}
        for p in [*dict.fromkeys(self._page_of.values()), self.headphone_page]:
            self.pages.addWidget(p)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.pages)
        # Enter in the id field reaches keyPressEvent (QLineEdit passes Return on to its parent);
        # a button does what its key does (the buttons' actions: lab.session_view)
        for name, action in view.BUTTON_ACTIONS:
            attrgetter(name)(self).clicked.connect(lambda _=False, a=action: self._actions[a]())
        self.level_page.gain.valueChanged.connect(self._gain_changed)
        self.summary_page.close_button.clicked.connect(self.close)
        self.consent_page.decided.connect(self._consent_decided)
        self.declined_page.close_button.clicked.connect(self.close)
        self.questionnaire_page.submitted.connect(self._questionnaire_answered)
        self.headphone_page.finished.connect(self._headphone_checked)

    # -- autopilot: a simulated listener takes the seat, visibly, at a chosen pace ----------

    def start_autopilot(self, listener, seconds_per_step: float = 0.3, name: str | None = None) -> None:
        """Let `listener` (anything with vote(Heard) -> bool) answer every trial of this session."""
        from hd_desktop.lab.listening import AutopilotSeat

        self.autopilot = AutopilotSeat(listener, name or type(listener).__name__, seconds_per_step)
        self.steps.simulated = True
        self.setWindowTitle(self.autopilot.title())
        self.trial_page.header.setStyleSheet("color: #b05000; font-weight: bold")
        self._autopilot_step()

    def _autopilot_step(self) -> None:
        phase, action = self.flow.phase, view.autopilot_action(self.flow.phase)
        if self.autopilot is not None and action is not None:
            QTimer.singleShot(self.autopilot.step_ms,
                              lambda: self.flow.phase == phase and self._autopilot_do(action))

    def _autopilot_do(self, action: str) -> None:
        if action == "listener":
            self.listener_page.listener.setText(self.autopilot.listener_id)
        self._actions[action]()

    def _autopilot_answer(self, playback) -> None:
        if self.autopilot is not None and playback is self._playback and self.steps.voting:
            self.vote(self.autopilot.answer(self.flow.current.stimulus, playback))

    # -- what the listener does ------------------------------------------------------------

    def keyPressEvent(self, event) -> None:
        name = key_name(event)
        if isinstance(self.pages.currentWidget(), FurniturePage):
            return self.pages.currentWidget().handle_key(name)   # consent, check…
        action = view.key_action(self.flow.phase, name)
        if action is not None:
            return self._actions[action]()
        super().keyPressEvent(event)

    def _nudge_gain(self, step: int) -> None:
        self.level_page.gain.setValue(self.level_page.gain.value() + step)

    def vote(self, accept: bool) -> None:
        """The answer is committed to the database before anything plays (lab.listener_steps)."""
        self._answered(self.steps.answer(accept, self.trial_page.accept.isEnabled()))

    def _answered(self, answer) -> None:
        """Stored: the next voice starts. Refused: the answer is kept with its reaction time,
        the trial stays, the listener is told once, and it is saved again when the Lab says."""
        if answer is None:
            return
        if answer.refused is not None:
            if answer.told:
                self.trial_page.saving.setText(self.texts("trial.not_saved", why=answer.refused))
                self.trial_page.saving.show()
                self.trial_page.set_ready(False)
                self.voteNotSaved.emit(str(answer.refused))
            return self._retry_timer.start(answer.retry_ms)
        self.trial_page.saving.hide()
        self._trial_started.append(time.monotonic())
        self._show_phase()                 # the next voice starts here
        self.voted.emit(answer.vote_id)

    def _may_close(self, question: str) -> bool:
        buttons = QMessageBox.StandardButton
        return QMessageBox.question(self, "An answer is not saved", question,
                                    buttons.Close | buttons.Cancel, buttons.Cancel) == buttons.Close

    def replay(self) -> None:
        if self.steps.voting:
            self._play_current()

    def undo(self) -> None:
        if self.steps.undo():
            self._show_phase()

    def pause(self) -> None:
        if self.steps.pause():
            if self.audio.player:
                self.audio.player.stop()
            self._show_phase()

    # -- phases ------------------------------------------------------------------------------

    def _listener_entered(self) -> None:
        if self.steps.listener_entered(self.listener_page.listener.text()):
            self._show_phase()

    def _consent_decided(self, agreed: bool) -> None:
        self.intake.consent(agreed)      # stored, with its time, before anything else happens
        self._show_phase()

    def _questionnaire_answered(self, answers: dict) -> None:
        try:
            self.intake.answer(answers)
        except ValueError:
            self.questionnaire_page.incomplete.show()
            return
        self._show_phase()

    def _headphone_checked(self, answers: list) -> None:
        self.intake.check_done(answers, self.audio.device_label, float(self.level_page.gain.value()))
        self._level_checked()

    def _instructions_read(self) -> None:
        self.flow.instructions_read()
        self._show_phase()

    def _level_checked(self) -> None:
        if self.audio.player is None:
            return  # the level page says why
        if self.steps.level_checked(self.audio.device_label, float(self.level_page.gain.value())):
            return self._show_phase()
        self.headphone_page.begin(self.intake.settings.headphone_check, self.intake.check_seed)
        self.pages.setCurrentWidget(self.headphone_page)
        self.setFocus()

    def _continue(self) -> None:
        ended = self.steps.go_on()
        if ended == Phase.BREAK:
            self.breakEnded.emit()
        elif ended == Phase.PAUSED:
            self.paused_page.text.setText(self.texts("paused.body"))
        self._show_phase()

    def _show_phase(self) -> None:
        phase = self.flow.phase
        if phase == Phase.FINISHED and self.summary is None:   # the Lab ended it at its last vote
            self.summary = self.flow.summary
            self._show_summary()
        page = self.steps.page()
        self.pages.setCurrentWidget(self._page_of[page])
        if page != phase.value:      # a step before the instructions (consent, questionnaire)
            return self.setFocus()
        if phase == Phase.LISTENER:
            self.listener_page.listener.setFocus()
        elif phase == Phase.LEVEL_CHECK:
            self.level_page.device.setText(view.level_words(self.texts, self.audio))
            self.level_page.go.setEnabled(self.audio.player is not None)
        elif phase in (Phase.PRACTICE, Phase.TRIALS):
            self._update_trial_header()
            self._play_current()
        elif phase == Phase.BREAK:
            self.break_page.text.setText(view.break_words(self.texts, self.flow))
        if phase != Phase.LISTENER:
            self.setFocus()
        if self.autopilot is not None:
            self._autopilot_step()
        self.phaseChanged.emit(phase)

    def _update_trial_header(self) -> None:
        trial, tp = self.flow.current, self.trial_page
        header, left = view.trial_words(self.texts, trial, self._trial_started)
        tp.header.setText(header)
        tp.progress.setRange(0, trial.total)
        tp.progress.setValue(trial.index)
        tp.status.setText(left)

    def _show_summary(self) -> None:
        self.summary_page.text.setText(view.summary_words(self.texts, self.summary))
        self.finished.emit(self.summary)

    # -- sound ------------------------------------------------------------------------------

    def _render(self, stimulus):
        audio, rate = self.renderer.render(stimulus.z, self.carrier)
        return self.audio.prepare(audio, rate)

    def _play_current(self) -> None:
        self.trial_page.set_ready(False)
        trial = self.flow.current
        if trial is None:
            return
        prepared = self.prefetch.get(trial.stimulus)
        self._playback = self.audio.play(prepared) if prepared is not None else None
        if self._playback is None:
            self.trial_page.status.setText(self.texts("trial.no_sound", problem=self.audio.problem))

    def _sound_started(self, playback) -> None:
        if playback is not self._playback or not self.steps.voting:
            return
        wait_ms = self.steps.sound_started(playback.onset.monotonic, time.monotonic())
        QTimer.singleShot(wait_ms, lambda: self._open_answers(playback))   # at the DAC

    def _open_answers(self, playback) -> None:
        if playback is self._playback and self.steps.voting:
            self.trial_page.set_ready(True)
            if self.autopilot is not None:
                QTimer.singleShot(self.autopilot.step_ms, lambda: self._autopilot_answer(playback))

    def _play_reference(self) -> None:
        audio, rate = self.renderer.render([0.0] * self.space.dims, self.carrier)
        prepared = self.audio.prepare(audio, rate)
        if prepared is not None:
            self.audio.play(prepared)

    def _gain_changed(self, value: int) -> None:
        if self.audio.player is not None:
            self.audio.player.gain_db = float(value)
        if self.steps.records_gain():
            self.flow.set_output(self.audio.device_label, float(value))

    def closeEvent(self, event) -> None:
        """Votes are already stored; an unfinished session resumes from the main window."""
        # the answer still waiting for the disk is stored, or the experimenter is asked first
        if self.flow.unsaved is not None and not self.steps.settle_unsaved(self._may_close):
            event.ignore()
            return
        if self.audio.player is not None:
            self.audio.player.stop()
        try:
            self.audio.started.disconnect(self._sound_started)
        except (RuntimeError, TypeError):
            pass
        self._retry_timer.stop()
        self.prefetch.close()
        self.flow.close()          # the Lab learns from the votes of an unfinished block
        self.closed.emit()
        super().closeEvent(event)
