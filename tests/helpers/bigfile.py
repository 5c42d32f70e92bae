"""A large rating file written fast: one session of many trials over a designed round.

Used by the import-while-voting test and benchmark (benchmarks/import_while_voting.py). The rows
are formatted in bulk and the file is a real one: `read_rating_file` accepts it and `import`
merges it into the experiment it was made for.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from hd_desktop.design import DesignParams, make_round
from hd_desktop.store import Experiment, columns
from hd_desktop.store import codec
from hd_desktop.store.ratingfile import FORMAT, FORMAT_VERSION, file_stem
from hd_desktop.store.records import SessionInfo, SessionKind, iso_utc

REAL = np.random.default_rng(0).normal(size=(60, 2))
PARAMS = DesignParams(n_anchors=50, m_neighbours=3, r_pairs=20, seed=5)   # 6000 NES + gold
SPACE = ("space-bigfile", {"dims": 2, "units": "SD of the real voices per axis"})
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def designed(folder: Path) -> Experiment:
    exp = Experiment.open(folder)
    exp.set_space(*SPACE)
    design = make_round(REAL, PARAMS, round_index=0)
    exp.add_round(0, design.design, design.stimuli)
    return exp


def write_big_file(exp: Experiment, rows: int, out: Path, seed: int = 7) -> Path:
    """A rating file of `rows` votes by one listener of another workstation, for `exp`."""
    stimuli = exp.stimuli(round=0)
    rng = np.random.default_rng(seed)
    picks = rng.integers(len(stimuli), size=rows)
    order = [stimuli[i].id for i in picks]
    session = SessionInfo(id=uuid.uuid4().hex, listener="remote-L9", kind=SessionKind.TRIALS,
                          order=tuple(order), order_seed=seed, device="Remote Out", gain_db=-3.0,
                          started_at=iso_utc(T0), finished_at=iso_utc(T0 + timedelta(hours=40)),
                          settings={})
    responses = rng.integers(2, size=rows)
    stamps = [iso_utc(T0 + timedelta(seconds=1.5 * i)) for i in range(rows)]
    answered = [iso_utc(T0 + timedelta(seconds=1.5 * i + 0.4)) for i in range(rows)]
    ids = [uuid.UUID(int=int(a) << 64 | int(b)).hex
           for a, b in rng.integers(2**63, size=(rows, 2))]
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns(2))
    for i in range(rows):
        s = stimuli[picks[i]]
        writer.writerow([ids[i], session.listener, session.id, "trials", i, s.id, s.round,
                         s.role.value, "" if s.neighbour is None else s.neighbour,
                         "" if s.pair is None else s.pair, s.seed, repr(s.z[0]), repr(s.z[1]),
                         int(responses[i]), "400.0", 1, stamps[i], answered[i], "Remote Out",
                         "-3.0", "0.1.0", ""])
    data = buf.getvalue().encode()
    used = {stimuli[i].id: stimuli[i] for i in np.unique(picks)}
    sidecar = {
        "schema": FORMAT, "schema_version": FORMAT_VERSION, "app_version": "0.1.0",
        "written_at": iso_utc(T0), "experiment_id": exp.experiment_id,
        "space": {"fingerprint": SPACE[0], "info": SPACE[1]},
        "rounds": [{"index": 0, "design": exp.rounds()[0]}],
        "seeds": {"order": seed, "designs": {"0": PARAMS.seed}},
        "session": codec.session_to_json(session),
        "stimuli": [codec.stimulus_to_json(s) for s in used.values()],
        "csv": {"file": "", "sha256": hashlib.sha256(data).hexdigest(), "rows": rows, "dims": 2},
    }
    out.mkdir(parents=True, exist_ok=True)
    csv_path = out / f"{file_stem(session)}.csv"
    sidecar["csv"]["file"] = csv_path.name
    csv_path.write_bytes(data)
    csv_path.with_suffix(".json").write_text(json.dumps(sidecar))
    return csv_path
