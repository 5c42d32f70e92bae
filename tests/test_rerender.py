"""A rating file and its JSON sidecar are enough to re-render every stimulus they name, bit for bit."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from hd_desktop.design import DesignParams
from helpers.voting import vote_through

from hd_desktop.engine.listeners import wide
from hd_desktop.lab import Lab
from hd_desktop.session.states import FlowSettings
from hd_desktop.voice import SpaceSettings, load_space, open_space, run


@pytest.fixture(scope="module")
def space(tmp_path_factory):
    return load_space(cache_dir=tmp_path_factory.mktemp("space"))


@pytest.mark.slow
@pytest.mark.parametrize("carrier", ["sustained", "sentence"])
def test_sidecar_alone_rerenders_every_stimulus(space, tmp_path, carrier):
    lab = Lab(tmp_path / "exp", space)
    lab.create_round(DesignParams(n_anchors=2, m_neighbours=1, r_pairs=2, gold_rate=0.2, seed=7))
    flow = lab.new_session(100, seed=5, settings=FlowSettings(carrier=carrier))
    summary = vote_through(flow, wide(seed=2))
    originals = {s.id: s for s in lab.experiment.stimuli()}
    lab.close()

    # from here on: only the two files, and the bundled corpus they name by fingerprint
    sidecar = json.loads(summary.rating_json.read_text())
    with open(summary.rating_csv, newline="") as f:
        rows = list(csv.DictReader(f))
    settings = SpaceSettings.from_dict(sidecar["space"]["info"]["settings"])
    rebuilt = run(open_space(None, tmp_path / "fresh-cache", settings))
    assert rebuilt.fingerprint == sidecar["space"]["fingerprint"]
    assert sidecar["session"]["settings"]["carrier"] == carrier
    k = settings.dims
    for row in rows:
        z = [float(row[f"z{i + 1}"]) for i in range(k)]
        again, _ = rebuilt.render(z, sidecar["session"]["settings"]["carrier"])
        first, _ = space.render(originals[row["stimulus_id"]].z, carrier)
        assert np.array_equal(again, first), row["stimulus_id"]
    assert len(rows) == len(flow.order)
