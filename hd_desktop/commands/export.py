"""`hd-desktop export EXPERIMENT --out DIR [--session ID]`: rating files (CSV + JSON sidecar)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "export", help="write rating files (one CSV + JSON sidecar per session)",
        description="Write each session's votes as a long-format CSV with a JSON sidecar "
                    "(design, voice space, seeds, checksum). Other workstations merge them "
                    "with `hd-desktop import`.")
    p.add_argument("experiment", metavar="EXPERIMENT",
                   help="experiment name under sessions/ or a folder path")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the rating files")
    p.add_argument("--session", action="append", metavar="ID",
                   help="only this session (repeatable; default: every session)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from hd_desktop.commands._common import existing_experiment
    from hd_desktop.store import Experiment, write_rating_file

    with Experiment.open(existing_experiment(args.experiment), create=False) as exp:
        ids = args.session or [s.id for s in exp.sessions()]
        for sid in ids:
            exp.session(sid)  # a wrong id is refused before anything is written
        for sid in ids:
            csv_path, _ = write_rating_file(exp, sid, args.out)
            print(csv_path)
        if not ids:
            print(f"{exp.folder}: no sessions to export")
    return 0
