"""The experiment's error log: every failure the user was told about, with its traceback.

One file per experiment folder (errors.log, appended): what step failed, when, the message
the user saw and the traceback, so a researcher can send it along with a bug report.
"""

from __future__ import annotations

import traceback
from pathlib import Path

from hd_desktop.errors import UserFacingError
from hd_desktop.store.records import iso_utc, utc_now

LOG_NAME = "errors.log"


def in_words(step: str, exc: BaseException) -> str:
    """The sentence the user sees: the step, then the error (its own words when it has them)."""
    what = str(exc) if isinstance(exc, UserFacingError) and str(exc) else \
        f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return f"{step} failed: {what}"


def damage_in_words(exc: BaseException, folder: Path | None) -> str:
    """A storage error met while reading the experiment in `folder`, in words (what to do)."""
    from hd_desktop.store.writelock import damaged_in_words

    return damaged_in_words(exc, f"the experiment {folder}" if folder else "the experiment")


class DamagedExperiment(UserFacingError):
    """The experiment's database turned out damaged while a window read it."""


def uncaught(exc: BaseException, folder: Path | None) -> tuple[str, BaseException] | None:
    """An exception no handler caught, as the user is told it: (the step, the error to tell;
    a damaged database in words, with its traceback kept for the log), or None when it is not
    told (the app is being stopped)."""
    import sqlite3

    if isinstance(exc, sqlite3.DatabaseError):
        return "reading the experiment", DamagedExperiment(
            damage_in_words(exc, folder)).with_traceback(exc.__traceback__)
    if isinstance(exc, (KeyboardInterrupt, SystemExit)):
        return None
    return "the window", exc


def shown_words(message: str, log: Path | None) -> str:
    """What the error box says: the sentence, and where the details are."""
    return message + (f"\n\nDetails are in {log}." if log else "")


def log_error(folder: Path | None, step: str, exc: BaseException) -> tuple[str, Path | None]:
    """Append the failure to `folder`/errors.log; returns (the sentence, the log or None when it
    cannot be written: the user is still told, and the log's own failure is named)."""
    message = in_words(step, exc)
    if folder is None:
        return message, None
    path = Path(folder) / LOG_NAME
    trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as log:
            log.write(f"--- {iso_utc(utc_now())} {step}\n{message}\n{trace}\n")
    except OSError as log_exc:
        return f"{message} (and the error log {path} could not be written: {log_exc})", None
    return message, path
