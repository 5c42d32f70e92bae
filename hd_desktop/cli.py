"""`hd-desktop`: the app, and its sub-commands for headless work.

Each sub-command lives in its own module under `hd_desktop.commands` and exposes
`register(subparsers)`, which adds its parser and sets `func`. Modules import their
heavy dependencies inside the command, so `hd-desktop --help` stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sqlite3
import sys

from hd_desktop import __version__
from hd_desktop.errors import UserFacingError

COMMANDS = ("space", "render", "simulate", "export", "import_", "web", "devices", "update",
            "evaluate", "decide")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hd-desktop",
        description="Listening tests for HumanDiffusion. With no command, opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"hd-desktop {__version__}")
    parser.add_argument("--experiment", default=None,
                        help="experiment name under sessions/ or a folder path (app only)")
    parser.add_argument("--corpus", default=None,
                        help="corpus folder (default: the bundled corpus)")
    parser.add_argument("--dims", dest="app_dims", type=int, default=None, metavar="K",
                        help="dimensions of a new experiment's voice space (default 2; an "
                             "existing experiment opens in its own) (app only)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"hd_desktop.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"hd_desktop.commands.{name}":
                continue  # a command not built yet
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        from hd_desktop.gui.app import run_app

        return run_app(experiment=args.experiment, corpus=args.corpus, dims=args.app_dims)
    try:
        return int(args.func(args) or 0)
    except UserFacingError as exc:
        print(f"hd-desktop {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"\nhd-desktop {args.command}: interrupted", file=sys.stderr)
        return 130
    except sqlite3.DatabaseError as exc:  # damage found while reading, past the open checks
        if os.environ.get("HD_DEBUG"):
            raise
        from hd_desktop.store.writelock import damaged_in_words

        where = getattr(args, "experiment", None)
        print(f"hd-desktop {args.command}: "
              f"{damaged_in_words(exc, f'experiment {where}' if where else 'an experiment')}",
              file=sys.stderr)
        return 2
    except Exception as exc:  # a bug, or input no check catches yet: one line, not a traceback
        if os.environ.get("HD_DEBUG"):
            raise
        print(f"hd-desktop {args.command}: failed: {type(exc).__name__}: {exc} (not an input "
              "the command checks yet; run again with HD_DEBUG=1 for the traceback and report "
              "it)", file=sys.stderr)
        return 1


def gui_main() -> int:
    return main([])


if __name__ == "__main__":
    sys.exit(main())
