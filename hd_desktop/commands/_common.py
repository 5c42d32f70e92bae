"""Options shared by sub-commands: which experiment, which corpus, how many dimensions."""

from __future__ import annotations

import argparse
import sys

from hd_desktop.paths import experiment_dir


def add_space_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", default=None, help="corpus folder (default: the bundled corpus)")
    parser.add_argument("--experiment", default=None,
                        help="experiment whose space cache to use (name under sessions/ or a folder)")
    parser.add_argument("--dims", type=int, default=2, help="dimensions of the voice space (default 2)")


def space_from_args(args: argparse.Namespace, quiet: bool = False):
    quiet = quiet or not sys.stderr.isatty()
    from hd_desktop.voice import load_space

    def report(p):
        if not quiet:
            print(f"\r[{p.fraction:4.0%}] {p.message[:70]:<70}", end="", file=sys.stderr, flush=True)

    space = load_space(args.corpus, experiment_dir(args.experiment) / "space", args.dims, report)
    if not quiet:
        print(file=sys.stderr)
    return space
