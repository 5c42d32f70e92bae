"""A rating file's JSON sidecar, read field by field: every value has a type and a range.

JSON lets a field be anything (Infinity, 1e400, 2**70, a list, a dict nested a thousand deep);
each reader here either returns the value the store can hold or raises `BadInputError` naming
the file, the field and what was wrong with it.
"""

from __future__ import annotations

import hashlib
import math
import re
import reprlib
from pathlib import Path
from typing import Any

from hd_desktop.design.stimulus import Role, Stimulus
from hd_desktop.errors import BadInputError, UserFacingError
from hd_desktop.store.codec import canonical_json
from hd_desktop.store.records import SessionInfo, SessionKind

INT64 = (-(2**63), 2**63 - 1)            # what an SQLite INTEGER holds
MAX_TEXT = 200                           # ids, names, device labels, versions
ISO_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(\+00:00|Z)")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_short = reprlib.Repr()
_short.maxstring, _short.maxother, _short.maxlevel = 40, 40, 2


def shown(value: Any) -> str:
    """A short, safe rendering of any JSON value for a message (deep nesting included)."""
    return _short.repr(value)


class Fields:
    """Typed access to one JSON object of the sidecar; `where` names it in messages."""

    def __init__(self, data: Any, path: Path, where: str):
        if not isinstance(data, dict):
            raise BadInputError(f"{path}: {where} is {shown(data)}, not an object")
        self.data, self.path, self.where = data, path, where

    def bad(self, key: str, what: str) -> BadInputError:
        return BadInputError(f"{self.path}: {self.where}.{key} is {shown(self.data.get(key))}; "
                             f"{what}")

    def _get(self, key: str, optional: bool) -> Any:
        if key not in self.data:
            if optional:
                return None
            raise BadInputError(f"{self.path}: {self.where} has no {key!r}")
        return self.data[key]

    def text(self, key: str, *, optional: bool = False, max_len: int = MAX_TEXT,
             trimmed: bool = True) -> str | None:
        """Printable text; `trimmed`: not blank and no leading or trailing blanks (ids)."""
        value = self._get(key, optional)
        if value is None and optional:
            return None
        if not isinstance(value, str) or not value:
            raise self.bad(key, "expected text")
        if trimmed and (not value.strip() or value != value.strip()):
            raise self.bad(key, "expected text without leading or trailing blanks")
        if len(value) > max_len or CONTROL.search(value):
            raise self.bad(key, f"expected at most {max_len} printable characters")
        return value

    def integer(self, key: str, *, optional: bool = False, low: int = INT64[0],
                high: int = INT64[1]) -> int | None:
        value = self._get(key, optional)
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.bad(key, "expected a whole number")
        if not low <= value <= high:
            raise self.bad(key, f"expected a whole number from {low} to {high}")
        return value

    def number(self, key: str, *, optional: bool = False, low: float = -1e6,
               high: float = 1e6) -> float | None:
        value = self._get(key, optional)
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.bad(key, "expected a number")
        if not (math.isfinite(value) and low <= value <= high):
            raise self.bad(key, f"expected a finite number from {low:g} to {high:g}")
        return float(value)

    def timestamp(self, key: str, *, optional: bool = False) -> str | None:
        value = self._get(key, optional)
        if value is None and optional:
            return None
        if not isinstance(value, str) or not ISO_UTC.fullmatch(value):
            raise self.bad(key, "expected an ISO 8601 UTC time like 2026-03-02T09:30:00+00:00")
        check_time(value, lambda: self.bad(key, "not a real date and time"))
        return value

    def obj(self, key: str, *, optional: bool = False) -> dict[str, Any] | None:
        value = self._get(key, optional)
        if value is None and optional:
            return None
        if not isinstance(value, dict):
            raise self.bad(key, "expected an object")
        return value

    def items(self, key: str, *, optional: bool = False) -> list[Any]:
        value = self._get(key, optional)
        if value is None and optional:
            return []
        if not isinstance(value, list):
            raise self.bad(key, "expected a list")
        return value


MAX_DEPTH = 32   # designs and settings are a few levels deep; hundreds would break re-export


def plain_json(f: Fields, key: str, *, optional: bool = False) -> dict[str, Any] | None:
    """An object the store keeps as canonical JSON: finite numbers, at most MAX_DEPTH deep."""
    value = f.obj(key, optional=optional)
    if value is None:
        return None
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise f.bad(key, f"expected plain JSON nested at most {MAX_DEPTH} deep")
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) \
            else ()
        stack.extend((c, depth + 1) for c in children if isinstance(c, (dict, list)))
    try:
        canonical_json(value)
    except ValueError:
        raise f.bad(key, "expected plain JSON values (finite numbers)") from None
    return value


def check_time(text: str, error) -> None:
    from datetime import datetime

    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise error() from None


def session(data: Any, path: Path) -> SessionInfo:
    f = Fields(data, path, "session")
    kinds = [k.value for k in SessionKind]
    kind = f.text("kind")
    if kind not in kinds:
        raise f.bad("kind", f"expected one of {', '.join(kinds)}")
    order = f.items("order")
    for i, sid in enumerate(order):
        if not isinstance(sid, str) or not sid or len(sid) > MAX_TEXT:
            raise BadInputError(f"{path}: session.order[{i}] is {shown(sid)}; expected a "
                                "stimulus id")
    settings = plain_json(f, "settings", optional=True) or {}
    return SessionInfo(id=f.text("id"), listener=f.text("listener"), kind=SessionKind(kind),
                       order=tuple(order), order_seed=f.integer("order_seed", optional=True),
                       device=f.text("device", optional=True, trimmed=False),
                       gain_db=f.number("gain_db", optional=True, low=-120.0, high=120.0),
                       started_at=f.timestamp("started_at"),
                       finished_at=f.timestamp("finished_at", optional=True),
                       settings=settings)


def stimulus(data: Any, path: Path, index: int) -> tuple[Stimulus, str | None]:
    """A sidecar stimulus and the evaluation it belongs to (None: a round's stimulus)."""
    f = Fields(data, path, f"stimuli[{index}]")
    roles = [r.value for r in Role]
    role = f.text("role")
    if role not in roles:
        raise f.bad("role", f"expected one of {', '.join(roles)}")
    z = f.items("z")
    if not z or len(z) > 64 or not all(not isinstance(v, bool) and isinstance(v, (int, float))
                                       and math.isfinite(v) for v in z):
        raise f.bad("z", "expected a list of 1 to 64 finite coordinates")
    stim = Stimulus(id=f.text("id"), round=f.integer("round", low=-1, high=10**6),
                    role=Role(role), z=tuple(float(v) for v in z), seed=f.integer("seed"),
                    neighbour=f.integer("neighbour", optional=True, low=0, high=10**9),
                    pair=f.integer("pair", optional=True, low=0, high=10**9))
    return stim, f.text("evaluation", optional=True)


def a_person_voted(sessions) -> bool:
    """Whether any of these sessions is a person's trials session. Until one is, the simulated
    votes are the experiment's data (a demo, `simulate`): the engine learns from them and the
    study's tables hold them; from then on they are kept apart."""
    return any(s.kind == SessionKind.TRIALS for s in sessions)


def is_simulated(exp: Any, session: SessionInfo) -> bool:
    """A simulated session, a session a simulated listener answered (an autopilot evaluation),
    or the practice run of one (the autopilot warms up too)."""
    if session.kind == SessionKind.SIMULATED or (session.settings or {}).get("simulated"):
        return True
    parent = (session.settings or {}).get("for_session") if session.kind == SessionKind.PRACTICE \
        else None
    if not parent:
        return False
    try:
        return exp.session(parent).kind == SessionKind.SIMULATED
    except UserFacingError:     # a practice run whose session is not here (yet)
        return False


def record_checksum(entry: dict[str, Any]) -> str:
    """The SHA-256 of a sidecar record's canonical JSON text, its own `sha256` key left out:
    a record (listener record or decision) edited after export no longer matches it."""
    text = canonical_json({k: v for k, v in entry.items() if k != "sha256"})
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def listener_records_json(exp: Any, session: SessionInfo) -> list[dict[str, Any]]:
    """What the session's listener said before or in it (consent, questionnaire, headphone
    check): their records given in this session or in none, each with its checksum."""
    out = []
    for r in exp.listener_records(listener=session.listener):
        if r.session_id not in (None, session.id):
            continue     # travels with the rating file of the session it was given in
        entry = {"id": r.id, "listener": r.listener, "session_id": r.session_id,
                 "kind": r.kind.value, "data": r.data, "recorded_at": r.recorded_at,
                 "app_version": r.app_version}
        out.append({**entry, "sha256": record_checksum(entry)})
    return out


def decisions_json(exp: Any, session: SessionInfo) -> dict[str, Any]:
    """What a rating file says about the researcher's decisions (docs/design.md 3): whether its
    session is simulated, whether it is excluded now (by its own or its listener's decision,
    with the reason and time), and every decision about its session or listener, oldest first.
    Written beside the votes, never instead of them; the import reads the votes as they are,
    and stores each decision (by its `decision_id`) as it was made (store/merge.py)."""
    targets = {("session", session.id), ("listener", session.listener)}
    history = [d for d in exp.decisions() if (d.target.value, d.target_id) in targets]
    latest: dict[tuple[str, str], Any] = {}
    for d in history:
        latest[(d.target.value, d.target_id)] = d
    in_force = [d for d in latest.values() if d.action.value == "exclude"]

    def row(d) -> dict[str, Any]:
        entry = {"target": d.target.value, "id": d.target_id, "action": d.action.value,
                 "reason": d.reason, "decided_at": d.decided_at, "app_version": d.app_version,
                 "decision_id": d.id}
        return {**entry, "sha256": record_checksum(entry)}

    return {"simulated": is_simulated(exp, session),
            "excluded": [row(d) for d in in_force],
            "decisions": [row(d) for d in history]}
