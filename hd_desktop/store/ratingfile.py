"""Rating files: one session's votes as a long-format CSV plus a JSON sidecar.

The CSV has one row per vote (undone votes included, marked by `undone_at`) with the stimulus
it played. The sidecar carries everything needed to trust and re-render it: experiment id,
voice-space fingerprint and info, the designs of the rounds involved (and, for an evaluation
session, of its evaluations: key `evaluations`, and `evaluation` on each of their stimuli, whose
round is -1), the session and its order seed, the stimuli of the order, and the CSV's SHA-256
and row count. `read_rating_file` checks
all of that and every row, and refuses the pair with a message naming the file and the reason.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hd_desktop import __version__
from hd_desktop.design.stimulus import Stimulus
from hd_desktop.errors import UserFacingError
from hd_desktop.store import codec
from hd_desktop.store.records import SessionInfo, Vote, iso_utc, utc_now
from hd_desktop.store.sidecar import decisions_json, listener_records_json
from hd_desktop.store.sidecar import record_checksum  # noqa: F401 (the checksum of a record)

FORMAT = "hd-desktop-ratings"
FORMAT_VERSION = 1

_BEFORE_Z = ["vote_id", "listener_id", "session_id", "session_kind", "trial_index", "stimulus_id",
             "round", "role", "neighbour", "pair", "seed"]
_AFTER_Z = ["response", "rt_ms", "n_plays", "presented_at", "responded_at", "device", "gain_db",
            "app_version", "undone_at"]


def columns(dims: int) -> list[str]:
    """The CSV header for a k-dimensional space: ..., seed, z1..zk, response, ..."""
    return _BEFORE_Z + [f"z{i + 1}" for i in range(dims)] + _AFTER_Z


@dataclass(frozen=True)
class RatingFile:
    """A checked rating file pair, ready to merge."""

    csv_path: Path
    json_path: Path
    experiment_id: str
    space: tuple[str, dict[str, Any]] | None
    rounds: dict[int, dict[str, Any]]
    stimuli: dict[str, Stimulus]
    session: SessionInfo
    votes: list[Vote]
    evaluations: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> design
    stimulus_evaluations: dict[str, str] = field(default_factory=dict)    # stimulus id -> name
    # What travels beside the votes (absent from files of older versions): the listener's
    # records (ListenerRecord), the decisions about the session or its listener (Decision), and
    # the listener texts the session ran with as (sha256, language, strings).
    records: tuple = ()
    decisions: tuple = ()
    texts: tuple[str, str, dict[str, str]] | None = None


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def file_stem(session: SessionInfo) -> str:
    listener = re.sub(r"[^A-Za-z0-9_-]+", "_", session.listener)[:40] or "listener"
    return f"ratings-{listener}-{session.id}"


def write_rating_file(exp: Any, session_id: str, out_dir: str | os.PathLike) -> tuple[Path, Path]:
    """Write the session's CSV and sidecar into `out_dir`; returns (csv path, json path)."""
    session = exp.session(session_id)
    votes = exp.votes(session_id=session_id, include_undone=True)
    return write_session_rating_file(exp, session, votes, out_dir)


def write_session_rating_file(exp: Any, session: SessionInfo, votes: list[Vote],
                              out_dir: str | os.PathLike) -> tuple[Path, Path]:
    """The same for a session and votes not (yet) in `exp`, whose stimuli are: online results
    on their way in become rating files, and go through the rating-file import."""
    stimuli = {s.id: s for s in exp.stimuli(ids=dict.fromkeys(session.order))}
    members = exp.stimulus_evaluations(stimuli)
    all_rounds, all_evaluations = exp.rounds(), exp.evaluations() if members else {}
    space = exp.space()
    records = RatingFile(
        csv_path=Path(), json_path=Path(), experiment_id=exp.experiment_id, space=space,
        rounds={r: all_rounds[r] for r in {s.round for s in stimuli.values()
                                           if s.id not in members}},
        stimuli=stimuli, session=session,
        votes=list(votes),
        evaluations={n: all_evaluations[n] for n in set(members.values())},
        stimulus_evaluations=members)
    data, sidecar = rating_file_content(records)
    sidecar.update(decisions_json(exp, session))    # simulated? excluded? and why
    sidecar["listener_records"] = listener_records_json(exp, session)   # consent, answers, check
    sha = (session.settings or {}).get("texts_sha256")
    read = exp.texts(sha) if isinstance(sha, str) else None
    if read is not None:     # what the listener read, word for word (the checksum names it)
        sidecar["listener_texts"] = {"sha256": sha, "language": read[0], "strings": read[1]}
    out = Path(out_dir)
    stem = file_stem(session)
    csv_path, json_path = out / f"{stem}.csv", out / f"{stem}.json"
    sidecar["csv"]["file"] = csv_path.name
    text = (json.dumps(sidecar, indent=1, allow_nan=False) + "\n").encode()
    try:
        out.mkdir(parents=True, exist_ok=True)
        write_pair(csv_path, data, json_path, text)
    except OSError as exc:
        raise UserFacingError(f"cannot write the rating file {csv_path} and its sidecar "
                              f"{json_path.name} ({exc.filename or out}: {exc.strerror or exc}); "
                              "neither was left behind. The votes are safe in the experiment: "
                              "export them again with `hd-desktop export`") from None
    return csv_path, json_path


def write_pair(csv_path: Path, data: bytes, json_path: Path, text: bytes) -> None:
    """Both files whole or neither: each is written and synced beside its final name first,
    then the two are renamed one right after the other (sidecar first: a CSV is never seen
    without the sidecar that vouches for it). On failure the partial files are removed."""
    parts = [csv_path.with_name(csv_path.name + ".part"),
             json_path.with_name(json_path.name + ".part")]
    try:
        for part, content in zip(parts, (data, text)):
            with open(part, "wb") as f:
                f.write(content)
                f.flush()
                os.fsync(f.fileno())
        os.replace(parts[1], json_path)
        os.replace(parts[0], csv_path)
    except BaseException:
        for part in parts:
            part.unlink(missing_ok=True)
        raise


def rating_file_content(rf: RatingFile) -> tuple[bytes, dict[str, Any]]:
    """The CSV bytes and the sidecar of a session's records (the file name left empty)."""
    session, stimuli, members = rf.session, rf.stimuli, rf.stimulus_evaluations
    dims = len(next(iter(stimuli.values())).z) if stimuli else 0
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns(dims))
    for v in rf.votes:
        s = stimuli[v.stimulus_id]
        writer.writerow([_cell(x) for x in (
            v.id, v.listener, v.session_id, session.kind.value, v.trial, v.stimulus_id, s.round,
            s.role.value, s.neighbour, s.pair, s.seed, *[float(c) for c in s.z], v.response,
            float(v.rt_ms), v.n_plays, v.presented_at, v.responded_at, v.device,
            None if v.gain_db is None else float(v.gain_db), v.app_version, v.undone_at)])
    data = buf.getvalue().encode("utf-8")
    rounds = sorted(rf.rounds)
    space = rf.space
    sidecar = {
        "schema": FORMAT,
        "schema_version": FORMAT_VERSION,
        "app_version": __version__,
        "written_at": iso_utc(utc_now()),
        "experiment_id": rf.experiment_id,
        "space": None if space is None else {"fingerprint": space[0], "info": space[1]},
        "rounds": [{"index": r, "design": rf.rounds[r]} for r in rounds],
        "seeds": {"order": session.order_seed,
                  "designs": {str(r): _design_seed(rf.rounds[r]) for r in rounds}},
        "session": codec.session_to_json(session),
        "stimuli": [codec.stimulus_to_json(stimuli[sid], members.get(sid))
                    for sid in dict.fromkeys(session.order)],
        "csv": {"file": "", "sha256": hashlib.sha256(data).hexdigest(), "rows": len(rf.votes),
                "dims": dims},
    }
    if members:  # only then, so a round session's sidecar is laid out as before evaluations
        names = sorted(set(members.values()))
        sidecar["evaluations"] = [{"name": n, "design": rf.evaluations[n]} for n in names]
        sidecar["seeds"]["evaluations"] = {n: _design_seed(rf.evaluations[n]) for n in names}
    return data, sidecar


def _design_seed(design: dict[str, Any]) -> Any:
    params = design.get("params")
    return design.get("seed", params.get("seed") if isinstance(params, dict) else None)



def pair_paths(path: str | os.PathLike) -> tuple[Path, Path]:
    """(csv, sidecar) for either half of a rating file pair."""
    p = Path(path)
    return p.with_suffix(".csv"), p.with_suffix(".json")
