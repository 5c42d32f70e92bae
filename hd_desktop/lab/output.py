"""The app's audio output as the Lab sees it (no Qt): one Player on the chosen device, and why
there is no sound when there is none.

A missing or broken device is a notice, never a crash: `problem` says what is wrong in words
(the windows show it beside "No sound"), `on_unavailable` is told at once, and the rest of the
app keeps working while the user picks another device. The windows give the hooks (Qt signals
there: gui/audio_output.py).
"""

from __future__ import annotations

from collections.abc import Callable

from hd_desktop.errors import UserFacingError


class Output:
    """`on_started(playback)` once a sound's onset is known, `on_finished(playback)` once it
    ended (both from the audio thread), `on_unavailable(why)` when nothing can play."""

    player = None                   # an audio.Player while the device is open
    problem: str | None = None      # why there is no sound, in words

    def __init__(self, on_started: Callable | None = None, on_finished: Callable | None = None,
                 on_unavailable: Callable[[str], None] | None = None):
        self.player = None
        self.problem: str | None = None
        self.hook(on_started, on_finished, on_unavailable)

    def hook(self, on_started, on_finished, on_unavailable) -> None:
        """Who hears of its sounds and its problems (the window's signals)."""
        self._hooks = dict(on_started=on_started, on_finished=on_finished)
        self._unavailable = on_unavailable or (lambda why: None)

    def open(self, device: str | int | None, gain_db: float = 0.0) -> bool:
        """(Re)open the output on `device`; False (and `on_unavailable`) when it cannot be used."""
        from hd_desktop.audio import Player

        self.close()
        try:
            self.player = Player(device, gain_db, **self._hooks)
        except (UserFacingError, OSError) as exc:
            self._refuse(str(exc))
            return False
        self.problem = None
        return True

    @property
    def device_label(self) -> str:
        return self.player.device.label() if self.player else "no output device"

    def play(self, prepared):
        """The prepared buffer played now (its Playback), or None after telling why not."""
        if self.player is None:
            self._unavailable(self.problem or "no output device is open")
            return None
        try:
            return self.player.play(prepared)
        except UserFacingError as exc:
            self._refuse(str(exc))
            return None

    def _refuse(self, why: str) -> None:
        self.problem = why
        self._unavailable(why)

    def prepare(self, audio, rate):
        return self.player.prepare(audio, rate) if self.player else None

    def close(self) -> None:
        if self.player is not None:
            self.player.close()
            self.player = None
