"""What defines an online study of one round: its settings, its lists of trials, its id.

The export and the import both call `study_design`, so the import can rebuild the study that a
result file names from the experiment alone and refuse results that no export of it made.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from hd_desktop.design.order import pair_key
from hd_desktop.design.stimulus import Role, Stimulus
from hd_desktop.errors import UserFacingError
from hd_desktop.store import codec
from hd_desktop.voice.render import CARRIERS
from hd_desktop.web.order import make_lists

SCHEMA = "hd-desktop-web-study"
RESULTS_SCHEMA = "hd-desktop-web-results"
SCHEMA_VERSION = 1
RESULTS_SCHEMA_VERSION = 2        # 2: consent, questionnaire and headphone check in the checksum
RESULTS_VERSIONS_READ = (1, 2)
AUDIO_FORMATS = ("wav", "flac")   # wav: float32, the app's samples bit for bit; flac: 24-bit


@dataclass(frozen=True)
class StudySettings:
    round: int
    carrier: str = "sustained"
    trials: int | None = None      # per participant; None: the whole round
    seed: int = 1                  # lists and every participant's order derive from it
    break_every: int = 60          # trials between breaks, as the app's sessions
    audio: str = "wav"
    language: str | None = None    # the listener texts; None: the experiment's `language`
    headphone_check: str | None = None   # huggins, antiphase, none; None: the experiment's

    def check(self) -> None:
        if self.carrier not in CARRIERS:
            raise UserFacingError(f"--carrier {self.carrier}: choose one of {', '.join(CARRIERS)}")
        if self.audio not in AUDIO_FORMATS:
            raise UserFacingError(f"--audio {self.audio}: choose one of {', '.join(AUDIO_FORMATS)}")
        if not 0 <= self.seed < 2**31:
            raise UserFacingError(f"--seed {self.seed}: use a whole number from 0 to 2147483647")
        if self.trials is not None and self.trials < 1:
            raise UserFacingError(f"--trials {self.trials}: at least 1 trial per participant")
        if self.headphone_check not in (None, "huggins", "antiphase", "none"):
            raise UserFacingError(f"--headphone-check {self.headphone_check}: choose huggins, "
                                  "antiphase or none")
        if self.break_every < 1:
            raise UserFacingError(f"--break-every {self.break_every}: at least 1 trial")


@dataclass(frozen=True)
class StudyDesign:
    study_id: str
    settings: StudySettings
    experiment_id: str
    design: dict                     # the round's design, as stored
    stimuli: tuple[Stimulus, ...]    # the round's trial stimuli, then its practice stimuli
    practice: tuple[Stimulus, ...]
    lists: tuple[tuple[Stimulus, ...], ...]


def study_design(exp, settings: StudySettings) -> StudyDesign:
    """The study of `settings.round` of the experiment `exp` (refuses a round not stored)."""
    settings.check()
    rounds = exp.rounds()
    if settings.round not in rounds:
        have = ", ".join(str(r) for r in rounds) or "none yet"
        raise UserFacingError(f"round {settings.round} is not in {exp.folder} (rounds: {have})")
    stored = exp.stimuli(round=settings.round)
    trials = [s for s in stored if s.role != Role.PRACTICE]
    practice = [s for s in stored if s.role == Role.PRACTICE]
    if not trials:
        raise UserFacingError(f"round {settings.round} of {exp.folder} has no trial stimuli")
    try:
        lists = make_lists(trials, settings.trials, settings.seed)
    except ValueError as exc:
        raise UserFacingError(f"--trials {settings.trials}: {exc}") from None
    key = {"experiment": exp.experiment_id, "round": settings.round, "seed": settings.seed,
           "trials": settings.trials, "carrier": settings.carrier,
           "lists": [[s.id for s in lst] for lst in lists]}
    study_id = hashlib.sha256(codec.canonical_json(key).encode()).hexdigest()[:16]
    return StudyDesign(study_id=study_id, settings=settings, experiment_id=exp.experiment_id,
                       design=rounds[settings.round], stimuli=tuple(trials + practice),
                       practice=tuple(practice), lists=tuple(tuple(lst) for lst in lists))


def headphone_seed(study_id: str) -> int:
    """The seed of the headphone check of a study exported before the check's key was kept in
    the experiment (`Experiment.web_check_key`): drawn from the study id, so anyone could draw
    it. The import still judges such studies' checks with it."""
    return int(hashlib.sha256(f"{study_id}:headphone".encode()).hexdigest()[:8], 16) % 2**31


def pair_tag(s: Stimulus) -> str | None:
    """The pair a stimulus belongs to, as the browser compares it (None: not a pair half)."""
    key = pair_key(s)
    return None if key is None else "r{}-n{}-p{}".format(*key)
