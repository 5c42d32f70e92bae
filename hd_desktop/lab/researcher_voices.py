"""The researcher's voices: a click on the voice map, a sample of the New voices tab, its A/B
with the nearest real voice. One path for all of them (no Qt):

  request = voices.point(dims, x, y, carrier)  or  voices.preview([...], carrier)
  the window asks the PlaybackGuard for an output (request.what names the voice in a refusal),
  renders off its thread with `render_voices`, and then plays the voices one after the other,
  AB_GAP_S apart, only while the request is the latest one (a later click wins) and the output
  has not changed meanwhile (a listener's session opened while it rendered).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

CARRIER_LABELS = {"sustained": "Sustained vowel (1 s)", "sentence": "Sentence (CMU ARCTIC)"}
AB_GAP_S = 0.4       # between a sample and its nearest real voice


@dataclass(frozen=True)
class Voice:
    name: str                    # "point" (the map), "sample" or "real" (the New voices tab)
    z: tuple[float, ...]


@dataclass(frozen=True)
class VoiceRequest:
    """Voices to render and play in turn; `source` is the tab that asked ("map", "preview")."""

    source: str
    voices: tuple[Voice, ...]
    carrier: str
    what: str                    # as a refusal names it: "the voice at (1.00, -0.50)"
    seq: int

    @property
    def where(self) -> str:
        """The first voice's coordinates, as the status bar says them: "1.00, -0.50"."""
        return ", ".join(f"{v:.2f}" for v in self.voices[0].z)

    @property
    def step(self) -> str:
        """What rendering it is called in the error log."""
        if self.source == "map":
            return f"rendering the voice at ({self.where})"
        return f"rendering {' and '.join(v.name for v in self.voices)} voice for the preview"

    def rendering_words(self) -> str:
        return f"Rendering ({self.where})…" if self.source == "map" else \
            f"Rendering the {' and '.join(v.name for v in self.voices)} voice…"

    def changed_words(self) -> str:
        return f"({self.where}) not played: the output changed while it rendered; play it again"

    def no_output_words(self, problem: str | None) -> str:
        return f"({self.where}) rendered, but there is no output device: {problem}"

    def playing_words(self, voice: Voice, seconds: float, device: str) -> str:
        what = f"({self.where})" if voice.name == "point" else f"the {voice.name} voice"
        return (f"Playing {what}, {CARRIER_LABELS.get(self.carrier, self.carrier).lower()}, "
                f"{seconds:.1f} s, on {device}")


@dataclass(frozen=True)
class PlayedVoice:
    """A researcher's voice handed to the device (the main window's `played` signal)."""

    z: tuple[float, ...]
    carrier: str
    playback: object


class ResearcherVoices:
    """Makes each request with its number: only the latest one plays."""

    def __init__(self):
        self._numbers = itertools.count(1)
        self.latest = 0

    def _new(self, source: str, voices: Sequence[Voice], carrier: str, what: str) -> VoiceRequest:
        self.latest = next(self._numbers)
        return VoiceRequest(source, tuple(voices), carrier, what, self.latest)

    def point(self, dims: int, x: float, y: float, carrier: str) -> VoiceRequest:
        """The voice at (x, y) on the map: the other axes at 0, the real voices' mean."""
        z = np.zeros(dims)
        z[:2] = (x, y)
        return self._new("map", [Voice("point", tuple(float(v) for v in z))], carrier,
                         f"the voice at ({x:.2f}, {y:.2f})")

    def preview(self, voices: Sequence[tuple[str, Sequence[float]]], carrier: str) -> VoiceRequest:
        """Voices of the New voices tab: [("sample", z)] or a sample and its real voice."""
        chosen = [Voice(name, tuple(float(v) for v in z)) for name, z in voices]
        return self._new("preview", chosen, carrier,
                         f"the {' and '.join(v.name for v in chosen)} voice from the New voices tab")

    def is_latest(self, request: VoiceRequest) -> bool:
        return request.seq == self.latest


def render_voices(renderer, out, request: VoiceRequest) -> list[tuple[Voice, object, float]]:
    """Each voice rendered (`renderer.render(z, carrier)`) and prepared for `out`: (voice,
    prepared buffer or None without a device, seconds). Runs on a worker thread."""
    done = []
    for voice in request.voices:
        audio, rate = renderer.render(voice.z, request.carrier)
        done.append((voice, out.prepare(audio, rate), len(audio) / rate))
    return done
