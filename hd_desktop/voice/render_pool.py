"""Rendering in a worker process, so the WORLD vocoder never holds this process's GIL.

pyworld's synthesis keeps the GIL for its whole call (6-10 ms for a 1 s stimulus). Rendering the
next stimuli on a thread of the app would then delay the audio callback and the listener's window
by as much, every trial. A worker process renders instead; the waiting thread releases the GIL.
Same call, same samples: `RenderPool(space).render(z, carrier)` == `space.render(z, carrier)`.
"""

from __future__ import annotations

import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from hd_desktop.voice.space import VoiceSpace

_SPACE: VoiceSpace | None = None


def _init(space: VoiceSpace) -> None:
    global _SPACE
    _SPACE = space


def _render(z: tuple[float, ...], carrier: str) -> tuple[np.ndarray, int]:
    return _SPACE.render(z, carrier)


class RenderPool:
    """`render(z, carrier)` of a VoiceSpace, computed in `workers` spawned processes."""

    def __init__(self, space: VoiceSpace, workers: int = 1):
        self.space = space
        self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"),
                                         initializer=_init, initargs=(space,))
        self._pool.submit(_render, tuple([0.0] * space.dims), "sustained")  # boot it now

    @property
    def dims(self) -> int:
        return self.space.dims

    def render(self, z, carrier: str = "sustained") -> tuple[np.ndarray, int]:
        return self._pool.submit(_render, tuple(float(v) for v in z), carrier).result()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
