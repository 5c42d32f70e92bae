"""Engine updates of one experiment: when one runs, what happens to its result, how it stops.

One owner (the Lab's `engine`): a request while a run is going queues exactly one more run
(for the votes that came in meanwhile); a finished run's model and samples are stored once;
`cancel` ends the engine process. The Lab decides when a run starts; its driver decides how
it runs: `simulate` sets `start = drive_here` (iterated on its own thread, to the end); the
app iterates it on a worker thread and reports progress and the end back on its own thread
through `progress` and `finished`. With no driver (a script that only records votes), no
update runs, and an engine_failed event says so.

It knows nothing of the Lab: it is given what it needs (where its snapshot and the stored
results come from, how a result is stored, where the news goes).
"""

from __future__ import annotations

from collections.abc import Callable

from hd_desktop.errors import Cancelled, UserFacingError
from hd_desktop.lab.engine_job import EngineResult, EngineSnapshot, check_learnable
from hd_desktop.lab.engine_process import EngineRun
from hd_desktop.lab.events import (EngineCancelled, EngineFailed, EngineProgress, EngineStarted,
                                   Events, ModelStored)
from hd_desktop.progress import drive

__all__ = ["EngineRun", "EngineRuns"]

NO_DRIVER = ("no engine update runs here: nothing drives the engine in this program (the app and "
             "`hd-desktop simulate` do); the votes are stored, and the next update there learns "
             "from them")


class EngineRuns:
    """The Lab's engine: requests, the running update, the latest result of each round.

    snapshot() -> EngineSnapshot: every vote the engine may learn from (UserFacingError when
        there is nothing to learn from); store(result, snapshot): keeps the model and its
        samples in the experiment (sets result.model_id); stored() -> {round: EngineResult}:
        the results stored before (after a restart). `spawn`: each update in a process of its
        own (the app); False runs it in the thread that iterates it (headless, `simulate`).
    """

    def __init__(self, events: Events, *, snapshot: Callable[[], EngineSnapshot],
                 store: Callable[[EngineResult, EngineSnapshot], object],
                 stored: Callable[[], dict[int, EngineResult]], spawn: bool = True):
        self.events = events
        self._snapshot, self._store, self._stored = snapshot, store, stored
        self.spawn = spawn
        self.start: Callable[[EngineRun], None] | None = None   # the driver; see above
        self.results: dict[int, EngineResult] = {}
        self.current: EngineRun | None = None
        self.pending = False
        self.closed = False          # no queued update follows a run once closed
        self._last_event = None

    @property
    def latest(self) -> EngineResult | None:
        return self.results[max(self.results)] if self.results else None

    @property
    def busy(self) -> bool:
        return self.current is not None or self.pending

    def request(self) -> bool:
        """An update from every vote so far; while one runs, one more follows it. False (and
        an engine_failed event saying why) when it cannot start."""
        if self.start is None:
            self.events.publish(EngineFailed(NO_DRIVER))
            return False
        if self.current is not None:
            self.pending = True
            return True
        try:
            snapshot = self._snapshot()
            # too few votes is news in plain words, not a failed run with a traceback
            check_learnable(snapshot)
        except UserFacingError as exc:
            self.events.publish(EngineFailed(str(exc)))
            return False
        self.current = EngineRun(snapshot, self.spawn)
        self.events.publish(EngineStarted(self.current))
        self.start(self.current)
        return True

    def cancel(self) -> None:
        """Stop the running update (its process ends now) and any queued one."""
        self.pending = False
        if self.current is not None:
            self.current.cancel()

    def close(self) -> None:
        """No more updates: the running one ends and no queued one follows."""
        self.closed = True
        self.cancel()

    def progress(self, run: EngineRun, event) -> None:
        """A progress event of `run`; the same event again is a heartbeat (the driver's chance
        to cancel), not news."""
        if run is self.current and event is not self._last_event:
            self._last_event = event
            self.events.publish(EngineProgress(event))

    def finished(self, run: EngineRun, result: EngineResult | None = None,
                 error: BaseException | None = None) -> None:
        """The driver reports the end of `run`: the result is stored and told, or the failure
        told (a model that could not be stored is a failure, and not among the results)."""
        if run is not self.current:
            return
        self.current = None
        if result is not None:
            try:
                self._store(result, run.snapshot)
            except UserFacingError as exc:
                self.events.publish(EngineFailed(f"the model could not be stored: {exc}"))
            else:
                self.results[result.round] = result
                self.events.publish(ModelStored(result))
        elif isinstance(error, Cancelled) or run.cancelled:
            self.events.publish(EngineCancelled())
        else:
            self.events.publish(EngineFailed(f"engine update: {error}"))
        if self.pending and not self.closed:
            self.pending = False
            self.request()

    def drive_here(self, run: EngineRun) -> None:
        """Iterate `run` on this thread to its end (headless drivers)."""
        try:
            result = drive(run.events(), lambda e: self.progress(run, e))
        except Exception as exc:   # noqa: BLE001 - reported as an engine_failed event
            self.finished(run, error=exc)
            return
        self.finished(run, result=result)

    def restore(self) -> None:
        """Results stored by earlier runs (after a restart), ready to draw and preview."""
        self.results = dict(self._stored())
