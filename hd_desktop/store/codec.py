"""Rows <-> records: the exact text forms that go into the database and the rating files."""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Sequence
from typing import Any

from hd_desktop.design.stimulus import Role, Stimulus
from hd_desktop.store.records import EVALUATION_ROUND, SessionInfo, SessionKind, Vote


def canonical_json(value: Any) -> str:
    """One spelling per value, so equal designs compare equal as text. Floats keep every bit."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)


def z_json(z: Sequence[float]) -> str:
    values = [float(v) for v in z]
    if not values or not all(math.isfinite(v) for v in values):
        raise ValueError(f"coordinates {tuple(z)!r} must be finite and non-empty")
    return json.dumps(values)  # repr of a float round-trips exactly


STIMULUS_COLUMNS = "id, round, role, z, seed, neighbour, pair, evaluation"
STIMULUS_PLACEHOLDERS = "?, ?, ?, ?, ?, ?, ?, ?"
EVALUATION_ROLES = (Role.EVAL_REAL, Role.EVAL_SAMPLE)


def stimulus_row(s: Stimulus, evaluation: str | None = None) -> tuple:
    """The stored row; an evaluation's stimulus has round EVALUATION_ROUND in, NULL in the row."""
    role = Role(s.role)
    if evaluation is None:
        if role in EVALUATION_ROLES or int(s.round) < 0:
            raise ValueError(f"stimulus {s.id} ({role.value}, round {s.round}) belongs to an "
                             "evaluation, not a round: store it with add_evaluation")
    elif role not in EVALUATION_ROLES or int(s.round) != EVALUATION_ROUND:
        raise ValueError(f"stimulus {s.id} ({role.value}, round {s.round}) is not an evaluation "
                         f"stimulus (roles eval-real/eval-sample, round {EVALUATION_ROUND})")
    return (s.id, None if evaluation is not None else int(s.round), role.value, z_json(s.z),
            int(s.seed), None if s.neighbour is None else int(s.neighbour),
            None if s.pair is None else int(s.pair), evaluation)


def put_stimulus(con: sqlite3.Connection, s: Stimulus, where: object,
                 evaluation: str | None = None) -> None:
    """Store a stimulus once; the same again is a no-op, a changed one is refused."""
    from hd_desktop.errors import UserFacingError

    new = stimulus_row(s, evaluation=evaluation)
    old = con.execute(f"SELECT {STIMULUS_COLUMNS} FROM stimuli WHERE id = ?", (s.id,)).fetchone()
    if old is None:
        con.execute(f"INSERT INTO stimuli VALUES ({STIMULUS_PLACEHOLDERS})", new)
    elif tuple(old) != new:
        raise UserFacingError(f"stimulus {s.id} is already stored with other values in "
                              f"{where}; stimuli never change once stored")


def stimulus_from_row(row: sqlite3.Row | Sequence) -> Stimulus:
    sid, rnd, role, z, seed, neighbour, pair, _evaluation = tuple(row)
    return Stimulus(id=sid, round=EVALUATION_ROUND if rnd is None else rnd, role=Role(role),
                    z=tuple(json.loads(z)), seed=seed, neighbour=neighbour, pair=pair)


def stimulus_to_json(s: Stimulus, evaluation: str | None = None) -> dict[str, Any]:
    d = {"id": s.id, "round": s.round, "role": Role(s.role).value,
         "z": [float(v) for v in s.z], "seed": s.seed, "neighbour": s.neighbour, "pair": s.pair}
    if evaluation is not None:  # only then, so a round's stimuli read as they did in schema 1
        d["evaluation"] = evaluation
    return d


def stimulus_from_json(d: dict[str, Any]) -> Stimulus:
    return Stimulus(id=str(d["id"]), round=int(d["round"]), role=Role(d["role"]),
                    z=tuple(float(v) for v in d["z"]), seed=int(d["seed"]),
                    neighbour=None if d.get("neighbour") is None else int(d["neighbour"]),
                    pair=None if d.get("pair") is None else int(d["pair"]))


def evaluation_from_json(d: dict[str, Any]) -> str | None:
    """The evaluation a sidecar's stimulus belongs to (None: a round's stimulus)."""
    name = d.get("evaluation")
    return None if name is None else str(name)


SESSION_COLUMNS = ("id, listener, kind, order_ids, order_seed, device, gain_db, started_at, "
                   "finished_at, settings")


def session_from_row(row: Sequence) -> SessionInfo:
    sid, listener, kind, order, seed, device, gain, started, finished, settings = tuple(row)
    return SessionInfo(id=sid, listener=listener, kind=SessionKind(kind),
                       order=tuple(json.loads(order)), order_seed=seed, device=device,
                       gain_db=gain, started_at=started, finished_at=finished,
                       settings=json.loads(settings))


def session_row(s: SessionInfo) -> tuple:
    return (s.id, s.listener, SessionKind(s.kind).value, json.dumps(list(s.order)), s.order_seed,
            s.device, s.gain_db, s.started_at, s.finished_at, canonical_json(s.settings))


def session_to_json(s: SessionInfo) -> dict[str, Any]:
    return {"id": s.id, "listener": s.listener, "kind": SessionKind(s.kind).value,
            "order": list(s.order), "order_seed": s.order_seed, "device": s.device,
            "gain_db": s.gain_db, "started_at": s.started_at, "finished_at": s.finished_at,
            "settings": s.settings}


def session_from_json(d: dict[str, Any]) -> SessionInfo:
    return SessionInfo(id=str(d["id"]), listener=str(d["listener"]), kind=SessionKind(d["kind"]),
                       order=tuple(str(i) for i in d["order"]),
                       order_seed=None if d.get("order_seed") is None else int(d["order_seed"]),
                       device=d.get("device"),
                       gain_db=None if d.get("gain_db") is None else float(d["gain_db"]),
                       started_at=str(d["started_at"]), finished_at=d.get("finished_at"),
                       settings=dict(d.get("settings") or {}))


VOTE_COLUMNS = ("id, listener, session_id, trial, stimulus_id, response, rt_ms, n_plays, "
                "presented_at, responded_at, device, gain_db, app_version, undone_at")


def vote_from_row(row: Sequence) -> Vote:
    return Vote(*tuple(row))


def vote_row(v: Vote) -> tuple:
    return (v.id, v.listener, v.session_id, v.trial, v.stimulus_id, v.response, v.rt_ms,
            v.n_plays, v.presented_at, v.responded_at, v.device, v.gain_db, v.app_version,
            v.undone_at)
