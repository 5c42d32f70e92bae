"""Vote efficiency: the engine beside a GP-classifier baseline on the same listeners and budgets.

    .venv/bin/python benchmarks/efficiency.py [--dims 2 4] [--budgets 500 1000 2000 3000]
        [--seeds 1 2 3] [--listeners curved two-lobed wide shifted zoo-3 tuning held-out:4]
        [--methods engine gp gp-al] [--set name=value] [--noiseless [--draws 3]] [--jobs 2]
        [--json out.json] [--keep-samples DIR]

The zoo (engine/zoo.py): `tuning` and `held-out` stand for the twelve shapes of that half,
`tuning:4` for its first four, `zoo-N` for one; their rows are summarised per half (median
[range] over shapes and seeds; `--summarise runs.json --by-shape`: a row per shape), acceptance
beside the target's and the real voices'.
--keep-samples writes every engine run's samples of every round (npz), for the stop signal:

    .venv/bin/python benchmarks/efficiency.py --stop-signal DIR --summarise runs.json ...

then takes each engine run's rounds in turn and sets the stop signal (engine/stopping.py) after
each update beside the true fidelity: "still changing" was right when the fidelity moved by more
than 0.05 in that update, "settled" when it did not; and, looking ahead, "settled" was right when
no later round of the run brought the fidelity down by more than 0.05. Per zoo half, for a range
of tolerances (choose on the tuning half, read the held-out one).

Needs the benchmark extra (`pip install -e .[bench]`, gpytorch) for the baseline. Each run is a
simulated listener with 5% lapses voting on a budget of stimuli in the bundled voice space (k
dims); the engine runs `hd-desktop simulate`'s rounds with its default settings (default_plan:
three rounds below 4 dimensions, five from 4 on), the baselines are benchmarks/gp_baseline.py (gp:
Sobol stimuli; gp-al: placed by active learning). Printed per method, listener and budget: the
median [min-max] over seeds of fidelity_ratio (report.json's: 0 = the samples follow p* ∝ D, 1 = no
better than the real voices), sample/target acceptance and spread ratio; then the votes each method
needs for a median fidelity of 0.15, and of 0.10 (docs/design.md 5's 2-D target). With --noiseless, each
engine run's last model is also refitted with every stimulus answered at the listener's expected
rate (same stimuli, same votes): the fidelity the engine would reach if its votes carried no noise;
and p* itself is cut to where the last round's guard lets the chains go (within reach of a voted
voice): the share of its mass left, and the fidelity of that cut p*, a bound on any model; and the
same number of votes is placed at draws of p* itself (an oracle design, --draws placements a run),
answered with and without noise: what the estimator makes of votes in the best places.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

LISTENERS = ("curved", "two-lobed", "wide", "shifted")


def listener_names(items: list[str]) -> list[str]:
    """Built-in names and zoo ids, with `tuning`, `held-out` (`:N`: its first N) expanded."""
    from hd_desktop.engine.zoo import zoo_ids

    out = []
    for item in items:
        half, _, n = item.partition(":")
        if half in ("tuning", "held-out", "all"):
            ids = zoo_ids(half)
            out += [f"zoo-{i}" for i in ids[:int(n) if n else len(ids)]]
        else:
            out.append(item)
    return out


def make_listener(name: str, seed: int):
    from hd_desktop.engine.listeners import BUILTIN
    from hd_desktop.engine.zoo import zoo_listener

    if name.startswith("zoo-"):
        return zoo_listener(int(name[4:]), seed=seed, lapse=0.05)
    return BUILTIN[name](seed=seed, lapse=0.05)


def group_of(name: str) -> str:
    """The row a listener's runs are summarised in: its zoo half, or its own name."""
    from hd_desktop.engine.zoo import half_of

    return half_of(int(name[4:])) if name.startswith("zoo-") else name


def real_voices(k: int) -> np.ndarray:
    from hd_desktop.voice import load_space

    cache = Path(tempfile.gettempdir()) / "hd-bench-space"
    return load_space(cache_dir=cache, k=k).coords


def engine_run(listener, real, votes: int, seed: int, overrides: dict):
    """The engine's rounds on this listener and budget: (History, EngineConfig)."""
    from hd_desktop.design import preset
    from hd_desktop.engine.config import default_plan, engine_preset
    from hd_desktop.engine.rounds import run_rounds, run_to_end

    params = preset("default").with_overrides(**overrides.get("design", {}))
    # one honest listener: screening (which compares listeners of a panel) is off, as the
    # baseline has none; an arc or two lobes off the real voices sit near its 0.6 threshold
    config = engine_preset("default").with_overrides(
        **{"screen_threshold": 0.0, **overrides.get("engine", {})})
    rounds = overrides.get("rounds", default_plan(real.shape[1]).rounds)
    h = run_to_end(run_rounds(listener, real, params, config, rounds=rounds, budget=votes, seed=seed))
    return h, config


def noiseless_samples(h, listener, real, config, seed: int) -> np.ndarray:
    """The last round again, every stimulus answered at the listener's expected rate.

    Same stimuli, same number of votes each, but the accepts are the expected share instead of
    coin flips: what the engine would make of these votes without their noise. Near the real
    figure, the votes are in the wrong places; far below it, the noise of the votes is the limit.
    """
    from dataclasses import replace

    points = h.estimates.points
    return refit_samples(h, replace(points, accepts=listener.answer_rate(points.z) * points.votes),
                         real, config, seed)


def refit_samples(h, points, real, config, seed: int) -> np.ndarray:
    """The last round's network trained again on other voted points (same NES estimates,
    same lapse floor, same seed), and its chains' samples."""
    from hd_desktop.engine.rounds import fit_and_sample, run_to_end

    est = h.estimates.with_points(points, h.estimates.guess)
    _, samples, _, _ = run_to_end(fit_and_sample(est, real, config, seed=seed,
                                                 round_index=len(h.samples) - 1))
    return samples


def one_run(job: dict) -> dict:
    import torch

    from hd_desktop.engine.metrics import evaluate

    torch.set_num_threads(1)
    real = real_voices(job["k"])
    listener = make_listener(job["listener"], job["seed"])
    t0 = time.perf_counter()
    if job["method"] == "gp":
        from gp_baseline import gp_samples

        samples = gp_samples(listener, real, job["votes"], seed=job["seed"])
    elif job["method"] == "gp-al":
        from gp_baseline import gp_al_samples

        samples = gp_al_samples(listener, real, job["votes"], seed=job["seed"])
    else:
        h, config = engine_run(listener, real, job["votes"], job["seed"], job.get("overrides", {}))
        samples = h.samples[-1]
    seconds = time.perf_counter() - t0
    support = listener.support(job["k"])
    m = evaluate(samples, real, listener.probability, seed=job["seed"], support=support)
    out = {**job, "seconds": seconds, "fidelity": m["fidelity_ratio"],
           "acceptance": m["acceptance_samples"] / m["acceptance_target"],
           "acceptance_real": m["acceptance_samples"] / m["acceptance_real"],
           "target_real": m["acceptance_target"] / m["acceptance_real"],
           "spread": m["spread_ratio"]}
    if job["method"] == "engine":
        out["fidelity_per_round"] = [evaluate(s, real, listener.probability, seed=job["seed"],
                                              support=support)["fidelity_ratio"]
                                     for s in h.samples]
        out["votes_per_round"] = [t["votes"] for t in h.timings]
        if any("gp_steepness" in t for t in h.timings):   # loss gp: the link each update chose
            out["link_per_round"] = [[t.get("gp_steepness"), t.get("gp_var_weight")]
                                     for t in h.timings]
        if job.get("keep_samples"):
            where = Path(job["keep_samples"])
            where.mkdir(parents=True, exist_ok=True)
            np.savez_compressed(where / f"k{job['k']}-{job['listener']}-v{job['votes']}-s{job['seed']}.npz",
                                *h.samples, real=real)
    if job.get("noiseless") and job["method"] == "engine":
        quiet = noiseless_samples(h, listener, real, config, job["seed"])
        out["fidelity_noiseless"] = evaluate(quiet, real, listener.probability,
                                             seed=job["seed"], support=support)["fidelity_ratio"]
        out.update(guard_bound(h, listener, real, job["seed"]))
        out.update(placed_by_target(h, listener, real, config, job["seed"],
                                    job.get("draws", 1)))
    return out


def run_or_report(job: dict) -> dict:
    """one_run, or the job with the error that ended it: one failing run (a listener the
    evaluation cannot draw p* for, a training run that diverged) no longer ends the benchmark
    and loses the runs queued after it."""
    try:
        return one_run(job)
    except Exception as e:  # noqa: BLE001 - any failure is reported with its run, not raised
        return {**job, "error": f"{type(e).__name__}: {e}"}


def run_name(r: dict) -> str:
    return f"{r['method']:<7} k={r['k']} {r['listener']:<10} votes {r['votes']:>5} seed {r['seed']}"


def placed_by_target(h, listener, real, config, seed: int, draws: int = 1) -> dict:
    """The last round's model again, its NES votes moved to draws of p* itself (an oracle design).

    Same number of votes, one per draw, answered as the listener answers (`fidelity_placed`)
    and at its expected rate (`fidelity_placed_noiseless`); the screening votes stay. Each of
    `draws` placements gives one figure of each (lists): one placement's votes are a single
    noisy sample, and its fidelity varies as much as between seeds. Near the engine's own
    figure, where the rounds put the votes costs little; far below it, they should go
    elsewhere. With noiseless votes in the best places too high, the estimator is the limit.
    """
    from dataclasses import replace

    from hd_desktop.design.stimulus import Role
    from hd_desktop.engine.metrics import evaluate, sample_target

    est = h.estimates
    gold = {s.z for d in h.designs for s in d.stimuli if s.role in (Role.GOLD_REAL, Role.GOLD_FAR)}
    kept = np.array([tuple(z) in gold for z in est.points.z])
    n = int(est.points.votes[~kept].sum())
    out: dict = {"fidelity_placed": [], "fidelity_placed_noiseless": []}
    support = listener.support(real.shape[1])
    for draw in range(draws):
        rng = np.random.default_rng([seed, 2, draw])
        z = sample_target(listener.probability, real, n, rng=rng, support=support)
        rate = listener.answer_rate(z)
        for key, accepts in (("fidelity_placed", (rng.uniform(size=n) < rate).astype(float)),
                             ("fidelity_placed_noiseless", rate)):
            points = replace(est.points, z=np.concatenate([z, est.points.z[kept]]),
                             accepts=np.concatenate([accepts, est.points.accepts[kept]]),
                             votes=np.concatenate([np.ones(n), est.points.votes[kept]]))
            samples = refit_samples(h, points, real, config, seed)
            out[key].append(evaluate(samples, real, listener.probability, seed=seed,
                                     support=support)["fidelity_ratio"])
    return out


def guard_bound(h, listener, real, seed: int) -> dict:
    """How much of p* the last round's chains could reach, and the best fidelity within it.

    Draws from p* itself, kept where the chains' guard (within reach of a voted or real voice)
    lets them go: `reach_mass` is the share kept, `fidelity_in_reach` the fidelity of those
    draws, which no model sampled under that guard can beat by much.
    """
    import torch

    from hd_desktop.engine.metrics import evaluate, sample_target
    from hd_desktop.engine.sampler import Reach

    guard = h.region[1] if isinstance(h.region, tuple) else None
    if not isinstance(guard, Reach):
        return {}
    support = listener.support(real.shape[1])
    target = sample_target(listener.probability, real, 20000, rng=np.random.default_rng(seed + 1),
                           support=support)
    inside = target[guard.contains(torch.as_tensor(target)).numpy()]
    return {"reach_mass": len(inside) / len(target),
            "fidelity_in_reach": evaluate(inside[:1000], real, listener.probability,
                                          seed=seed, support=support)["fidelity_ratio"]}


# fidelity_ratio = ED(samples, p*) / ED(real, p*) (engine/metrics.py) has no meaning where the
# real voices are themselves as close to p* as sampling allows: the unbiased ED(real, p*) is then
# about 0 or below, and the ratio any number (zoo-15 in 4-D: -3 to -14). metrics.evaluate gives
# NaN there; runs stored before it did are told by a ratio below -0.5. Such runs are counted
# apart ("undefined"), never as meeting a fidelity target.
UNDEFINED_BELOW = -0.5


def fidelity_defined(value: float) -> bool:
    return value >= UNDEFINED_BELOW     # False for NaN too


def defined(results: list[dict]) -> list[dict]:
    return [r for r in results if fidelity_defined(r["fidelity"])]


def summarise(results: list[dict], by_shape: bool = False) -> None:
    failed = [r for r in results if "error" in r]
    if failed:
        print(f"{len(failed)} runs failed and are left out:")
        for r in failed:
            print(f"  {run_name(r)}: {r['error']}")
        results = [r for r in results if "error" not in r]
    undefined = [r for r in results if not fidelity_defined(r["fidelity"])]
    if undefined:
        print(f"{len(undefined)} runs left out, their fidelity ratio undefined (the real voices "
              "are as close to p* as chance): "
              + ", ".join(sorted({f"k={r['k']} {r['listener']} {r['method']}" for r in undefined})))
        results = defined(results)
    if not by_shape:
        results = [{**r, "listener": group_of(r["listener"])} for r in results]
    keys = sorted({(r["k"], r["listener"], r["method"]) for r in results})
    diagnosis = (f"{'noiseless votes':<20} {'p* within guard':<20} {'its mass':<20} "
                 f"{'votes placed by p*':<20} {'placed, noiseless'}"
                 if any("fidelity_noiseless" in r for r in results) else "")
    print(f"\n{'k':>2} {'listener':<10} {'method':<7} {'votes':>6}  {'fidelity median [range]':<24} "
          f"{'acc s/t':<20} {'acc s/real':<20} {'acc t/real':<20} {'spread':<20} "
          f"{diagnosis}".rstrip())
    need: dict = {}
    for k, name, method in keys:
        rows = [r for r in results if (r["k"], r["listener"], r["method"]) == (k, name, method)]
        for votes in sorted({r["votes"] for r in rows}):
            rs = [r for r in rows if r["votes"] == votes]
            cols = []
            for key in ("fidelity", "acceptance", "acceptance_real", "target_real", "spread",
                        "fidelity_noiseless",
                        "fidelity_in_reach", "reach_mass", "fidelity_placed",
                        "fidelity_placed_noiseless"):
                a = np.array([x for r in rs if key in r for x in np.atleast_1d(r[key])])
                cols.append(f"{np.median(a):.3f} [{a.min():.2f}-{a.max():.2f}]" if len(a) else "")
            print(f"{k:>2} {name:<10} {method:<7} {votes:>6}  {cols[0]:<24} "
                  + " ".join(f"{c:<20}" for c in cols[1:]).rstrip() + f"  (n={len(rs)})")
            median = np.median([r["fidelity"] for r in rs])
            for target in (0.15, 0.10):
                if median <= target:
                    need.setdefault((k, name, method, target), votes)
    print("\nvotes for a median fidelity <= 0.15, and <= 0.10 (docs/design.md 5's 2-D target):")
    for k, name, method in keys:
        print(f"  k={k} {name:<10} {method:<7} "
              + "  ".join(f"{t:.2f}: {need.get((k, name, method, t), '> max budget')}"
                          for t in (0.15, 0.10)))


CHANGE = 0.05     # a change of fidelity the stop signal should notice


def stop_validation(results: list[dict], where: Path,
                    tolerances=(0.0, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2)) -> None:
    """The stop signal after each update against the true fidelity over the rounds (see above),
    per zoo half and dimension."""
    from hd_desktop.engine.stopping import stop_signal

    rows = []
    for r in results:
        path = where / f"k{r['k']}-{r['listener']}-v{r['votes']}-s{r['seed']}.npz"
        if r["method"] != "engine" or "fidelity_per_round" not in r or not path.exists():
            continue
        if not all(map(fidelity_defined, r["fidelity_per_round"])):
            continue    # no true fidelity curve to judge the signal against
        with np.load(path) as npz:
            rounds = [npz[f"arr_{i}"] for i in range(len(r["fidelity_per_round"]))]
            real = npz["real"]
        f = r["fidelity_per_round"]
        for i in range(1, len(rounds)):
            s = stop_signal(rounds[i - 1], rounds[i], real, tolerance=0.0, seed=i)
            ahead = f[i] - min(f[i + 1:]) if i + 1 < len(f) else None
            rows.append({"half": group_of(r["listener"]), "k": r["k"], "relative": s.relative,
                         "beats_chance": s.moved > s.chance, "changed": abs(f[i] - f[i - 1]) > CHANGE,
                         "helps_later": None if ahead is None else ahead > CHANGE,
                         "moved": s.moved, "chance": s.chance, "df": f[i] - f[i - 1]})
    print(f"\nstop signal after {len(rows)} updates (fidelity change > {CHANGE} counts as a change)")
    print(f"{'half':<9} {'k':>2} {'tolerance':>9}  {'still changing: n, right':<26} "
          f"{'settled: n, right':<22} {'settled and no later round helped'}")
    for half, k in sorted({(x["half"], x["k"]) for x in rows}):
        mine = [x for x in rows if x["half"] == half and x["k"] == k]
        for tol in tolerances:
            said = [(x["beats_chance"] and x["relative"] > tol) for x in mine]
            changing = [x for x, c in zip(mine, said) if c]
            settled = [x for x, c in zip(mine, said) if not c]
            ahead = [x for x in settled if x["helps_later"] is not None]

            def share(xs, ok):
                return f"{len(xs):>3}, {np.mean([ok(x) for x in xs]):.0%}" if xs else f"{0:>3}, -"
            print(f"{half:<9} {k:>2} {tol:>9.3f}  {share(changing, lambda x: x['changed']):<26} "
                  f"{share(settled, lambda x: not x['changed']):<22} "
                  f"{share(ahead, lambda x: not x['helps_later'])}")
    for x in rows:
        print(f"  {x['half']:<9} k={x['k']} moved {x['moved']:.4f} chance {x['chance']:.4f} "
              f"({x['relative']:.1%} of the reach), fidelity change {x['df']:+.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dims", type=int, nargs="+", default=[2, 4])
    ap.add_argument("--budgets", type=int, nargs="+", default=[500, 1000, 2000, 3000])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--listeners", nargs="+", default=list(LISTENERS[:2]),
                    help="built-in names, zoo-N, or a zoo half: tuning, held-out (tuning:N: its "
                         "first N shapes)")
    ap.add_argument("--methods", nargs="+", default=["engine", "gp"])
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help="engine or design override for the engine runs (repeatable)")
    ap.add_argument("--noiseless", action="store_true",
                    help="also refit each engine run's last model on noiseless votes at the same "
                         "stimuli: separates where the votes went from the noise in them")
    ap.add_argument("--draws", type=int, default=1,
                    help="with --noiseless: placements of the votes at draws of p* per run")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--json", help="also write every run's figures here")
    ap.add_argument("--keep-samples", metavar="DIR",
                    help="write each engine run's samples of every round here (npz)")
    ap.add_argument("--summarise", nargs="+", metavar="JSON",
                    help="print the summary of earlier --json files instead of running")
    ap.add_argument("--by-shape", action="store_true",
                    help="with --summarise: a row per zoo shape instead of per half")
    ap.add_argument("--stop-signal", metavar="DIR",
                    help="with --summarise: the stop signal over the rounds kept in DIR "
                         "(--keep-samples) beside the true fidelity")
    args = ap.parse_args()
    if args.summarise and args.stop_signal:
        stop_validation([r for f in args.summarise for r in json.loads(Path(f).read_text())],
                        Path(args.stop_signal))
        return
    if args.summarise:
        summarise([r for f in args.summarise for r in json.loads(Path(f).read_text())],
                  by_shape=args.by_shape)
        return
    overrides = _overrides(args.set)
    for k in args.dims:
        real_voices(k)  # build the cached space once, before the workers start
    jobs = [{"method": m, "k": k, "listener": name, "votes": v, "seed": s, "overrides": overrides,
             "noiseless": args.noiseless, "draws": args.draws, "keep_samples": args.keep_samples}
            for k in args.dims for name in listener_names(args.listeners) for m in args.methods
            for v in args.budgets for s in args.seeds]
    results = []
    t0 = time.perf_counter()
    with ProcessPoolExecutor(args.jobs) as pool:
        for r in pool.map(run_or_report, jobs):
            results.append(r)
            if args.json:    # after every run, so a long benchmark stopped early keeps its runs
                Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
            if "error" in r:
                print(f"failed  {run_name(r)}: {r['error']}", flush=True)
                continue
            print(f"{r['method']:<7} k={r['k']} {r['listener']:<10} votes {r['votes']:>5} seed "
                  f"{r['seed']}: fidelity {r['fidelity']:.3f} acc {r['acceptance']:.2f} spread "
                  f"{r['spread']:.2f} ({r['seconds']:.1f} s)"
                  + (f", noiseless votes {r['fidelity_noiseless']:.3f}" if "fidelity_noiseless" in r
                     else "")
                  + (f", p* within the guard {r['fidelity_in_reach']:.3f} ({r['reach_mass']:.0%} "
                     "of its mass)" if "reach_mass" in r else "")
                  + (f", votes placed by p* {np.median(r['fidelity_placed']):.3f} (noiseless "
                     f"{np.median(r['fidelity_placed_noiseless']):.3f}; median of "
                     f"{len(r['fidelity_placed'])} placements)" if "fidelity_placed" in r else ""),
                  flush=True)
    summarise(results)
    print(f"\n{len(results)} runs in {time.perf_counter() - t0:.0f} s")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n")


def _overrides(items: list[str]) -> dict:
    from hd_desktop.engine.config import EngineConfig

    out: dict = {"engine": {}, "design": {}}
    for item in items:
        name, _, value = item.partition("=")
        if name == "rounds":
            out["rounds"] = int(value)
        else:
            out["engine" if name in EngineConfig.__dataclass_fields__ else "design"][name] = value
    return out


if __name__ == "__main__":
    main()
