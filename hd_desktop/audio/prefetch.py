"""Render the next stimuli before they are due, on a background thread.

Generic: `render(key)` may return anything (typically `(audio, sample_rate)` or a
Prepared buffer). The session calls `get(key)` for the stimulus it needs now; that also
queues the next `ahead` keys of the order, so by the time the listener votes the next one
is ready and play() can start at once.
"""

from __future__ import annotations

import threading
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from typing import Callable, Generic, Hashable, Iterable, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class RenderFailed(Exception):
    """Rendering one key failed; `key` names it and the original error is the cause."""

    def __init__(self, key, error: BaseException):
        self.key = key
        super().__init__(f"rendering stimulus {key!r} failed: {type(error).__name__}: {error}")


class Prefetcher(Generic[K, V]):
    """Renders keys of `order` ahead of use; `get(key)` returns the rendered value."""

    def __init__(self, render: Callable[[K], V], order: Iterable[K] = (), *, ahead: int = 2,
                 workers: int = 1):
        self._render = render
        self.ahead = ahead
        self._order: list[K] = []
        self._position: dict[K, int] = {}
        self._futures: dict[K, Future] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hd-prefetch")
        self.set_order(order)

    def set_order(self, keys: Iterable[K]) -> None:
        """The order in which keys will be asked for (e.g. the session's trial order)."""
        with self._lock:
            self._order = list(keys)
            self._position = {k: i for i, k in enumerate(self._order)}

    def prefetch(self, keys: Iterable[K]) -> None:
        """Queue these keys for rendering, unless already queued or done."""
        with self._lock:
            for key in keys:
                if key not in self._futures:
                    self._futures[key] = self._pool.submit(self._render, key)

    def ready(self, key: K) -> bool:
        """True when `key` is rendered (successfully or not) and get() will not wait."""
        future = self._futures.get(key)
        return future is not None and future.done()

    def get(self, key: K) -> V:
        """The rendered value of `key`: from the background if ready or running, else now."""
        self._advance(key)
        with self._lock:
            future = self._futures.get(key)
            if future is not None and future.cancel():  # queued, not started: do it here
                future = None
        try:
            if future is None:
                value = self._render(key)
                with self._lock:
                    self._futures[key] = _done(value)
                return value
            return future.result()
        except CancelledError:
            raise
        except Exception as exc:
            with self._lock:
                self._futures.pop(key, None)  # a later get() tries again
            raise RenderFailed(key, exc) from exc

    def close(self) -> None:
        """Drop queued renders and wait for the running one."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Prefetcher[K, V]:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _advance(self, key: K) -> None:
        """Queue the keys after `key` and forget those well behind it."""
        i = self._position.get(key)
        if i is None:
            return
        keep = set(self._order[max(0, i - 1): i + 1 + self.ahead])
        with self._lock:
            for old in [k for k in self._futures if k not in keep]:
                self._futures.pop(old).cancel()
        self.prefetch(self._order[i + 1: i + 1 + self.ahead])


def _done(value) -> Future:
    future: Future = Future()
    future.set_result(value)
    return future
