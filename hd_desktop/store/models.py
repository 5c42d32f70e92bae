"""Trained score networks and the samples drawn from them, kept with the votes they came from.

A checkpoint is the torch state-dict as bytes (the store never imports torch); its SHA-256 is
checked on every read. Samples are kept as float64 bytes, so they come back bit for bit.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from hd_desktop import __version__
from hd_desktop.errors import UserFacingError
from hd_desktop.store.records import iso_utc, utc_now


@dataclass(frozen=True)
class ModelInfo:
    """A stored model without its checkpoint bytes (fetch those with `model_checkpoint`)."""

    id: str
    round: int                  # trained on the estimates of rounds 0..round
    config: dict[str, Any]
    curve: list[dict[str, Any]]
    info: dict[str, Any]        # votes used, estimates, timings, seeds, metrics
    checkpoint_bytes: int
    checkpoint_sha256: str
    created_at: str
    app_version: str


@dataclass(frozen=True)
class SampleSet:
    """One call of `save_samples`: n points drawn by a model with a seed."""

    model_id: str
    round: int
    seed: int
    n: int
    k: int
    info: dict[str, Any]
    created_at: str


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON")


def info_json(value: Any, what: str) -> str:
    """JSON kept by the store: numpy scalars become numbers, NaN stays (a failed metric is data)."""
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), default=_plain)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"the {what} cannot be stored as JSON ({exc})") from None


_MODEL_COLUMNS = ("id, round, config, curve, info, length(checkpoint), sha256, created_at, "
                  "app_version")


def _model(row: Sequence) -> ModelInfo:
    mid, rnd, config, curve, info, size, sha, created, version = tuple(row)
    return ModelInfo(mid, rnd, json.loads(config), json.loads(curve), json.loads(info), size, sha,
                     created, version)


def save_model(con: sqlite3.Connection, round_: int, config: Mapping[str, Any],
               curve: Sequence[Mapping[str, Any]], checkpoint: bytes,
               info: Mapping[str, Any]) -> str:
    if con.execute("SELECT 1 FROM rounds WHERE idx = ?", (round_,)).fetchone() is None:
        raise UserFacingError(f"cannot save a model of round {round_}: the experiment has no "
                              "such round")
    blob = bytes(checkpoint)
    if not blob:
        raise ValueError("a model checkpoint cannot be empty")
    mid = uuid.uuid4().hex
    con.execute("INSERT INTO models VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (mid, round_, info_json(dict(config), "model config"),
                 info_json([dict(p) for p in curve], "training curve"),
                 info_json(dict(info), "model info"), blob, hashlib.sha256(blob).hexdigest(),
                 iso_utc(utc_now()), __version__))
    return mid


def models(con: sqlite3.Connection, round_: int | None) -> list[ModelInfo]:
    sql = f"SELECT {_MODEL_COLUMNS} FROM models"
    rows = (con.execute(sql + " ORDER BY rowid") if round_ is None else
            con.execute(sql + " WHERE round = ? ORDER BY rowid", (round_,)))
    return [_model(r) for r in rows]


def model(con: sqlite3.Connection, model_id: str, where: object) -> ModelInfo:
    row = con.execute(f"SELECT {_MODEL_COLUMNS} FROM models WHERE id = ?",
                      (model_id,)).fetchone()
    if row is None:
        raise UserFacingError(f"no model {model_id} in {where}")
    return _model(row)


def checkpoint(con: sqlite3.Connection, model_id: str, where: object) -> bytes:
    row = con.execute("SELECT checkpoint, sha256 FROM models WHERE id = ?",
                      (model_id,)).fetchone()
    if row is None:
        raise UserFacingError(f"no model {model_id} in {where}")
    blob = bytes(row[0])
    if hashlib.sha256(blob).hexdigest() != row[1]:
        raise UserFacingError(f"the checkpoint of model {model_id} in {where} is damaged (its "
                              "checksum does not match); train the model again")
    return blob


def _matrix(z: Any) -> np.ndarray:
    a = np.asarray(z)
    if a.ndim != 2 or a.shape[1] < 1:
        raise ValueError(f"samples must be an n x k array, not shape {a.shape}")
    if not np.issubdtype(a.dtype, np.floating) and not np.issubdtype(a.dtype, np.integer):
        raise ValueError(f"samples must be numbers, not {a.dtype}")
    a = a.astype("<f8")  # float32 widens exactly; float64 is copied bit for bit
    if not np.isfinite(a).all():
        raise ValueError("samples contain NaN or infinity; they were not stored")
    return a


def save_samples(con: sqlite3.Connection, model_id: str, round_: int, z: Any, seed: int,
                 info: Mapping[str, Any], where: object) -> None:
    a = _matrix(z)
    if con.execute("SELECT 1 FROM models WHERE id = ?", (model_id,)).fetchone() is None:
        raise UserFacingError(f"no model {model_id} in {where}; save the model first")
    other_k = con.execute("SELECT k FROM samples WHERE k != ? LIMIT 1", (a.shape[1],)).fetchone()
    if other_k is not None:
        raise ValueError(f"samples with {a.shape[1]} dimensions, but the experiment's samples "
                         f"have {other_k[0]}")
    row = (model_id, int(round_), int(seed), a.shape[0], a.shape[1], a.tobytes(order="C"),
           info_json(dict(info), "samples info"))
    old = con.execute("SELECT model_id, round, seed, n, k, z, info FROM samples WHERE "
                      "model_id = ? AND seed = ?", (model_id, int(seed))).fetchone()
    if old is None:
        con.execute("INSERT INTO samples VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    row + (iso_utc(utc_now()),))
    elif tuple(old[:5]) + (bytes(old[5]), old[6]) != row:
        raise UserFacingError(f"model {model_id} already has other samples with seed {seed}; "
                              "stored samples never change")


def _where(round_: int | None, model_id: str | None) -> tuple[str, list]:
    where, args = [], []
    if round_ is not None:
        where.append("round = ?")
        args.append(int(round_))
    if model_id is not None:
        where.append("model_id = ?")
        args.append(model_id)
    return (" WHERE " + " AND ".join(where)) if where else "", args


def samples(con: sqlite3.Connection, round_: int | None, model_id: str | None) -> np.ndarray:
    where, args = _where(round_, model_id)
    rows = con.execute(f"SELECT n, k, z FROM samples{where} ORDER BY rowid", args).fetchall()
    if not rows:
        return np.zeros((0, 0))
    return np.concatenate([np.frombuffer(bytes(z), dtype="<f8").reshape(n, k).astype(np.float64)
                           for n, k, z in rows])


def sample_sets(con: sqlite3.Connection, round_: int | None, model_id: str | None,
                ) -> list[SampleSet]:
    where, args = _where(round_, model_id)
    rows = con.execute("SELECT model_id, round, seed, n, k, info, created_at FROM samples"
                       f"{where} ORDER BY rowid", args)
    return [SampleSet(m, r, s, n, k, json.loads(i), c) for m, r, s, n, k, i, c in rows]
