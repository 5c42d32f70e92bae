"""The pages a listener sees, one per phase of the session. They show; SessionWindow decides."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QLabel, QLineEdit, QProgressBar, QPushButton, QSlider,
                               QVBoxLayout, QWidget)

from hd_desktop.gui.widgets import STRETCH, framed, row, wrapped
from hd_desktop.session.texts import ListenerTexts

# every string a listener reads comes from the experiment's listener texts (assets/texts/)


def big(widget: QWidget, points: int = 16) -> QWidget:
    font = QFont(widget.font())
    font.setPointSize(points)
    widget.setFont(font)
    return widget


def page(*items) -> QWidget:
    """`items` one under the other in the middle of the page, with wide margins."""
    w = framed(STRETCH, *items, STRETCH)
    w.layout().setContentsMargins(60, 40, 60, 40)
    return w


def label(text: str, points: int = 13, center: bool = True) -> QLabel:
    lab = wrapped(text)
    if center:
        lab.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return big(lab, points)


def button(text: str, points: int = 13) -> QPushButton:
    b = QPushButton(text)
    b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys belong to the window, not to a button
    b.setMinimumHeight(44)
    return big(b, points)


class TextPage(QWidget):
    """Words, and one button that moves the listener on (`go`; `close_button` on the last
    pages): the instructions, a break, a pause, the end."""

    def __init__(self, text: str, button_text: str, points: int = 13, *, center: bool = True,
                 selectable: bool = False):
        super().__init__()
        self.text = label(text, points, center)
        if selectable:      # the rating file's path, to copy
            self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.go = self.close_button = button(button_text)
        QVBoxLayout(self).addWidget(page(self.text, self.go))


class ListenerPage(QWidget):
    def __init__(self, t: ListenerTexts):
        super().__init__()
        self.listener = big(QLineEdit(), 16)
        self.listener.setPlaceholderText(t("id.placeholder"))
        self.start = button(t("id.start"))
        self.text = label(t("id.heading"))
        QVBoxLayout(self).addWidget(page(self.text, self.listener, self.start))


class LevelPage(QWidget):
    """The level check: a reference voice, a gain slider; the gain is recorded with every vote."""

    def __init__(self, t: ListenerTexts):
        super().__init__()
        self.play = button(t("level.play"))
        self.gain = QSlider(Qt.Orientation.Horizontal)
        self.gain.setRange(-30, 10)
        self.gain.setValue(0)
        self.gain.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.gain_label = label(t("level.gain", gain="0"))
        self.device = label("", 11)
        self.go = button(t("level.continue"))
        self.gain.valueChanged.connect(
            lambda v: self.gain_label.setText(t("level.gain", gain=f"{v:+d}")))
        QVBoxLayout(self).addWidget(page(label(t("level.heading")), self.play, self.gain_label,
                                         self.gain, self.device, self.go))


class TrialPage(QWidget):
    def __init__(self, t: ListenerTexts):
        super().__init__()
        self.header = label("", 12)
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.status = label("", 11)
        self.question = label(t("trial.question"), 14)
        self.accept = button(t("trial.accept"), 16)
        self.reject = button(t("trial.reject"), 16)
        self.accept.setStyleSheet("QPushButton:enabled { background: #d8f0dc; }")
        self.reject.setStyleSheet("QPushButton:enabled { background: #f6dada; }")
        self.replay = button(t("trial.replay"), 11)
        self.undo = button(t("trial.undo"), 11)
        self.pause = button(t("trial.pause"), 11)
        self.saving = label("", 12)          # an answer the disk could not take yet
        self.saving.setStyleSheet("color: #b00020")
        self.saving.hide()
        QVBoxLayout(self).addWidget(page(
            self.header, self.progress, self.status, self.question,
            row(self.accept, self.reject), self.saving, row(self.replay, self.undo, self.pause)))

    def set_ready(self, ready: bool) -> None:
        """Answers are taken once the voice has started playing."""
        self.accept.setEnabled(ready)
        self.reject.setEnabled(ready)


class PausedPage(TextPage):
    """A pause, or a resumed session waiting for its listener (its words: lab.session_view)."""

    def __init__(self, t: ListenerTexts):
        super().__init__(t("paused.body"), t("paused.resume"))
