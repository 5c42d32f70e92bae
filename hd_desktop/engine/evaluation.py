"""Evaluation 2 (docs/design.md 1): are sampled voices accepted as often as real ones, and do they
spread wider? Acceptance per group with 95% intervals, their difference, and each group's spread.

Votes are anything with `listener`, `stimulus_id` and `response` (store votes or engine votes);
a vote with `undone_at` set is skipped. Coordinates are in voice-space units (one unit = one SD
of the real data along that axis).
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import DegenerateDataWarning, binomtest, bootstrap, norm

from hd_desktop.design.stimulus import Role, Stimulus
from hd_desktop.store.evaluations import check_name
from hd_desktop.store.records import EVALUATION_ROUND
from hd_desktop.files import atomic_write

SCHEMA = "hd-desktop-evaluation"
SCHEMA_VERSION = 1
UNITS = "voice-space units: one unit = one SD of the real data along that axis"
Z95 = float(norm.ppf(0.975))
GROUPS = {"real": Role.EVAL_REAL, "sampled": Role.EVAL_SAMPLE}


def wilson_interval(accepts: int, n: int, confidence: float = 0.95) -> tuple[float, float] | None:
    """Wilson score interval of accepts / n (scipy.stats.binomtest(...).proportion_ci)."""
    if n <= 0:
        return None
    ci = binomtest(accepts, n).proportion_ci(confidence_level=confidence, method="wilson")
    return max(0.0, float(ci.low)), min(1.0, float(ci.high))


def newcombe_difference(a1: int, n1: int, a2: int, n2: int,
                        confidence: float = 0.95) -> tuple[float, float] | None:
    """Newcombe hybrid score interval of p1 - p2: d -/+ sqrt((p1-l1)^2 + (u2-p2)^2), ... ."""
    # scipy has no Newcombe interval; it is built from scipy's two Wilson intervals
    w1, w2 = wilson_interval(a1, n1, confidence), wilson_interval(a2, n2, confidence)
    if w1 is None or w2 is None:
        return None
    p1, p2 = a1 / n1, a2 / n2
    (l1, u1), (l2, u2) = w1, w2
    d = p1 - p2
    return (d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
            d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2))


def clustered_bootstrap(per_listener: np.ndarray, resamples: int,
                        seed: int) -> list[list[float] | None]:
    """Listener-clustered percentile bootstrap (scipy.stats.bootstrap) of p_real, p_sampled and
    p_sampled - p_real, p* = sum_{l in L*} a_l / sum_{l in L*} n_l, L* ~ listeners: 95% intervals."""
    # per_listener rows are (accepts real, votes real, accepts sampled, votes sampled): a
    # listener's votes stay together, because one listener's answers are not independent.
    rows = np.asarray(per_listener, dtype=np.float64)

    def acceptances(listeners: np.ndarray, axis: int = -1) -> np.ndarray:
        # listeners: indices drawn along `axis`; rows[listeners] adds the 4 columns at the end
        sums = rows[listeners].sum(axis=axis - 1 if axis < 0 else axis)
        with np.errstate(invalid="ignore", divide="ignore"):
            real, sampled = sums[..., 0] / sums[..., 1], sums[..., 2] / sums[..., 3]
        return np.stack([real, sampled, sampled - real])

    with warnings.catch_warnings():  # listeners who all agree make a one-point interval: right
        warnings.simplefilter("ignore", DegenerateDataWarning)
        result = bootstrap((np.arange(len(rows)),), acceptances, n_resamples=resamples,
                           method="percentile", confidence_level=0.95, vectorized=True,
                           rng=np.random.default_rng(seed))
    cis = []
    for g in range(3):
        lo, hi = result.confidence_interval.low[g], result.confidence_interval.high[g]
        if np.isfinite(lo) and np.isfinite(hi):
            cis.append([float(lo), float(hi)])
        else:  # a resample without votes in a group has no acceptance: leave those out
            cis.append(_percentile_ci(result.bootstrap_distribution[g]))
    return cis


def _percentile_ci(values: np.ndarray) -> list[float] | None:
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return None
    return [float(v) for v in np.percentile(values, [2.5, 97.5])]


def spread(x) -> float:
    """Mean distance to the centroid: the spread of the paper's Evaluation 2 and of simulate's
    report (metrics.evaluate)."""
    x = np.asarray(x, dtype=np.float64)
    return float(np.linalg.norm(x - x.mean(axis=0), axis=1).mean())


def spread_summary(z: np.ndarray) -> dict[str, Any]:
    """A group's centroid, its spread and the per-axis SD (ddof = 1)."""
    z = np.asarray(z, dtype=np.float64)
    if len(z) == 0:
        return {"centroid": None, "mean_distance_to_centroid": None, "sd_per_axis": None}
    sd = z.std(axis=0, ddof=1) if len(z) > 1 else np.full(z.shape[1], np.nan)
    return {"centroid": _floats(z.mean(axis=0)), "mean_distance_to_centroid": spread(z),
            "sd_per_axis": _floats(sd)}


def _floats(values: Iterable[float]) -> list[float | None]:
    return [float(v) if math.isfinite(v) else None for v in values]


def evaluation_table(votes: Iterable[Any], stimuli: Iterable[Stimulus], *,
                     resamples: int = 2000, seed: int = 0) -> dict[str, Any]:
    """Per group p = a/n (Wilson; bootstrap from 2 listeners) and spread; p_sampled - p_real."""
    by_id = {s.id: s for s in stimuli if s.role in GROUPS.values()}
    listeners: dict[str, list[int]] = {}
    ignored = 0
    for v in votes:
        s = by_id.get(v.stimulus_id)
        if s is None or getattr(v, "undone_at", None) is not None:
            ignored += s is None
            continue
        row = listeners.setdefault(str(v.listener), [0, 0, 0, 0])
        col = 0 if s.role == Role.EVAL_REAL else 2
        row[col] += int(v.response)
        row[col + 1] += 1
    per_listener = np.array(list(listeners.values()), dtype=np.int64).reshape(-1, 4)
    totals = per_listener.sum(axis=0)
    boot = (clustered_bootstrap(per_listener, resamples, seed) if len(per_listener) >= 2
            else None)
    groups = {}
    for g, (name, role) in enumerate(GROUPS.items()):
        accepts, n = int(totals[2 * g]), int(totals[2 * g + 1])
        wilson = wilson_interval(accepts, n)
        groups[name] = {
            "role": role.value,
            "stimuli": sum(1 for s in by_id.values() if s.role == role),
            "votes": n, "accepts": accepts,
            "listeners": int((per_listener[:, 2 * g + 1] > 0).sum()),
            "acceptance": accepts / n if n else None,
            "ci95_wilson": None if wilson is None else list(wilson),
            "ci95_bootstrap": None if boot is None else boot[g],
            "spread": spread_summary([s.z for s in by_id.values() if s.role == role]),
        }
    real, sampled = groups["real"], groups["sampled"]
    both = real["votes"] and sampled["votes"]
    newcombe = newcombe_difference(sampled["accepts"], sampled["votes"], real["accepts"],
                                   real["votes"])
    return {
        "schema": SCHEMA, "schema_version": SCHEMA_VERSION, "units": UNITS,
        "listeners": len(per_listener), "votes_ignored": ignored,
        "groups": groups,
        "difference": {
            "of": "sampled - real",
            "estimate": sampled["acceptance"] - real["acceptance"] if both else None,
            "ci95_newcombe": None if newcombe is None else list(newcombe),
            "ci95_bootstrap": None if boot is None else boot[2],
        },
        "intervals": {
            "ci95_wilson": f"Wilson score interval per group, z = {Z95:.4f}",
            "ci95_newcombe": "Newcombe hybrid score interval of the difference (from the two "
                             "Wilson intervals; treats the groups as independent)",
            "ci95_bootstrap": (f"listener-clustered percentile bootstrap, {resamples} resamples "
                               f"of {len(per_listener)} listeners, seed {seed}"
                               if boot is not None else
                               "not computed: fewer than 2 listeners"),
        },
    }


CSV_COLUMNS = ["group", "stimuli", "votes", "accepts", "listeners", "estimate", "ci95_lo",
               "ci95_hi", "ci95_method", "bootstrap_lo", "bootstrap_hi",
               "mean_distance_to_centroid"]


def evaluation_rows(table: Mapping[str, Any]) -> list[list[Any]]:
    """The table as CSV rows: header, one row per group, then the difference."""
    dims = max((len(g["spread"]["sd_per_axis"] or []) for g in table["groups"].values()),
               default=0)
    rows: list[list[Any]] = [CSV_COLUMNS + [f"sd_z{i + 1}" for i in range(dims)]]
    for name, g in table["groups"].items():
        ci, boot, sp = g["ci95_wilson"] or [None, None], g["ci95_bootstrap"] or [None, None], \
            g["spread"]
        rows.append([name, g["stimuli"], g["votes"], g["accepts"], g["listeners"],
                     g["acceptance"], *ci, "wilson", *boot, sp["mean_distance_to_centroid"],
                     *(sp["sd_per_axis"] or [None] * dims)])
    d = table["difference"]
    rows.append([d["of"].replace(" ", ""), None, None, None, table["listeners"], d["estimate"],
                 *(d["ci95_newcombe"] or [None, None]), "newcombe",
                 *(d["ci95_bootstrap"] or [None, None]), None, *[None] * dims])
    return rows


def write_evaluation(table: Mapping[str, Any], out_dir: str | os.PathLike,
                     stem: str) -> tuple[Path, Path]:
    """Write `<stem>-evaluation.json` and `<stem>-evaluation.csv` into `out_dir`; returns both."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    json_path, csv_path = out / f"{stem}-evaluation.json", out / f"{stem}-evaluation.csv"
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\n")
    for row in evaluation_rows(table):
        writer.writerow(["" if x is None else repr(x) if isinstance(x, float) else x for x in row])
    document = dict(table)
    document["csv"] = {"file": csv_path.name}
    atomic_write(csv_path, buf.getvalue().encode("utf-8"))
    atomic_write(json_path, (json.dumps(document, indent=1, allow_nan=False) + "\n").encode())
    return json_path, csv_path



def make_evaluation_stimuli(real: np.ndarray, samples: np.ndarray, n_each: int, seed: int, *,
                            name: str = "eval") -> list[Stimulus]:
    """n_each real and n_each sampled points, drawn without replacement: eval-<name>-real-007..."""
    # The ids name the group for the analysis; listeners never see them. Shuffle the order.
    name = check_name(name)
    rng = np.random.default_rng(seed)
    out = []
    for label, role, points in (("real", Role.EVAL_REAL, real),
                                ("sample", Role.EVAL_SAMPLE, samples)):
        points = np.asarray(points, dtype=np.float64)
        if points.ndim != 2 or not np.isfinite(points).all():
            raise ValueError(f"{label} points must be a finite n x k array")
        if not 0 < n_each <= len(points):
            raise ValueError(f"cannot draw {n_each} {label} voices from {len(points)}")
        for i, j in enumerate(rng.choice(len(points), size=n_each, replace=False)):
            out.append(Stimulus(f"eval-{name}-{label}-{i:03d}", EVALUATION_ROUND, role,
                                tuple(float(c) for c in points[j]), int(seed)))
    return out


def evaluation_design(name: str, n_each: int, seed: int, *, samples_from: Mapping | None = None,
                      **extra: Any) -> dict[str, Any]:
    """The design to store with `Experiment.add_evaluation` beside those stimuli."""
    return {"kind": "evaluation-2", "name": check_name(name), "n_each": int(n_each),
            "seed": int(seed), "samples_from": None if samples_from is None else dict(samples_from),
            **extra}
