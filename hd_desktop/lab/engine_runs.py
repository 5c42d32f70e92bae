"""Engine updates of one experiment: when one runs, what happens to its result, how it stops.

One owner (the Lab's `engine`): a request while a run is going queues exactly one more run
(for the votes that came in meanwhile); a finished run's model and samples are stored once;
`cancel` ends the engine process. The Lab decides when a run starts; its driver decides how
it runs: `simulate` sets `start = drive_here` (iterated on its own thread, to the end); the
app iterates it on a worker thread and reports progress and the end back on its own thread
through `progress` and `finished`. With no driver (a script that only records votes), no
update runs.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING

from hd_desktop.errors import Cancelled, UserFacingError
from hd_desktop.lab.engine_job import EngineResult, EngineSnapshot, check_learnable, engine_job
from hd_desktop.lab.engine_process import EngineProcess
from hd_desktop.progress import drive, tap

if TYPE_CHECKING:
    from hd_desktop.lab.workbench import Lab


class EngineRun:
    """One update: `events()` yields progress and returns the EngineResult; `cancel()` ends it."""

    def __init__(self, snapshot: EngineSnapshot, in_process: bool = True):
        self.snapshot = snapshot
        self._process = EngineProcess(snapshot) if in_process else None
        self._cancelled = False

    @property
    def round(self) -> int:
        return self.snapshot.round

    def events(self) -> Generator:
        if self._process is not None:
            return (yield from self._process.events())
        return (yield from tap(engine_job(self.snapshot), self._stop_if_cancelled))

    def _stop_if_cancelled(self, _event) -> None:
        if self._cancelled:
            raise Cancelled("engine update cancelled")

    def cancel(self) -> None:
        self._cancelled = True
        if self._process is not None:
            self._process.cancel()


class EngineRuns:
    """The Lab's engine: requests, the running update, the latest result of each round."""

    def __init__(self, lab: Lab, in_process: bool = True):
        self.lab = lab
        self.in_process = in_process        # False: run in this process (headless, simulate)
        self.start: Callable[[EngineRun], None] | None = None   # the driver; see above
        self.results: dict[int, EngineResult] = {}
        self.current: EngineRun | None = None
        self.pending = False

    @property
    def latest(self) -> EngineResult | None:
        return self.results[max(self.results)] if self.results else None

    @property
    def busy(self) -> bool:
        return self.current is not None or self.pending

    def request(self) -> bool:
        """An update from every vote so far; while one runs, one more follows it. False (and
        an engine_failed event) when it cannot start."""
        if self.start is None:
            return False
        if self.current is not None:
            self.pending = True
            return True
        try:
            snapshot = self.lab.engine_snapshot()
            # too few votes is news in plain words, not a failed run with a traceback
            check_learnable(snapshot)
        except UserFacingError as exc:
            self.lab.events.emit("engine_failed", message=str(exc))
            return False
        self.current = EngineRun(snapshot, self.in_process)
        self.lab.events.emit("engine_started", run=self.current)
        self.start(self.current)
        return True

    def cancel(self) -> None:
        """Stop the running update (its process ends now) and any queued one."""
        self.pending = False
        if self.current is not None:
            self.current.cancel()

    def progress(self, run: EngineRun, event) -> None:
        if run is self.current:
            self.lab.events.emit("engine_progress", event=event)

    def finished(self, run: EngineRun, result: EngineResult | None = None,
                 error: BaseException | None = None) -> None:
        """The driver reports the end of `run`: the result is stored, or the failure told."""
        if run is not self.current:
            return
        self.current = None
        if result is not None:
            try:
                self.lab.save_engine_result(result, run.snapshot)
            except UserFacingError as exc:
                self.lab.events.emit("engine_failed",
                                     message=f"the model could not be stored: {exc}")
            self.results[result.round] = result
            self.lab.events.emit("model_stored", result=result)
        elif isinstance(error, Cancelled) or run._cancelled:
            self.lab.events.emit("engine_cancelled")
        else:
            self.lab.events.emit("engine_failed", message=f"engine update: {error}")
        if self.pending and self.lab.open:
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
        from hd_desktop.lab.results import restore_results

        if self.lab.current_round() is None:
            self.results = {}
            return
        self.results = restore_results(self.lab.experiment, self.lab.engine_snapshot())
