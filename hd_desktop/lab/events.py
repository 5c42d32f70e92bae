"""The application layer's news: plain events that windows and headless drivers subscribe to.

Like napari's evented models: the layer changes state and emits; a view only subscribes and
renders. Events are emitted on the thread that called the layer (the GUI thread in the app),
so a subscriber never races the layer.

Kinds and their `info`:
  round_created    round (index), design
  session_started  session_id, kind, listener
  vote             session_id, vote_id, trial
  block_done       session_id, votes (standing votes of the session)
  session_finished summary
  engine_started   run (EngineRun)
  engine_progress  event (engine.rounds.Event)
  model_stored     result (EngineResult)
  engine_failed    message
  engine_cancelled
  evaluation_report  name, table, written (folder or None)
  settings         settings (LabSettings)
  imported         report
  exported         files (list of paths)
  decision         decision (store.decisions.Decision): a DataDecided event

Newer events are typed: a LabEvent subclass whose fields are its info (a typo is an error).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class LabEvent:
    kind: str
    info: dict = field(default_factory=dict)

    def __getattr__(self, name):
        try:
            return self.info[name]
        except KeyError:
            raise AttributeError(f"{self.kind} event has no {name!r}") from None


@dataclass(frozen=True)
class DataDecided(LabEvent):
    """A listener or a session was excluded or included again (Lab.exclude / Lab.include)."""

    kind: str = "decision"
    decision: object = None     # hd_desktop.store.decisions.Decision

    def __post_init__(self) -> None:
        object.__setattr__(self, "info", {"decision": self.decision})


class Events:
    """Subscribers are called in the order they subscribed; `subscribe` returns the undo."""

    def __init__(self):
        self._subscribers: list[Callable[[LabEvent], None]] = []

    def subscribe(self, callback: Callable[[LabEvent], None]) -> Callable[[], None]:
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback) if callback in self._subscribers \
            else None

    def emit(self, kind: str, /, **info) -> LabEvent:
        return self.publish(LabEvent(kind, info))

    def publish(self, event: LabEvent) -> LabEvent:
        for callback in list(self._subscribers):
            callback(event)
        return event
