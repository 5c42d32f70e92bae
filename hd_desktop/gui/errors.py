"""One place where every error of the app goes: the user is told in words, the log keeps it.

Exceptions raised in Qt handlers (keyPressEvent, slots) reach sys.excepthook; workers send
theirs through `start_job`; panels call `report` for failures they caught. Each is written
to the experiment's errors.log (hd_desktop.lab.errorlog) and shown in a non-blocking message
box, so a listener's window never freezes on a dialog and nothing fails silently.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox

from hd_desktop.lab.errorlog import log_error, shown_words, uncaught


class ErrorChannel(QObject):
    reported = Signal(str, str)      # step, the sentence shown

    def __init__(self):
        super().__init__()
        self.folder: Path | None = None     # the experiment's folder, where errors.log lives
        self.parent_widget = None
        self.box: QMessageBox | None = None
        self.last: str | None = None
        self._hook_before = None

    def report(self, step: str, exc: BaseException) -> str:
        message, log = log_error(self.folder, step, exc)
        self.last = message
        shown = shown_words(message, log)
        if self.parent_widget is not None:
            if self.box is None:
                self.box = QMessageBox(QMessageBox.Icon.Warning, "hd-desktop", "",
                                       QMessageBox.StandardButton.Ok, self.parent_widget)
                self.box.setModal(False)
                self.box.setTextFormat(Qt.TextFormat.PlainText)  # file names, ids: never HTML
            self.box.setText(shown)
            self.box.show()
        self.reported.emit(step, message)
        return message

    def install(self, folder: Path, parent_widget) -> None:
        """Errors of the app (`folder`: the experiment's) go here from now on."""
        self.folder, self.parent_widget = Path(folder), parent_widget
        if self._hook_before is None:
            self._hook_before = sys.excepthook
            sys.excepthook = self._excepthook

    def uninstall(self) -> None:
        if self._hook_before is not None:
            sys.excepthook, self._hook_before = self._hook_before, None
        self.parent_widget, self.folder = None, None
        if self.box is not None:
            self.box.close()
            self.box = None

    def _excepthook(self, kind, exc, tb) -> None:
        told = uncaught(exc.with_traceback(tb), self.folder)   # a damaged database: in words
        if told is not None:
            self.report(*told)
        if told is None or told[1] is exc:
            self._hook_before(kind, exc, tb)      # the traceback still reaches stderr


_channel: ErrorChannel | None = None


def channel() -> ErrorChannel:
    global _channel
    if _channel is None:
        _channel = ErrorChannel()
    return _channel


def report(step: str, exc: BaseException) -> str:
    """Tell the user that `step` failed and log it; returns the sentence shown."""
    return channel().report(step, exc)
