"""`hd-desktop web export EXPERIMENT --round N --out DIR`: a round as an online study (jsPsych,
and a JATOS archive)."""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "web", help="run a round online: export it as a jsPsych study (and JATOS archive)",
        description="Online studies. Results come back with `hd-desktop import EXPERIMENT FILE`.")
    sub = p.add_subparsers(dest="web_command", metavar="ACTION", required=True)
    e = sub.add_parser(
        "export", help="write a round as a self-contained study folder and a JATOS .jzip",
        description="Write round N as a study folder that works offline and on any static "
                    "host (index.html, jsPsych, the stimuli as the app renders them, a manifest "
                    "and the design sidecar), and the same as DIR.jzip for JATOS.")
    e.add_argument("experiment", metavar="EXPERIMENT",
                   help="experiment name under sessions/ or a folder path")
    e.add_argument("--round", type=int, required=True, metavar="N", help="the round to run online")
    e.add_argument("--out", required=True, metavar="DIR", help="a new (or empty) folder")
    e.add_argument("--trials", type=int, default=None, metavar="N",
                   help="trials per participant (default: the whole round); the round is split "
                        "into lists of about N, pairs kept together, screening trials in each")
    e.add_argument("--carrier", default="sustained", help="sustained (default) or sentence")
    e.add_argument("--audio", default="wav",
                   help="wav (float32, the app's samples bit for bit; default) or flac (24-bit)")
    e.add_argument("--seed", type=int, default=1,
                   help="seed of the lists and of every participant's order (default 1)")
    e.add_argument("--break-every", type=int, default=60, metavar="N",
                   help="offer a break every N trials (default 60, as in the app)")
    e.add_argument("--language", default=None,
                   help="the listener texts' language, e.g. en or ja (default: the experiment's "
                        "language setting; its own listener-texts-<lang>.json if it has one)")
    e.add_argument("--headphone-check", default=None, choices=("huggins", "antiphase", "none"),
                   help="the headphone check before the trials (default: the experiment's "
                        "setting, huggins unless changed)")
    e.add_argument("--title", default=None, help="the study's title (page and JATOS)")
    e.add_argument("--end-url", default="",
                   help="JATOS: where participants go at the end (e.g. Prolific's completion URL)")
    e.add_argument("--screen-out-url", default="",
                   help="where a participant who refuses consent or fails the headphone "
                        "check goes (e.g. Prolific's screen-out URL with its code): under JATOS "
                        "the page ends the study there, unsuccessful; standalone it offers the "
                        "link after the download")
    e.add_argument("--corpus", default=None,
                   help="the corpus the experiment's voice space was built from (default: bundled)")
    e.set_defaults(func=run_export)


def run_export(args: argparse.Namespace) -> int:
    from hd_desktop.commands._common import existing_experiment
    from hd_desktop.errors import UserFacingError
    from hd_desktop.paths import shared_cache_dir
    from hd_desktop.store import Experiment
    from hd_desktop.voice import load_space
    from hd_desktop.voice.build import run
    from hd_desktop.web.export import export_steps
    from hd_desktop.web.study import StudySettings

    settings = StudySettings(round=args.round, carrier=args.carrier, trials=args.trials,
                             seed=args.seed, break_every=args.break_every, audio=args.audio,
                             language=args.language, headphone_check=args.headphone_check)
    settings.check()
    folder = existing_experiment(args.experiment)
    with Experiment.open(folder, create=False) as exp:
        bound = exp.space()
        if bound is None:
            raise UserFacingError(f"{folder} has no voice space yet: design a round first")
        space = load_space(args.corpus, folder / "space", int(bound[1]["dims"]),
                           shared_dir=shared_cache_dir())
        quiet = not sys.stderr.isatty()

        def report(p):
            if not quiet:
                print(f"\r[{p.fraction:4.0%}] {p.message[:70]:<70}", end="", file=sys.stderr)

        result = run(export_steps(exp, space, settings, args.out, args.title, args.end_url,
                                 args.screen_out_url),
                     report)
    if not quiet:
        print(file=sys.stderr)
    print(f"{result.folder}: study {result.study_id}, {result.n_stimuli} voices, "
          f"{result.n_lists} list(s)")
    print(f"{result.jzip}: the same study for JATOS")
    return 0
