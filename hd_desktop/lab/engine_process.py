"""An engine update in its own process, relayed as the same generator of progress events.

Training in the app's process would share the GIL with the listener's window: loading torch
and building its optimiser hold the interpreter for up to ~200 ms at a time, longer than a
frame of the GUI may wait. A spawned process has its own interpreter, so the window and the
audio never wait for the engine; a crash of the engine cannot take the votes or the app with it.
"""

from __future__ import annotations

import multiprocessing as mp
import queue as queue_mod
import threading
import time
from collections.abc import Generator
from typing import TYPE_CHECKING

from hd_desktop.errors import Cancelled, UserFacingError
from hd_desktop.progress import drive, tap
from hd_desktop.lab.engine_job import EngineResult, EngineSnapshot, engine_job
from hd_desktop.lab.results import checkpoint_bytes, net_from_bytes

if TYPE_CHECKING:
    from hd_desktop.engine.rounds import Event

RELAY_EVERY_S = 0.05
_RUNNING: set = set()   # engine processes of this app, ended by stop_all() when it quits
# one thread at a time ends a process: a cancel (GUI thread) and the relaying thread's own ending
# both reap it, and the one whose waitpid lost the race saw it as alive forever (ECHILD)
_ENDING = threading.Lock()


def _child(snapshot: EngineSnapshot, out) -> None:
    """Runs in the engine process: every event (throttled) and then the result go to `out`."""
    try:
        last = [0.0]

        def relay(event) -> None:
            now = time.monotonic()
            if now - last[0] >= RELAY_EVERY_S or event.done == event.total:
                last[0] = now
                out.put(("event", event))

        result = drive(engine_job(snapshot), relay)
        # tensors sent through a queue travel as shared file descriptors, which die with this
        # process; the network travels as checkpoint bytes instead
        result.net = checkpoint_bytes(result.net)
        out.put(("result", result))
    except UserFacingError as exc:
        out.put(("error", str(exc)))
    except BaseException as exc:  # noqa: BLE001 - the parent reports it, naming the step
        out.put(("error", f"{type(exc).__name__}: {exc}"))


class EngineProcess:
    """One engine update in a spawned process: iterate `events()`; `cancel()` ends it at once.

    `cancel` may be called from any thread (the GUI's, while a worker iterates): it ends the
    process within a second, and `events()` then raises Cancelled at its next step. Stopping
    the iteration (closing the generator) ends the process too.
    """

    def __init__(self, snapshot: EngineSnapshot):
        self.snapshot = snapshot
        self._cancelled = False
        ctx = mp.get_context("spawn")   # never fork a process that runs Qt and audio threads
        self._out = ctx.Queue()
        self.process = ctx.Process(target=_child, args=(snapshot, self._out), name="hd-engine",
                                   daemon=True)

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def cancel(self) -> None:
        """End the engine process now; nothing of this run is kept."""
        self._cancelled = True
        _end(self.process, wait_s=0.0)

    def events(self) -> Generator[Event, None, EngineResult]:
        """Progress events relayed from the process; returns its result."""
        from hd_desktop.engine.rounds import Event

        if self._cancelled:
            raise Cancelled("engine update cancelled")
        self.process.start()
        _RUNNING.add(self.process)
        last = Event("start", self.snapshot.round, 0, 1)
        try:
            while True:
                if self._cancelled:
                    raise Cancelled("engine update cancelled")
                try:
                    kind, payload = self._out.get(timeout=RELAY_EVERY_S)
                except queue_mod.Empty:
                    if self._cancelled:
                        raise Cancelled("engine update cancelled") from None
                    if not self.process.is_alive():
                        raise UserFacingError(f"the engine process ended without a result "
                                              f"(exit code {self.process.exitcode})") from None
                    yield last   # a heartbeat: the consumer may cancel here
                    continue
                if kind == "event":
                    last = payload
                    yield payload
                elif kind == "result":
                    payload.net = net_from_bytes(payload.net)
                    return payload
                else:
                    raise UserFacingError(f"engine update of round {self.snapshot.round}: "
                                          f"{payload}")
        finally:
            _end(self.process, wait_s=0.0 if self._cancelled else 2.0)
            _RUNNING.discard(self.process)
            self._out.close()


def _end(process, wait_s: float) -> None:
    """Let `process` finish for up to `wait_s`, then terminate it (kill if it ignores that)."""
    if process.pid is None:
        return      # never started
    with _ENDING:
        _end_now(process, wait_s)


def _end_now(process, wait_s: float) -> None:
    if process.is_alive() and wait_s:
        process.join(timeout=wait_s)
    if process.is_alive():
        process.terminate()
        process.join(timeout=0.5)
    if process.is_alive():
        process.kill()       # cannot be ignored: wait until it is gone, however busy the machine
        process.join(timeout=30.0)


def engine_in_process(snapshot: EngineSnapshot) -> Generator[Event, None, EngineResult]:
    """engine_job(snapshot) in a spawned process; stop iterating to cancel (the process ends)."""
    return (yield from EngineProcess(snapshot).events())


class EngineRun:
    """One update: `events()` yields progress and returns the EngineResult; `cancel()` ends it.

    With `spawn` (the app) it runs in an EngineProcess of its own; without (headless drivers,
    `simulate`, tests) in the thread that iterates it, stopping at the next step once cancelled.
    """

    def __init__(self, snapshot: EngineSnapshot, spawn: bool = True):
        self.snapshot = snapshot
        self._process = EngineProcess(snapshot) if spawn else None
        self.cancelled = False

    @property
    def round(self) -> int:
        return self.snapshot.round

    def events(self) -> Generator:
        if self._process is not None:
            return (yield from self._process.events())
        return (yield from tap(engine_job(self.snapshot), self._stop_if_cancelled))

    def _stop_if_cancelled(self, _event) -> None:
        if self.cancelled:
            raise Cancelled("engine update cancelled")

    def cancel(self) -> None:
        self.cancelled = True
        if self._process is not None:
            self._process.cancel()


def stop_all() -> None:
    """End every engine process still running (the app is quitting; nothing of theirs is kept)."""
    for process in list(_RUNNING):
        _end(process, wait_s=0.0)
        _RUNNING.discard(process)
