"""Long work off the GUI thread: generator jobs yield progress and stop at the next yield on cancel.

superqt's workers run on the global QThreadPool, turn every `yield` into a `yielded` signal and
send exceptions to `errored`; this module only keeps the app's conventions in one place.
"""

from __future__ import annotations

from collections.abc import Callable

from superqt.utils import GeneratorWorker, create_worker


def start_job(job_fn: Callable, *args, on_progress=None, on_result=None, on_error=None,
              on_finished=None, **kwargs):
    """Run `job_fn(*args, **kwargs)` (a generator or a plain function) on a worker thread."""
    connect = {}
    if on_progress:
        connect["yielded"] = on_progress
    if on_result:
        connect["returned"] = on_result
    if on_error:
        connect["errored"] = on_error
    if on_finished:
        connect["finished"] = on_finished
    return create_worker(job_fn, *args, _connect=connect, _start_thread=True, **kwargs)


def cancel(worker) -> None:
    """Ask a generator job to stop at its next yield."""
    if isinstance(worker, GeneratorWorker):
        worker.quit()
