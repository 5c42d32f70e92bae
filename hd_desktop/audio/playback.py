"""What a play() returns: a handle that learns when its sound started and ended.

The audio thread only drops raw events in a queue; a helper thread turns them into these
records, sets the handle's Events and calls the player's hooks. Records are immutable.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import Enum


class PlayerState(Enum):
    IDLE = "idle"          # stream open, playing silence
    PENDING = "pending"    # a stimulus is handed over; its first frame is not written yet
    PLAYING = "playing"    # the audio thread is copying a stimulus
    CLOSED = "closed"      # stream closed; the player cannot play any more


class EndReason(Enum):
    COMPLETED = "completed"    # every frame was delivered
    STOPPED = "stopped"        # stop() cut it short
    REPLACED = "replaced"      # a newer play() cut it short
    SUPERSEDED = "superseded"  # a newer play() or stop() came before its first frame
    CLOSED = "closed"          # the player closed first


@dataclass(frozen=True)
class OnsetInfo:
    """When a stimulus's first frame reaches the DAC, in three clocks.

    `stream_time` is PortAudio's outputBufferDacTime of the callback that wrote the first
    frame (the stream's clock). `monotonic` and `wall_time` estimate the same instant in
    time.monotonic() and time.time() seconds; `delay` = monotonic - the play() call.
    """

    playback_id: int
    stream_time: float
    monotonic: float
    wall_time: float
    requested_monotonic: float
    output_latency: float     # DAC time minus the callback's current time, seconds

    @property
    def delay(self) -> float:
        return self.monotonic - self.requested_monotonic


@dataclass(frozen=True)
class FinishInfo:
    """How a stimulus ended: its last delivered frame's DAC time and the frames delivered."""

    playback_id: int
    reason: EndReason
    frames_delivered: int
    stream_time: float | None     # DAC time just after the last delivered frame
    monotonic: float | None


class Playback:
    """One play() of one buffer. Thread-safe to read; written by the player's helper thread."""

    def __init__(self, playback_id: int, samples, sample_rate: int, requested: float):
        self.id = playback_id
        self.samples = samples            # (n, 1) float32, read-only, at the device rate
        self.sample_rate = sample_rate
        self.requested_monotonic = requested
        self.frames_delivered = 0         # advanced by the audio thread as it copies
        self.onset: OnsetInfo | None = None
        self.end: FinishInfo | None = None
        self.started = threading.Event()
        self.finished = threading.Event()

    @property
    def frames(self) -> int:
        return len(self.samples)

    def wait_started(self, timeout: float | None = None) -> OnsetInfo | None:
        """The onset once the first frame is written, or None on timeout or if never played."""
        self.started.wait(timeout)
        return self.onset

    def wait(self, timeout: float | None = None) -> FinishInfo | None:
        """How it ended, once it has; None on timeout."""
        self.finished.wait(timeout)
        return self.end

    def __repr__(self) -> str:
        return f"<Playback {self.id}: {self.frames} frames at {self.sample_rate} Hz>"
