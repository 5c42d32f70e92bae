"""`hd-desktop simulate`: whole rounds headless with a plugged-in listener, and a report."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from hd_desktop.commands._common import add_space_options, space_from_args
from hd_desktop.errors import UserFacingError

RT_MS = 1000.0  # simulated listeners answer instantly; the store wants a time after onset


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "simulate", help="run rounds headless with a simulated listener and write a report",
        description="Run HumanDiffusion rounds with a listener that votes by itself. Writes "
                    "report.json, samples.csv, real.csv, the votes (rating files and "
                    "experiment.sqlite), model.pt and map.png into --out. Coordinates are in "
                    "voice-space units: 1 = one SD of the real data per axis.")
    p.add_argument("--listener", default="builtin:wide",
                   help="builtin:NAME (wide, shifted), MODULE:ATTR or path/to/file.py:ATTR")
    p.add_argument("--rounds", type=int, default=3, help="rounds to run (default 3)")
    p.add_argument("--design", default="default", help="design preset: default, lab-hour, paper")
    p.add_argument("--engine", default="default", help="engine preset: default, paper")
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
    """Design parameters and engine settings from the presets and the --set overrides."""
    from hd_desktop.design import preset
    from hd_desktop.engine.config import EngineConfig, engine_preset

    design, engine = {}, {}
    for item in args.set:
        name, sep, value = item.partition("=")
        if not sep:
            raise UserFacingError(f"--set {item!r}: expected NAME=VALUE")
        (engine if name in EngineConfig.__dataclass_fields__ else design)[name.strip()] = value
    return (preset(args.design).with_overrides(**design),
            engine_preset(args.engine).with_overrides(**engine))


def run(args: argparse.Namespace) -> int:
    from hd_desktop.engine.loading import load_listener
    from hd_desktop.engine.rounds import run_rounds

    params, config = settings_from_args(args)
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
    real = space.coords
    render = None if args.no_audio else space.render
    exp = _open_experiment(out, space)
    t0 = time.perf_counter()
    job = run_rounds(listener, real, params, config, rounds=args.rounds, budget=args.votes,
                     seed=args.seed, render=render)
    sessions, curve = [], []
    try:
        while True:
            try:
                ev = next(job)
            except StopIteration as stop:
                history = stop.value
                break
            if ev.kind == "voted":
                sessions.append(_record_round(exp, ev.round, ev.info["design"], ev.info["votes"],
                                              args.seed))
            elif ev.kind == "train":
                curve.append({"step": ev.done, "loss": float(ev.info["loss"])})
            elif ev.kind == "round":
                _record_model(exp, ev.round, ev.info, curve, config, args.seed)
                curve = []
            _progress(ev)
    finally:
        print(file=sys.stderr)
    total = time.perf_counter() - t0
    _write_outputs(out, exp, sessions, history, real, listener, params, config, args, total)
    exp.close()
    print(f"simulate: {len(history.votes)} votes, {len(history.designs)} rounds; wrote {out}")
    return 0


def _open_experiment(out: Path, space):
    from hd_desktop.store import Experiment

    exp = Experiment.open(out)
    exp.set_space(space.fingerprint, space.info())
    return exp


def _record_round(exp, r: int, design, votes, seed: int) -> str:
    """The round, a simulated session in presentation order, and its votes, into the store."""
    from hd_desktop.store import NewVote, SessionKind

    exp.add_round(r, design.design, design.stimuli)
    order = [v.stimulus_id for v in votes]
    sid = exp.start_session(votes[0].listener if votes else "sim", SessionKind.SIMULATED, order,
                            order_seed=seed, device="simulated", settings={"round": r})
    start = datetime.now(timezone.utc)
    step = timedelta(seconds=design.design["params"]["stimulus_seconds"]
                     + design.design["params"]["response_seconds"])
    exp.record_votes(sid, [NewVote(i, v.stimulus_id, int(v.response), RT_MS, 1, start + i * step,
                                   start + i * step + timedelta(milliseconds=RT_MS), "simulated")
                           for i, v in enumerate(votes)])
    exp.finish_session(sid)
    return sid


def _record_model(exp, r: int, info: dict, curve: list, config, seed: int) -> None:
    """The round's network, loss curve and samples, so the app can open the run as an experiment."""
    from hd_desktop.engine.network import save_checkpoint

    buf = io.BytesIO()
    save_checkpoint(info["net"], buf)
    timings = {k: v for k, v in info.items() if k not in ("net", "samples")}
    exp.save_model(r, config.to_dict(), curve, buf.getvalue(),
                   {"simulated": True, "timings": timings, "seed": seed},
                   samples=(info["samples"], seed,
                            {"n_chains": config.n_chains, "sampler_steps": config.sampler_steps}))


def _progress(ev) -> None:
    if not sys.stderr.isatty():
        return
    print(f"\rround {ev.round}: {ev.kind:<6} {ev.done}/{ev.total}   ", end="", file=sys.stderr,
          flush=True)


def _write_outputs(out, exp, sessions, h, real, listener, params, config, args, total) -> None:
    from hd_desktop.engine.mapplot import plot_map
    from hd_desktop.engine.metrics import evaluate
    from hd_desktop.engine.network import save_checkpoint
    from hd_desktop.store import write_rating_file

    if h.net is None:
        raise UserFacingError("simulate: no round finished (is the vote budget above 0?)")
    samples = h.samples[-1]
    _points_csv(out / "samples.csv", samples)
    _points_csv(out / "real.csv", real)
    rating_files = [str(write_rating_file(exp, sid, out)[0].name) for sid in sessions]
    save_checkpoint(h.net, out / "model.pt", engine=config.to_dict(), round=len(h.designs) - 1)
    plot_map(h.net, real, samples, out / "map.png",
             title=f"{args.listener}: S_D, S_VD, real data and samples (round {len(h.designs) - 1})")
    report = {
        "schema": "hd-desktop/simulate-report", "schema_version": 1,
        "listener": args.listener, "rounds": len(h.designs), "seed": args.seed,
        "votes_used": len(h.votes), "vote_budget": args.votes, "audio": not args.no_audio,
        "design": params.to_dict(), "engine": config.to_dict(), "units": "1 = one SD of the real data",
        "n_real": int(len(real)), "n_samples": int(len(samples)),
        "timings": h.timings, "total_s": total, "rating_files": rating_files,
        "round_designs": [d.design for d in h.designs],
    }
    if callable(getattr(listener, "probability", None)):
        report["metrics"] = evaluate(samples, real, listener.probability, seed=args.seed)
        report["metrics_per_round"] = [evaluate(s, real, listener.probability, seed=args.seed)
                                       for s in h.samples]
    (out / "report.json").write_text(json.dumps(report, indent=2, default=float) + "\n")


def _points_csv(path: Path, points) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([f"z{i + 1}" for i in range(points.shape[1])])
    w.writerows([[repr(float(v)) for v in row] for row in points])
    path.write_text(buf.getvalue())
