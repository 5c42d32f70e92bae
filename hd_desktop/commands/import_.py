"""`hd-desktop import EXPERIMENT FILE...`: merge rating files from other workstations, and the
results of online studies (jsPsych CSV/JSON, JATOS result archives)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "import", help="merge rating files and online-study results into an experiment",
        description="Merge rating files (give the .csv or the .json of each pair) into an "
                    "existing experiment, or with --create into a new one made from the first "
                    "file; and the results of an online study (`hd-desktop web export`): "
                    "jsPsych CSV or JSON files, JATOS result archives (.zip/.jrzip) or JATOS "
                    "text exports. Every file is checked first; if any is refused, nothing is "
                    "imported. All files of one online participant are merged (the same trial "
                    "answered differently in two of them is refused); one import at a time per "
                    "experiment. Importing a file twice changes nothing (docs/online-results.md). "
                    "A rating file also brings its listener's consent, questionnaire and "
                    "headphone check and the decisions about them, as they were made; the "
                    "latest decision, wherever made, is the one in force (docs/file-formats.md).")
    p.add_argument("experiment", metavar="EXPERIMENT",
                   help="experiment name under sessions/ or a folder path")
    p.add_argument("files", nargs="+", metavar="FILE",
                   help="rating files (.csv or .json) or online results")
    p.add_argument("--create", action="store_true",
                   help="create the experiment when it does not exist (else a mistyped name is "
                        "refused)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from hd_desktop.commands._common import existing_experiment
    from hd_desktop.paths import experiment_dir
    from hd_desktop.web.importing import import_results

    if args.create:
        folder = experiment_dir(args.experiment)
    else:
        folder = existing_experiment(args.experiment, hint=". Check the name, or add --create "
                                     "to start a new experiment from these files")
    paths = list(dict.fromkeys(_pair_stem(f) for f in args.files))  # a .csv and its .json: once
    result = import_results(folder, paths)
    r = result.ratings
    made = "created " if r.created else ""
    print(f"{made}{folder}: {r.files} file(s), {r.new_votes} new vote(s), {r.known_votes} "
          f"already present, {r.new_undos} undo(s) carried over, {r.new_sessions} new session(s), "
          f"{r.new_records + result.records} listener record(s) (consent, questionnaire, "
          f"headphone check) and {r.new_decisions} decision(s) stored")
    for note in r.decision_notes:
        print(f"decision in force: {note}")
    if result.participants:
        print(f"online participants: {', '.join(dict.fromkeys(result.participants))}")
    if result.unfinished:
        print(f"not finished (answers up to their last break): {'; '.join(result.unfinished)}")
    if result.screened_out:
        print("screened out by the headphone check (stopped before the trials, their check "
              f"stored): {', '.join(result.screened_out)}")
    if result.shared_ids:
        from hd_desktop.web.importing import SHARED_NOTE

        print(f"warning: {', '.join(result.shared_ids)}: {SHARED_NOTE}")
    return 0


def _pair_stem(name: str) -> str:
    from pathlib import Path

    from hd_desktop.web.results import looks_like_web_results

    p = Path(name)
    if looks_like_web_results(p):
        return name
    return str(p.with_suffix(".csv")) if p.suffix.lower() in (".csv", ".json") else name
