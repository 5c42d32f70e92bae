"""`hd-desktop export EXPERIMENT [--out DIR] [--session ID]`: the study for analysis, or rating
files of chosen sessions."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "export", help="write the study for analysis: rating files, tidy tables and codebook",
        description="Write each session's votes as a long-format CSV with a JSON sidecar "
                    "(design, voice space, seeds, checksum; other workstations merge them with "
                    "`hd-desktop import`), and beside them the tables to analyse: votes.csv "
                    "(every vote of every session), sessions.csv, consent.csv, "
                    "questionnaire.csv, headphone-check.csv, screening.csv, decisions.csv, each "
                    "evaluation's summary, and datapackage.json, the codebook describing every "
                    "column (a Frictionless Data Package; see docs/codebook.md).")
    p.add_argument("experiment", metavar="EXPERIMENT",
                   help="experiment name under sessions/ or a folder path")
    p.add_argument("--out", metavar="DIR",
                   help="folder to write into (default: the experiment's exports/ folder)")
    p.add_argument("--session", action="append", metavar="ID",
                   help="only this session's rating file, no tables (repeatable)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from hd_desktop.commands._common import existing_experiment
    from hd_desktop.store import Experiment, write_rating_file

    with Experiment.open(existing_experiment(args.experiment), create=False) as exp:
        out = args.out or exp.exports_dir
        if args.session:
            for sid in args.session:
                exp.session(sid)  # a wrong id is refused before anything is written
            for sid in args.session:
                csv_path, _ = write_rating_file(exp, sid, out)
                print(csv_path)
            return 0
        from hd_desktop.lab.exports import export_study

        for path in export_study(exp, out):
            print(path)
        if not exp.sessions():
            print(f"{exp.folder}: no sessions yet, the tables are empty")
    return 0
