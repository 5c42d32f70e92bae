"""A 100k-row import while a listener votes (issue 9, item 7).

The import checks its file without the write lock and then stores it in short transactions, so
the listener's votes go on being committed throughout: none is lost, and a vote that cannot be
stored says so in words (StoreWriteError) instead of "database is locked". How long each vote
waited is printed, not asserted: benchmarks/import_while_voting.py measures it beside the budget.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time

import numpy as np
import pytest
from helpers.bigfile import designed, write_big_file

from hd_desktop.session import FlowSettings, Phase, SessionFlow
from hd_desktop.store import writelock

NO_BREAKS = FlowSettings(break_every_trials=10**9, break_every_minutes=1e9)


def _flow(exp):
    flow = SessionFlow(exp, exp.stimuli(round=0)[:2000], order_seed=1, settings=NO_BREAKS)
    flow.set_listener("L-here")
    flow.instructions_read()
    flow.level_checked("test", 0.0)
    return flow


@pytest.mark.slow
def test_votes_go_on_while_a_100k_row_file_is_imported(tmp_path):
    exp = designed(tmp_path / "exp")
    csv_path = write_big_file(exp, 100_000, tmp_path / "incoming")
    flow = _flow(exp)
    proc = subprocess.Popen([sys.executable, "-m", "hd_desktop.cli", "import",
                             str(tmp_path / "exp"), str(csv_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    cast, told, waits = [], [], []
    while proc.poll() is None and flow.phase == Phase.TRIALS:
        flow.sound_started()
        time.sleep(0.02)
        t = time.perf_counter()
        try:
            cast.append(flow.vote(len(cast) % 2 == 0))
        except writelock.StoreWriteError as exc:  # the listener is told, the trial stays
            told.append(str(exc))
        waits.append(time.perf_counter() - t)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0 and "100000 new vote(s)" in out, err
    print(f"\n{len(cast)} votes during the import; longest wait {max(waits) * 1000:.0f} ms, "
          f"p95 {np.percentile(waits, 95) * 1000:.1f} ms; told {len(told)}")
    assert len(cast) > 20  # the listener really voted while the import ran
    assert all("not stored" in m for m in told)
    stored = [v.id for v in exp.votes(session_id=flow.session_id)]
    assert stored == cast  # every vote that returned is there, in trial order
    assert len(exp.votes()) == 100_000 + len(cast)
    exp.close()


def test_a_vote_held_up_too_long_is_refused_in_words_and_the_trial_stays(tmp_path, monkeypatch):
    exp = designed(tmp_path / "exp")
    flow = _flow(exp)
    monkeypatch.setattr(writelock, "BUSY_TIMEOUT_MS", 300)
    other = sqlite3.connect(exp.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # a second program holding the write lock
    flow.sound_started()
    trial = flow.current
    with pytest.raises(writelock.StoreWriteError, match="is busy: another program has been "
                       "writing to it for 0.3 s; this change was not stored"):
        flow.vote(True)
    other.execute("ROLLBACK")
    other.close()
    assert flow.current == trial and exp.votes() == []
    flow.vote(True)  # tried again once the lock is free
    assert [v.trial for v in exp.votes()] == [0]
    exp.close()
