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


HEADPHONE_CHECKS = {"huggins": "Huggins pitch (Milne et al. 2021; pass at 4 of 6)",
                    "antiphase": "Antiphase tones (Woods et al. 2017; pass at 5 of 6)",
                    "none": "None"}
LANGUAGE_NAMES = {"en": "English", "ja": "Japanese (日本語)"}
# the "Before the trials" dialog's ticks, by the experiment's setting each sets: what the
# listener is asked, then (under the check's choice) what a failed headphone check does
ASKED = {"consent": "Ask for consent (no consent, no trials)",
         "questionnaire": "Ask the questionnaire (age band, hearing, headphones, native language)"}
CHECK_EXCLUDES = {
    "headphone_excludes": "A failed headphone check in the lab leaves the listener out of the "
                          "engine",
    "headphone_excludes_online": "A failed headphone check online leaves the participant out of "
                                 "the engine"}


def language_choices() -> list[tuple[str, str]]:
    """(what the researcher reads, language code) of every shipped set of listener texts."""
    return [(f"{LANGUAGE_NAMES.get(code, code)} — assets/texts/{code}.json", code)
            for code in listener_texts.shipped_languages()]


def headphone_summary(experiment) -> str:
    """The headphone checks so far, in one line: passed, failed (who), not tested."""
    status = headphone_status(experiment)
    failed = sorted(k for k, v in status.items() if v == FAILED)
    return (f"Headphone check so far: {sum(v == PASSED for v in status.values())} passed, "
            f"{len(failed)} failed" + (f" ({', '.join(failed)})" if failed else "")
            + f", {sum(v == NOT_TESTED for v in status.values())} not tested.")


def texts_where(experiment_folder: Path, language: str) -> str:
    """Which listener texts a session in `language` shows: the experiment's own, or shipped."""
    path = listener_texts.experiment_file(experiment_folder, language)
    return f"This experiment's own texts: {path}" if path.exists() else \
        "Shipped texts (Edit makes this experiment's own copy)."


def editing_words(path: Path) -> str:
    return (f"Edit {path} in any text editor; the next session reads it (a missing key or a "
            "changed {placeholder} is refused with a message).")
