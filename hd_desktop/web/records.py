"""What an online participant said before the trials: consent, questionnaire, headphone check.

hd-study.js writes each as one row (`hd_kind` consent, questionnaire or headphone_check) whose
`hd_record` is the record's fields as JSON text, with the names of the export's codebook
(store/codebook.py): consent {given, text_sha256}, questionnaire {age_band, hearing_problems,
output, native_language}, headphone_check {test, n_trials, answers, pass_mark, passed}, and a few
more (times, language). The page knows no right answer of the check: `judged` scores it again
against the study's key, kept in the experiment, and stores that judgement. The end record's checksum covers that text and the
listener texts' checksum (results schema 2), so an edited or forged record is refused like an
edited vote. The import stores them as listener records (`Experiment.add_listener_record`) with
ids drawn from the study, the participant and the kind: a second import adds nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hd_desktop.audio import headphone
from hd_desktop.errors import BadInputError
from hd_desktop.session.intake import QUESTIONS
from hd_desktop.store.records import parse_iso_utc
from hd_desktop.web.study import headphone_seed

KINDS = ("consent", "questionnaire", "headphone_check")
_TIME = {"consent": "decided_at", "questionnaire": "answered_at", "headphone_check": "done_at"}


@dataclass(frozen=True)
class WebRecord:
    kind: str
    data: dict[str, Any]
    text: str               # the JSON text as the browser wrote it (what the checksum covers)

    @property
    def at(self) -> datetime:
        return parse_iso_utc(_iso(self.data[_TIME[self.kind]]), "time")


def read(rows: Sequence[dict[str, Any]], source: str) -> tuple[WebRecord, ...]:
    """The participant's records in `rows` (one of each kind at most), checked field by field;
    the end record must count them."""
    texts_sha = _text(rows[0].get("hd_texts_sha256"))
    found: list[WebRecord] = []
    for n, row in enumerate(rows):
        kind = row.get("hd_kind")
        if kind not in KINDS:
            continue
        where = f"{source}, row {n + 1} ({kind})"
        if any(r.kind == kind for r in found):
            raise BadInputError(f"{where}: a second {kind} record (files joined, or edited)")
        text = _text(row.get("hd_record"))
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            raise BadInputError(f"{where}: its record is not valid JSON (edited or cut)") from None
        if not isinstance(data, dict):
            raise BadInputError(f"{where}: its record is not a JSON object")
        _check(kind, data, where, texts_sha)
        found.append(WebRecord(kind, data, text))
    end = rows[-1]
    said = _text(end.get("hd_records"))
    if said != str(len(found)):
        raise BadInputError(f"{source}: {len(found)} consent/questionnaire/headphone records, "
                            f"but its end record says {said or 'none'} (rows removed or added)")
    consent = [r for r in found if r.kind == "consent"]
    if consent and consent[0].data["given"] is False and len(found) > 1:
        raise BadInputError(f"{source}: consent was refused, yet it has other answers (edited)")
    return tuple(found)


def digest_lines(first_row: dict[str, Any], records: Sequence[WebRecord]) -> list[str]:
    """The lines results schema 2 adds to the checksummed text (hd-study.js `digestText`)."""
    return ["texts\t" + _text(first_row.get("hd_texts_sha256"))] + [
        f"record\t{r.kind}\t{r.text}" for r in records]


def declined(records: Sequence[WebRecord]) -> bool:
    return any(r.kind == "consent" and r.data["given"] is False for r in records)


def failed_check(records: Sequence[WebRecord]) -> bool:
    return any(r.kind == "headphone_check" and r.data["passed"] is False for r in records)


def record_id(study_id: str, participant: str, kind: str) -> str:
    """The same study, participant and kind always give the same record id."""
    return hashlib.sha256("\x1f".join(("web-record", study_id, participant, kind))
                          .encode("utf-8")).hexdigest()[:32]


def judged(exp, p):
    """`p` with its headphone check judged again from its answers against the study's key, kept
    in the experiment (`Experiment.web_check_key`), never the page's word. A check whose pass
    or fail is not what its answers give is refused, naming the file: the file was edited, or
    not written by the study's page. Studies exported before the key was kept there (their
    records carry the seed, drawn from the study id) are judged with that seed."""
    from dataclasses import replace

    checks = [r for r in p.records if r.kind == "headphone_check"]
    if not checks:
        return p
    (r,) = checks
    d, key = r.data, exp.web_check_key(p.study_id)
    refuse = f"{p.source}: participant {p.participant}'s headphone check"
    if key is None:
        if "seed" not in d:
            raise BadInputError(f"{refuse} can be judged only with its study's key, and "
                                f"{exp.folder} keeps none for study {p.study_id}: import into "
                                "the experiment the study was exported from (the key is kept "
                                "there, never in the study's files); nothing was imported")
        if d["seed"] != headphone_seed(p.study_id):
            raise BadInputError(f"{refuse} has seed {d['seed']}, study {p.study_id} renders "
                                f"seed {headphone_seed(p.study_id)} (edited or forged); "
                                "nothing was imported")
        return p
    if "seed" in d or "expected" in d:
        raise BadInputError(f"{refuse} names its seed or right answers, which study "
                            f"{p.study_id}'s page never knew (its key is kept in {exp.folder}): "
                            "the file was forged; nothing was imported")
    result = headphone.score(d["test"], int(key["seed"]), d["answers"])
    if d["passed"] is not result.passed:
        said = "passed" if d["passed"] else "failed"
        raise BadInputError(
            f"{refuse} says it {said}, but its answers score {result.score} of "
            f"{len(result.expected)} against the study's key kept in {exp.folder} (pass mark "
            f"{result.pass_mark}): the file was edited after the study, or not written by its "
            "page; nothing was imported. Leave this file out of the import")
    data = {**d, "seed": result.seed, "expected": list(result.expected), "score": result.score,
            "passed": result.passed, "judged_by": "study key"}
    return replace(p, records=tuple(replace(x, data=data) if x is r else x for x in p.records))


def check_stored(exp, participants: Sequence) -> None:
    """Refuses, before anything is written, a record already stored with other content."""
    from hd_desktop.store import codec

    stored = {r.id: r for r in exp.listener_records()}
    for p in participants:
        for r in p.records:
            old = stored.get(record_id(p.study_id, p.participant, r.kind))
            if old is not None and (old.listener, old.kind.value,
                                    codec.canonical_json(old.data)) != \
                    (p.participant, r.kind, codec.canonical_json(_stored(p, r))):
                raise BadInputError(f"{p.source}: participant {p.participant}'s {r.kind} is "
                                    "already in the experiment with other answers (edited "
                                    "after an import?); nothing was imported")


def store(exp, participants: Sequence, session_of: Callable[[Any], str | None]) -> int:
    """Adds every participant's records (those already stored are left as they are)."""
    before = len(exp.listener_records())
    for p in participants:
        for r in p.records:
            exp.add_listener_record(p.participant, r.kind, _stored(p, r),
                                    session_id=None if p.declined or p.screened_out
                                    else session_of(p),
                                    at=r.at, record_id=record_id(p.study_id, p.participant,
                                                                 r.kind))
    return len(exp.listener_records()) - before


def _stored(p, r: WebRecord) -> dict[str, Any]:
    return {**r.data, "source": "web", "study_id": p.study_id}


def _check(kind: str, d: dict, where: str, texts_sha: str) -> None:
    def need(name: str, ok: bool, what: str) -> None:
        if not ok:
            raise BadInputError(f"{where}: {name} {d.get(name)!r} is not {what}")

    need("text_sha256", d.get("text_sha256") == texts_sha and bool(texts_sha),
         "the checksum of the listener texts the study ran with")
    need(_TIME[kind], isinstance(d.get(_TIME[kind]), str), "a time")
    parse_iso_utc(_iso(d[_TIME[kind]]), f"{where}, {_TIME[kind]}")
    if kind == "consent":
        need("given", isinstance(d.get("given"), bool), "true or false")
    elif kind == "questionnaire":
        for name, codes in QUESTIONS.items():
            need(name, d.get(name) in codes, "one of " + ", ".join(codes))
        need("native_language", isinstance(d.get("native_language"), str)
             and bool(d["native_language"].strip()), "an answer")
    else:
        need("test", d.get("test") in headphone.KINDS, "huggins or antiphase")
        if "seed" not in d:   # the page knows no key: answers and its pass, judged on import
            n = headphone.KINDS[d["test"]].trials
            answers = d.get("answers")
            if not (isinstance(answers, list) and len(answers) == n and all(
                    type(a) is int and a in (1, 2, 3) for a in answers)):
                raise BadInputError(f"{where}: answers {answers!r} are not one of 1, 2, 3 per "
                                    "trial")
            need("n_trials", d.get("n_trials") == n and type(d.get("n_trials")) is int, str(n))
            mark = headphone.KINDS[d["test"]].pass_mark
            need("pass_mark", d.get("pass_mark") == mark and type(d.get("pass_mark")) is int,
                 str(mark))
            need("passed", isinstance(d.get("passed"), bool), "true or false")
            return
        need("seed", isinstance(d.get("seed"), int) and not isinstance(d["seed"], bool),
             "a whole number")
        try:
            result = headphone.score(d["test"], d["seed"], d.get("answers") or ())
        except (ValueError, TypeError):
            raise BadInputError(f"{where}: answers {d.get('answers')!r} are not one of 1, 2, 3 "
                                "per trial") from None
        for name, value in (("expected", list(result.expected)), ("score", result.score),
                            ("n_trials", len(result.expected)), ("pass_mark", result.pass_mark),
                            ("passed", result.passed)):
            need(name, d.get(name) == value and type(d.get(name)) is type(value),
                 f"{value!r}, what the check's seed and answers give (edited)")


def _iso(text: str) -> str:
    return text.replace("Z", "+00:00") if text.endswith("Z") else text


def _text(value: Any) -> str:
    return "" if value is None else str(value)
