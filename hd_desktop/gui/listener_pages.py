"""The pages before the trials: consent, questionnaire, headphone check. They show and report
what the listener did; the Intake (hd_desktop.session.intake) decides and stores, and the
check's trials, answers and keys are counted by lab.session_view.HeadphoneRun."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QButtonGroup, QGridLayout, QLineEdit, QRadioButton, QStackedWidget,
                               QVBoxLayout, QWidget)

from hd_desktop.gui.session_pages import TextPage, big, button, label, page
from hd_desktop.gui.widgets import row
from hd_desktop.lab.session_view import HeadphoneRun, headphone_key, questionnaire
from hd_desktop.session.texts import ListenerTexts


class FurniturePage(QWidget):
    """A page before the trials; the window hands it every key (its Qt name, "Key_1") while
    it is shown."""

    def handle_key(self, key: str) -> None:
        pass


class ConsentPage(FurniturePage):
    decided = Signal(bool)

    def __init__(self, t: ListenerTexts):
        super().__init__()
        self.text = label(t("consent.heading") + t("consent.body"), 13, center=False)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.question = label(f"<b>{t('consent.question')}</b>", 14)
        self.agree, self.decline = button(t("consent.agree")), button(t("consent.decline"))
        self.agree.setStyleSheet("QPushButton { background: #d8f0dc; }")
        self.agree.clicked.connect(lambda: self.decided.emit(True))
        self.decline.clicked.connect(lambda: self.decided.emit(False))
        QVBoxLayout(self).addWidget(page(self.text, self.question, row(self.decline, self.agree)))


class DeclinedPage(FurniturePage, TextPage):
    def __init__(self, t: ListenerTexts):
        TextPage.__init__(self, t("declined.body"), t("end.close"))


class QuestionnairePage(FurniturePage):
    submitted = Signal(dict)

    def __init__(self, t: ListenerTexts):
        super().__init__()
        self.groups: dict[str, QButtonGroup] = {}
        grid = QGridLayout()
        grid.setVerticalSpacing(14)
        for line, (name, key, codes) in enumerate(questionnaire()):
            grid.addWidget(label(t(key), 13, center=False), line, 0, Qt.AlignmentFlag.AlignTop)
            group, box = QButtonGroup(self), QGridLayout()
            for i, code in enumerate(codes):
                radio = big(QRadioButton(t(f"{key}.{code}")), 12)
                radio.setProperty("code", code)
                group.addButton(radio)
                box.addWidget(radio, i // 4, i % 4)
            self.groups[name] = group
            grid.addLayout(box, line, 1)
        self.native_language = big(QLineEdit(), 13)
        self.native_language.setPlaceholderText(t("questionnaire.native_language.placeholder"))
        grid.addWidget(label(t("questionnaire.native_language"), 13, center=False), 3, 0)
        grid.addWidget(self.native_language, 3, 1)
        self.incomplete = label(t("questionnaire.incomplete"), 12)
        self.incomplete.setStyleSheet("color: #b00020")
        self.incomplete.hide()
        self.go = button(t("questionnaire.continue"))
        self.go.clicked.connect(lambda: self.submitted.emit(self.answers()))
        QVBoxLayout(self).addWidget(page(label(t("questionnaire.heading"), 13), grid,
                                         self.incomplete, self.go))

    def answers(self) -> dict:
        chosen = {name: g.checkedButton().property("code") if g.checkedButton() else ""
                  for name, g in self.groups.items()}
        return {**chosen, "native_language": self.native_language.text()}

    def choose(self, name: str, code: str) -> None:
        """Tick an answer (tests and screenshots)."""
        next(b for b in self.groups[name].buttons() if b.property("code") == code).setChecked(True)


class HeadphoneCheckPage(FurniturePage):
    """Six trials of three sounds: played once each, then 1, 2 or 3. `finished(answers)`."""

    finished = Signal(list)

    def __init__(self, t: ListenerTexts, audio):
        super().__init__()
        self.t, self.audio = t, audio
        self.run: HeadphoneRun | None = None
        self.prepared = []
        self._playback = None
        self.intro_text = label("", 13, center=False)
        self.start = button(t("headphone.start"))
        self.progress = label("", 12)
        self.question = label("", 15)
        self.status = label("", 12)
        self.choices = [button(t("headphone.answer", n=n), 20) for n in (1, 2, 3)]
        for n, b in enumerate(self.choices, start=1):
            b.setMinimumHeight(80)
            b.clicked.connect(lambda _=False, n=n: self.answer(n))
        self.go = button(t("headphone.continue"))
        self.stack = QStackedWidget()
        self.intro = page(label(t("headphone.heading")), self.intro_text, self.start)
        self.trial = page(self.progress, self.question, self.status, row(*self.choices))
        self.done = page(label(t("headphone.done")), self.go)
        self.stages = {"intro": self.intro, "trial": self.trial, "done": self.done}
        for p in self.stages.values():
            self.stack.addWidget(p)
        QVBoxLayout(self).addWidget(self.stack)
        self.start.clicked.connect(self._start)
        self.go.clicked.connect(lambda: self.finished.emit(list(self.answers)))
        audio.finished.connect(self._played)

    @property
    def answers(self) -> list[int]:
        return self.run.answers if self.run is not None else []

    def begin(self, kind: str, seed: int) -> None:
        """Render the check (seeded) and show its introduction."""
        self.run = HeadphoneRun(kind, seed)
        self.prepared = [self.audio.player.prepare(sound, rate, stereo=True)
                         for sound, rate in self.run.sounds()] if self.audio.player else []
        self.intro_text.setText(self.t(f"headphone.intro.{kind}"))
        self.question.setText(self.t(f"headphone.question.{kind}"))
        self.stack.setCurrentWidget(self.intro)

    def _start(self) -> None:
        if self.run.stage == "intro":
            self.run.started = True
            self.stack.setCurrentWidget(self.stages[self.run.stage])
            self._play()

    def _play(self) -> None:
        self.progress.setText(self.t("headphone.progress", **self.run.progress()))
        self._set_ready(False)
        self.status.setText(self.t("headphone.listen"))
        self._playback = self.audio.play(self.prepared[len(self.answers)]) \
            if self.prepared else None
        if self._playback is None:
            self.status.setText(self.t("level.no_sound", problem=self.audio.problem or "?"))

    def _played(self, playback) -> None:
        if playback is self._playback and self.stack.currentWidget() is self.trial:
            self._set_ready(True)       # answers once all three sounds were heard
            self.status.setText("")

    def _set_ready(self, ready: bool) -> None:
        for b in self.choices:
            b.setEnabled(ready)

    @property
    def ready(self) -> bool:
        return self.choices[0].isEnabled() and self.stack.currentWidget() is self.trial

    def answer(self, n: int) -> None:
        if not self.ready:
            return
        self.run.answer(n)
        self.stack.setCurrentWidget(self.stages[self.run.stage])
        if not self.run.done:
            self._play()

    def handle_key(self, key: str) -> None:
        action = headphone_key(self.run.stage, key)
        if action == "start":
            self._start()
        elif action == "go":
            self.go.click()
        elif action is not None:
            self.answer(action)


__all__ = ["ConsentPage", "DeclinedPage", "FurniturePage", "HeadphoneCheckPage",
           "QuestionnairePage"]
