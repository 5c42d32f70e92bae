"""The stimulus player: one callback stream kept open, buffers handed over whole.

Opening and starting a stream costs ~15 ms on JACK (measured), too slow per stimulus, so the player opens one
OutputStream on the chosen device at the device's own rate and keeps it running, playing
silence between stimuli. play() does every bit of work (resample, fade, gain) on the
caller's thread and then publishes a new request with one attribute assignment, which is
atomic under the GIL. The audio callback only notices the new request, copies frames and
drops tuples in a queue; a helper thread turns those into OnsetInfo/FinishInfo, sets the
Playback's Events and calls the hooks, so hooks never run on the audio thread.

The callback is Python, so it needs the GIL: a thread that computes in pure Python (the
GUI, a renderer) can hold it for the interpreter's whole switch interval (5 ms), about
one JACK period. While any Player is open the interval is 1 ms (restored when the last
closes); `benchmarks/latency.py --busy` measured p95 ~21 ms without it, 12-16 ms with it.

Ownership: the caller's thread owns `_request`; the audio thread owns `_taken`,
`_current` and the frame counters; the helper thread owns the records on each Playback.
"""

from __future__ import annotations

import logging
import queue
import sys
import threading
import time
from typing import Callable

import numpy as np

from hd_desktop.audio.buffers import Prepared, prepare, with_gain
from hd_desktop.audio.devices import OutputDevice, abandon_dead_stream, resolve_output_device
from hd_desktop.audio.playback import (EndReason, FinishInfo, OnsetInfo, Playback,
                                       PlayerState)
from hd_desktop.errors import UserFacingError

log = logging.getLogger(__name__)

Hook = Callable[[Playback], None]
_START, _END, _TAKEN, _QUIT = "start", "end", "taken", "quit"


SWITCH_INTERVAL = 0.001  # seconds a thread may hold the GIL while the audio thread waits


class _GilTuning:
    """Shortens sys.setswitchinterval while players are open; restores it after the last."""

    _lock = threading.Lock()
    _open = 0
    _saved: float | None = None

    @classmethod
    def acquire(cls) -> None:
        with cls._lock:
            if cls._open == 0:
                cls._saved = sys.getswitchinterval()
                sys.setswitchinterval(min(cls._saved, SWITCH_INTERVAL))
            cls._open += 1

    @classmethod
    def release(cls) -> None:
        with cls._lock:
            cls._open -= 1
            if cls._open == 0 and cls._saved is not None:
                sys.setswitchinterval(cls._saved)


class _Request:
    """What the caller wants playing now: a Playback, or None for silence. Compared by identity."""

    __slots__ = ("seq", "playback")

    def __init__(self, seq: int, playback: Playback | None):
        self.seq, self.playback = seq, playback


class Player:
    """Plays prepared stimuli on one output device and reports when each became audible.

    `on_started(playback)` and `on_finished(playback)` are called on a helper thread (not
    the audio thread) once `playback.onset` / `playback.end` are set; keep them short.
    """

    def __init__(self, device: int | str | OutputDevice | None = None, gain_db: float = 0.0,
                 *, on_started: Hook | None = None, on_finished: Hook | None = None):
        import sounddevice as sd

        self.device = device if isinstance(device, OutputDevice) else resolve_output_device(device)
        self.sample_rate = int(round(self.device.default_samplerate))
        self.channels = min(2, self.device.max_output_channels)
        self.gain_db = float(gain_db)
        self.on_started, self.on_finished = on_started, on_finished
        self.frames_delivered = 0      # every stimulus frame copied to the device, all plays
        self.xruns = 0                 # callbacks that PortAudio flagged (under/overflow)
        self._seq = 0
        self._request = self._taken = _Request(0, None)
        self._current: Playback | None = None
        self._last: Prepared | None = None
        self._unstarted: dict[int, Playback] = {}
        self._lock = threading.Lock()  # guards _seq and _unstarted (caller vs helper thread)
        self._events: queue.SimpleQueue = queue.SimpleQueue()
        self._closed = False
        stream = None
        try:
            stream = sd.OutputStream(
                device=self.device.index, samplerate=self.sample_rate, channels=self.channels,
                dtype="float32", blocksize=0, latency="low", callback=self._callback)
            stream.start()
        except sd.PortAudioError as exc:
            if stream is not None:
                stream.close()
            raise UserFacingError(
                f"Could not open audio output {self.device.label()} at {self.sample_rate} Hz: "
                f"{exc}. Choose another device in settings or with HD_AUDIO_DEVICE.") from exc
        self._stream = stream
        _GilTuning.acquire()
        self._helper = threading.Thread(target=self._dispatch, name="hd-audio-events",
                                        daemon=True)
        self._helper.start()

    # -- the caller's side -------------------------------------------------------------

    def prepare(self, audio: np.ndarray, sample_rate: float, stereo: bool = False) -> Prepared:
        """Resample to the device rate; do this ahead of time to make play() instant.
        `stereo`: an (n, 2) sound played left and right as given (mono plays on both)."""
        return prepare(audio, sample_rate, self.sample_rate, stereo=stereo)

    def play(self, audio: np.ndarray | Prepared, sample_rate: float | None = None) -> Playback:
        """Start `audio` at the next audio period, cutting off whatever is playing."""
        requested = time.monotonic()
        if self._closed:
            raise RuntimeError("the player is closed")
        if not self._stream.active:
            raise UserFacingError(f"Audio output {self.device.label()} has stopped; "
                                  "restart the app or choose another device.")
        if not isinstance(audio, Prepared):
            if sample_rate is None:
                raise TypeError("play() needs the sample rate of raw audio")
            audio = self.prepare(audio, sample_rate)
        if audio.sample_rate != self.sample_rate:
            raise ValueError(f"prepared for {audio.sample_rate} Hz, device runs at "
                             f"{self.sample_rate} Hz")
        if audio.samples.shape[1] > self.channels:
            raise UserFacingError(f"Audio output {self.device.label()} has {self.channels} "
                                  "channel(s); this sound needs two (left and right). Choose a "
                                  "stereo output device.")
        self._last = audio
        samples = with_gain(audio, self.gain_db)
        with self._lock:
            self._seq += 1
            playback = Playback(self._seq, samples, self.sample_rate, requested)
            self._unstarted[playback.id] = playback
            self._request = _Request(self._seq, playback)  # the hand-over: one assignment
        return playback

    def replay(self) -> Playback:
        """Play the last stimulus again (a new Playback with its own onset)."""
        if self._last is None:
            raise RuntimeError("nothing has been played yet")
        return self.play(self._last)

    def stop(self) -> None:
        """Silence from the next audio period on; the playing stimulus ends as STOPPED."""
        if self._closed:
            return
        with self._lock:
            self._seq += 1
            self._request = _Request(self._seq, None)

    @property
    def state(self) -> PlayerState:
        if self._closed:
            return PlayerState.CLOSED
        request = self._request
        if request is not self._taken and request.playback is not None:
            return PlayerState.PENDING
        return PlayerState.PLAYING if self._current is not None else PlayerState.IDLE

    @property
    def stream_time(self) -> float:
        """The stream's clock now (the clock of OnsetInfo.stream_time)."""
        return self._stream.time

    def close(self) -> None:
        """Stop the stream, end every playback as CLOSED, stop the helper thread."""
        if self._closed:
            return
        self._closed = True
        if self._stream.active:
            self._stream.abort()
            self._stream.close()
        else:  # the device went away under us (we never stop the stream ourselves)
            abandon_dead_stream(self.device)
        _GilTuning.release()
        current = self._current
        if current is not None:
            self._current = None
            self._events.put((_END, current, EndReason.CLOSED, None, None, None))
        self._events.put((_QUIT, None, None, None, None, None))
        self._helper.join(timeout=5)
        with self._lock:
            leftovers, self._unstarted = list(self._unstarted.values()), {}
        for playback in leftovers:
            self._finish(playback, EndReason.CLOSED, None, None)

    def __enter__(self) -> Player:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- the audio thread: notice the request, copy, report ----------------------------

    def _callback(self, outdata, frames, time_info, status) -> None:
        if status:
            self.xruns += 1
        request = self._request
        if request is not self._taken:
            self._take(request, time_info)
        current = self._current
        if current is None:
            outdata.fill(0)
            return
        pos = current.frames_delivered
        n = min(frames, len(current.samples) - pos)
        outdata[:n] = current.samples[pos:pos + n]
        if n < frames:
            outdata[n:] = 0
        current.frames_delivered = pos + n
        self.frames_delivered += n
        if pos + n >= len(current.samples):
            self._current = None
            self._events.put((_END, current, EndReason.COMPLETED,
                              time_info.outputBufferDacTime + n / self.sample_rate,
                              time_info.currentTime, time.monotonic()))

    def _take(self, request: _Request, time_info) -> None:
        self._taken = request
        now, dac, cur = time.monotonic(), time_info.outputBufferDacTime, time_info.currentTime
        old, new = self._current, request.playback
        if old is not None:
            reason = EndReason.REPLACED if new is not None else EndReason.STOPPED
            self._events.put((_END, old, reason, dac, cur, now))
        self._current = new
        if new is not None:
            self._events.put((_START, new, None, dac, cur, now))
        self._events.put((_TAKEN, request, None, None, None, None))

    # -- the helper thread: records, Events, hooks ---------------------------------------

    def _dispatch(self) -> None:
        while True:
            kind, obj, reason, dac, cur, now = self._events.get()
            if kind == _QUIT:
                return
            if kind == _TAKEN:
                self._supersede_before(obj.seq)
            elif kind == _START:
                self._start(obj, dac, cur, now)
            else:
                mono = None if now is None else now + (dac - cur)
                self._finish(obj, reason, dac, mono)

    def _start(self, playback: Playback, dac: float, cur: float, now: float) -> None:
        with self._lock:
            self._unstarted.pop(playback.id, None)
        mono = now + (dac - cur)
        playback.onset = OnsetInfo(playback.id, dac, mono, mono + (time.time() - time.monotonic()),
                                   playback.requested_monotonic, dac - cur)
        playback.started.set()
        self._call(self.on_started, playback)

    def _supersede_before(self, seq: int) -> None:
        with self._lock:
            gone = [p for i, p in self._unstarted.items() if i < seq]
            for p in gone:
                del self._unstarted[p.id]
        for p in gone:
            self._finish(p, EndReason.SUPERSEDED, None, None)

    def _finish(self, playback: Playback, reason: EndReason, dac, mono) -> None:
        playback.end = FinishInfo(playback.id, reason, playback.frames_delivered, dac, mono)
        playback.finished.set()
        self._call(self.on_finished, playback)

    @staticmethod
    def _call(hook: Hook | None, playback: Playback) -> None:
        if hook is None:
            return
        try:
            hook(playback)
        except Exception:  # a broken hook must not stop the reports of later stimuli
            log.exception("audio hook %r failed for %r", hook, playback)
