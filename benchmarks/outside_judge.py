"""An outside judge: the default engine against an automatic speech-quality predictor as listener.

    .venv/bin/python benchmarks/outside_judge.py [--dims 2 4] [--votes 600 800] [--seeds 1 2 3]
        [--rate 0.96] [--lapse 0.05] [--judged 200] [--jobs 1] [--json out.json]

The listener is DNSMOS P.808 (Microsoft's non-intrusive MOS predictor, the `speechmos` package of
the benchmark extra: `pip install -e .[bench]`). It hears each voted point rendered by the bundled
voice space over the sentence carrier (`VoiceSpace.render(z, "sentence")`, resampled to the
predictor's 16 kHz with soxr if the space renders at another rate) and accepts when the predicted
MOS is above a threshold. The threshold is chosen from the real voices only (every item of the
bundled corpus, rendered at its own coordinates) so that a share `--rate` of them is accepted; a
share `--lapse` of the votes is a seeded coin flip instead. Nothing about the judge is known to the
engine, and its settings were never tuned on it.

Each run is the engine's rounds as `hd-desktop simulate` runs them (engine_preset("default"),
preset("default"), default_plan(k)'s rounds, screening on) with the judge voting on a budget of
stimuli. Printed per run: votes, the share of the last round's samples the judge accepts (a seeded
draw of `--judged` of them; lapses aside) beside the real voices' share, the spread ratio (samples'
mean distance to their centroid / the real voices', all samples) and the seconds the run took.

The fidelity against p* (∝ the judge's acceptance) needs draws of p* by rejection over the
evaluation box (engine/metrics.py: the real voices' bounding box grown by 8 SDs), a judge call per
point, thousands a run; it is left out unless `--grid STEP` (2-D only): the judge then hears every
node of a grid of that spacing over the box once (`--grid-cache FILE` keeps them), p* is taken as
the acceptance of the nearest node, and each 2-D run also prints `fidelity_ratio` against it
(spacing 1: 484 nodes, about 2 minutes here; p* then knows the judge's edge to half a step).

`benchmarks/outside_judge.py:judge` is also a listener for `hd-desktop simulate --listener`: it
loads the bundled voice space at the run's dimension on its first vote (and has no
`probability`, so simulate's report leaves out the metrics against p*).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

CARRIER = "sentence"
RATE = 0.96        # the real voices' acceptance the threshold is chosen for (the issue's run: 0.96)
LAPSE = 0.05


def choose_threshold(real_mos, rate: float = RATE) -> float:
    """The MOS above which round(rate * n) of the n real voices' MOS values lie.

    Halfway between the highest rejected and the lowest accepted value, so that each real voice is
    clearly on its side. rate 1 accepts all (a threshold below the lowest), 0 none.
    """
    m = np.sort(np.asarray(real_mos, dtype=np.float64))
    if m.ndim != 1 or len(m) == 0 or not np.isfinite(m).all():
        raise ValueError("choose_threshold: needs one finite MOS value per real voice")
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"choose_threshold: rate {rate} is not a share between 0 and 1")
    rejected = len(m) - int(round(rate * len(m)))
    if rejected == 0:
        return float(m[0] - 1.0)
    if rejected == len(m):
        return float(m[-1] + 1.0)
    return float((m[rejected - 1] + m[rejected]) / 2)


class OutsideJudge:
    """A listener whose vote is an automatic quality predictor's verdict on the rendered voice.

    `render(z) -> (audio, sample_rate)`; `predict(audio, sample_rate) -> MOS`. Accepts where the
    MOS is above `threshold`; with probability `lapse` a vote is a seeded coin flip instead.
    `probability(z)` is the judge's acceptance without lapses (0 or 1: the predictor is
    deterministic), the p* ∝ probability of the simulated listeners (engine/listeners.py).
    Predictions are kept per point, so a point voted on again costs nothing.
    """

    def __init__(self, render, predict, threshold: float, *, lapse: float = LAPSE, seed: int = 0,
                 name: str = "outside-judge"):
        self.render, self.predict, self.threshold = render, predict, float(threshold)
        self.lapse, self.name = lapse, name
        self.rng = np.random.default_rng(seed)
        self.cache: dict[tuple[float, ...], float] = {}

    def mos(self, z) -> float:
        key = tuple(float(v) for v in np.asarray(z, dtype=np.float64).reshape(-1))
        if key not in self.cache:
            audio, sr = self.render(np.array(key))
            self.cache[key] = float(self.predict(audio, sr))
        return self.cache[key]

    def probability(self, z) -> np.ndarray:
        z = np.asarray(z, dtype=np.float64)
        p = np.array([float(self.mos(row) > self.threshold) for row in np.atleast_2d(z)])
        return p[0] if z.ndim == 1 else p

    def vote(self, heard) -> bool:
        if self.rng.uniform() < self.lapse:
            return bool(self.rng.uniform() < 0.5)
        return self.mos(heard.z) > self.threshold


# -- DNSMOS P.808 (speechmos, the benchmark extra) ------------------------------------------------

DNSMOS_RATE = 16000
DNSMOS_SECONDS = 9.01      # the P.808 model's input


class DnsmosP808:
    """DNSMOS P.808's MOS of a clip: `speechmos`'s model and features, one thread.

    speechmos repeats a short clip until it is 9.01 s long and averages the model over 9.01 s
    windows a second apart (a 4 s sentence: 16 s, seven windows, about as many seconds of CPU
    here); this cuts the repeated clip at 9.01 s and scores that one window.
    """

    def __init__(self):
        import os

        import onnxruntime as ort
        import speechmos
        from speechmos.dnsmos import DNSMOS

        options = ort.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        path = os.path.join(os.path.dirname(speechmos.__file__), "dnsmos_models", "model_v8.onnx")
        self.session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        self.features = DNSMOS.audio_melspec

    def __call__(self, audio, sample_rate: int) -> float:
        x = np.asarray(audio, dtype=np.float64).reshape(-1)
        if sample_rate != DNSMOS_RATE:
            import soxr

            x = soxr.resample(x, sample_rate, DNSMOS_RATE)
        n = int(DNSMOS_SECONDS * DNSMOS_RATE)
        x = np.tile(x, -(-n // len(x)))[:n]
        mel = self.features(None, audio=x[:-160]).astype(np.float32)[np.newaxis]
        return float(self.session.run(None, {"input_1": mel})[0][0][0])


def bundled_space(k: int):
    from hd_desktop.voice import load_space

    return load_space(cache_dir=Path(tempfile.gettempdir()) / "hd-bench-space", k=k)


def dnsmos_judge(space, *, rate: float = RATE, threshold: float | None = None,
                 lapse: float = LAPSE, seed: int = 0, predict=None) -> OutsideJudge:
    """DNSMOS P.808 hearing `space`'s voices over the sentence carrier; the threshold chosen from
    the space's real voices (`rate` of them accepted) unless given."""
    predict = predict or DnsmosP808()
    j = OutsideJudge(lambda z: space.render(z, CARRIER), predict, np.inf, lapse=lapse, seed=seed,
                     name="dnsmos-p808")
    j.threshold = (choose_threshold([j.mos(z) for z in space.coords], rate)
                   if threshold is None else float(threshold))
    return j


class judge:
    """DNSMOS P.808 as a listener for `hd-desktop simulate --listener FILE:judge` (bundled corpus;
    its voice space loaded at the dimension of the first point voted on)."""

    def __init__(self, seed: int = 0):
        self.seed, self._judge = seed, None

    def _at(self, k: int) -> OutsideJudge:
        if self._judge is None:
            self._judge = dnsmos_judge(bundled_space(k), seed=self.seed)
        return self._judge

    def vote(self, heard) -> bool:
        return self._at(len(heard.z)).vote(heard)

    # no probability(z): simulate's report would draw p* from it by rejection over the evaluation
    # box, tens of thousands of judge calls (see --grid)


# -- p* on a grid (2-D) -------------------------------------------------------------------------

MARGIN = 8.0    # engine/metrics.py's sample_target box: the real voices' bounding box + 8 SDs


class GridAcceptance:
    """The judge's acceptance at the nearest node of a grid (0 off the grid): p* for evaluate()."""

    def __init__(self, axes: list[np.ndarray], accepted: np.ndarray):
        self.axes, self.accepted = axes, np.asarray(accepted, dtype=np.float64)

    def __call__(self, z) -> np.ndarray:
        z = np.atleast_2d(np.asarray(z, dtype=np.float64))
        idx, inside = [], np.ones(len(z), dtype=bool)
        for d, axis in enumerate(self.axes):
            step = axis[1] - axis[0]
            i = np.rint((z[:, d] - axis[0]) / step).astype(int)
            inside &= (i >= 0) & (i < len(axis))
            idx.append(np.clip(i, 0, len(axis) - 1))
        return np.where(inside, self.accepted[tuple(idx)], 0.0)


def grid_mos(space, predict, step: float, cache: Path | None = None):
    """The judge's MOS at every node of a `step` grid over the evaluation box: (axes, mos)."""
    real = space.coords
    lo, hi = real.min(axis=0) - MARGIN, real.max(axis=0) + MARGIN
    axes = [np.arange(a, b + step / 2, step) for a, b in zip(lo, hi)]
    if cache is not None and cache.exists():
        with np.load(cache) as f:
            if all(np.array_equal(a, f[f"axis{d}"]) for d, a in enumerate(axes)):
                return axes, f["mos"]
    mesh = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1)
    mos = np.array([predict(*space.render(z, CARRIER)) for z in mesh.reshape(-1, len(axes))])
    mos = mos.reshape(mesh.shape[:-1])
    if cache is not None:
        np.savez(cache, mos=mos, **{f"axis{d}": a for d, a in enumerate(axes)})
    return axes, mos


# -- the benchmark ------------------------------------------------------------------------------

def one_run(job: dict) -> dict:
    import torch

    from hd_desktop.design import preset
    from hd_desktop.engine.config import default_plan, engine_preset
    from hd_desktop.engine.evaluation import spread
    from hd_desktop.engine.rounds import run_rounds, run_to_end

    torch.set_num_threads(1)
    k, seed = job["k"], job["seed"]
    space = bundled_space(k)
    real = space.coords
    j = dnsmos_judge(space, threshold=job["threshold"], lapse=job["lapse"], seed=seed)
    t0 = time.perf_counter()
    # no render hook: the judge renders (and keeps) each point itself, over the sentence carrier
    h = run_to_end(run_rounds(j, real, preset("default"), engine_preset("default"),
                              rounds=default_plan(k).rounds, budget=job["votes"], seed=seed))
    seconds = time.perf_counter() - t0
    samples = h.samples[-1]
    rng = np.random.default_rng([seed, 7])
    judged = samples[rng.choice(len(samples), min(job["judged"], len(samples)), replace=False)]
    out = {}
    if job.get("grid") is not None:
        from hd_desktop.engine.metrics import evaluate

        axes, mos = job["grid"]
        m = evaluate(samples, real, GridAcceptance(axes, mos > job["threshold"]), seed=seed)
        out = {"fidelity": m["fidelity_ratio"], "grid_acceptance_target": m["acceptance_target"],
               "grid_spread_target": m["spread_target"] / m["spread_real"]}
    return {**job, "grid": None, **out, "votes_cast": int(sum(t["votes"] for t in h.timings)), "seconds": seconds,
            "points_judged_in_rounds": len(j.cache) - len(real),
            "acceptance_samples": float(j.probability(judged).mean()),
            "acceptance_real": float(j.probability(real).mean()),
            "spread": spread(samples) / spread(real), "n_samples": len(samples),
            "samples_mos_median": float(np.median([j.mos(z) for z in judged]))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dims", type=int, nargs="+", default=[2, 4])
    ap.add_argument("--votes", type=int, nargs="+", default=[600, 800],
                    help="vote budget per dimension (one number: the same for all)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--rate", type=float, default=RATE,
                    help="share of the real voices the judge's threshold accepts (default 0.96)")
    ap.add_argument("--lapse", type=float, default=LAPSE, help="share of coin-flip votes")
    ap.add_argument("--judged", type=int, default=200,
                    help="last-round samples the judge hears per run (a seeded draw)")
    ap.add_argument("--grid", type=float, metavar="STEP",
                    help="2-D: also the fidelity against p* judged on a grid of this spacing")
    ap.add_argument("--grid-cache", type=Path, metavar="FILE.npz",
                    help="keep the grid's MOS values here (read back when the grid matches)")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--json", help="also write every run's figures here")
    args = ap.parse_args()
    votes = dict(zip(args.dims, args.votes if len(args.votes) > 1 else args.votes * len(args.dims)))
    if len(votes) != len(args.dims):
        ap.error("--votes: give one budget, or one per --dims")
    jobs = []
    predict = DnsmosP808()
    for k in args.dims:
        space = bundled_space(k)
        t0 = time.perf_counter()
        real_mos = np.array([predict(*space.render(z, CARRIER)) for z in space.coords])
        threshold = choose_threshold(real_mos, args.rate)
        print(f"k={k}: {len(real_mos)} real voices, DNSMOS P.808 median {np.median(real_mos):.2f} "
              f"[{real_mos.min():.2f}-{real_mos.max():.2f}]; threshold {threshold:.3f} accepts "
              f"{np.mean(real_mos > threshold):.3f} of them ({time.perf_counter() - t0:.0f} s)",
              flush=True)
        grid = None
        if args.grid and k == 2:
            t0 = time.perf_counter()
            grid = grid_mos(space, predict, args.grid, args.grid_cache)
            accepted = GridAcceptance(grid[0], grid[1] > threshold)
            print(f"k=2: grid of {grid[1].size} nodes {args.grid} apart judged "
                  f"({time.perf_counter() - t0:.0f} s); the judge accepts {accepted.accepted.mean():.3f}"
                  f" of them, p*'s draws {accepted(space.coords).mean():.2f} of the real voices' "
                  "nodes", flush=True)
        jobs += [{"k": k, "votes": votes[k], "seed": s, "threshold": threshold,
                  "lapse": args.lapse, "judged": args.judged, "grid": grid} for s in args.seeds]
    results = []
    with ProcessPoolExecutor(args.jobs) as pool:
        for r in pool.map(one_run, jobs):
            results.append(r)
            if args.json:
                Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
            print(f"k={r['k']} votes {r['votes_cast']:>4} seed {r['seed']}: samples accepted "
                  f"{r['acceptance_samples']:.2f} (real voices {r['acceptance_real']:.2f}), spread "
                  f"{r['spread']:.2f} x the real voices' ({r['seconds']:.0f} s, "
                  f"{r['points_judged_in_rounds']} points judged)"
                  + (f", fidelity {r['fidelity']:.3f} against p* on the grid (its acceptance "
                     f"{r['grid_acceptance_target']:.2f}, spread {r['grid_spread_target']:.2f} x)"
                     if "fidelity" in r else ""), flush=True)
    print(f"\n{'k':>2} {'votes':>6}  {'acc samples':<20} {'acc real':<20} {'spread':<20} seconds")
    for k in args.dims:
        rs = [r for r in results if r["k"] == k]
        cols = []
        for key in ("acceptance_samples", "acceptance_real", "spread", "seconds", "fidelity"):
            a = np.array([r[key] for r in rs if key in r])
            cols.append(f"{np.median(a):.2f} [{a.min():.2f}-{a.max():.2f}]" if len(a) else "")
        print(f"{k:>2} {votes[k]:>6}  " + " ".join(f"{c:<20}" for c in cols[:4])
              + (f"  fidelity {cols[4]}" if cols[4] else "") + f"  (n={len(rs)})")


if __name__ == "__main__":
    main()
