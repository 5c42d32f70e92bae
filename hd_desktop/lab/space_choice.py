"""Which voice space an experiment opens in: the one it was built on, else the one asked for.

An experiment's votes are coordinates of its own space, so an existing experiment always opens
in the space settings it stored (its dimensions among them), whatever `--dims` says; a new one
gets `--dims` (2 when not given), within what the corpus can give (check_dims, shared with the
headless commands' --dims).
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


def check_dims(dims: int, corpus: str | None) -> None:
    """Refuse a number of dimensions below 1 or above what the corpus gives."""
    if dims < 1:
        raise UserFacingError(f"--dims {dims}: a voice space has at least 1 dimension")
    limit, reason = max_dims(corpus)
    if limit < 1:
        raise UserFacingError(reason)
    if dims > limit:
        raise UserFacingError(f"--dims {dims}: {reason}")


def max_dims(corpus: str | None) -> tuple[int, str]:
    """The most dimensions the corpus supports, and a sentence saying why.

    A voice vector has `coded_dims` features (the coded envelope without c0, plus log F0),
    and PCA of n items gives at most n - 1 axes. Files that turn out unusable lower the
    second bound further; building the space then says which ones.
    """
    from hd_desktop.paths import BUNDLED_CORPUS
    from hd_desktop.voice.corpus import discover

    folder = Path(corpus or BUNDLED_CORPUS)
    name = "the bundled corpus" if corpus is None else f"the corpus {folder}"
    features = SpaceSettings().world.coded_dims
    items = len(discover(folder))
    if items < 2:
        return 0, (f"--corpus {folder}: {items or 'no'} audio file{'s' * (items != 1)}; a voice "
                   "space needs recordings of at least two speakers, one sub-folder each")
    if items - 1 < features:
        return items - 1, (f"{name} supports at most {items - 1} dimensions (it has {items} "
                           "audio files; a space needs more items than dimensions)")
    return features, (f"{name} supports at most {features} dimensions (a voice vector has "
                      f"{features} features)")
