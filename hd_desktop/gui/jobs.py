"""Long work off the GUI thread: generator jobs yield progress and stop at the next yield on cancel.

superqt's workers run on the global QThreadPool, turn every `yield` into a `yielded` signal and
send exceptions to `errored`; this module only keeps the app's conventions in one place.
"""

from __future__ import annotations

from collections.abc import Callable

from superqt.utils import GeneratorWorker, create_worker


def start_job(job_fn: Callable, *args, owner=None, on_progress=None, on_result=None,
              on_error=None, on_finished=None, on_aborted=None, step: str | None = None,
              **kwargs):
    """Run `job_fn(*args, **kwargs)` (a generator or a plain function) on a worker thread.

    An error goes to `on_error` when given (it tells the user in its own place) and is logged
    by the app's error channel; with no `on_error`, the channel shows it too, naming `step`.
    `on_aborted`: a generator job stopped by `cancel`. `owner`: the widget the callbacks belong
    to; a job that ends after its window was closed and deleted (as a window closed while its
    voice space is still being built cancels the build) has nobody to tell, so its callbacks are
    dropped (the error is still logged).
    """
    from hd_desktop.errors import Cancelled
    from hd_desktop.gui.errors import channel, log_error

    step = step or getattr(job_fn, "__name__", "a background job").replace("_", " ")

    def owner_alive() -> bool:
        import shiboken6
        return owner is None or shiboken6.isValid(owner)

    def to_owner(callback):
        return lambda *a: callback(*a) if owner_alive() else None

    def told(exc):
        if on_error is None:
            if owner_alive():
                return channel().report(step, exc)
            return log_error(channel().folder, step, exc)
        if not isinstance(exc, Cancelled):
            log_error(channel().folder, step, exc)
        if owner_alive():
            on_error(exc)

    connect = {"errored": told}
    for signal, callback in (("yielded", on_progress), ("returned", on_result),
                             ("finished", on_finished), ("aborted", on_aborted)):
        if callback is not None:
            connect[signal] = to_owner(callback)
    return create_worker(job_fn, *args, _connect=connect, _start_thread=True, **kwargs)


def cancel(worker) -> None:
    """Ask a generator job to stop at its next yield."""
    if isinstance(worker, GeneratorWorker):
        worker.quit()
