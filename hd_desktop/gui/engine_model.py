"""The engine as the views see it: the Lab's engine events as Qt signals, its runs on workers.

The Lab (hd_desktop.lab) owns the engine's state and decides when an update runs; this object
only iterates a run on a worker thread, reports its progress and end back to the Lab on the
GUI thread, and turns the Lab's engine events into signals for the map, the engine panel and
the preview.
"""

from __future__ import annotations

# torch loads with the window, before it is shown: loaded later on a worker thread (to read a
# trained network back), it holds the GIL for ~100 ms at a time and freezes the listener's
# window mid-session (benchmarks/gui_engine.py measured 113 ms stalls that way).
import torch  # noqa: F401
from PySide6.QtCore import QObject, Signal

from hd_desktop.errors import Cancelled
from hd_desktop.gui.jobs import start_job
from hd_desktop.lab.engine_job import EngineResult
from hd_desktop.lab.engine_view import engine_news


class EngineModel(QObject):
    progress = Signal(object)        # engine.rounds.Event
    resultReady = Signal(object)     # EngineResult
    failed = Signal(str)
    runningChanged = Signal(bool)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.lab = None
        self._unsubscribe = None
        self._worker = None

    def set_lab(self, lab) -> None:
        self.lab = lab
        lab.engine.start = self._start_run
        self._unsubscribe = lab.events.subscribe(self._lab_event)

    # -- what the views read (the Lab owns it) ---------------------------------------------

    @property
    def latest(self) -> EngineResult | None:
        return self.lab.engine.latest if self.lab else None

    @property
    def busy(self) -> bool:
        """Running, or about to run again for votes that came in meanwhile."""
        return bool(self.lab and self.lab.engine.busy)

    @property
    def running(self) -> bool:
        return bool(self.lab and self.lab.engine.current is not None)

    # -- actions ---------------------------------------------------------------------------

    def update(self) -> bool:
        """Start an update from every vote so far (one more follows if one is running)."""
        return self.lab.engine.request() if self.lab else False

    def cancel(self) -> None:
        if self.lab is not None:
            self.lab.engine.cancel()

    def restore(self) -> None:
        """Results stored by earlier runs of the app (the map and preview show them at once)."""
        if self.lab is None:
            return
        self.lab.engine.restore()
        if self.latest is not None:
            self.resultReady.emit(self.latest)

    def shutdown(self) -> None:
        """The app quits: no more updates, and a running engine process ends now."""
        from hd_desktop.lab.engine_process import stop_all

        if self._unsubscribe:
            self._unsubscribe()
        self.cancel()
        self.lab = None
        stop_all()

    # -- running a job the Lab started -------------------------------------------------------

    def _start_run(self, run) -> None:
        engine = self.lab.engine
        self._worker = start_job(
            run.events, on_progress=lambda e: engine.progress(run, e),
            on_result=lambda r: engine.finished(run, result=r),
            on_error=lambda e: engine.finished(run, error=e))
        self._worker.aborted.connect(lambda: engine.finished(run, error=Cancelled()))

    def _lab_event(self, event) -> None:
        signals = {"running": self.runningChanged, "progress": self.progress,
                   "result": self.resultReady, "failed": self.failed}
        for what, news in engine_news(event, self.running):
            signals[what].emit(news)
