"""The app's engine state: runs updates on a worker, keeps the latest result, tells the views.

One owner: this object holds the results; the map, the engine panel and the preview subscribe.
"""

from __future__ import annotations

# torch loads with the window, before it is shown: loaded later on a worker thread (to read a
# trained network back), it holds the GIL for ~100 ms at a time and freezes the listener's
# window mid-session (benchmarks/gui_engine.py measured 113 ms stalls that way).
import torch  # noqa: F401
from PySide6.QtCore import QObject, Signal

from hd_desktop.engine.config import EngineConfig
from hd_desktop.errors import UserFacingError
from hd_desktop.gui.jobs import cancel, start_job
from hd_desktop.lab.engine_job import EngineResult
from hd_desktop.lab.engine_process import engine_in_process


class EngineModel(QObject):
    progress = Signal(object)        # engine.rounds.Event
    resultReady = Signal(object)     # EngineResult
    failed = Signal(str)
    runningChanged = Signal(bool)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.lab = None
        self.results: dict[int, EngineResult] = {}   # latest result per round
        self.keep_listeners: set[str] = set()
        self.config = EngineConfig()
        self.seed = 0
        self._worker = None
        self._pending = False
        self._last_event = None

    @property
    def busy(self) -> bool:
        """Running, or about to run again for votes that came in meanwhile."""
        return self.running or self._pending

    @property
    def running(self) -> bool:
        return self._worker is not None

    @property
    def latest(self) -> EngineResult | None:
        return self.results[max(self.results)] if self.results else None

    def update(self) -> bool:
        """Start an update from every vote so far; False (and `failed`) when it cannot start.

        Asked while one runs, it runs again once that one ends, so the newest votes are learned.
        """
        if self.lab is None:
            return False
        if self.running:
            self._pending = True
            return True
        try:
            snapshot = self.lab.engine_snapshot(self.config, self.seed, self.keep_listeners)
        except UserFacingError as exc:
            self.failed.emit(str(exc))
            return False
        self._snapshot = snapshot
        # the engine process relays its events at most every 50 ms
        self._worker = start_job(engine_in_process, snapshot,
                                 on_progress=self._progress, on_result=self._done,
                                 on_error=self._error, on_finished=self._finished)
        self._worker.aborted.connect(self._aborted)
        self.runningChanged.emit(True)
        return True

    def cancel(self) -> None:
        self._pending = False
        cancel(self._worker)

    def shutdown(self) -> None:
        """The app quits: no more updates, and a running engine process ends now."""
        from hd_desktop.lab.engine_process import stop_all

        self.lab = None
        self.cancel()
        stop_all()

    # slots are methods of this QObject, so Qt drops the connections if it is deleted first
    def _progress(self, event) -> None:
        if event is self._last_event:
            return   # a heartbeat (a chance to cancel), not news
        self._last_event = event
        self.progress.emit(event)

    def _error(self, exc) -> None:
        self.failed.emit(f"engine update: {exc}")

    def _aborted(self) -> None:
        self.failed.emit("engine update cancelled")

    def restore(self) -> None:
        """Results stored by earlier runs of the app (the map and preview show them at once)."""
        self.results = self.lab.restore_engine_results(self.config) if self.lab else {}
        if self.latest is not None:
            self.resultReady.emit(self.latest)

    def _done(self, result: EngineResult) -> None:
        try:
            self.lab.save_engine_result(result, self._snapshot)
        except UserFacingError as exc:
            self.failed.emit(f"the model could not be stored: {exc}")
        self.results[result.round] = result
        self.resultReady.emit(result)

    def _finished(self) -> None:
        self._worker = None
        self.runningChanged.emit(False)
        if self._pending:
            self._pending = False
            self.update()
