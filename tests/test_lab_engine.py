"""The app's engine update: votes in the store -> estimates -> network -> samples, with screening."""

from __future__ import annotations

import numpy as np
import pytest

from hd_desktop.design import DesignParams
from hd_desktop.engine.config import EngineConfig
from hd_desktop.engine.listeners import wide
from hd_desktop.lab import Lab, engine_job
from hd_desktop.lab.engine_job import listener_table
from hd_desktop.voice import load_space
from hd_desktop.voice.build import run

FAST = EngineConfig(train_steps=150, n_chains=200, sampler_steps=150)


@pytest.fixture(scope="module")
def space(tmp_path_factory):
    return load_space(cache_dir=tmp_path_factory.mktemp("space"))


class Contrarian:
    """Answers every voice the wrong way round: fails screening."""

    def __init__(self):
        self.inner = wide(lapse=0.0, seed=9)

    def vote(self, heard):
        return not self.inner.vote(heard)


def test_engine_update_learns_from_stored_votes_and_screens_listeners(space, tmp_path):
    lab = Lab(tmp_path / "exp", space)
    lab.create_round(DesignParams(n_anchors=12, m_neighbours=2, r_pairs=4, gold_rate=0.15, seed=2))
    good = wide(lapse=0.05, seed=1)
    lab.simulated_session(good, size=10_000, seed=1, listener_id="good")
    lab.simulated_session(Contrarian(), size=10_000, seed=2, listener_id="contrarian")
    snap = lab.engine_snapshot(FAST, seed=3)
    assert {v.listener for v in snap.votes} == {"good", "contrarian"}

    events = []
    result = run(engine_job(snap), events.append)
    kinds = {e.kind for e in events}
    assert {"estimates", "train", "sample"} <= kinds
    assert result.excluded == ("contrarian",)
    assert result.votes_used == sum(v.listener == "good" for v in snap.votes)
    assert result.samples.shape == (200, 2) and np.all(np.isfinite(result.samples))
    assert len(result.curve) > 0 and result.curve[-1]["loss"] < result.curve[0]["loss"]
    table = {row["listener"]: row for row in listener_table(snap)}
    assert table["contrarian"]["used"] is False and table["good"]["used"] is True
    assert table["contrarian"]["screening"] < 0.5 < table["good"]["screening"]

    # the user may keep a listener whom screening would drop
    kept = run(engine_job(lab.engine_snapshot(FAST, seed=3, keep_listeners={"contrarian"})))
    assert kept.excluded == () and kept.votes_used == len(snap.votes)
    lab.close()


def test_engine_update_with_no_votes_says_what_is_missing(space, tmp_path):
    lab = Lab(tmp_path / "exp", space)
    lab.create_round(DesignParams(n_anchors=3, m_neighbours=1, r_pairs=2, seed=2))
    from hd_desktop.errors import UserFacingError

    with pytest.raises(UserFacingError, match="antithetic pair"):
        run(engine_job(lab.engine_snapshot(FAST)))
    lab.close()
