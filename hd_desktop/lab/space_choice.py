"""Which voice space an experiment opens in: the one it was built on, else the one asked for.

An experiment's votes are coordinates of its own space, so an existing experiment always opens
in the space settings it stored (its dimensions among them), whatever `--dims` says; a new one
gets `--dims` (2 when not given). Both the app and the headless commands decide it here.
"""

from __future__ import annotations

from pathlib import Path

from hd_desktop.errors import UserFacingError
from hd_desktop.voice import SpaceSettings


def stored_space_settings(folder: Path) -> SpaceSettings | None:
    """The space settings the experiment in `folder` was built on; None for a new experiment
    (or one whose store cannot be read: opening it later says why)."""
    from hd_desktop.store import Experiment

    if not Experiment.exists(folder):
        return None
    try:
        with Experiment.open(folder, create=False) as exp:
            stored = exp.space()
    except UserFacingError:
        return None
    if stored is None or "settings" not in stored[1]:
        return None
    try:
        return SpaceSettings.from_dict(stored[1]["settings"])
    except (KeyError, TypeError, ValueError):
        return None


def space_settings_for(folder: Path, dims: int | None) -> tuple[SpaceSettings, str | None]:
    """The settings to open `folder`'s space with, and a note when `dims` was set aside."""
    stored = stored_space_settings(Path(folder))
    if stored is None:
        return SpaceSettings(dims=2 if dims is None else dims), None
    note = None
    if dims is not None and dims != stored.dims:
        note = (f"experiment {Path(folder).name} was built on a {stored.dims}-dimensional voice "
                f"space; it opens in that one (--dims {dims} applies to new experiments)")
    return stored, note
