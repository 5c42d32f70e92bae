"""Where and when the researcher's voices play (no Qt): on the main output, or on the
researcher output while a listener's session is open, or refused, as the PlaybackGuard decides;
only the latest request, and only on the output it was rendered for; an A/B's second voice
after the first ended. The window's ResearcherAudio (gui/audio_output.py) renders off its
thread, calls `play` with what it rendered and waits AB_GAP_S for `due_after`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hd_desktop.lab.output import Output
from hd_desktop.lab.researcher_voices import ResearcherVoices, Voice, VoiceRequest


@dataclass(frozen=True)
class Played:
    """What became of a request's next voice: its Playback (None: it did not play), and
    what the status bar says (None: nothing, a later click won)."""

    voice: Voice | None = None
    playback: object | None = None
    words: str | None = None


class ResearcherPlayback:
    """The main output (an Output the window opened), the PlaybackGuard, and the researcher
    output opened on demand, whose sounds' news goes to `on_started` and `on_finished`."""

    def __init__(self, main: Output, guard, on_started: Callable | None = None,
                 on_finished: Callable | None = None):
        self.main, self.guard = main, guard
        self.requests = ResearcherVoices()
        self.side: Output | None = None
        self._hooks = (on_started, on_finished)
        self._then = None             # (Playback, the request, its output, the voices after it)

    def output(self, what: str) -> tuple[Output | None, str | None]:
        """(the output to play `what` on, None) or (None, why it may not play now)."""
        route = self.guard.route(what)
        if not route.allowed:
            return None, route.refused
        if route.device is None:
            return self.main, None
        if self.side is None or self.side.device_label != route.device:
            self.close()       # the researcher's own device, at the main output's gain
            self.side = Output(*self._hooks)
            if not self.side.open(route.device, self.main.player.gain_db if self.main.player else 0.0):
                why = self.side.problem
                self.close()
                return None, f"the researcher output {route.device} cannot be opened: {why}"
        return self.side, None

    def play(self, request: VoiceRequest, out: Output, prepared: list) -> Played:
        """The first of `prepared` (render_voices' list) played on `out`, the rest kept for
        `due_after`; not when a later request came meanwhile, or the output changed (a
        listener's session opened while it rendered)."""
        if not self.requests.is_latest(request):
            return Played()      # a later click wins
        now, why = self.output(request.what)
        if now is not out:
            return Played(words=why or request.changed_words())
        (voice, buffer, seconds), rest = prepared[0], prepared[1:]
        playback = out.play(buffer) if buffer is not None else None
        if playback is None:
            return Played(words=request.no_output_words(out.problem))
        self._then = (playback, request, out, rest) if rest else None
        return Played(voice, playback, request.playing_words(voice, seconds, out.device_label))

    def due_after(self, playback) -> tuple[VoiceRequest, Output, list] | None:
        """The voices due once `playback` ended (an A/B's second): `play`'s arguments, or None."""
        if self._then is None or self._then[0] is not playback:
            return None
        (_, *due), self._then = self._then, None
        return tuple(due)

    def close(self) -> None:
        if self.side is not None:
            self.side.close()
            self.side = None
