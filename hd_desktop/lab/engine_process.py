"""An engine update in its own process, relayed as the same generator of progress events.

Training in the app's process would share the GIL with the listener's window: loading torch
and building its optimiser hold the interpreter for up to ~200 ms at a time, longer than a
frame of the GUI may wait. A spawned process has its own interpreter, so the window and the
audio never wait for the engine; a crash of the engine cannot take the votes or the app with it.
"""

from __future__ import annotations

import multiprocessing as mp
import queue as queue_mod
import time
from collections.abc import Generator
from typing import TYPE_CHECKING

from hd_desktop.errors import UserFacingError
from hd_desktop.lab.engine_job import EngineResult, EngineSnapshot, engine_job
from hd_desktop.lab.results import checkpoint_bytes, net_from_bytes

if TYPE_CHECKING:
    from hd_desktop.engine.rounds import Event

RELAY_EVERY_S = 0.05
_RUNNING: set = set()   # engine processes of this app, ended by stop_all() when it quits


def _child(snapshot: EngineSnapshot, out) -> None:
    """Runs in the engine process: every event (throttled) and then the result go to `out`."""
    try:
        job = engine_job(snapshot)
        last = 0.0
        while True:
            try:
                event = next(job)
            except StopIteration as stop:
                result = stop.value
                # tensors sent through a queue travel as shared file descriptors, which die
                # with this process; the network travels as checkpoint bytes instead
                result.net = checkpoint_bytes(result.net)
                out.put(("result", result))
                return
            now = time.monotonic()
            if now - last >= RELAY_EVERY_S or event.done == event.total:
                last = now
                out.put(("event", event))
    except UserFacingError as exc:
        out.put(("error", str(exc)))
    except BaseException as exc:  # noqa: BLE001 - the parent reports it, naming the step
        out.put(("error", f"{type(exc).__name__}: {exc}"))


def engine_in_process(snapshot: EngineSnapshot) -> Generator[Event, None, EngineResult]:
    """engine_job(snapshot) in a spawned process; stop iterating to cancel (the process ends)."""
    from hd_desktop.engine.rounds import Event
    ctx = mp.get_context("spawn")   # never fork a process that runs Qt and audio threads
    out = ctx.Queue()
    process = ctx.Process(target=_child, args=(snapshot, out), name="hd-engine", daemon=True)
    process.start()
    _RUNNING.add(process)
    last = Event("start", snapshot.round, 0, 1)
    try:
        while True:
            try:
                kind, payload = out.get(timeout=RELAY_EVERY_S)
            except queue_mod.Empty:
                if not process.is_alive():
                    raise UserFacingError(f"the engine process ended without a result "
                                          f"(exit code {process.exitcode})") from None
                yield last   # a heartbeat: the consumer may cancel here
                continue
            if kind == "event":
                last = payload
                yield payload
            elif kind == "result":
                payload.net = net_from_bytes(payload.net)
                return payload
            else:
                raise UserFacingError(f"engine update of round {snapshot.round}: {payload}")
    finally:
        if process.is_alive():
            process.join(timeout=2)
        if process.is_alive():
            process.terminate()
            process.join(timeout=2)
        _RUNNING.discard(process)
        out.close()


def stop_all() -> None:
    """End every engine process still running (the app is quitting; nothing of theirs is kept)."""
    for process in list(_RUNNING):
        if process.is_alive():
            process.terminate()
            process.join(timeout=2)
        _RUNNING.discard(process)
