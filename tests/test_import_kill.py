"""SIGKILL an import at random moments: the experiment always opens, holds only votes of the file,
never two standing votes for a trial, and importing the same file again completes it exactly."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from helpers.bigfile import designed, write_big_file

from hd_desktop.store import Experiment, read_rating_file


def stored_votes(db) -> int:
    """The votes committed so far, read without ever taking the write lock (0 while busy)."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)) as con:
            return con.execute("SELECT count(*) FROM votes").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


@pytest.mark.slow
def test_an_import_killed_part_way_is_completed_by_importing_again(tmp_path):
    exp = designed(tmp_path / "exp")
    csv_path = write_big_file(exp, 20_000, tmp_path / "incoming")
    exp.close()
    expected = {v.id: v for v in read_rating_file(csv_path).votes}
    rng = random.Random(9)
    command = [sys.executable, "-m", "hd_desktop.cli", "import", str(tmp_path / "exp"),
               str(csv_path)]
    counts = []
    for attempt in range(4):
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        # kill once this import has stored something, after a random moment more: a fixed
        # delay lands after the end on a fast machine and before the start on a slow one
        before = counts[-1] if counts else 0
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline:
            if stored_votes(tmp_path / "exp" / "experiment.sqlite") > before:
                time.sleep(rng.uniform(0.0, 0.2))
                break
            time.sleep(0.005)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stderr.close()
        with Experiment.open(tmp_path / "exp", create=False) as check:
            stored = check.votes(include_undone=True)
            assert all(expected[v.id] == v for v in stored)  # only the file's votes, exact
            trials = [v.trial for v in stored if v.undone_at is None]
            assert len(trials) == len(set(trials))
            counts.append(len(stored))
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    with Experiment.open(tmp_path / "exp", create=False) as check:
        assert {v.id: v for v in check.votes(include_undone=True)} == expected
    print(f"\nvotes stored when killed: {counts}")
    assert any(0 < n < len(expected) for n in counts)  # some kills landed mid-import
