"""The app's audio output: one Player on the chosen device, its news as Qt signals.

A missing or broken device is a notice, never a crash: the rest of the app keeps working and
the user can pick another device.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from hd_desktop.errors import UserFacingError


class AudioOutput(QObject):
    started = Signal(object)        # Playback, once its onset is known
    finished = Signal(object)       # Playback, once it ended
    unavailable = Signal(str)       # why there is no output right now

    def __init__(self, parent=None):
        super().__init__(parent)
        self.player = None
        self.problem: str | None = None

    def open(self, device: str | int | None, gain_db: float = 0.0) -> bool:
        """(Re)open the output on `device`; False (and `unavailable`) when it cannot be used."""
        from hd_desktop.audio import Player

        self.close()
        try:
            self.player = Player(device, gain_db, on_started=self.started.emit,
                                 on_finished=self.finished.emit)
        except (UserFacingError, OSError) as exc:
            self.problem = str(exc)
            self.unavailable.emit(self.problem)
            return False
        self.problem = None
        return True

    @property
    def device_label(self) -> str:
        return self.player.device.label() if self.player else "no output device"

    def play(self, prepared):
        if self.player is None:
            self.unavailable.emit(self.problem or "no output device is open")
            return None
        try:
            return self.player.play(prepared)
        except UserFacingError as exc:
            self.unavailable.emit(str(exc))
            return None

    def prepare(self, audio, rate):
        return self.player.prepare(audio, rate) if self.player else None

    def close(self) -> None:
        if self.player is not None:
            self.player.close()
            self.player = None
