"""Reading a rating file pair back, trusting nothing: each refusal names the file and the reason."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import re
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from hd_desktop.design.stimulus import Stimulus
from hd_desktop.errors import BadInputError
from hd_desktop.files import open_regular, read_regular
from hd_desktop.store import carried, codec
from hd_desktop.store import sidecar as sidecar_fields
from hd_desktop.store.evaluations import NAME, misplaced
from hd_desktop.store.ratingfile import (FORMAT, FORMAT_VERSION, RatingFile, columns, pair_paths,
                                         rating_file_content)
from hd_desktop.store.records import Vote
from hd_desktop.store.sidecar import CONTROL, INT64


MAX_ROWS = 10_000_000
MAX_CSV = 4 * 2**30        # bytes: far above the largest session (100k votes are about 30 MB)
MAX_SIDECAR = 256 * 2**20  # bytes: the stimuli of a whole round, and room to spare
_INT = re.compile(r"-?[0-9]{1,19}")
_FLOAT = re.compile(r"-?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]{1,3})?")


def read_rating_file(path: str | os.PathLike) -> RatingFile:
    """Parse and check a rating file (give either the .csv or the .json of the pair)."""
    csv_path, json_path = pair_paths(path)
    if Path(path).suffix.lower() not in (".csv", ".json"):
        raise BadInputError(f"{path}: not a rating file (expected a .csv with its .json sidecar)")
    if not csv_path.exists():
        raise BadInputError(f"{path}: its CSV {csv_path.name} is missing")
    if not json_path.exists():
        raise BadInputError(f"{csv_path}: no sidecar {json_path.name} beside it; this is not an "
                            "hd-desktop rating file, or its sidecar was lost")
    open_regular(csv_path, "rating file").close()   # regular files only: a pipe would block
    try:
        sidecar = json.loads(read_regular(json_path, MAX_SIDECAR, "sidecar").decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        why = "nested too deep" if isinstance(exc, RecursionError) else exc
        raise BadInputError(f"{json_path}: unreadable sidecar ({why})") from None
    try:  # a lone surrogate escape (\ud800) is no character: no file or database can hold it
        json.dumps(sidecar, ensure_ascii=False).encode("utf-8")
    except (UnicodeEncodeError, RecursionError):
        raise BadInputError(f"{json_path}: holds a lone surrogate escape (like \\ud800), which "
                            "is no character: edited or damaged") from None
    if not isinstance(sidecar, dict) or sidecar.get("schema") != FORMAT:
        raise BadInputError(f"{json_path}: not an hd-desktop rating-file sidecar")
    version = sidecar.get("schema_version")
    if isinstance(version, bool) or version != FORMAT_VERSION:
        raise BadInputError(f"{json_path}: rating-file schema version {sidecar_fields.shown(version)}"
                            f"; this hd-desktop reads version {FORMAT_VERSION}")
    return _checked(csv_path, json_path, sidecar,
                    lambda: read_regular(csv_path, MAX_CSV, "rating file"))


def check_ratings(rf: RatingFile, name: str) -> RatingFile:
    """Records made in memory (not read from a file: a web experiment's results, say), checked
    exactly as the same session's rating file would be; `name` stands for the file in messages
    (e.g. the results file they came from)."""
    try:
        data, sidecar = rating_file_content(rf)
        sidecar = json.loads(json.dumps(sidecar))  # what a file would hold, NaN included
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError,
            RecursionError) as exc:
        raise BadInputError(f"{name}: these ratings cannot be written as a rating file "
                            f"({type(exc).__name__}: {sidecar_fields.shown(str(exc))})") from None
    path = Path(name)
    return _checked(path.with_suffix(".csv"), path.with_suffix(".json"), sidecar, lambda: data)


def _checked(csv_path: Path, json_path: Path, sidecar: dict[str, Any], read) -> RatingFile:
    try:
        return _check(csv_path, json_path, sidecar, read)
    except BadInputError:
        raise
    except OSError as exc:
        raise BadInputError(f"{csv_path}: cannot be read ({exc.strerror or exc})") from None
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError,
            RecursionError) as exc:
        raise BadInputError(f"{json_path}: malformed sidecar ({type(exc).__name__}: "
                            f"{sidecar_fields.shown(str(exc))})") from None


def _check(csv_path: Path, json_path: Path, sc: dict[str, Any], read) -> RatingFile:
    data = read()
    top = sidecar_fields.Fields(sc, json_path, "sidecar")
    meta = sidecar_fields.Fields(top.obj("csv"), json_path, "csv")
    sha = meta.text("sha256")
    dims = meta.integer("dims", low=1, high=64)
    n_rows = meta.integer("rows", low=0, high=MAX_ROWS)
    if hashlib.sha256(data).hexdigest() != sha:
        raise BadInputError(changed_after_export(csv_path, json_path, data, sha, dims))
    session = sidecar_fields.session(top.obj("session"), json_path)
    stimuli: dict[str, Stimulus] = {}
    members: dict[str, str] = {}
    for i, d in enumerate(top.items("stimuli")):
        stim, evaluation = sidecar_fields.stimulus(d, json_path, i)
        if stim.id in stimuli:
            raise BadInputError(f"{json_path}: stimulus {stim.id} is described twice")
        if len(stim.z) != dims:
            raise BadInputError(f"{json_path}: stimulus {stim.id} has {len(stim.z)} coordinates, "
                                f"but the file is of a {dims}-dimensional voice space")
        stimuli[stim.id] = stim
        if evaluation is not None:
            members[stim.id] = evaluation
    rounds = {}
    for i, r in enumerate(top.items("rounds")):
        f = sidecar_fields.Fields(r, json_path, f"rounds[{i}]")
        rounds[f.integer("index", low=0, high=10**6)] = _design(f)
    space_data = top.obj("space", optional=True)
    space = None
    if space_data is not None:
        f = sidecar_fields.Fields(space_data, json_path, "space")
        space = (f.text("fingerprint"), _plain(f, "info"))
    experiment_id = top.text("experiment_id")
    try:
        rows = []
        for row in csv.reader(io.StringIO(data.decode("utf-8"), newline="")):
            rows.append(row)
            if len(rows) % 1024 == 0:
                time.sleep(0)  # parsing 100k rows in one call would hold a voting thread back
    except (UnicodeDecodeError, csv.Error) as exc:
        raise BadInputError(f"{csv_path}: not a readable CSV ({exc})") from None
    if not rows or rows[0] != columns(dims):
        raise BadInputError(f"{csv_path}: its columns are not those of an hd-desktop rating file "
                            f"with {dims} voice-space dimensions")
    body = rows[1:]
    if len(body) != n_rows:
        raise BadInputError(f"{csv_path}: {len(body)} rows, but the sidecar says {n_rows} "
                            "(truncated file)")
    missing = [sid for sid in session.order if sid not in stimuli]
    if missing:
        raise BadInputError(f"{json_path}: the session's order names {len(missing)} stimuli the "
                            f"sidecar does not describe, e.g. {missing[0]}")
    evaluations = {}
    for i, e in enumerate(top.items("evaluations", optional=True)):
        f = sidecar_fields.Fields(e, json_path, f"evaluations[{i}]")
        evaluations[f.text("name")] = _design(f)
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
    votes = []
    for n, row in enumerate(body):
        votes.append(_vote(csv_path, n + 2, row, session, stimuli, dims))
        if n % 256 == 255:
            time.sleep(0)  # a listener's vote on another thread gets the interpreter at once

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
    records, decisions, texts = carried.read(top, json_path, session)
    return RatingFile(csv_path=csv_path, json_path=json_path,
                      experiment_id=experiment_id, space=space, rounds=rounds,
                      stimuli=stimuli, session=session, votes=votes, evaluations=evaluations,
                      stimulus_evaluations=members, records=records, decisions=decisions,
                      texts=texts)


def _design(f: sidecar_fields.Fields) -> dict[str, Any]:
    return _plain(f, "design")


def _plain(f: sidecar_fields.Fields, key: str) -> dict[str, Any]:
    return sidecar_fields.plain_json(f, key)


def changed_after_export(csv_path: Path, json_path: Path, data: bytes, sha: str,
                         dims: int) -> str:
    """Why a CSV no longer matches its sidecar's checksum, as far as the bytes tell, and what
    to do. Spreadsheets and pandas re-save files with other line endings, an index column,
    quoting or number formats; none of that can be undone reliably here."""
    first = data.split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8", "replace")
    header = ",".join(columns(dims))
    if b"\r\n" in data and hashlib.sha256(data.replace(b"\r\n", b"\n")).hexdigest() == sha:
        what = ("its line endings were changed to Windows (CRLF) after export; nothing else "
                "differs")
    elif b"\r\n" in data:
        what = "its line endings were changed to Windows (CRLF), and its content changed too"
    elif first != header and first.endswith(header) or first.startswith(("Unnamed: 0", ",")):
        what = ("an index column was added in front (as pandas' to_csv does), so every row "
                "changed")
    elif first != header:
        what = "its header row is not the one exported (the columns were edited or re-ordered)"
    else:
        what = ("its rows were changed after export (truncated, edited, or re-saved with "
                "other number or time formats)")
    return (f"{csv_path}: does not match the checksum in {json_path.name}: {what}. Re-export "
            "it from the source experiment (`hd-desktop export`) and copy the .csv and .json "
            "without opening and saving them in another program")


def _vote(path: Path, line: int, row: list[str], session: Any, stimuli: dict[str, Stimulus],
          dims: int) -> Vote:
    where = f"{path}, line {line}"
    names = columns(dims)
    if len(row) != len(names):
        raise BadInputError(f"{where}: {len(row)} fields, expected {len(names)}")
    f = dict(zip(names, row))

    def bad(name: str, what: str) -> BadInputError:
        return BadInputError(f"{where}: {name} {sidecar_fields.shown(f[name])} {what}")

    def number(name: str, kind: type, *, optional: bool = False, low: float = -math.inf,
               high: float = math.inf) -> Any:
        text = f[name]
        if optional and text == "":
            return None
        if not (_INT if kind is int else _FLOAT).fullmatch(text):
            raise bad(name, "is not a whole number" if kind is int else
                      "is not a number (or not finite)")
        value = kind(text)
        if not math.isfinite(value):
            raise bad(name, "is not a number (or not finite)")
        if not low <= value <= high:
            raise bad(name, f"is outside {low:g}..{high:g}")
        return value

    def text(name: str, *, optional: bool = False, trimmed: bool = True) -> str | None:
        value = f[name]
        if optional and value == "":
            return None
        if (not value or len(value) > sidecar_fields.MAX_TEXT or CONTROL.search(value)
                or trimmed and value != value.strip()):
            raise bad(name, "is not a printable name of at most "
                      f"{sidecar_fields.MAX_TEXT} characters without leading or trailing blanks")
        return value

    def timestamp(name: str, optional: bool = False) -> str | None:
        value = f[name]
        if optional and value == "":
            return None
        if not sidecar_fields.ISO_UTC.fullmatch(value):
            raise bad(name, "is not an ISO 8601 UTC time like 2026-03-02T09:30:00.000000+00:00")
        sidecar_fields.check_time(value, lambda: bad(name, "is not a real date and time"))
        return value

    if f["session_id"] != session.id or f["listener_id"] != session.listener \
            or f["session_kind"] != session.kind.value:
        raise BadInputError(f"{where}: the row's session or listener differs from the sidecar's")
    trial = number("trial_index", int, low=0, high=len(session.order) - 1)
    sid = f["stimulus_id"]
    stim = stimuli.get(sid)
    if stim is None:
        raise BadInputError(f"{where}: unknown stimulus id {sidecar_fields.shown(sid)}")
    if session.order[trial] != sid:
        raise BadInputError(f"{where}: trial {trial} of this session plays "
                            f"{session.order[trial]}, not {sid}")
    z = tuple(number(f"z{i + 1}", float) for i in range(dims))
    described = (number("round", int, low=-1), f["role"], number("neighbour", int, optional=True),
                 number("pair", int, optional=True), number("seed", int, low=INT64[0],
                                                             high=INT64[1]), z)
    if described != (stim.round, stim.role.value, stim.neighbour, stim.pair, stim.seed, stim.z):
        raise BadInputError(f"{where}: stimulus {sid}'s round, role, seed or coordinates do not "
                            "match the stimulus it names")
    if f["response"] not in ("0", "1"):
        raise bad("response", "is not 1 (accept) or 0 (reject)")
    rt = number("rt_ms", float, high=1e8)
    if rt < 0:
        raise bad("rt_ms", "is a negative reaction time")
    plays = number("n_plays", int, low=1, high=10**6)
    presented, responded = timestamp("presented_at"), timestamp("responded_at")
    if _instant(presented) > _instant(responded):
        raise BadInputError(f"{where}: presented_at {presented} is after responded_at "
                            f"{responded}; a vote is cast after its voice is presented")
    return Vote(id=text("vote_id"), listener=f["listener_id"], session_id=f["session_id"],
                trial=trial, stimulus_id=sid, response=int(f["response"]), rt_ms=rt,
                n_plays=plays, presented_at=presented, responded_at=responded,
                device=text("device", optional=True, trimmed=False),
                gain_db=number("gain_db", float, optional=True, low=-120.0, high=120.0),
                app_version=text("app_version"), undone_at=timestamp("undone_at", optional=True))


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
