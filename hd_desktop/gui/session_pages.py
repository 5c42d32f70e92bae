"""The pages a listener sees, one per phase of the session. They show; SessionWindow decides."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QLineEdit, QProgressBar, QPushButton,
                               QSlider, QVBoxLayout, QWidget)

KEYS_HELP = ("<table cellpadding=4>"
             "<tr><td><b>F</b> or <b>←</b></td><td>natural (accept)</td></tr>"
             "<tr><td><b>J</b> or <b>→</b></td><td>not natural (reject)</td></tr>"
             "<tr><td><b>Space</b> or <b>R</b></td><td>play again</td></tr>"
             "<tr><td><b>Backspace</b></td><td>undo the last answer</td></tr>"
             "<tr><td><b>P</b> or <b>Esc</b></td><td>pause</td></tr></table>")

INSTRUCTIONS = (
    "<h2>Is this voice natural?</h2>"
    "<p>You will hear short voices, one at a time. Some are recordings of real people, some are "
    "made by a computer. For each one, answer whether it could be a <b>natural human voice</b>. "
    "There is no right or wrong answer: we want your first impression.</p>"
    "<p>Each voice plays by itself. Answer with the keys below; you can play a voice again "
    "before answering. You will be offered breaks.</p>" + KEYS_HELP)


def big(widget: QWidget, points: int = 16) -> QWidget:
    font = QFont(widget.font())
    font.setPointSize(points)
    widget.setFont(font)
    return widget


def page(*widgets, stretch=True) -> QWidget:
    w = QWidget()
    lay = QVBoxLayout(w)
    lay.setContentsMargins(60, 40, 60, 40)
    if stretch:
        lay.addStretch()
    for item in widgets:
        if isinstance(item, QWidget):
            lay.addWidget(item)
        else:
            lay.addLayout(item)
    if stretch:
        lay.addStretch()
    return w


def label(text: str, points: int = 13, center: bool = True) -> QLabel:
    lab = QLabel(text)
    lab.setWordWrap(True)
    if center:
        lab.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return big(lab, points)


def button(text: str, points: int = 13) -> QPushButton:
    b = QPushButton(text)
    b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys belong to the window, not to a button
    b.setMinimumHeight(44)
    return big(b, points)


class ListenerPage(QWidget):
    def __init__(self):
        super().__init__()
        self.listener = big(QLineEdit(), 16)
        self.listener.setPlaceholderText("listener id, e.g. L07")
        self.start = button("Start")
        lay = QVBoxLayout(self)
        lay.addWidget(page(label("<h2>Welcome</h2>Please type your listener id "
                                 "(ask the experimenter), then press Enter."),
                           self.listener, self.start))


class InstructionsPage(QWidget):
    def __init__(self):
        super().__init__()
        self.go = button("I understand — continue (Enter)")
        lay = QVBoxLayout(self)
        lay.addWidget(page(label(INSTRUCTIONS, 13, center=False), self.go))


class LevelPage(QWidget):
    """The level check: a reference voice, a gain slider; the gain is recorded with every vote."""

    def __init__(self):
        super().__init__()
        self.play = button("Play the reference voice (Space)")
        self.gain = QSlider(Qt.Orientation.Horizontal)
        self.gain.setRange(-30, 10)
        self.gain.setValue(0)
        self.gain.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.gain_label = label("Output gain: 0 dB")
        self.device = label("", 11)
        self.go = button("The level is comfortable — continue (Enter)")
        self.gain.valueChanged.connect(lambda v: self.gain_label.setText(f"Output gain: {v:+d} dB"))
        lay = QVBoxLayout(self)
        lay.addWidget(page(label("<h2>Sound level</h2>Play the reference voice and set a "
                                 "comfortable level with the slider (or ↑ / ↓). Keep it for the "
                                 "whole session."),
                           self.play, self.gain_label, self.gain, self.device, self.go))


class TrialPage(QWidget):
    def __init__(self):
        super().__init__()
        self.header = label("", 12)
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.status = label("", 11)
        self.question = label("<h1>Is this voice natural?</h1>", 14)
        self.accept = button("Natural  (F / ←)", 16)
        self.reject = button("Not natural  (J / →)", 16)
        self.accept.setStyleSheet("QPushButton:enabled { background: #d8f0dc; }")
        self.reject.setStyleSheet("QPushButton:enabled { background: #f6dada; }")
        self.replay = button("Play again (Space / R)", 11)
        self.undo = button("Undo last answer (Backspace)", 11)
        self.pause = button("Pause (P / Esc)", 11)
        self.saving = label("", 12)          # an answer the disk could not take yet
        self.saving.setStyleSheet("color: #b00020")
        self.saving.hide()
        votes = QHBoxLayout()
        votes.addWidget(self.accept)
        votes.addWidget(self.reject)
        tools = QHBoxLayout()
        for b in (self.replay, self.undo, self.pause):
            tools.addWidget(b)
        lay = QVBoxLayout(self)
        lay.addWidget(page(self.header, self.progress, self.status, self.question, votes,
                           self.saving, tools))

    def set_ready(self, ready: bool) -> None:
        """Answers are taken once the voice has started playing."""
        self.accept.setEnabled(ready)
        self.reject.setEnabled(ready)


class BreakPage(QWidget):
    def __init__(self):
        super().__init__()
        self.text = label("")
        self.go = button("Continue (Enter)")
        lay = QVBoxLayout(self)
        lay.addWidget(page(self.text, self.go))


class PausedPage(QWidget):
    def __init__(self):
        super().__init__()
        self.go = button("Resume (Enter)")
        self.text = label("")
        self.show_paused()
        lay = QVBoxLayout(self)
        lay.addWidget(page(self.text, self.go))

    def show_paused(self) -> None:
        self.text.setText("<h2>Paused</h2>The current voice will play again when you resume.")

    def show_welcome_back(self, listener: str, done: int, total: int,
                          practice: bool = False) -> None:
        where = (f"in the practice: {done} of {total} practice voices are done" if practice
                 else f"{done} of {total} voices are done and saved")
        self.text.setText(f"<h2>Welcome back, {listener}</h2>Your session continues where it "
                          f"stopped: {where}. Put your headphones on, then press Enter.")


class SummaryPage(QWidget):
    def __init__(self):
        super().__init__()
        self.text = label("", 12)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.close_button = button("Close")
        lay = QVBoxLayout(self)
        lay.addWidget(page(self.text, self.close_button))
