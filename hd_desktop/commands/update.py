"""`hd-desktop update EXPERIMENT` and `hd-desktop round next EXPERIMENT`: the lab's engine update
and its next round without a window, through the same Lab as the app."""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "update", help="one engine update of an experiment (after importing online results)",
        description="Learn from every vote the engine may use (excluded listeners and sessions, "
                    "simulated votes beside people's and listeners screening leaves out are "
                    "set aside, as in the app), store the model and its samples in the "
                    "experiment, and print the report. Progress goes to the terminal.")
    _experiment_args(p)
    p.set_defaults(func=run_update)

    r = subparsers.add_parser("round", help="design the next round of an experiment",
                              description="Rounds of an experiment without a window.")
    rsub = r.add_subparsers(dest="round_command", metavar="ACTION", required=True)
    n = rsub.add_parser(
        "next", help="create the next round (from the latest model's samples)",
        description="Create the next round as the app's Experiment tab proposes it (round 0: "
                    "the preset for this space; later: the design of the round before), or "
                    "from --preset, with --set NAME=VALUE changes. The round holds at least "
                    "the experiment's minimum of screening trials.")
    _experiment_args(n)
    n.add_argument("--preset", default=None, help="design preset: default, lab-hour, lab-20min, "
                   "paper (default: the lab's proposal)")
    n.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="change a design parameter (repeatable), e.g. --set n_anchors=50")
    n.add_argument("--dry-run", action="store_true", help="print the design and its size only")
    n.add_argument("--create", action="store_true",
                   help="make the experiment when it does not exist yet (its round 0 from the "
                        "real voices), so an online study needs no window; else a mistyped "
                        "name is refused")
    n.add_argument("--dims", type=int, default=2, metavar="K",
                   help="dimensions of a new experiment's voice space (with --create; default 2)")
    n.set_defaults(func=run_round_next)


def _experiment_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("experiment", metavar="EXPERIMENT",
                   help="experiment name under sessions/ or a folder path")
    p.add_argument("--corpus", default=argparse.SUPPRESS,
                   help="corpus folder the experiment's space was built from (default: bundled)")


def opened(args):
    """The Lab of an existing experiment, its space loaded with progress on the terminal."""
    from hd_desktop.commands._common import existing_experiment
    from hd_desktop.lab.headless import open_lab

    create = getattr(args, "create", False)
    if create:
        from hd_desktop.commands._common import experiment_dir

        folder = experiment_dir(args.experiment)
    else:
        folder = existing_experiment(args.experiment)
    tty = sys.stderr.isatty()

    def report(p):
        if tty:
            print(f"\r[{p.fraction:4.0%}] {p.message[:70]:<70}", end="", file=sys.stderr,
                  flush=True)

    lab = open_lab(folder, getattr(args, "corpus", None), report,
                   new_dims=args.dims if create else None)
    if tty:
        print(file=sys.stderr)
    return lab


def run_update(args: argparse.Namespace) -> int:
    from hd_desktop.lab.headless import summary, update

    lab = opened(args)
    try:
        print(f"update: {lab.folder}: learning from the votes...", file=sys.stderr, flush=True)
        result = update(lab, _progress)
        if sys.stderr.isatty():
            print(file=sys.stderr)
        print(summary(lab, result))
    finally:
        lab.close()
    return 0


def _progress(event) -> None:
    """One line per step; on a terminal one line that counts up."""
    if sys.stderr.isatty():
        print(f"\r{event.kind:<10} {event.done}/{event.total}   ", end="", file=sys.stderr,
              flush=True)
    elif event.done == event.total:
        print(f"{event.kind}: done ({event.total})", file=sys.stderr, flush=True)


def run_round_next(args: argparse.Namespace) -> int:
    from hd_desktop.design import preset
    from hd_desktop.errors import UserFacingError

    if args.create and args.dry_run:
        raise UserFacingError("--dry-run changes nothing, so it cannot --create an experiment: "
                              "run --create without --dry-run to make round 0")
    lab = opened(args)
    try:
        proposal = lab.next_round_proposal()
        params, name = (proposal.params, proposal.name) if args.preset is None else \
            (preset(args.preset), args.preset)
        changes = {}
        for item in args.set:
            key, sep, value = item.partition("=")
            if not sep:
                raise UserFacingError(f"--set {item!r}: expected NAME=VALUE")
            changes[key.strip()] = value
        if changes:
            params = params.with_overrides(**changes)
            name = f"{name.removesuffix(' (edited)')} (edited)"
        size = lab.preview_round(params)
        print(f"round {proposal.round}: {name}: {size['trials']} stimuli ({size['nes']} NES, "
              f"{size['gold']} screening), about {size['seconds'] / 60:.0f} min for one listener")
        if args.dry_run:
            return 0
        design = lab.create_round(params)
        print(f"created round {design.design['round']} in {lab.experiment.path}")
    finally:
        lab.close()
    return 0
