"""The app's audio output: one Player on the chosen device (lab.output), its news as Qt
signals; and the researcher's playback beside a listener's session.

A missing or broken device is a notice, never a crash: the rest of the app keeps working and
the user can pick another device.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from hd_desktop.lab.output import Output
from hd_desktop.lab.researcher_playback import ResearcherPlayback
from hd_desktop.lab.researcher_voices import AB_GAP_S, render_voices


class AudioOutput(QObject, Output):
    started = Signal(object)        # Playback, once its onset is known
    finished = Signal(object)       # Playback, once it ended
    unavailable = Signal(str)       # why there is no output right now

    def __init__(self, parent=None):
        super().__init__(parent)      # QObject's, then Output's (PySide6 calls it, with nothing)
        self.hook(self.started.emit, self.finished.emit, self.unavailable.emit)


class ResearcherAudio(QObject):
    """The researcher's playback (map clicks, the New voices tab): on the main output, or on
    the researcher output while a listener's session is open, or refused; the Lab decides
    (hd_desktop.lab.researcher_playback), this renders off the GUI thread and tells. Both
    tabs play through `play` (hd_desktop.lab.researcher_voices: one path)."""

    started = Signal(object)        # Playback of either output, once its onset is known
    finished = Signal(object)       # Playback of either output, once it ended
    played = Signal(object, object, object)   # VoiceRequest, Voice, Playback
    told = Signal(str)              # rendering, playing, or why it does not play

    def __init__(self, main: AudioOutput, guard, parent=None):
        super().__init__(parent)
        self.lab_playback = ResearcherPlayback(main, guard, self.started.emit, self.finished.emit)
        self.requests = self.lab_playback.requests
        main.started.connect(self.started.emit)
        main.finished.connect(self.finished.emit)
        self.finished.connect(self._next_voice)

    def play(self, request, renderer) -> None:
        """Render `request`'s voices off the GUI thread, then play them one after the other."""
        from hd_desktop.gui.jobs import start_job

        out, why = self.lab_playback.output(request.what)
        if out is None:
            return self.told.emit(why)
        self.told.emit(request.rendering_words())
        start_job(render_voices, renderer, out, request, step=request.step, owner=self,
                  on_result=lambda prepared: self._play(request, out, prepared))

    def _play(self, request, out, prepared) -> None:
        played = self.lab_playback.play(request, out, prepared)
        if played.words:
            self.told.emit(played.words)
        if played.playback is not None:
            self.played.emit(request, played.voice, played.playback)

    def _next_voice(self, playback) -> None:
        due = self.lab_playback.due_after(playback)
        if due is not None:
            QTimer.singleShot(int(AB_GAP_S * 1000), lambda: self._play(*due))

    def close(self) -> None:
        self.lab_playback.close()
