"""What a listener goes through before the trials: consent, a questionnaire, a headphone check.

Plain Python that the listener's window drives, like SessionFlow: it decides which steps a
listener still owes and stores each answer as it is given (one record each,
store/listener_records.py). The order is

    listener id -> consent -> questionnaire -> instructions -> level check -> headphone check
    -> practice and trials

(the check plays at the level the listener just set). No consent, no trials: a refusal ends the
session before it is stored, with the decision and its time kept. A listener who already
consented, answered the questionnaire or took the check in this experiment is not asked again
on a later session; a resumed session asks nothing.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from hd_desktop.audio.headphone import CheckResult, score
from hd_desktop.session.texts import ListenerTexts

AGE_BANDS = ("under_20", "20_29", "30_39", "40_49", "50_59", "60_plus", "no_answer")
HEARING = ("no", "yes", "no_answer")
OUTPUTS = ("headphones", "loudspeakers")
QUESTIONS = {"age_band": AGE_BANDS, "hearing_problems": HEARING, "output": OUTPUTS}


class Step(str, Enum):
    CONSENT = "consent"
    QUESTIONNAIRE = "questionnaire"
    HEADPHONE = "headphone_check"
    DECLINED = "declined"          # the listener refused consent: a thank-you, no trials


@dataclass(frozen=True)
class IntakeSettings:
    """What a listener meets before the trials; the defaults of an experiment's settings
    (lab/settings.py) and of the web study's export, which reads them from the store."""

    consent: bool = True
    questionnaire: bool = True
    headphone_check: str = "huggins"     # or "antiphase", "none"
    language: str = "en"                 # the listener texts: assets/texts/<language>.json

    @classmethod
    def from_stored(cls, values: Mapping[str, Any]) -> IntakeSettings:
        """From an experiment's stored settings (`Experiment.lab_settings()`), defaults for
        what they do not name."""
        return cls(**{f.name: values[f.name] for f in dataclasses.fields(cls) if f.name in values})


class Intake:
    """One listener's way to the trials. `step_before_instructions` and `headphone_due` say what
    to show; `consent`, `answer` and `check_done` store what the listener did."""

    def __init__(self, experiment, texts: ListenerTexts, settings: IntakeSettings = IntakeSettings()):
        self.experiment, self.texts, self.settings = experiment, texts, settings
        self.texts_sha256 = experiment.save_texts(texts.language, texts.strings)
        self.listener: str | None = None
        self.declined = False
        self._owed: list[Step] = []
        self.check_seed = random.SystemRandom().randrange(2**31)

    def begin(self, listener: str) -> None:
        """The listener typed their id: work out what they still owe in this experiment."""
        self.listener = listener
        have = {r.kind.value for r in self.experiment.listener_records(listener)
                if r.kind.value != "consent" or r.data.get("given")}
        s = self.settings
        self._owed = [step for step, wanted in ((Step.CONSENT, s.consent),
                                                (Step.QUESTIONNAIRE, s.questionnaire),
                                                (Step.HEADPHONE, s.headphone_check != "none"))
                      if wanted and step.value not in have]

    @property
    def step_before_instructions(self) -> Step | None:
        if self.declined:
            return Step.DECLINED
        return next((s for s in self._owed if s in (Step.CONSENT, Step.QUESTIONNAIRE)), None)

    @property
    def headphone_due(self) -> bool:
        return not self.declined and Step.HEADPHONE in self._owed

    def consent(self, agreed: bool) -> None:
        """Store the decision (with its time and the text read); a refusal ends the way here."""
        self._expect(Step.CONSENT)
        self.experiment.add_listener_record(self.listener, "consent", {
            "given": bool(agreed), "language": self.texts.language,
            "text_sha256": self.texts_sha256})
        self._owed.remove(Step.CONSENT)
        self.declined = not agreed

    def answer(self, answers: dict) -> None:
        """Store the questionnaire; every question needs an answer (one may be "no_answer")."""
        self._expect(Step.QUESTIONNAIRE)
        clean = {k: str(answers.get(k) or "") for k in (*QUESTIONS, "native_language")}
        clean["native_language"] = clean["native_language"].strip()
        bad = [k for k, codes in QUESTIONS.items() if clean[k] not in codes]
        if bad or not clean["native_language"]:
            raise ValueError("unanswered: " + ", ".join(bad + ["native_language"] * (
                not clean["native_language"])))
        self.experiment.add_listener_record(self.listener, "questionnaire", {
            **clean, "language": self.texts.language, "text_sha256": self.texts_sha256})
        self._owed.remove(Step.QUESTIONNAIRE)

    def check_done(self, answers, device: str | None, gain_db: float | None) -> CheckResult:
        """Score and store the headphone check (with its seed, device and gain)."""
        self._expect(Step.HEADPHONE)
        result = score(self.settings.headphone_check, self.check_seed, answers)
        self.experiment.add_listener_record(self.listener, "headphone_check", result.record(
            device=device, gain_db=gain_db, text_sha256=self.texts_sha256))
        self._owed.remove(Step.HEADPHONE)
        return result

    def attach(self, flow) -> None:
        """The session started by `flow` names the texts it ran with (its settings)."""
        flow.settings = dataclasses.replace(flow.settings, texts_sha256=self.texts_sha256)

    def _expect(self, step: Step) -> None:
        if self.declined or step not in self._owed:
            raise RuntimeError(f"{step.value} is not due for listener {self.listener}")
