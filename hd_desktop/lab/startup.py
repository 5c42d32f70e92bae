"""What the app checks, opens and loads when it starts (no Qt): the command's checks before any
window, then, once the voice space is open, the experiment's Lab with what the main window
shows of it at once. The window (gui/main_window.py) only puts these on screen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from hd_desktop.errors import UserFacingError

NO_DISPLAY = ("hd-desktop: no display to open the window on (DISPLAY is not set). Run it on the "
              "desktop, or use the headless commands: hd-desktop --help")


def start_problem(dims: int | None, corpus: str | None, environ: Mapping[str, str]) -> str | None:
    """Why the app cannot open its window (the sentence for stderr), or None: a --dims the
    corpus cannot give (lab.space_choice), or no display to show it on."""
    from hd_desktop.lab.space_choice import check_dims

    if dims is not None:
        try:
            check_dims(dims, corpus)
        except UserFacingError as exc:
            return f"hd-desktop: {exc}"
    if not any(environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")):
        return NO_DISPLAY
    return None


@dataclass(frozen=True)
class Opened:
    """The experiment as the app opened it: its `lab`, or why it cannot be used (`refused`);
    the last evaluation's result to show again (`evaluation`: its table and the folder of its
    report), or why it could not be read (`evaluation_problem`, for the error box)."""

    lab: object | None = None
    refused: UserFacingError | None = None
    evaluation: tuple[dict, str | None] | None = None
    evaluation_problem: Exception | None = None

    def refused_words(self, folder) -> str:
        """The status bar's standing words when the experiment cannot be used."""
        return f"Experiment {folder} cannot be used: {self.refused}"


def space_opening(folder: Path, corpus, dims: int | None) -> tuple[partial, str | None]:
    """The job that opens the experiment's voice space (or builds it: a progress generator),
    and the status bar's note when --dims was set aside for a space built in other
    dimensions (lab.space_choice)."""
    from hd_desktop.lab.space_choice import space_settings_for
    from hd_desktop.paths import shared_cache_dir
    from hd_desktop.voice import open_space

    settings, note = space_settings_for(folder, dims)
    return partial(open_space, corpus, Path(folder) / "space", settings, shared_cache_dir()), note


def open_experiment(folder: Path, space, user_settings) -> Opened:
    """The experiment in `folder` bound to `space`, as the app opens it: a new experiment
    starts from the user's carrier and gain; after a restart the last evaluation's result is
    read back from the store (the window shows it again)."""
    from hd_desktop.lab import Lab, LabSettings
    from hd_desktop.lab.evaluations import latest_evaluation_report

    defaults = LabSettings(carrier=user_settings.carrier, gain_db=user_settings.gain_db)
    try:
        lab = Lab(folder, space, defaults=defaults)
    except UserFacingError as exc:
        return Opened(refused=exc)
    try:
        return Opened(lab, evaluation=latest_evaluation_report(lab))
    except (UserFacingError, ValueError) as exc:
        return Opened(lab, evaluation_problem=exc)
