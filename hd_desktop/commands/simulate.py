"""`hd-desktop simulate`: whole rounds headless with a plugged-in listener, and a report."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import time
from pathlib import Path

from hd_desktop.commands._common import add_space_options, space_from_args
from hd_desktop.errors import UserFacingError


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "simulate", help="run rounds headless with a simulated listener and write a report",
        description="Run HumanDiffusion rounds with a listener that votes by itself. Writes "
                    "report.json, samples.csv, real.csv, the votes (rating files and "
                    "experiment.sqlite), model.pt and map.png into --out. Coordinates are in "
                    "voice-space units: 1 = one SD of the real data per axis.")
    p.add_argument("--listener", default="builtin:wide",
                   help="builtin:NAME (wide, shifted, curved, two-lobed; zoo-0 ... zoo-23: "
                        "the listener zoo, 12-23 held out), MODULE:ATTR or "
                        "path/to/file.py:ATTR")
    p.add_argument("--rounds", type=int, default=None,
                   help="rounds sharing the vote budget (default 3; 5 from 4 dimensions on)")
    p.add_argument("--design", default="default",
                   help="design preset: default, lab-hour, lab-20min, paper")
    p.add_argument("--engine", default="default",
                   help="engine preset: default (gp from 4 dimensions on, else bernoulli), "
                        "bernoulli, gp, paper")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="override a design parameter or engine setting (repeatable)")
    p.add_argument("--votes", type=int, default=3000,
                   help="vote budget over all rounds (default 3000, about two hours)")
    p.add_argument("--seed", type=int, default=0, help="seed of designs, training, sampling and "
                   "built-in listeners (default 0)")
    p.add_argument("--out", required=True, help="output folder (created)")
    p.add_argument("--no-audio", action="store_true",
                   help="skip rendering (for listeners that only look at z)")
    add_space_options(p)
    p.set_defaults(func=run)


def settings_from_args(args):
    """Design parameters and engine settings (preset and --set overrides, as given)."""
    from hd_desktop.design import preset
    from hd_desktop.engine.config import EngineConfig, engine_preset

    design, engine = {}, {}
    for item in args.set:
        name, sep, value = item.partition("=")
        if not sep:
            raise UserFacingError(f"--set {item!r}: expected NAME=VALUE")
        (engine if name.strip() in EngineConfig.__dataclass_fields__ else design)[name.strip()] = value
    engine_preset(args.engine).with_overrides(**engine)    # refuses a bad one before any work
    return preset(args.design).with_overrides(**design), engine


def run(args: argparse.Namespace) -> int:
    from hd_desktop.engine.config import default_plan
    from hd_desktop.engine.loading import load_listener
    from hd_desktop.lab import Lab
    from hd_desktop.lab.autopilot import run_rounds

    params, overrides = settings_from_args(args)
    out = Path(args.out)
    if (out / "experiment.sqlite").exists():
        raise UserFacingError(f"{out} already holds a run (experiment.sqlite); choose a new --out "
                              "folder so that run stays as it was")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserFacingError(f"cannot create the output folder {out}: {exc}") from exc
    listener = load_listener(args.listener, seed=args.seed)
    space = space_from_args(args)
    lab = Lab(out, space, spawn_engine=False)     # the app's own layer, its engine in this process
    try:
        lab.set_settings(engine_preset=args.engine, engine_overrides=overrides,
                         engine_seed=args.seed, carrier="sustained",
                         # its listener is simulated, and no researcher judges it
                         use_simulated=True, use_unjudged=True)
        lab.events.subscribe(_progress)
        t0 = time.perf_counter()
        try:
            rounds = (default_plan(space.coords.shape[1]).rounds if args.rounds is None
                      else args.rounds)
            done = run_rounds(lab, listener, params, rounds=rounds, budget=args.votes,
                              seed=args.seed, render=not args.no_audio)
        finally:
            if sys.stderr.isatty():
                print(file=sys.stderr)
        report = _write_outputs(out, lab, done, listener, params, args, time.perf_counter() - t0)
    finally:
        lab.close()
    print(f"simulate: {done.votes} votes, {len(done.results)} rounds; wrote {out}")
    for row in report.get("stop_per_round", []):
        if row["stop"] is not None:
            print(f"  round {row['round']}: {_stop_sentence(row['stop'])}")
    return 0


def _progress(event) -> None:
    if event.kind != "engine_progress" or not sys.stderr.isatty():
        return
    ev = event.event
    print(f"\rround {ev.round}: {ev.kind:<9} {ev.done}/{ev.total}   ", end="", file=sys.stderr,
          flush=True)


def _write_outputs(out, lab, done, listener, params, args, total) -> None:
    from hd_desktop.engine.mapplot import plot_map
    from hd_desktop.engine.metrics import evaluate
    from hd_desktop.engine.network import save_checkpoint
    from hd_desktop.store import write_rating_file

    if not done.results:
        raise UserFacingError("simulate: no round finished (is the vote budget above 0?)")
    real, last = lab.space.coords, done.results[-1]
    config = lab.settings.engine_config().for_dims(real.shape[1])
    samples = last.samples
    _points_csv(out / "samples.csv", samples)
    _points_csv(out / "real.csv", real)
    rating_files = [str(write_rating_file(lab.experiment, sid, out)[0].name)
                    for sid in done.sessions]
    save_checkpoint(last.net, out / "model.pt", engine=config.to_dict(), round=last.round)
    plot_map(last.net, real, samples, out / "map.png",
             title=f"{args.listener}: S_D, S_VD, real data and samples (round {last.round})")
    report = {
        "schema": "hd-desktop/simulate-report", "schema_version": 1,
        "listener": args.listener, "rounds": len(done.results), "seed": args.seed,
        "votes_used": done.votes, "vote_budget": args.votes, "audio": not args.no_audio,
        "design": params.to_dict(), "engine": config.to_dict(), "units": "1 = one SD of the real data",
        "n_real": int(len(real)), "n_samples": int(len(samples)),
        "timings": done.timings, "total_s": total, "rating_files": rating_files,
        "round_designs": [lab.experiment.rounds()[r.round] for r in done.results],
        "stop_per_round": stop_per_round(lab, done),
    }
    if callable(getattr(listener, "probability", None)):
        support = listener.support(real.shape[1]) if hasattr(listener, "support") else None
        report["metrics"] = evaluate(samples, real, listener.probability, seed=args.seed,
                                     support=support)
        report["metrics_per_round"] = [evaluate(r.samples, real, listener.probability,
                                                seed=args.seed, support=support)
                                       for r in done.results]
    (out / "report.json").write_text(json.dumps(json_numbers(report), indent=2, default=float)
                                     + "\n")
    return report


def json_numbers(obj):
    """NaN (a fidelity ratio with no meaning, metrics.fidelity_ratio) as null, so report.json
    is standard JSON and says "undefined" instead of a number."""
    if isinstance(obj, dict):
        return {key: json_numbers(value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_numbers(value) for value in obj]
    if isinstance(obj, float) and obj != obj:
        return None
    return obj


def stop_per_round(lab, done) -> list[dict]:
    """Each round's stop signal as the engine stored it with the model (engine/stopping.py):
    how far its samples moved from the previous update's, beside chance; None for the first."""
    return [{"round": r.round, "votes": t["votes"],
             "stop": lab.experiment.model(r.model_id).info.get("stop") if r.model_id else None}
            for r, t in zip(done.results, done.timings)]


def _stop_sentence(stop: dict) -> str:
    from hd_desktop.engine.stopping import StopSignal

    return StopSignal.from_dict(stop).sentence()


def _points_csv(path: Path, points) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([f"z{i + 1}" for i in range(points.shape[1])])
    w.writerows([[repr(float(v)) for v in row] for row in points])
    path.write_text(buf.getvalue())
