"""Studies run online and files from other workstations, as the Lab runs them (no Qt).

Both jobs are long and run off the window's thread. An import opens the experiment on its own
connection (a 100k-row file takes tens of seconds while a listener votes here); its report goes
to `Lab.imported` on the Lab's thread, which tells the views.
"""

from __future__ import annotations

from collections.abc import Generator
from functools import partial
from pathlib import Path

from hd_desktop.errors import UserFacingError
from hd_desktop.progress import Progress


def importer(lab, files) -> partial:
    """The import of `files` as a job for another thread; hand its report to `lab.imported`."""
    from hd_desktop.web.importing import import_results

    return partial(import_results, lab.folder, [str(f) for f in files])


def import_words(report) -> str:
    """An import's report in plain text (participant ids are their own words: never HTML)."""
    from hd_desktop.web.importing import SHARED_NOTE

    r = report.ratings
    words = (f"{r.files} file(s): {r.new_votes} new votes merged, {r.known_votes} were already "
             "here.")
    records = report.records + r.new_records
    if records or r.new_decisions:
        words += (f" {records} listener record(s) (consent, questionnaire, headphone check) and "
                  f"{r.new_decisions} decision(s) about data stored.")
    words += "".join(f" {note}." for note in r.decision_notes)
    if report.participants:
        words += f" Online participants: {', '.join(dict.fromkeys(report.participants))}."
    if report.unfinished:
        words += f" Not finished (answers up to their last break): {'; '.join(report.unfinished)}."
    if report.screened_out:
        words += (" Screened out by the headphone check (stopped before the trials, their "
                  f"check stored): {', '.join(report.screened_out)}.")
    if report.shared_ids:
        words += f" {', '.join(report.shared_ids)}: {SHARED_NOTE}."
    return words


def study_folder(parent: Path, round: int, seed: int) -> Path:
    """`online-round<r>-seed<s>` in `parent`, numbered on so no earlier study is overwritten."""
    stem = Path(parent) / f"online-round{round}-seed{seed}"
    out, n = stem, 1
    while out.exists() or out.with_name(out.name + ".jzip").exists():
        n += 1
        out = stem.with_name(f"{stem.name}-{n}")
    return out


def online_export_steps(lab, parent: Path, *, carrier: str, trials: int | None, seed: int,
                        break_every: int, end_url: str = "",
                        screen_out_url: str = "") -> Generator[Progress, None, object]:
    """The current round rendered and written as an online study (a folder and a .jzip) in a
    new folder in `parent`; yields progress, returns hd_desktop.web.export's StudyExport.
    `end_url`: where JATOS sends a participant at the end (Prolific's completion link);
    `screen_out_url`: where one who refuses consent or fails the headphone check goes."""
    from hd_desktop.web.export import export_steps
    from hd_desktop.web.study import StudySettings

    current = lab.current_round()
    if current is None:
        raise UserFacingError("no round designed yet: create round 0, then export it for the web")
    settings = StudySettings(round=current.index, carrier=carrier, trials=trials or None,
                             seed=seed, break_every=break_every)
    return (yield from export_steps(lab.experiment, lab.space, settings,
                                    study_folder(parent, current.index, seed),
                                    end_url=end_url, screen_out_url=screen_out_url))


def sessions_per_listener(lab) -> dict[str, int]:
    """Counted sessions (trials, simulated) of each listener, online participants included."""
    from hd_desktop.web.listeners import listener_rows

    return {r.listener: r.sessions for r in listener_rows(lab.experiment)}
