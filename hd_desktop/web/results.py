"""Reading what the online study wrote, trusting nothing: jsPsych CSV or JSON, JATOS archives.

One jsPsych data set is one participant. The browser closes it with an `end` row holding the
number of answers and a SHA-256 over them and the participant's order (hd-study.js,
`digestText`); a file without that row is truncated, one whose answers do not hash to it was
edited. Each refusal names the file (and the archive member) and the reason.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hd_desktop.errors import BadInputError
from hd_desktop.files import open_regular, read_regular
from hd_desktop.store.records import parse_iso_utc
from hd_desktop.store.sidecar import CONTROL, shown
from hd_desktop.web import records as web_records
from hd_desktop.web.study import RESULTS_SCHEMA, RESULTS_SCHEMA_VERSION, RESULTS_VERSIONS_READ
from hd_desktop.web.study import SCHEMA_VERSION  # noqa: F401  (1: results before the records)

ARCHIVES = (".zip", ".jrzip")
_META = ("hd_study", "hd_experiment", "hd_round", "hd_participant", "hd_seed", "hd_list",
         "hd_order", "hd_practice_order", "hd_study_seed", "hd_trials_per_participant",
         "hd_carrier", "hd_hosting", "hd_user_agent", "hd_app_version", "hd_jspsych_version",
         "hd_id_from", "hd_schema", "hd_schema_version")
PHASES = ("practice", "trials")
# Bounds on what a result file may make the import read (docs/online-results.md). A participant's
# whole study is a few MB at most; the archive limits keep a crafted archive from filling memory.
MAX_FILE = 32 * 2**20           # bytes of one results file, or one archive member unpacked
MAX_MEMBERS = 20_000            # files in one archive (JATOS: one per component result)
MAX_RATIO = 200                 # unpacked : packed, per member (jsPsych JSON packs about 20:1)
MAX_ARCHIVE_TOTAL = 1024 * 2**20  # bytes unpacked over the whole archive
MAX_ID = 200                    # characters of an id or name (as a rating file's fields)
MAX_USER_AGENT = 512            # a browser's is under 300; longer is cut, and says so


@dataclass(frozen=True)
class WebAnswer:
    phase: str              # practice (never counted) or trials
    trial: int
    stimulus_id: str
    response: int
    rt_ms: float            # from the onset of the play answered, 0.1 ms
    n_plays: int
    presented_at: str       # ISO 8601 UTC, as the browser wrote it
    responded_at: str


@dataclass(frozen=True)
class WebParticipant:
    source: str             # the file (and archive member) it was read from
    study_id: str
    experiment_id: str
    round: int
    participant: str
    seed: int
    list_index: int
    order: tuple[str, ...]
    practice_order: tuple[str, ...]
    study_seed: int
    trials_per_participant: int | None
    carrier: str
    hosting: str
    user_agent: str
    app_version: str
    jspsych_version: str
    id_from: str
    answers: tuple[WebAnswer, ...]
    complete: bool = True   # False: a checkpoint sent at a break; the participant did not finish
    records: tuple = ()     # consent, questionnaire, headphone check (web/records.py)
    texts_sha256: str = ""  # the listener texts the page showed (schema 2)

    @property
    def declined(self) -> bool:
        """The participant refused consent: no trials, the refusal is what they sent."""
        return web_records.declined(self.records)

    @property
    def screened_out(self) -> bool:
        """The headphone check failed and the page stopped them before the trials: a whole
        study with the check's answers and no vote."""
        return self.complete and not self.answers and web_records.failed_check(self.records)

    @property
    def progress(self) -> str:
        """'12 of 35 voices' (the trials answered, of the participant's order)."""
        done = sum(a.phase == "trials" for a in self.answers)
        return f"{done} of {len(self.order)} voices"


def looks_like_web_results(path: str | Path) -> bool:
    """True for a study's result file; False for a rating file (a .csv/.json with its pair).
    Refuses (BadInputError) what is not a regular file: a pipe would block the read."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in ARCHIVES or suffix == ".txt":
        return True
    if suffix not in (".csv", ".json"):
        return False
    with open_regular(p) as f:
        try:
            head = f.read(4096).decode("utf-8", "replace").lstrip()
        except OSError:
            return False
    if suffix == ".json":
        return head.startswith("[")
    return "hd_schema" in head.split("\n", 1)[0]


def read_results(path: str | Path) -> list[WebParticipant]:
    """Every participant in a result file (one for a jsPsych file, any number in an archive)."""
    p = Path(path)
    if p.suffix.lower() in ARCHIVES:
        return _read_archive(p)
    data = read_regular(p, MAX_FILE, "results file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadInputError(f"{p}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    found = _read_text(text, str(p))
    if not found:
        raise BadInputError(f"{p}: no results of an hd-desktop online study in it")
    return found


def _read_archive(path: Path) -> list[WebParticipant]:
    """A JATOS result archive: every result file in it (each component result's data), read
    one at a time within bounds (members, sizes, compression ratio): an archive can hold a
    'zip bomb' of gigabytes that compress to a few kilobytes."""
    found = []
    try:
        with open_regular(path, "result archive") as f, zipfile.ZipFile(f) as z:
            infos = [i for i in z.infolist() if not i.is_dir()]
            _check_members(path, infos)
            for info in infos:
                if not info.filename.lower().endswith((".txt", ".json", ".csv")):
                    continue  # files participants uploaded, if any: not answers
                where = f"{path}:{info.filename}"
                with z.open(info) as member:
                    data = _read_member(member)
                if len(data) > MAX_FILE:
                    raise BadInputError(f"{where}: larger than {MAX_FILE // 2**20} MB unpacked; "
                                        "not a results file (a damaged or crafted archive)")
                try:
                    text = data.decode("utf-8")
                except UnicodeDecodeError:
                    raise BadInputError(f"{where}: not UTF-8 text") from None
                del data
                found.extend(_read_text(text, where, lenient=True))
    except (OSError, zipfile.BadZipFile, EOFError, NotImplementedError, RuntimeError,
            zlib.error) as exc:
        raise BadInputError(f"{path}: not a readable result archive ({exc}); truncated?") from None
    if not found:
        raise BadInputError(f"{path}: no results of an hd-desktop online study in the archive")
    return found


def _read_member(member) -> bytes:
    """At most MAX_FILE + 1 bytes, 1 MB at a time: one read asks zlib for that much output at
    once, whatever the member's listing claims."""
    chunks, size = [], 0
    while size <= MAX_FILE:
        chunk = member.read(2**20)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _check_members(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    """Refuse an archive whose listing promises more than results ever take (said in words)."""
    if len(infos) > MAX_MEMBERS:
        raise BadInputError(f"{path}: {len(infos)} files in the archive; a result archive of "
                            f"this app holds at most {MAX_MEMBERS}. Not a JATOS result archive?")
    total = 0
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > MAX_FILE or ratio > MAX_RATIO:
            raise BadInputError(
                f"{path}:{info.filename}: {info.file_size:,} bytes unpacked from "
                f"{info.compress_size:,} (limits: {MAX_FILE // 2**20} MB, {MAX_RATIO}:1); a "
                "crafted archive (a 'zip bomb'), not results. Nothing was imported")
        total += info.file_size
    if total > MAX_ARCHIVE_TOTAL:
        raise BadInputError(f"{path}: {total:,} bytes unpacked in all, more than "
                            f"{MAX_ARCHIVE_TOTAL // 2**20} MB; not a result archive of a study")


def _read_text(text: str, source: str, lenient: bool = False) -> list[WebParticipant]:
    body = text.strip()
    if not body:
        if lenient:
            return []
        raise BadInputError(f"{source}: empty file")
    if body[0] in "[{":
        sets = []
        try:
            sets.append(_json(body, source))
        except json.JSONDecodeError as whole:
            for n, line in enumerate(body.splitlines()):  # JATOS: one JSON result per line
                if not line.strip():
                    continue
                try:
                    sets.append(_json(line, source))
                except json.JSONDecodeError:
                    raise BadInputError(f"{source}: not valid JSON ({whole}); truncated or "
                                        f"edited (line {n + 1})") from None
        out = []
        for rows in sets:
            if isinstance(rows, list) and rows and all(isinstance(r, dict) for r in rows) \
                    and "hd_schema" in rows[0]:
                out.append(_participant(rows, source))
            elif not lenient:
                raise BadInputError(f"{source}: not the results of an hd-desktop online study "
                                    "(expected jsPsych's data: a list of trials with hd_ fields)")
        return out
    try:
        rows = list(csv.DictReader(io.StringIO(body, newline="")))
    except csv.Error as exc:
        raise BadInputError(f"{source}: not a readable CSV ({exc})") from None
    if not rows or "hd_schema" not in rows[0]:
        if lenient:
            return []
        raise BadInputError(f"{source}: not the results of an hd-desktop online study (no "
                            "hd_schema column)")
    return [_participant(rows, source)]


def _json(text: str, source: str) -> Any:
    """JSON that is text all through: no nesting deeper than Python can follow, no lone
    surrogate escape (\\ud800), which is no character and cannot be stored."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise BadInputError(f"{source}: JSON nested too deep to be jsPsych's data") from None
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise BadInputError(f"{source}: holds a lone surrogate escape (like \\ud800), which is "
                            "no character: edited or damaged") from None
    except RecursionError:
        raise BadInputError(f"{source}: JSON nested too deep to be jsPsych's data") from None
    return value


def _participant(rows: list[dict[str, Any]], source: str) -> WebParticipant:
    first = rows[0]
    if first.get("hd_schema") != RESULTS_SCHEMA:
        raise BadInputError(f"{source}: not the results of an hd-desktop online study")
    version = _int(first.get("hd_schema_version"), source, "hd_schema_version")
    if version not in RESULTS_VERSIONS_READ:
        raise BadInputError(f"{source}: results schema version {first.get('hd_schema_version')!r}; "
                            f"this hd-desktop reads versions up to {RESULTS_SCHEMA_VERSION}")
    end = rows[-1]
    if end.get("hd_kind") != "end":
        raise BadInputError(f"{source}: truncated: it does not end with the study's end record "
                            "(the participant did not finish, or the file was cut)")
    meta = {k: first.get(k) for k in _META}
    for n, row in enumerate(rows):
        if any(_text(row.get(k)) != _text(meta[k]) for k in _META):
            raise BadInputError(f"{source}, row {n + 1}: its study or participant fields differ "
                                "from the first row's (files of two participants joined, or "
                                "edited)")
    answers = [_answer(row, source, n + 1) for n, row in enumerate(rows)
               if row.get("hd_kind") == "vote"]
    if _int(end.get("hd_rows"), source, "hd_rows") != len(answers):
        raise BadInputError(f"{source}: {len(answers)} answers, but its end record says "
                            f"{end.get('hd_rows')} (rows removed or added)")
    records = web_records.read(rows, source) if version >= 2 else ()
    more = web_records.digest_lines(first, records) if version >= 2 else []
    if digest(meta, answers, more) != end.get("hd_digest"):
        raise BadInputError(f"{source}: edited after the study: its answers or order do not "
                            "match the checksum the browser wrote at the end")
    # a checkpoint sent at a break (JATOS) holds the answers so far: the start of the order
    complete = _text(end.get("hd_complete")).lower() not in ("false", "0") and \
        not web_records.declined(records)
    order = tuple(x for x in _text(meta["hd_order"]).split(",") if x)
    practice = tuple(x for x in _text(meta["hd_practice_order"]).split(",") if x)
    # stopped by a failed headphone check (the import judges it again): no voice at all
    stopped = not answers and web_records.failed_check(records)
    for phase, expected in (("practice", practice), ("trials", order)):
        got = [(a.trial, a.stimulus_id) for a in answers if a.phase == phase]
        want = list(enumerate(expected))
        if got != (want if complete and not stopped else want[:len(got)]):
            raise BadInputError(f"{source}: its {phase} answers do not follow the participant's "
                                f"order of {len(expected)} voices (answered {len(got)})")
    trials = meta["hd_trials_per_participant"]
    participant = _text(meta["hd_participant"]).strip()
    if not participant or len(participant) > MAX_ID or CONTROL.search(participant):
        raise BadInputError(f"{source}: participant id {shown(participant)} is not a printable "
                            f"id of 1 to {MAX_ID} characters; nothing was imported")
    for key in ("hd_study", "hd_experiment", "hd_carrier", "hd_hosting", "hd_app_version",
                "hd_jspsych_version", "hd_id_from"):
        value = _text(meta[key])
        if len(value) > MAX_ID or CONTROL.search(value):
            raise BadInputError(f"{source}: {key} {shown(value)} is not a printable name of at "
                                f"most {MAX_ID} characters")
    agent = _text(meta["hd_user_agent"])
    if len(agent) > MAX_USER_AGENT:  # kept to show which browser; a longer one says so
        agent = f"{agent[:MAX_USER_AGENT]}... (cut from {len(agent):,} characters)"
    ids = order + practice + tuple(a.stimulus_id for a in answers)
    bad = next((x for x in ids if len(x) > MAX_ID or CONTROL.search(x)), None)
    if bad is not None:
        raise BadInputError(f"{source}: stimulus id {shown(bad)} is not one this app makes")
    return WebParticipant(
        source=source, study_id=_text(meta["hd_study"]), experiment_id=_text(meta["hd_experiment"]),
        round=_int(meta["hd_round"], source, "hd_round"),
        participant=participant,
        seed=_int(meta["hd_seed"], source, "hd_seed"),
        list_index=_int(meta["hd_list"], source, "hd_list"), order=order, practice_order=practice,
        study_seed=_int(meta["hd_study_seed"], source, "hd_study_seed"),
        trials_per_participant=None if _text(trials) in ("", "null", "None")
        else _int(trials, source, "hd_trials_per_participant"),
        carrier=_text(meta["hd_carrier"]), hosting=_text(meta["hd_hosting"]),
        user_agent=agent, app_version=_text(meta["hd_app_version"]),
        jspsych_version=_text(meta["hd_jspsych_version"]), id_from=_text(meta["hd_id_from"]),
        answers=tuple(answers), complete=complete, records=records,
        texts_sha256=_text(first.get("hd_texts_sha256")))


def digest(meta: dict[str, Any], answers: list[WebAnswer], more: list[str] = ()) -> str:
    """The SHA-256 hd-study.js writes in its end record (its `digestText`, line for line)."""
    head = "\t".join(_text(meta[k]) for k in ("hd_study", "hd_experiment", "hd_round",
                                             "hd_participant", "hd_seed", "hd_list", "hd_order",
                                             "hd_practice_order"))
    lines = ["\t".join((a.phase, str(a.trial), a.stimulus_id, str(a.response), f"{a.rt_ms:.1f}",
                        str(a.n_plays), a.presented_at, a.responded_at)) for a in answers]
    return hashlib.sha256("\n".join([head] + lines + list(more)).encode("utf-8")).hexdigest()


def _answer(row: dict[str, Any], source: str, n: int) -> WebAnswer:
    where = f"{source}, row {n}"
    phase = _text(row.get("hd_phase"))
    if phase not in PHASES:
        raise BadInputError(f"{where}: phase {phase!r} is not practice or trials")
    response = _text(row.get("response"))
    if response not in ("0", "1"):
        raise BadInputError(f"{where}: response {response!r} is not 1 (natural) or 0 (not natural)")
    try:
        rt = float(_text(row.get("rt_ms")))
    except ValueError:
        raise BadInputError(f"{where}: rt_ms {row.get('rt_ms')!r} is not a number") from None
    if not math.isfinite(rt) or rt < 0:
        raise BadInputError(f"{where}: reaction time {rt} ms is negative or not finite")
    plays = _int(row.get("n_plays"), where, "n_plays")
    if plays < 1:
        raise BadInputError(f"{where}: n_plays {plays}; an answered voice was played at least once")
    _check_audio_started(row, where)
    stamps = []
    for name in ("presented_at", "responded_at"):
        text = _text(row.get(name))
        parse_iso_utc(text.replace("Z", "+00:00") if text.endswith("Z") else text,
                      f"{where}, {name}")
        stamps.append(text)
    return WebAnswer(phase=phase, trial=_int(row.get("hd_trial"), where, "hd_trial"),
                     stimulus_id=_text(row.get("stimulus_id")), response=int(response),
                     rt_ms=rt, n_plays=plays, presented_at=stamps[0], responded_at=stamps[1])


AUDIO_CLOCKS = ("webaudio", "media-element")


def _check_audio_started(row: dict[str, Any], where: str) -> None:
    """An answer counts only if the study saw its voice start on the browser's audio clock
    (hd-study.js opens the answer keys then, and times the reaction from that onset)."""
    if _text(row.get("audio_started")) != "true":
        raise BadInputError(f"{where}: no record that its voice started playing (audio_started "
                            f"{row.get('audio_started')!r}); the file was exported by a study "
                            "made before this check, or edited. Export the study again.")
    clock = _text(row.get("audio_clock"))
    if clock not in AUDIO_CLOCKS:
        raise BadInputError(f"{where}: audio_clock {clock!r} is not one of "
                            f"{', '.join(AUDIO_CLOCKS)}")
    if clock == "webaudio":
        try:
            onset = float(_text(row.get("audio_onset_s")))
        except ValueError:
            onset = math.nan
        if not math.isfinite(onset) or onset < 0:
            raise BadInputError(f"{where}: audio_onset_s {row.get('audio_onset_s')!r} is not "
                                "the audio clock's time of the voice's onset")


def _text(value: Any) -> str:
    """A value as hd-study.js joins it into text: JSON numbers and CSV strings alike."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _int(value: Any, where: str, name: str) -> int:
    try:
        number = float(_text(value))
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or not number.is_integer():
        raise BadInputError(f"{where}: {name} {value!r} is not a whole number")
    return int(number)
