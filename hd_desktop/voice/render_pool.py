"""Rendering in a worker process, so the WORLD vocoder never holds this process's GIL.

pyworld's synthesis keeps the GIL for its whole call (6-10 ms for a 1 s stimulus). Rendering the
next stimuli on a thread of the app would then delay the audio callback and the listener's window
by as much, every trial. A worker process renders instead; the waiting thread releases the GIL.
Same call, same samples: `RenderPool(space).render(z, carrier)` == `space.render(z, carrier)`.
"""

from __future__ import annotations

import multiprocessing as mp
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import numpy as np

from hd_desktop.voice.space import VoiceSpace

_SPACE: VoiceSpace | None = None


def _init(space: VoiceSpace) -> None:
    global _SPACE
    _SPACE = space


def _render(z: tuple[float, ...], carrier: str) -> tuple[np.ndarray, int]:
    return _SPACE.render(z, carrier)


class RenderPool:
    """`render(z, carrier)` of a VoiceSpace, computed in `workers` spawned processes.

    A worker that dies (killed, out of memory) is replaced: the render that met the broken pool
    is tried once more in a fresh one, so the app does not stay unable to play until a restart.
    """

    def __init__(self, space: VoiceSpace, workers: int = 1):
        self.space, self.workers = space, workers
        self._lock = threading.Lock()
        self._pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=mp.get_context("spawn"),
                                   initializer=_init, initargs=(self.space,))
        pool.submit(_render, tuple([0.0] * self.space.dims), "sustained")  # boot it now
        return pool

    @property
    def dims(self) -> int:
        return self.space.dims

    def render(self, z, carrier: str = "sustained") -> tuple[np.ndarray, int]:
        args = (tuple(float(v) for v in z), carrier)
        pool = self._pool
        try:
            return pool.submit(_render, *args).result()
        except BrokenProcessPool:
            with self._lock:          # one fresh pool, however many threads met the broken one
                if self._pool is pool:
                    pool.shutdown(wait=False, cancel_futures=True)
                    self._pool = self._start()
            return self._pool.submit(_render, *args).result()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
