"""`hd-desktop exclude` / `hd-desktop include`: decisions about data without a window (a listener
or a session left out of the engine, the evaluation and the exports' counts, with a reason;
nothing is deleted), and `hd-desktop decisions` lists them."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    for action, verb in (("exclude", "leave out"), ("include", "take back")):
        p = subparsers.add_parser(
            action, help=f"{verb} a listener's or a session's votes, with a reason",
            description=f"{verb.capitalize()} every vote of a listener (--listener) or of one "
                        "session (--session), with a reason stored beside the time and the "
                        "app's version. Votes are never deleted: exclude and include undo "
                        "each other, and both stay in the history (`hd-desktop decisions`).")
        p.add_argument("experiment", metavar="EXPERIMENT",
                       help="experiment name under sessions/ or a folder path")
        who = p.add_mutually_exclusive_group(required=True)
        who.add_argument("--listener", metavar="ID")
        who.add_argument("--session", metavar="ID")
        p.add_argument("--reason", required=action == "exclude",
                       default=None if action == "exclude" else "included again",
                       help="why (stored and exported with the votes)")
        p.set_defaults(func=run, action=action)
    d = subparsers.add_parser("decisions", help="list the decisions about data",
                              description="Every exclusion and inclusion, oldest first.")
    d.add_argument("experiment", metavar="EXPERIMENT",
                   help="experiment name under sessions/ or a folder path")
    d.set_defaults(func=run_list)


def run(args: argparse.Namespace) -> int:
    from hd_desktop.commands._common import existing_experiment
    from hd_desktop.lab.decisions import decide

    target, target_id = ("listener", args.listener) if args.listener else ("session", args.session)
    decision = decide(existing_experiment(args.experiment), args.action, target, target_id,
                      args.reason)
    print(f"{decision.action.value}d {target} {target_id}: {decision.reason} "
          f"({decision.decided_at})")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from hd_desktop.commands._common import existing_experiment
    from hd_desktop.store import Experiment

    with Experiment.open(existing_experiment(args.experiment), create=False) as exp:
        rows = exp.decisions()
        for d in rows:
            print(f"{d.decided_at}  {d.action.value:<7} {d.target.value:<8} {d.target_id}: "
                  f"{d.reason}")
        if not rows:
            print(f"{exp.folder}: no decisions about data")
    return 0
