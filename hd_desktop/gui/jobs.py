"""Long work off the GUI thread: generator jobs yield progress and stop at the next yield on cancel.

superqt's workers run on the global QThreadPool, turn every `yield` into a `yielded` signal and
send exceptions to `errored`; this module only keeps the app's conventions in one place.
"""

from __future__ import annotations

from collections.abc import Callable

from superqt.utils import GeneratorWorker, create_worker


def start_job(job_fn: Callable, *args, on_progress=None, on_result=None, on_error=None,
              on_finished=None, step: str | None = None, **kwargs):
    """Run `job_fn(*args, **kwargs)` (a generator or a plain function) on a worker thread.

    An error goes to `on_error` when given (it tells the user in its own place) and is logged
    by the app's error channel; with no `on_error`, the channel shows it too, naming `step`.
    """
    from hd_desktop.errors import Cancelled
    from hd_desktop.gui.errors import channel, log_error

    step = step or getattr(job_fn, "__name__", "a background job").replace("_", " ")
    connect = {}
    if on_progress:
        connect["yielded"] = on_progress
    if on_result:
        connect["returned"] = on_result
    if on_error:
        def told(exc, _handler=on_error):
            if not isinstance(exc, Cancelled):
                log_error(channel().folder, step, exc)
            _handler(exc)
        connect["errored"] = told
    else:
        connect["errored"] = lambda exc: channel().report(step, exc)
    if on_finished:
        connect["finished"] = on_finished
    return create_worker(job_fn, *args, _connect=connect, _start_thread=True, **kwargs)


def cancel(worker) -> None:
    """Ask a generator job to stop at its next yield."""
    if isinstance(worker, GeneratorWorker):
        worker.quit()
