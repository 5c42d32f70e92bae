"""`hd-desktop evaluate EXPERIMENT`: the paper's Evaluation 2 without a window: make the set of
real voices and samples of a round's model, or report the sets' results so far."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "evaluate", help="make an evaluation set of a round's model, or report its results",
        description="With --round: store an evaluation set (--voices real voices and as many "
                    "samples of that round's latest model) for listeners to rate blind in the "
                    "app. Without it (or with --report): the table of every evaluation set from "
                    "its votes so far, excluded listeners and sessions left out; --export DIR "
                    "writes each as <name>-evaluation.json and .csv.")
    p.add_argument("experiment", metavar="EXPERIMENT",
                   help="experiment name under sessions/ or a folder path")
    p.add_argument("--round", type=int, default=None, metavar="N",
                   help="make the set from round N's latest model")
    p.add_argument("--voices", type=int, default=30, help="voices per group (default 30)")
    p.add_argument("--seed", type=int, default=1, help="seed of the set's picks (default 1)")
    p.add_argument("--report", action="store_true", help="report the sets' results")
    p.add_argument("--export", default=None, metavar="DIR", help="write the reports into DIR")
    p.add_argument("--corpus", default=argparse.SUPPRESS,
                   help="corpus folder the experiment's space was built from (default: bundled)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from hd_desktop.commands.update import opened
    from hd_desktop.engine.evaluation import evaluation_rows

    lab = opened(args)
    try:
        if args.round is not None:
            name = lab.create_evaluation(args.voices, args.seed, args.round)
            n = len(lab.experiment.stimuli(evaluation=name))
            print(f"evaluation set {name}: {n} voices, stored in {lab.experiment.path}")
        if args.round is None or args.report or args.export:
            names = sorted(lab.experiment.evaluations())
            if not names:
                print(f"{lab.experiment.path}: no evaluation set yet (make one with --round N)")
            for name in names:
                table = lab.evaluation_report(name, args.export)
                print(f"evaluation {name} ({table['listeners']} listener(s)):")
                for row in evaluation_rows(table):
                    print("  " + "  ".join("" if x is None else f"{x:.3g}"
                                           if isinstance(x, float) else str(x) for x in row))
                if args.export:
                    print(f"  written to {args.export}/{name}-evaluation.json")
    finally:
        lab.close()
    return 0
