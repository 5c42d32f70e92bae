"""The application layer's news: typed events that windows and headless drivers subscribe to.

Like napari's evented models: the layer changes state and publishes; a view only subscribes and
renders. Events are published on the thread that called the layer (the GUI thread in the app),
so a subscriber never races the layer. Each event is a frozen dataclass whose fields are its
news (a misspelt field is an error where it is made or read); its class attribute `kind` names
it, so a subscriber may match on the class or on `event.kind`:

  round_created      RoundCreated(round, design)
  session_started    SessionStarted(session_id, session_kind, listener)
  vote               VoteCast(session_id, vote_id, trial, practice)
  block_done         BlockDone(session_id, votes): standing votes of the session
  session_finished   SessionFinished(summary)
  engine_started     EngineStarted(run)
  engine_progress    EngineProgress(event): an engine.rounds.Event
  model_stored       ModelStored(result): the model and its samples are in the experiment
  engine_failed      EngineFailed(message)
  engine_cancelled   EngineCancelled()
  evaluation_report  EvaluationReported(name, table, written)
  settings           SettingsChanged(settings, changed): the names of the settings changed
  imported           Imported(report): an import merged its files
  import_refused     ImportRefused(files, message): an import changed nothing, and why
  exported           Exported(files)
  decision           DataDecided(decision)

An event tells what happened, never what was tried: a model that could not be stored gives
`engine_failed` and no `model_stored`; refused files give `import_refused` and no `imported`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from hd_desktop.design import RoundDesign
    from hd_desktop.engine.rounds import Event
    from hd_desktop.lab.engine_job import EngineResult
    from hd_desktop.lab.engine_process import EngineRun
    from hd_desktop.lab.settings import LabSettings
    from hd_desktop.session.states import Summary
    from hd_desktop.store import SessionKind
    from hd_desktop.store.decisions import Decision


@dataclass(frozen=True, slots=True)
class LabEvent:
    """What every event is; `kind` is the subclass's name for it."""

    kind: ClassVar[str] = ""


@dataclass(frozen=True, slots=True)
class RoundCreated(LabEvent):
    """A round was designed and stored with its practice trials."""

    kind: ClassVar[str] = "round_created"
    round: int
    design: RoundDesign


@dataclass(frozen=True, slots=True)
class SessionStarted(LabEvent):
    """A listener's session began (its first trial is due)."""

    kind: ClassVar[str] = "session_started"
    session_id: str
    session_kind: SessionKind
    listener: str | None


@dataclass(frozen=True, slots=True)
class VoteCast(LabEvent):
    """A vote was stored."""

    kind: ClassVar[str] = "vote"
    session_id: str
    vote_id: str
    trial: int
    practice: bool


@dataclass(frozen=True, slots=True)
class BlockDone(LabEvent):
    """A block of a session with new votes ended; `votes` are the session's standing votes."""

    kind: ClassVar[str] = "block_done"
    session_id: str
    votes: int


@dataclass(frozen=True, slots=True)
class SessionFinished(LabEvent):
    """A session reached its end and its rating file was written."""

    kind: ClassVar[str] = "session_finished"
    summary: Summary


@dataclass(frozen=True, slots=True)
class EngineStarted(LabEvent):
    kind: ClassVar[str] = "engine_started"
    run: EngineRun


@dataclass(frozen=True, slots=True)
class EngineProgress(LabEvent):
    kind: ClassVar[str] = "engine_progress"
    event: Event


@dataclass(frozen=True, slots=True)
class ModelStored(LabEvent):
    """An update's model and samples are stored in the experiment (result.model_id)."""

    kind: ClassVar[str] = "model_stored"
    result: EngineResult


@dataclass(frozen=True, slots=True)
class EngineFailed(LabEvent):
    """An update could not start, failed, or its model could not be stored: why, in words."""

    kind: ClassVar[str] = "engine_failed"
    message: str


@dataclass(frozen=True, slots=True)
class EngineCancelled(LabEvent):
    kind: ClassVar[str] = "engine_cancelled"


@dataclass(frozen=True, slots=True)
class EvaluationReported(LabEvent):
    """An evaluation's table, written into the folder `written` (None: not written)."""

    kind: ClassVar[str] = "evaluation_report"
    name: str
    table: dict
    written: str | None


@dataclass(frozen=True, slots=True)
class SettingsChanged(LabEvent):
    """The experiment's settings changed and were stored."""

    kind: ClassVar[str] = "settings"
    settings: LabSettings
    changed: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Imported(LabEvent):
    """An import ran; `report` (hd_desktop.web.importing's result) says what came in."""

    kind: ClassVar[str] = "imported"
    report: Any


@dataclass(frozen=True, slots=True)
class ImportRefused(LabEvent):
    """An import was refused (all or none: nothing of its files came in); why, in words."""

    kind: ClassVar[str] = "import_refused"
    files: tuple[str, ...]
    message: str


@dataclass(frozen=True, slots=True)
class Exported(LabEvent):
    kind: ClassVar[str] = "exported"
    files: tuple[Path, ...]


@dataclass(frozen=True, slots=True)
class DataDecided(LabEvent):
    """A listener or a session was excluded or included again (Lab.exclude / Lab.include)."""

    kind: ClassVar[str] = "decision"
    decision: Decision


class Events:
    """Subscribers are called in the order they subscribed; `subscribe` returns the undo."""

    def __init__(self):
        self._subscribers: list[Callable[[LabEvent], None]] = []

    def subscribe(self, callback: Callable[[LabEvent], None]) -> Callable[[], None]:
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback) if callback in self._subscribers \
            else None

    def publish(self, event: LabEvent) -> LabEvent:
        if not isinstance(event, LabEvent):
            raise TypeError(f"only LabEvents are published, not {event!r}")
        for callback in list(self._subscribers):
            callback(event)
        return event
