"""Driving a long job: a generator that yields progress and returns its result (docs/design.md 2).

The one loop every headless caller uses (the voice-space build, engine jobs, `simulate`); the
app runs the same generators on worker threads instead (gui/jobs.py).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Progress:
    """How far a job is: `done` of `total` (a fraction by default), what it is doing, and
    figures such as a loss: Progress(0.4, "Analysing ...") or Progress(step, total=steps)."""

    done: float
    message: str = ""
    total: float = 1.0
    info: dict = field(default_factory=dict)

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0


def drive(job: Generator, on_item: Callable[[Any], None] | None = None):
    """Iterate `job` to its end, handing each yielded item to `on_item`; returns its value."""
    return _last(tap(job, on_item))


def tap(job: Generator, on_item: Callable[[Any], None] | None = None) -> Generator:
    """`job` with `on_item` called on each item before it is passed on (`yield from tap(...)`
    returns the job's value). If `on_item` raises, the job is closed and the error goes on."""
    try:
        while True:
            try:
                item = next(job)
            except StopIteration as stop:
                return stop.value
            if on_item is not None:
                on_item(item)
            yield item
    finally:
        job.close()


def _last(gen: Generator):
    while True:
        try:
            next(gen)
        except StopIteration as stop:
            return stop.value
