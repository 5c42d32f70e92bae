"""A JACK dummy server and a capture client: a real output device on machines with no sound card.

Used by the test fixtures and the latency benchmark, never by the app. The dummy backend
runs on a real-time clock, so PortAudio streams on it behave like a sound card's. Needs
`jackd` (apt: jackd2) and, for capture, the `jack` module (pip: JACK-Client).

Why `--sync`: the server then waits for every client each cycle instead of dropping the
output of a late one, so on a busy 2-core machine a non-realtime server stretches a cycle
rather than losing frames, and output latency is one period instead of two.
Why a 256-frame period: a new stimulus waits up to one period for the next cycle, then one
period of output latency. At 48 kHz, 1024 frames makes vote -> audible 21-43 ms (the
budget is a p95 under 20 ms); 256 frames makes it 5-11 ms. benchmarks/latency.py measures it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

RATE = 48000
PERIOD = 256


class JackServer:
    """A private `jackd -d dummy` named `name`, started and stopped by its owner."""

    def __init__(self, name: str, rate: int = RATE, period: int = PERIOD):
        self.name, self.rate, self.period = name, rate, period
        self.process: subprocess.Popen | None = None
        self.log_path = Path(tempfile.gettempdir()) / f"jackd-{name}.log"

    @staticmethod
    def available() -> bool:
        return shutil.which("jackd") is not None

    def start(self, timeout: float = 10.0) -> JackServer:
        env = dict(os.environ, JACK_NO_AUDIO_RESERVATION="1")
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                ["jackd", "-n", self.name, "--no-realtime", "--sync", "-d", "dummy",
                 "-r", str(self.rate), "-p", str(self.period)],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                start_new_session=True, preexec_fn=_die_with_parent)
        deadline = time.monotonic() + timeout
        while not server_running(self.name):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"jackd did not start; its log: {self.log_path}:\n"
                                   + self.log_path.read_text(errors="replace")[-2000:])
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


def _die_with_parent() -> None:
    """In the child: ask Linux to SIGTERM jackd if its parent dies (a killed test run).

    Linux ties this to the thread that started the server, so start it from a thread that
    lives as long as the server should (the main thread, in pytest and the benchmark).
    """
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass  # not Linux: stop() is the only clean-up


def server_running(name: str | None = None) -> bool:
    """True when a JACK server called `name` (None: the default server) accepts clients."""
    import jack

    jack.set_error_function(lambda msg: None)  # a refused probe is expected, not news
    try:
        client = jack.Client("hd-probe", servername=name, no_start_server=True)
    except jack.JackOpenError:
        return False
    finally:
        jack.set_error_function()
    client.close()
    return True


def use_server(name: str | None) -> None:
    """Point PortAudio (and libjack) at server `name` and make PortAudio enumerate again."""
    from hd_desktop.audio.devices import rescan

    if name is None:
        os.environ.pop("JACK_DEFAULT_SERVER", None)
    else:
        os.environ["JACK_DEFAULT_SERVER"] = name
    rescan()


class Capture:
    """A JACK client whose inputs listen to PortAudio's outputs and record every cycle.

    Each cycle stores (JACK frame time of the cycle start, time.monotonic() in the process
    callback, a copy of the input). `attach()` after a Player has opened its stream.
    """

    def __init__(self, server: str | None = None, name: str = "hd-capture"):
        import jack

        self.client = jack.Client(name, servername=server, no_start_server=True)
        self.port = self.client.inports.register("in_1")
        self.samplerate = self.client.samplerate
        self.blocksize = self.client.blocksize
        self._blocks: list[tuple[int, float, np.ndarray]] = []
        self._lock = threading.Lock()
        self.client.set_process_callback(self._process)
        self.client.activate()

    def _process(self, frames: int) -> None:
        block = (self.client.last_frame_time, time.monotonic(), self.port.get_array().copy())
        with self._lock:
            self._blocks.append(block)

    def attach(self, prefix: str = "PortAudio") -> list[str]:
        """Listen to every PortAudio stream's first channel (what feeds system:playback_1).

        Call it after opening the Player(s); returns the ports now connected.
        """
        feeding = {p.name for p in self.client.get_all_connections("system:playback_1")}
        sources = sorted(name for name in feeding if name.startswith(prefix))
        if not sources:
            raise RuntimeError(f"no {prefix} port feeds system:playback_1: is a stream open?")
        connected = {p.name for p in self.client.get_all_connections(self.port)}
        for source in sources:
            if source not in connected:
                self.client.connect(source, self.port)
        return sources

    def clear(self) -> None:
        with self._lock:
            self._blocks.clear()

    def blocks(self) -> list[tuple[int, float, np.ndarray]]:
        with self._lock:
            return list(self._blocks)

    def signal(self) -> np.ndarray:
        """Everything recorded since the last clear(), channel 0, as one float32 array."""
        blocks = self.blocks()
        return np.concatenate([b[2] for b in blocks]) if blocks else np.zeros(0, np.float32)

    def first_sound(self, threshold: float = 1e-4) -> tuple[int, float] | None:
        """(JACK frame, monotonic estimate) of the first sample above `threshold`, or None."""
        for frame0, mono, data in self.blocks():
            hits = np.flatnonzero(np.abs(data) > threshold)
            if len(hits):
                return frame0 + int(hits[0]), mono + hits[0] / self.samplerate
        return None

    def close(self) -> None:
        self.client.deactivate()
        self.client.close()
