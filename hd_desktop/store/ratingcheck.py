"""Reading a rating file pair back, trusting nothing: each refusal names the file and the reason."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
from pathlib import Path
from typing import Any

from hd_desktop.design.stimulus import Stimulus
from hd_desktop.errors import BadInputError
from hd_desktop.store import codec
from hd_desktop.store.evaluations import NAME, misplaced
from hd_desktop.store.ratingfile import FORMAT, FORMAT_VERSION, RatingFile, columns, pair_paths
from hd_desktop.store.records import Vote, parse_iso_utc


def read_rating_file(path: str | os.PathLike) -> RatingFile:
    """Parse and check a rating file (give either the .csv or the .json of the pair)."""
    csv_path, json_path = pair_paths(path)
    if Path(path).suffix.lower() not in (".csv", ".json"):
        raise BadInputError(f"{path}: not a rating file (expected a .csv with its .json sidecar)")
    if not csv_path.is_file():
        raise BadInputError(f"{path}: its CSV {csv_path.name} is missing")
    if not json_path.is_file():
        raise BadInputError(f"{csv_path}: no sidecar {json_path.name} beside it; this is not an "
                            "hd-desktop rating file, or its sidecar was lost")
    try:
        sidecar = json.loads(json_path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadInputError(f"{json_path}: unreadable sidecar ({exc})") from None
    if not isinstance(sidecar, dict) or sidecar.get("schema") != FORMAT:
        raise BadInputError(f"{json_path}: not an hd-desktop rating-file sidecar")
    version = sidecar.get("schema_version")
    if version != FORMAT_VERSION:
        raise BadInputError(f"{json_path}: rating-file schema version {version!r}; this hd-desktop "
                            f"reads version {FORMAT_VERSION}")
    try:
        return _check(csv_path, json_path, sidecar)
    except BadInputError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise BadInputError(f"{json_path}: malformed sidecar ({type(exc).__name__}: {exc})"
                            ) from None


def _check(csv_path: Path, json_path: Path, sc: dict[str, Any]) -> RatingFile:
    data = csv_path.read_bytes()
    meta = sc["csv"]
    if hashlib.sha256(data).hexdigest() != meta["sha256"]:
        raise BadInputError(f"{csv_path}: its content does not match the checksum in "
                            f"{json_path.name} (truncated, or edited after export)")
    session = codec.session_from_json(sc["session"])
    stimuli = {d["id"]: codec.stimulus_from_json(d) for d in sc["stimuli"]}
    rounds = {int(r["index"]): dict(r["design"]) for r in sc["rounds"]}
    space = None if sc.get("space") is None else (str(sc["space"]["fingerprint"]),
                                                   dict(sc["space"]["info"]))
    try:
        rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise BadInputError(f"{csv_path}: not a readable CSV ({exc})") from None
    dims = int(meta["dims"])
    if not rows or rows[0] != columns(dims):
        raise BadInputError(f"{csv_path}: its columns are not those of an hd-desktop rating file "
                            f"with {dims} voice-space dimensions")
    body = rows[1:]
    if len(body) != int(meta["rows"]):
        raise BadInputError(f"{csv_path}: {len(body)} rows, but the sidecar says {meta['rows']} "
                            "(truncated file)")
    missing = [sid for sid in session.order if sid not in stimuli]
    if missing:
        raise BadInputError(f"{json_path}: the session's order names {len(missing)} stimuli the "
                            f"sidecar does not describe, e.g. {missing[0]}")
    evaluations = {str(e["name"]): dict(e["design"]) for e in sc.get("evaluations") or []}
    members = {str(d["id"]): name for d in sc["stimuli"]
               if (name := codec.evaluation_from_json(d)) is not None}
    for name in evaluations:
        if not NAME.fullmatch(name):
            raise BadInputError(f"{json_path}: {name!r} is not an evaluation name")
    for s in stimuli.values():
        name = members.get(s.id)
        if name is None and s.round not in rounds:
            raise BadInputError(f"{json_path}: stimulus {s.id} is from round {s.round}, whose "
                                "design is not in the sidecar")
        if name is not None and name not in evaluations:
            raise BadInputError(f"{json_path}: stimulus {s.id} is from evaluation {name}, whose "
                                "design is not in the sidecar")
        try:
            codec.stimulus_row(s, name)
        except ValueError as exc:
            raise BadInputError(f"{json_path}: {exc}") from None
    wrong = misplaced(session, {sid: members[sid] for sid in session.order if sid in members})
    if wrong:
        raise BadInputError(f"{json_path}: {wrong}")
    votes = [_vote(csv_path, n + 2, row, session, stimuli, dims) for n, row in enumerate(body)]
    seen: set[str] = set()
    standing: set[int] = set()
    for n, v in enumerate(votes):
        if v.id in seen:
            raise BadInputError(f"{csv_path}, line {n + 2}: vote id {v.id} appears twice")
        seen.add(v.id)
        if v.undone_at is None:
            if v.trial in standing:
                raise BadInputError(f"{csv_path}, line {n + 2}: trial {v.trial} has two standing "
                                    "votes")
            standing.add(v.trial)
    return RatingFile(csv_path=csv_path, json_path=json_path,
                      experiment_id=str(sc["experiment_id"]), space=space, rounds=rounds,
                      stimuli=stimuli, session=session, votes=votes, evaluations=evaluations,
                      stimulus_evaluations=members)


def _vote(path: Path, line: int, row: list[str], session: Any, stimuli: dict[str, Stimulus],
          dims: int) -> Vote:
    where = f"{path}, line {line}"
    names = columns(dims)
    if len(row) != len(names):
        raise BadInputError(f"{where}: {len(row)} fields, expected {len(names)}")
    f = dict(zip(names, row))

    def number(name: str, kind: type, *, optional: bool = False) -> Any:
        text = f[name]
        if optional and text == "":
            return None
        try:
            value = kind(text)
        except ValueError:
            raise BadInputError(f"{where}: {name} {text!r} is not a number") from None
        if isinstance(value, float) and not math.isfinite(value):
            raise BadInputError(f"{where}: {name} {text!r} is not finite")
        return value

    if f["session_id"] != session.id or f["listener_id"] != session.listener \
            or f["session_kind"] != session.kind.value:
        raise BadInputError(f"{where}: the row's session or listener differs from the sidecar's")
    trial = number("trial_index", int)
    if not 0 <= trial < len(session.order):
        raise BadInputError(f"{where}: trial index {trial} is outside the session's "
                            f"{len(session.order)} trials")
    sid = f["stimulus_id"]
    stim = stimuli.get(sid)
    if stim is None:
        raise BadInputError(f"{where}: unknown stimulus id {sid!r}")
    if session.order[trial] != sid:
        raise BadInputError(f"{where}: trial {trial} of this session plays "
                            f"{session.order[trial]}, not {sid}")
    z = tuple(number(f"z{i + 1}", float) for i in range(dims))
    described = (number("round", int), f["role"], number("neighbour", int, optional=True),
                 number("pair", int, optional=True), number("seed", int), z)
    if described != (stim.round, stim.role.value, stim.neighbour, stim.pair, stim.seed, stim.z):
        raise BadInputError(f"{where}: stimulus {sid}'s round, role, seed or coordinates do not "
                            "match the stimulus it names")
    if f["response"] not in ("0", "1"):
        raise BadInputError(f"{where}: response {f['response']!r} is not 1 (accept) or 0 (reject)")
    rt = number("rt_ms", float)
    if rt < 0:
        raise BadInputError(f"{where}: negative reaction time {rt} ms")
    plays = number("n_plays", int)
    if plays < 1:
        raise BadInputError(f"{where}: n_plays {plays}; a voted stimulus was played at least once")
    for name in ("presented_at", "responded_at") + (("undone_at",) if f["undone_at"] else ()):
        parse_iso_utc(f[name], f"{where}, {name}")
    if not f["vote_id"] or not f["app_version"]:
        raise BadInputError(f"{where}: vote id or app version is empty")
    return Vote(id=f["vote_id"], listener=f["listener_id"], session_id=f["session_id"],
                trial=trial, stimulus_id=sid, response=int(f["response"]), rt_ms=rt,
                n_plays=plays, presented_at=f["presented_at"], responded_at=f["responded_at"],
                device=f["device"] or None, gain_db=number("gain_db", float, optional=True),
                app_version=f["app_version"], undone_at=f["undone_at"] or None)
