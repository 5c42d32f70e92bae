"""Options shared by sub-commands: which experiment, which corpus, how many dimensions.

Checks here run before any slow work and raise `UserFacingError`, whose message names the
argument; `hd-desktop` prints it on one line and exits with 2.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from hd_desktop.errors import UserFacingError
from hd_desktop.paths import experiment_dir

# argparse reads an argument as an option when it starts with '-' unless it looks like a
# negative number, and its idea of a number is only -12 or -1.5 (Python < 3.13): -1e3, -1.
# and -inf would be taken for options. This wider pattern keeps them positional.
NEGATIVE_NUMBER = re.compile(r"^-(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(e[+-]?\d+)?$|^-(inf(inity)?|nan)$",
                             re.IGNORECASE)


def accept_negative_numbers(parser: argparse.ArgumentParser) -> None:
    """Let `parser` take any negative float (-1e3, -.5, -inf) as a positional argument."""
    parser._negative_number_matcher = NEGATIVE_NUMBER  # the hook argparse itself uses


def add_space_options(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS: given before the sub-command (`hd-desktop --corpus X space info`), the value
    # stands; a default here would overwrite it with None
    parser.add_argument("--corpus", default=argparse.SUPPRESS,
                        help="corpus folder (default: the bundled corpus)")
    parser.add_argument("--experiment", default=argparse.SUPPRESS,
                        help="experiment whose space cache to use (name under sessions/ or a folder)")
    parser.add_argument("--dims", type=int, default=2, help="dimensions of the voice space (default 2)")


def check_space_args(args: argparse.Namespace) -> None:
    """Refuse a --dims the corpus cannot give, or an --experiment that is a file, before the
    space is built."""
    folder = experiment_dir(args.experiment)
    if folder.exists() and not folder.is_dir():
        raise UserFacingError(f"--experiment {args.experiment}: {folder} is a file, not an "
                              "experiment folder")
    from hd_desktop.lab.space_choice import check_dims

    check_dims(args.dims, args.corpus)


def existing_experiment(name_or_path: str, hint: str = "") -> Path:
    """The folder of an experiment that already exists; refuses a name with no experiment.

    The message names the experiment, the file looked for and the experiments there are;
    `hint` ends it (what to do instead).
    """
    from hd_desktop.paths import sessions_dir
    from hd_desktop.store.experiment import DB_NAME, Experiment

    folder = experiment_dir(name_or_path)
    if Experiment.exists(folder):
        return folder
    looked = f"looked for {folder / DB_NAME}"
    if folder.parent != sessions_dir():
        raise UserFacingError(f"no experiment in {folder} ({looked}){hint}")
    known = _experiment_names(sessions_dir())
    listing = f"experiments there: {', '.join(known)}" if known else "there are none yet"
    raise UserFacingError(f"no experiment named {name_or_path!r} ({looked}; {listing}){hint}")


def _experiment_names(folder: Path, limit: int = 10) -> list[str]:
    from hd_desktop.store import Experiment

    if not folder.is_dir():
        return []
    names = sorted(p.name for p in folder.iterdir() if Experiment.exists(p))
    return names[:limit] + (["..."] if len(names) > limit else [])


def space_from_args(args: argparse.Namespace, quiet: bool = False):
    check_space_args(args)
    quiet = quiet or not sys.stderr.isatty()
    from hd_desktop.paths import shared_cache_dir
    from hd_desktop.voice import load_space

    def report(p):
        if not quiet:
            print(f"\r[{p.fraction:4.0%}] {p.message[:70]:<70}", end="", file=sys.stderr, flush=True)

    cache = experiment_dir(args.experiment) / "space"
    try:
        space = load_space(args.corpus, cache, args.dims, report, shared_cache_dir())
    except OSError as exc:
        raise UserFacingError(f"voice space: cannot use {exc.filename or cache} "
                              f"({exc.strerror or exc})") from None
    if not quiet:
        print(file=sys.stderr)
    return space
