"""What a rating file's sidecar carries beside the votes, read back and checked.

- `listener_records`: the session's listener's consent, questionnaire and headphone check (those
  given in this session or in none), each as stored, with `sha256`, the checksum of its text.
- `decisions`: every decision about the session or its listener, each with its `decision_id` and
  `sha256`; files written before decisions had ids carry neither, and their decisions get an id
  drawn from their content (so importing such a file twice adds them once).
- `listener_texts`: the texts the session ran with, under the checksum of their content.

A record or decision whose text does not match its checksum was edited after export: refused,
naming the file and the record. Files without these keys (older versions) carry nothing more.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from hd_desktop.errors import BadInputError
from hd_desktop.store import sidecar as sidecar_fields
from hd_desktop.store.codec import canonical_json
from hd_desktop.store.decisions import MAX_REASON, Action, Decision, Target
from hd_desktop.store.listener_records import ListenerRecord, RecordKind, texts_checksum
from hd_desktop.store.records import SessionInfo

# The store's own time format (records.iso_utc): decisions in force are the latest by this text.
STORED_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00")
SHA256 = re.compile(r"[0-9a-f]{64}")
MAX_TEXTS = 2000          # strings in one set of listener texts
MAX_STRING = 20_000       # characters of one (a consent text is a page or two)

_EDITED = ("was edited after export (its text no longer matches its checksum); export it again "
           "from the workstation that made it")


def read(top: sidecar_fields.Fields, path: Path, session: SessionInfo
         ) -> tuple[tuple[ListenerRecord, ...], tuple[Decision, ...],
                    tuple[str, str, dict[str, str]] | None]:
    """(records, decisions, texts) of the sidecar `top` of `session`'s rating file."""
    return (tuple(_record(d, path, i, session)
                  for i, d in enumerate(top.items("listener_records", optional=True))),
            tuple(_decision(d, path, i, session)
                  for i, d in enumerate(top.items("decisions", optional=True))),
            _texts(top.obj("listener_texts", optional=True), path))


def _checked_sum(f: sidecar_fields.Fields, what: str) -> None:
    sha = f.text("sha256")
    if sidecar_fields.record_checksum(f.data) != sha:
        raise BadInputError(f"{f.path}: {what} {_EDITED}; nothing was imported")


def _record(data: Any, path: Path, index: int, session: SessionInfo) -> ListenerRecord:
    f = sidecar_fields.Fields(data, path, f"listener_records[{index}]")
    kinds = [k.value for k in RecordKind]
    kind = f.text("kind")
    if kind not in kinds:
        raise f.bad("kind", f"expected one of {', '.join(kinds)}")
    rec = ListenerRecord(id=f.text("id"), listener=f.text("listener"),
                         session_id=f.text("session_id", optional=True), kind=RecordKind(kind),
                         data=sidecar_fields.plain_json(f, "data"),
                         recorded_at=f.timestamp("recorded_at"),
                         app_version=f.text("app_version"))
    _checked_sum(f, f"listener record {rec.id} ({kind} of listener {rec.listener})")
    if rec.listener != session.listener or rec.session_id not in (None, session.id):
        raise BadInputError(f"{path}: listener record {rec.id} ({kind}) is about listener "
                            f"{rec.listener}, session {rec.session_id}, not this file's session "
                            f"{session.id} of listener {session.listener}; nothing was imported")
    return rec


def _decision(data: Any, path: Path, index: int, session: SessionInfo) -> Decision:
    f = sidecar_fields.Fields(data, path, f"decisions[{index}]")
    target, action = f.text("target"), f.text("action")
    if target not in [t.value for t in Target]:
        raise f.bad("target", "expected listener or session")
    if action not in [a.value for a in Action]:
        raise f.bad("action", "expected exclude or include")
    decided_at = f.text("decided_at")
    if not STORED_TIME.fullmatch(decided_at):
        raise f.bad("decided_at", "expected the time as the app writes it, like "
                                  "2026-03-02T09:30:00.000000+00:00")
    sidecar_fields.check_time(decided_at, lambda: f.bad("decided_at", "not a real date and time"))
    reason = f.text("reason", max_len=MAX_REASON)
    fields = (Target(target), f.text("id"), Action(action), reason, decided_at,
              f.text("app_version"))
    if "decision_id" in f.data or "sha256" in f.data:
        decision_id = f.text("decision_id")
        _checked_sum(f, f"the decision to {action} {target} {fields[1]} ({decided_at})")
    else:   # written before decisions travelled with their ids: one drawn from the content
        decision_id = hashlib.sha256(canonical_json(
            [target, fields[1], action, reason, decided_at, fields[5]]).encode()).hexdigest()[:32]
    wanted = session.listener if fields[0] == Target.LISTENER else session.id
    if fields[1] != wanted:
        raise BadInputError(f"{path}: decisions[{index}] is about {target} {fields[1]}, not this "
                            f"file's {target} {wanted}; nothing was imported")
    return Decision(decision_id, *fields)


def _texts(data: Any, path: Path) -> tuple[str, str, dict[str, str]] | None:
    if data is None:
        return None
    f = sidecar_fields.Fields(data, path, "listener_texts")
    sha, language = f.text("sha256"), f.text("language")
    strings = f.obj("strings")
    if len(strings) > MAX_TEXTS or not all(
            isinstance(k, str) and isinstance(v, str) and len(k) <= sidecar_fields.MAX_TEXT
            and len(v) <= MAX_STRING for k, v in strings.items()):
        raise f.bad("strings", f"expected at most {MAX_TEXTS} texts by key")
    if not SHA256.fullmatch(sha) or texts_checksum(language, strings)[0] != sha:
        raise BadInputError(f"{path}: its listener texts do not match their checksum {sha} "
                            "(edited after export); nothing was imported")
    return sha, language, dict(strings)
