"""Experiments made by the app's own round designer, rating files rewritten consistently (rows,
sidecar and checksum agree, as a careful forger would leave them), and the engine check that an
import must never break."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from hd_desktop.design import DesignParams, make_round
from hd_desktop.design.order import session_order
from hd_desktop.design.stimulus import Role
from hd_desktop.store import Experiment, SessionKind, write_rating_file
from hd_desktop.store.votes import NewVote

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
REAL = np.random.default_rng(0).normal(size=(12, 2))       # stand-in real voices, 2-D
PARAMS = DesignParams(n_anchors=4, m_neighbours=2, r_pairs=3, sigma_nes=0.5, seed=3)
SPACE = ("space-import-test", {"dims": 2, "units": "SD of the real voices per axis"})


def designed_experiment(folder: Path) -> tuple[Experiment, list]:
    """An experiment with round 0 designed by make_round; returns it and its stimuli."""
    design = make_round(REAL, PARAMS, round_index=0)
    exp = Experiment.open(folder)
    exp.set_space(*SPACE)
    exp.add_round(0, design.design, design.stimuli)
    return exp, list(design.stimuli)


def answer(z, role) -> int:
    """A consistent listener: real voices natural, far ones not, the rest by distance."""
    if role == Role.GOLD_FAR:
        return 0
    return int(float(np.hypot(*z)) < 2.0 or role == Role.GOLD_REAL)


def vote_session(exp: Experiment, stimuli, listener: str, seed: int, n: int | None = None) -> str:
    """A finished trials session over `stimuli` in a seeded order, every trial voted."""
    order = session_order(stimuli, seed)[:n]
    sid = exp.start_session(listener, SessionKind.TRIALS, [s.id for s in order], seed,
                            "Dummy Out", -6.0)
    votes = []
    for i, s in enumerate(order):
        t = T0 + timedelta(seconds=3 * i)
        votes.append(NewVote(i, s.id, answer(s.z, s.role), 400.0 + i, 1, t,
                             t + timedelta(milliseconds=400 + i), "Dummy Out", -6.0))
    exp.record_votes(sid, votes)
    exp.finish_session(sid)
    return sid


def export(exp: Experiment, sid: str, out: Path) -> Path:
    return write_rating_file(exp, sid, out)[0]


def read_pair(csv_path: Path) -> tuple[dict, list[list[str]]]:
    sidecar = json.loads(csv_path.with_suffix(".json").read_text())
    rows = list(csv.reader(io.StringIO(csv_path.read_text(), newline="")))
    return sidecar, rows


def write_pair(csv_path: Path, sidecar: dict, rows: list[list[str]], *,
               sidecar_text: str | None = None) -> None:
    """Write rows and sidecar so that they agree: row count and checksum recomputed."""
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\n").writerows(rows)
    data = buf.getvalue().encode()
    csv_path.write_bytes(data)
    if isinstance(sidecar.get("csv"), dict):
        sidecar["csv"]["sha256"] = hashlib.sha256(data).hexdigest()
        sidecar["csv"]["rows"] = len(rows) - 1
    text = sidecar_text if sidecar_text is not None else json.dumps(sidecar)
    csv_path.with_suffix(".json").write_text(text)


def engine_updates(folder: Path) -> int:
    """Run one real engine update (estimates, training, Langevin; small settings) on the
    experiment's votes; returns the number of samples. Every listener is kept (screening is the
    user's choice and not what an import may take away)."""
    from hd_desktop.engine.config import EngineConfig
    from hd_desktop.lab.engine_job import EngineSnapshot, engine_job, trial_designs

    with Experiment.open(folder, create=False) as exp:
        sessions = {s.id for s in exp.sessions()
                    if s.kind in (SessionKind.TRIALS, SessionKind.SIMULATED)}
        votes = tuple(v for v in exp.votes() if v.session_id in sessions)
        snapshot = EngineSnapshot(
            round=max(exp.rounds()), designs=trial_designs(exp), votes=votes, real=REAL,
            config=EngineConfig(train_steps=20, sampler_steps=10, n_chains=16), seed=1,
            keep_listeners=frozenset(v.listener for v in votes))
    job = engine_job(snapshot)
    while True:
        try:
            next(job)
        except StopIteration as stop:
            result = stop.value
            break
    assert np.all(np.isfinite(result.samples)) and len(result.samples) == 16
    return len(result.samples)
