"""Online results into an experiment, with the guarantees of rating files.

Each participant is checked against the study the experiment itself makes (`study_design`: the
round's lists, the participant's seed, list and order drawn again), then written as the rating
files a workstation would have exported for them, one for the trials and one for the practice
(kind practice: stored, never counted), and merged with every other file given by the store's
rating-file import in one transaction. So a refused file leaves the experiment byte for byte as
it was, and a second import adds nothing: session and vote ids are derived from the study, the
participant and each answer.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from hd_desktop.errors import BadInputError, UserFacingError
from hd_desktop.store import Experiment, ImportReport, SessionInfo, SessionKind, Vote, \
    import_rating_files
from hd_desktop.store.ratingfile import write_session_rating_file
from hd_desktop.store.records import iso_utc
from hd_desktop.web import records as web_records
from hd_desktop.web.order import participant_seed, web_order
from hd_desktop.web.results import WebParticipant, looks_like_web_results, read_results
from hd_desktop.web.study import StudySettings, study_design

SOURCE = "web"   # sessions' settings["source"]: how the app tells online participants apart
COUNTED = (SessionKind.TRIALS, SessionKind.SIMULATED)   # the sessions whose votes count
SHARED_NOTE = ("also the id of a listener at a workstation, so the engine counts their votes as "
               "one listener's (screening, agreement)")


@dataclass
class ResultsReport:
    """What `import_results` merged: the store's report, and the online participants in it."""

    ratings: ImportReport
    participants: list[str] = field(default_factory=list)
    unfinished: list[str] = field(default_factory=list)   # "id: 12 of 35 voices" (a checkpoint)
    shared_ids: list[str] = field(default_factory=list)   # also a workstation listener's id
    declined: list[str] = field(default_factory=list)     # refused consent: no trials
    records: int = 0                                      # listener records added


def import_results(folder: str | os.PathLike, paths: Sequence[str | os.PathLike]) -> ResultsReport:
    """Merge rating files and online-study results into the experiment in `folder`, all or none."""
    web = [p for p in paths if looks_like_web_results(p)]
    rating = [p for p in paths if p not in web]
    if not web:
        return ResultsReport(import_rating_files(folder, rating))
    participants = [x for p in web for x in read_results(p)]
    if not Experiment.exists(folder):
        raise UserFacingError(f"{web[0]}: online results go into the experiment whose round they "
                              f"ran, and there is none in {folder}")
    with tempfile.TemporaryDirectory(prefix="hd-web-import-") as tmp:
        sources: dict[str, str] = {}
        with Experiment.open(folder, create=False) as exp:
            made = [_as_rating_files(exp, p, Path(tmp), sources) for p in participants]
            web_records.check_stored(exp, participants)
        try:
            report = import_rating_files(folder, rating + [c for pair in made for c in pair])
        except BadInputError as exc:  # name the participant's file, not the temporary one
            text = str(exc)
            for tmp_path, source in sources.items():
                text = text.replace(tmp_path, source)
            raise BadInputError(text) from None
    with Experiment.open(folder, create=False) as exp:
        added = web_records.store(exp, participants, lambda p: _key(p.study_id, p.participant,
                                                                    "trials"))
        shared = shared_ids(exp.sessions()) & {p.participant for p in participants}
    return ResultsReport(report, [p.participant for p in participants],
                         [f"{p.participant}: {p.progress}" for p in participants
                          if not p.complete and not p.declined],
                         sorted(shared), [p.participant for p in participants if p.declined], added)


def shared_ids(sessions: Sequence[SessionInfo]) -> set[str]:
    """Listener ids with counted sessions both online and at a workstation: the engine counts
    both as one listener (screening, agreement, kept or left out together)."""
    counted = [s for s in sessions if s.kind in COUNTED]
    online = {s.listener for s in counted if s.settings.get("source") == SOURCE}
    return online & {s.listener for s in counted if s.settings.get("source") != SOURCE}


def check_participant(exp: Experiment, p: WebParticipant):
    """The study the results name, drawn again from the experiment; refuses what it did not make."""
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
        study = study_design(exp, settings)
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


def _as_rating_files(exp: Experiment, p: WebParticipant, out: Path,
                     sources: dict[str, str]) -> list[str]:
    check_participant(exp, p)
    web_records.check_study(p)
    if p.declined:   # a refused consent: no sessions, only the refusal (a listener record)
        return []
    device = f"web ({p.hosting}): {p.user_agent}"[:200]
    version = f"{p.app_version} web, jsPsych {p.jspsych_version}"
    stamps = [_utc(a.presented_at) for a in p.answers] + [_utc(a.responded_at) for a in p.answers]
    started, finished = (min(stamps), max(stamps)) if stamps else ("", "")
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
        folder = out / sid
        csv_path, _ = write_session_rating_file(exp, session, votes, folder)
        sources[str(csv_path)] = f"{p.source} (participant {p.participant}, {phase})"
        made.append(str(csv_path))
    return made


def _key(*parts: str) -> str:
    """A stable id: the same study, participant and answer always give the same one."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def _utc(text: str) -> str:
    return iso_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
