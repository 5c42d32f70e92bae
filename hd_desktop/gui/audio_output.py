"""The app's audio output: one Player on the chosen device (lab.output), its news as Qt
signals; and the researcher's playback beside a listener's session.

A missing or broken device is a notice, never a crash: the rest of the app keeps working and
the user can pick another device.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from hd_desktop.lab.output import Output
from hd_desktop.lab.researcher_voices import AB_GAP_S, ResearcherVoices, render_voices


class AudioOutput(QObject, Output):
    started = Signal(object)        # Playback, once its onset is known
    finished = Signal(object)       # Playback, once it ended
    unavailable = Signal(str)       # why there is no output right now

    def __init__(self, parent=None):
        super().__init__(parent)      # QObject's, then Output's (PySide6 calls it, with nothing)
        self.hook(self.started.emit, self.finished.emit, self.unavailable.emit)


class ResearcherAudio(QObject):
    """The researcher's playback (map clicks, the New voices tab): on the main output, or on
    the researcher output while a listener's session is open, or refused; the Lab's
    PlaybackGuard (hd_desktop.lab.playback_guard) decides, this only opens the device. Both
    tabs play through `play` (hd_desktop.lab.researcher_voices: one path)."""

    started = Signal(object)        # Playback of either output, once its onset is known
    finished = Signal(object)       # Playback of either output, once it ended
    played = Signal(object, object, object)   # VoiceRequest, Voice, Playback
    told = Signal(str)              # rendering, playing, or why it does not play

    def __init__(self, main: AudioOutput, guard, parent=None):
        super().__init__(parent)
        self.main, self.guard = main, guard
        self.side: Output | None = None
        self.requests = ResearcherVoices()
        self._then = None             # (Playback, the voices due after it): A/B
        main.started.connect(self.started.emit)
        main.finished.connect(self.finished.emit)
        self.finished.connect(self._next_voice)

    def play(self, request, renderer) -> None:
        """Render `request`'s voices off the GUI thread, then play them one after the other."""
        from hd_desktop.gui.jobs import start_job

        out, why = self.output(request.what)
        if out is None:
            return self.told.emit(why)
        self.told.emit(request.rendering_words())
        start_job(render_voices, renderer, out, request, step=request.step, owner=self,
                  on_result=lambda prepared: self._play(request, out, prepared))

    def _play(self, request, out, prepared) -> None:
        if not self.requests.is_latest(request):
            return      # a later click wins
        now, why = self.output(request.what)
        if now is not out:          # a session opened while it rendered
            return self.told.emit(why or request.changed_words())
        (voice, buffer, seconds), rest = prepared[0], prepared[1:]
        playback = out.play(buffer) if buffer is not None else None
        if playback is None:
            return self.told.emit(request.no_output_words(out.problem))
        self.told.emit(request.playing_words(voice, seconds, out.device_label))
        self._then = (playback, request, out, rest) if rest else None
        self.played.emit(request, voice, playback)

    def _next_voice(self, playback) -> None:
        if self._then is not None and self._then[0] is playback:
            (_, request, out, rest), self._then = self._then, None
            QTimer.singleShot(int(AB_GAP_S * 1000), lambda: self._play(request, out, rest))

    def output(self, what: str) -> tuple[AudioOutput | None, str | None]:
        """(the output to play `what` on, None) or (None, why it may not play now)."""
        route = self.guard.route(what)
        if not route.allowed:
            return None, route.refused
        if route.device is None:
            return self.main, None
        if self.side is None or self.side.device_label != route.device:
            self.close()       # the researcher's own device, at the main output's gain
            self.side = Output(self.started.emit, self.finished.emit)
            if not self.side.open(route.device, self.main.player.gain_db if self.main.player else 0.0):
                why = self.side.problem
                self.close()
                return None, f"the researcher output {route.device} cannot be opened: {why}"
        return self.side, None

    def close(self) -> None:
        if self.side is not None:
            self.side.close()
            self.side = None
