"""The study furniture of an experiment, as the lab sees it (no Qt): which listener texts and
which steps before the trials a session gets, each listener's headphone check, and who a
failed check leaves out of the engine (docs/listener-flow.md)."""

from __future__ import annotations

from pathlib import Path

from hd_desktop.lab.settings import LabSettings
from hd_desktop.session import texts as listener_texts
from hd_desktop.session.intake import Intake, IntakeSettings
from hd_desktop.store import SessionKind

PASSED, FAILED, NOT_TESTED = "passed", "failed", "not tested"


def experiment_settings(experiment) -> LabSettings:
    return LabSettings.from_dict(experiment.lab_settings(), str(experiment.path))


def listener_side(flow) -> tuple[listener_texts.ListenerTexts, Intake | None]:
    """The texts a session shows and its steps before the trials (None: nothing to ask).

    A resumed session shows the texts it ran with (by their checksum in its settings) and asks
    nothing again; a simulated listener is asked nothing."""
    experiment = flow.experiment
    settings = experiment_settings(experiment)
    if flow.session_id is not None:
        sha = experiment.session(flow.session_id).settings.get("texts_sha256")
        stored = experiment.texts(sha) if sha else None
        texts = listener_texts.from_store(*stored) if stored else \
            listener_texts.for_experiment(experiment.folder, settings.language)
        return texts, None
    texts = listener_texts.for_experiment(experiment.folder, settings.language)
    if flow.settings.kind == SessionKind.SIMULATED:
        return texts, None
    return texts, Intake(experiment, texts, IntakeSettings(
        settings.consent, settings.questionnaire, settings.headphone_check))


def edit_texts(experiment_folder: Path, language: str) -> Path:
    """The experiment's own listener texts file (made from the shipped table if missing)."""
    return listener_texts.write_for_editing(experiment_folder, language)


def headphone_status(experiment) -> dict[str, str]:
    """Every listener with a session or a check: passed, failed or not tested (the latest
    check counts, e.g. one imported from the online study)."""
    status = {s.listener: NOT_TESTED for s in experiment.sessions()
              if s.kind not in (SessionKind.SIMULATED, SessionKind.PRACTICE)}
    for record in experiment.listener_records(kind="headphone_check"):
        status[record.listener] = PASSED if record.data.get("passed") else FAILED
    return status


def left_out_by_headphone_check(experiment, settings: LabSettings | None = None) -> frozenset[str]:
    """Listeners the engine leaves out for a failed check, by the researcher's choice: in the
    lab `headphone_excludes` (default off: shown, not excluding, since someone watched them),
    online `headphone_excludes_online` (default on: nobody saw what they listened with). The
    latest check of a listener decides."""
    settings = settings or experiment_settings(experiment)
    latest = {}
    for record in experiment.listener_records(kind="headphone_check"):
        latest[record.listener] = record
    out = set()
    for name, record in latest.items():
        online = record.data.get("source") == "web"
        rule = settings.headphone_excludes_online if online else settings.headphone_excludes
        if rule and not record.data.get("passed"):
            out.add(name)
    return frozenset(out)
