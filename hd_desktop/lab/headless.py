"""The lab's operations without a window: open an experiment in its own voice space, run one
engine update to its end, and put the result in words (`hd-desktop update`, `round next`,
`evaluate`). The same Lab as the app's; only the driver differs (here, this thread)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hd_desktop.errors import UserFacingError
from hd_desktop.lab.engine_job import EngineResult
from hd_desktop.lab.workbench import Lab


def open_lab(folder: Path, corpus: str | None = None, progress: Callable | None = None, *,
             new_dims: int | None = None) -> Lab:
    """The experiment in `folder`, opened in the voice space it was built on (engine updates
    run in this process, as `simulate`'s do). With `new_dims`, a folder with no experiment yet
    gets a new one in a space of that many dimensions, as the app makes one."""
    from hd_desktop.lab.space_choice import check_dims, space_settings_for, stored_space_settings
    from hd_desktop.paths import shared_cache_dir
    from hd_desktop.progress import drive
    from hd_desktop.voice.build import open_space

    settings = stored_space_settings(Path(folder))
    if settings is None and new_dims is not None and not (Path(folder) / "experiment.sqlite").exists():
        check_dims(new_dims, corpus)
        settings = space_settings_for(Path(folder), new_dims)[0]
    if settings is None:
        raise UserFacingError(f"{folder}: the experiment records no voice space yet; open it in "
                              "the app once (or import results into it) first")
    try:
        space = drive(open_space(corpus, Path(folder) / "space", settings, shared_cache_dir()), progress)
    except OSError as exc:
        raise UserFacingError(f"voice space of {folder}: cannot use {exc.filename or folder} "
                              f"({exc.strerror or exc})") from None
    return Lab(folder, space, spawn_engine=False)


def update(lab: Lab, progress: Callable | None = None) -> EngineResult:
    """One engine update from every vote the engine may use, run here to its end and stored;
    a plain UserFacingError when there is nothing to learn from or the update failed."""
    failures: list[str] = []
    stops = [lab.events.subscribe(lambda e: e.kind == "engine_failed"
                                  and failures.append(e.message))]
    if progress is not None:
        stops.append(lab.events.subscribe(
            lambda e: e.kind == "engine_progress" and progress(e.event)))
    before = lab.engine.start
    lab.engine.start = lab.engine.drive_here
    try:
        lab.engine.request()
    finally:
        lab.engine.start = before
        for stop in stops:
            stop()
    result = lab.engine.latest
    if failures or result is None:
        raise UserFacingError(failures[-1] if failures else "the engine update gave no model")
    return result


def summary(lab: Lab, result: EngineResult) -> str:
    """The update's report in a few lines: what it learned from, what it left out, where."""
    aside = {k: n for k, n in result.set_aside.items() if n}
    lines = [f"model {result.model_id} of round {result.round} stored in {lab.experiment.path}",
             f"votes used: {result.votes_used}"
             + (f" (left out: {', '.join(f'{n} {why}' for why, n in sorted(aside.items()))})"
                if aside else ""),
             f"listeners left out by screening: {', '.join(result.excluded) or 'none'}",
             f"estimates: {len(result.estimates)} neighbours with complete pairs, "
             f"{0 if result.estimates.points is None else len(result.estimates.points)} voted "
             f"stimuli; loss {result.loss}",
             f"samples: {len(result.samples)} (they anchor round {result.round + 1})"]
    timings = result.timings
    if "train_s" in timings:
        lines.append(f"took {timings.get('train_s', 0):.1f} s training, "
                     f"{timings.get('sample_s', 0):.1f} s sampling")
    return "\n".join(lines)
