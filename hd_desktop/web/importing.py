"""Online results into an experiment, with the guarantees of rating files.

Each participant is checked against the study the experiment itself makes (`study_design`: the
round's lists, the participant's seed, list and order drawn again), then made into the records
a workstation would have exported for them, one session for the trials and one for the practice
(kind practice: stored, never counted), and merged with every rating file given by the store's
import in one plan (store/merge.py). So a refused file leaves the experiment byte for byte as it
was, and a second import adds nothing: session and vote ids are derived from the study, the
participant and each answer.

An import is one unit per participant (docs/online-results.md): all files of one participant
of one study (a CSV and its JSON, two downloads, a checkpoint and the whole results, two results
in one JATOS archive) are merged first: the union of their answers, each answer checked against
the same trial in the other files. The same trial answered differently is refused naming both
files; the whole results win over a checkpoint of them because they hold all of its answers.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from hd_desktop.errors import BadInputError, UserFacingError
from hd_desktop.store import Experiment, ImportReport, SessionInfo, SessionKind, Vote
from hd_desktop.store.merge import import_checked
from hd_desktop.store.ratingcheck import check_ratings, read_rating_file
from hd_desktop.store.ratingfile import RatingFile, pair_paths
from hd_desktop.store.records import iso_utc
from hd_desktop.web import records as web_records
from hd_desktop.web.order import participant_seed, web_order
from hd_desktop.web.results import WebAnswer, WebParticipant, looks_like_web_results, \
    read_results
from hd_desktop.web.study import StudySettings, study_design

SOURCE = "web"   # sessions' settings["source"]: how the app tells online participants apart
COUNTED = (SessionKind.TRIALS, SessionKind.SIMULATED)   # the sessions whose votes count
SHARED_NOTE = ("also the id of a listener at a workstation, so the engine counts their votes as "
               "one listener's (screening, agreement)")
_TOKEN = "hd-web-records-{}"   # stands for a participant's records in the store's messages


@dataclass
class ResultsReport:
    """What `import_results` merged: the store's report, and the online participants in it."""

    ratings: ImportReport
    participants: list[str] = field(default_factory=list)
    unfinished: list[str] = field(default_factory=list)   # "id: 12 of 35 voices" (a checkpoint)
    shared_ids: list[str] = field(default_factory=list)   # also a workstation listener's id
    declined: list[str] = field(default_factory=list)     # refused consent: no trials
    records: int = 0                                      # listener records added
    screened_out: list[str] = field(default_factory=list)  # failed the headphone check: stopped

    @property
    def files(self) -> int:
        """The files the user gave (a rating file pair counts once)."""
        return self.ratings.files


def import_results(folder: str | os.PathLike, paths: Sequence[str | os.PathLike], *,
                   progress: Callable[[float, str], None] | None = None) -> ResultsReport:
    """Merge rating files and online-study results into the experiment in `folder`, all or none."""
    web = [p for p in paths if looks_like_web_results(p)]   # refuses a pipe, a folder
    pairs: dict[str, str] = {}   # a .csv and its .json: one file, named as the user gave it
    for p in paths:
        if p not in web:
            pair = Path(p).suffix.lower() in (".csv", ".json")
            pairs.setdefault(str(pair_paths(p)[0]) if pair else str(p), str(p))
    rating = list(pairs.values())
    files = len(rating) + len(dict.fromkeys(str(p) for p in web))
    checked = [read_rating_file(p) for p in rating]  # file-level checks touch nothing
    participants: list[WebParticipant] = []
    if web:
        participants = [x for p in web for x in read_results(p)]
        if not Experiment.exists(folder):
            raise UserFacingError(f"{web[0]}: online results go into the experiment whose round "
                                  f"they ran, and there is none in {folder}")
        with Experiment.open(folder, create=False) as exp:
            studies: dict = {}
            for p in participants:
                check_participant(exp, p, studies)
            participants = merge_participants([web_records.judged(exp, p) for p in participants])
            web_records.check_stored(exp, participants)
            records = [(p, rf) for p in participants for rf in _as_records(exp, p)]
        sources = {}
        for n, (p, rf) in enumerate(records):
            token = _TOKEN.format(n)
            phase = "practice" if rf.session.kind == SessionKind.PRACTICE else "trials"
            sources[token] = f"{p.source} (participant {p.participant}, {phase})"
            checked.append(_named(lambda rf=rf, token=token: check_ratings(rf, token), sources))
    report = _named(lambda: import_checked(folder, checked, progress), sources if web else {})
    report.files = files
    if not web:
        return ResultsReport(report)
    with Experiment.open(folder, create=False) as exp:
        added = web_records.store(exp, participants, lambda p: _key(p.study_id, p.participant,
                                                                    "trials"))
        shared = shared_ids(exp.sessions()) & {p.participant for p in participants}
    return ResultsReport(report, [p.participant for p in participants],
                         [f"{p.participant}: {p.progress}" for p in participants
                          if not p.complete and not p.declined],
                         sorted(shared), [p.participant for p in participants if p.declined], added,
                         [p.participant for p in participants if p.screened_out])


def _named(call, sources: dict[str, str]):
    """`call()`, its refusal naming the participant's file, never the records' stand-in."""
    try:
        return call()
    except BadInputError as exc:
        text = str(exc)
        if not any(token in text for token in sources):
            raise
        for token, source in sorted(sources.items(), key=lambda kv: -len(kv[0])):
            for suffix in (".csv", ".json"):
                text = text.replace(token + suffix, source)
        raise BadInputError(text) from None


def merge_participants(found: Sequence[WebParticipant]) -> list[WebParticipant]:
    """One participant per study and id: the union of the answers of all their files, each
    answer checked against the same trial's in the others. Refuses (naming both files) a trial
    answered differently in two files: which answer the participant gave cannot be told."""
    groups: dict[tuple[str, str], list[WebParticipant]] = {}
    for p in found:
        groups.setdefault((p.study_id, p.participant), []).append(p)
    merged = []
    for parts in groups.values():
        if len(parts) == 1:
            merged.append(parts[0])
            continue
        whole = [p for p in parts if p.complete]
        base = whole[0] if whole else max(parts, key=lambda p: len(p.answers))
        answers: dict[tuple[str, int], tuple[WebAnswer, str]] = {}
        for p in [base] + [p for p in parts if p is not base]:
            for a in p.answers:
                known = answers.setdefault((a.phase, a.trial), (a, p.source))
                if known[0] != a:
                    raise BadInputError(
                        f"{known[1]} and {p.source}: participant {p.participant}'s {a.phase} "
                        f"trial {a.trial} is answered differently in the two files "
                        f"({_said(known[0])}; {_said(a)}). Which answer the participant gave "
                        "cannot be told; nothing was imported. Import only the file you trust")
        records: dict[str, tuple] = {}
        for p in [base] + [p for p in parts if p is not base]:
            for r in p.records:
                known = records.setdefault(r.kind, (r, p.source))
                if known[0].data != r.data:
                    raise BadInputError(
                        f"{known[1]} and {p.source}: participant {p.participant}'s {r.kind} "
                        "differs between the two files (taken twice, e.g. the headphone check "
                        "again in another browser after failing it); nothing was imported. "
                        "Import only the file you trust")
        ordered = sorted(answers.values(), key=lambda x: (x[0].phase != "practice", x[0].trial))
        merged.append(replace(base, source=", ".join(dict.fromkeys(p.source for p in parts)),
                              answers=tuple(a for a, _ in ordered), complete=bool(whole),
                              records=tuple(r for r, _ in records.values())))
    return merged


def _said(a: WebAnswer) -> str:
    return (f"{'natural' if a.response else 'not natural'} to {a.stimulus_id} at "
            f"{a.responded_at}, {a.n_plays} play(s), {a.rt_ms:.1f} ms")


def shared_ids(sessions: Sequence[SessionInfo]) -> set[str]:
    """Listener ids with counted sessions both online and at a workstation: the engine counts
    both as one listener (screening, agreement, kept or left out together)."""
    counted = [s for s in sessions if s.kind in COUNTED]
    online = {s.listener for s in counted if s.settings.get("source") == SOURCE}
    return online & {s.listener for s in counted if s.settings.get("source") != SOURCE}


def check_participant(exp: Experiment, p: WebParticipant, studies: dict | None = None):
    """The study the results name, drawn again from the experiment; refuses what it did not make.
    `studies`: the studies drawn so far in this import, by their settings (one draw each)."""
    def refuse(reason: str) -> BadInputError:
        return BadInputError(f"{p.source}: {reason}; nothing was imported")

    if p.experiment_id != exp.experiment_id:
        raise refuse(f"it is from experiment {p.experiment_id}, not {exp.experiment_id} "
                     f"({exp.folder})")
    if p.round not in exp.rounds():
        raise refuse(f"it is from round {p.round}, which {exp.folder} does not have")
    settings = StudySettings(round=p.round, carrier=p.carrier, trials=p.trials_per_participant,
                             seed=p.study_seed)
    try:
        study = studies.get(settings) if studies is not None else None
        if study is None:
            study = study_design(exp, settings)
            if studies is not None:
                studies[settings] = study
    except UserFacingError as exc:
        raise refuse(f"its study settings are not valid ({exc})") from None
    if study.study_id != p.study_id:
        raise refuse(f"it names study {p.study_id}, but round {p.round} of this experiment with "
                     f"those settings is study {study.study_id} (results of another round or "
                     "export, or edited)")
    if not p.participant:
        raise refuse("its participant id is empty")
    known = {s.id for s in study.stimuli}
    unknown = [sid for sid in p.order + p.practice_order if sid not in known]
    if unknown:
        raise refuse(f"unknown stimulus id {unknown[0]!r} (not in round {p.round})")
    seed = participant_seed(p.study_seed, p.participant)
    if (p.seed, p.list_index) != (seed, seed % len(study.lists)):
        raise refuse(f"participant {p.participant}'s seed or list is not the study's")
    if p.order != tuple(s.id for s in web_order(study.lists[p.list_index], seed)):
        raise refuse(f"participant {p.participant}'s order is not the one the study draws for them")
    if p.practice_order != tuple(s.id for s in study.practice):
        raise refuse("its practice voices are not the round's")
    return study


def _as_records(exp: Experiment, p: WebParticipant) -> list[RatingFile]:
    """The participant's trials and practice as the records of two rating files (in memory)."""
    if p.declined or p.screened_out:   # no sessions: only their records (the refusal, or the
        return []                        # headphone check that stopped them before the trials)
    if not p.answers:
        raise BadInputError(f"{p.source}: participant {p.participant} answered nothing yet (a "
                            "checkpoint sent before the first answer); nothing was imported. "
                            "Leave this file out of the import")
    device = f"web ({p.hosting}): {p.user_agent}"[:200]
    version = f"{p.app_version} web, jsPsych {p.jspsych_version}"
    stamps = [_utc(a.presented_at) for a in p.answers] + [_utc(a.responded_at) for a in p.answers]
    started, finished = min(stamps), max(stamps)
    if not p.complete:  # a checkpoint: not finished until the whole study's results come in
        finished = None
    trials_id = _key(p.study_id, p.participant, "trials")
    settings = {"source": SOURCE, "study_id": p.study_id, "carrier": p.carrier,
                "list": p.list_index, "hosting": p.hosting, "id_from": p.id_from,
                "user_agent": p.user_agent, "jspsych_version": p.jspsych_version}
    if p.texts_sha256:   # as a workstation session names its texts (kept at the export)
        settings["texts_sha256"] = p.texts_sha256
    made = []
    for phase, kind, order, seed, extra in (
            ("trials", SessionKind.TRIALS, p.order, p.seed, {}),
            ("practice", SessionKind.PRACTICE, p.practice_order, None,
             {"for_session": trials_id})):
        answers = [a for a in p.answers if a.phase == phase]
        if not order:
            continue
        sid = _key(p.study_id, p.participant, phase)
        session = SessionInfo(id=sid, listener=p.participant, kind=kind, order=tuple(order),
                              order_seed=seed, device=device, gain_db=None, started_at=started,
                              finished_at=finished, settings={**settings, **extra})
        votes = [Vote(id=_key(sid, str(a.trial), a.responded_at), listener=p.participant,
                      session_id=sid, trial=a.trial, stimulus_id=a.stimulus_id,
                      response=a.response, rt_ms=a.rt_ms, n_plays=a.n_plays,
                      presented_at=_utc(a.presented_at), responded_at=_utc(a.responded_at),
                      device=device, gain_db=None, app_version=version) for a in answers]
        made.append(_session_records(exp, session, votes))
    return made


def _session_records(exp: Experiment, session: SessionInfo, votes: list[Vote]) -> RatingFile:
    """What a workstation's rating file of `session` would hold (ratingfile.py writes the same)."""
    stimuli = {s.id: s for s in exp.stimuli(ids=dict.fromkeys(session.order))}
    members = exp.stimulus_evaluations(stimuli)
    rounds, evaluations = exp.rounds(), exp.evaluations() if members else {}
    return RatingFile(
        csv_path=Path(), json_path=Path(), experiment_id=exp.experiment_id, space=exp.space(),
        rounds={r: rounds[r] for r in {s.round for s in stimuli.values() if s.id not in members}},
        stimuli=stimuli, session=session, votes=votes,
        evaluations={n: evaluations[n] for n in set(members.values())},
        stimulus_evaluations=members)


def _key(*parts: str) -> str:
    """A stable id: the same study, participant and answer always give the same one."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def _utc(text: str) -> str:
    return iso_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
