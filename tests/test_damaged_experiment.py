"""Damaged experiments are refused as such, in words, by the app window and the command line
(issue 22): a 0-byte experiment.sqlite is never replaced by a new experiment; flipped bytes, a
dropped table, a round design that is not JSON give a message and no traceback."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.importing import export, vote_session

from hd_desktop.errors import UserFacingError
from hd_desktop.gui.errors import channel
from hd_desktop.gui.main_window import MainWindow
from hd_desktop.settings import Settings
from hd_desktop.store import Experiment

ROOT = Path(__file__).resolve().parents[1]


def _empty(p: Path) -> None:
    p.write_bytes(b"")
    for extra in ("-wal", "-shm"):
        p.with_name(p.name + extra).unlink(missing_ok=True)


def _checkpointed(p: Path) -> None:
    con = sqlite3.connect(p)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


def _flip_schema(p: Path) -> None:
    _checkpointed(p)
    b = bytearray(p.read_bytes())
    at = b.find(b"CREATE TABLE votes")   # the schema's text, on the first page
    for i in range(at, at + 60, 7):
        b[i] ^= 0x5A
    p.write_bytes(bytes(b))


def _flip_votes(p: Path) -> None:
    _checkpointed(p)
    b = bytearray(p.read_bytes())
    page = b.rfind(b"2026-03-02T09:3") // 4096   # a page of the votes' rows
    for i in range(page * 4096 + 8, (page + 1) * 4096, 61):
        b[i] ^= 0xFF
    p.write_bytes(bytes(b))


def _drop_table(p: Path) -> None:
    con = sqlite3.connect(p)
    con.execute("DROP TABLE votes")
    con.commit()
    con.close()


def _design_not_json(p: Path) -> None:
    con = sqlite3.connect(p)
    con.execute("UPDATE rounds SET design = '{\"kind\": nes'")
    con.commit()
    con.close()


DAMAGE = {"empty": (_empty, "is empty (0 bytes)"), "flipped-schema": (_flip_schema, "damaged"),
          "flipped-votes": (_flip_votes, "damaged"), "dropped-table": (_drop_table, "damaged"),
          "design-not-json": (_design_not_json, "damaged")}


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> tuple[Path, Path]:
    """(an experiment with votes, a rating file of it)."""
    from hd_desktop.design import DesignParams
    from hd_desktop.lab import Lab
    from hd_desktop.voice import load_space

    root = tmp_path_factory.mktemp("damaged")
    lab = Lab(root / "exp", load_space())      # the window's own space, so only damage stops it
    lab.create_round(DesignParams(n_anchors=6, m_neighbours=2, r_pairs=2, gold_rate=0.1, seed=5))
    sid = vote_session(lab.experiment, lab.experiment.stimuli(0), "L1", seed=1, n=40)
    rating = export(lab.experiment, sid, root / "out")
    lab.close()
    return root / "exp", rating


def damaged_copy(good: Path, dest: Path, kind: str) -> Path:
    folder = Path(shutil.copytree(good, dest))
    DAMAGE[kind][0](folder / "experiment.sqlite")
    return folder


def test_a_zero_byte_experiment_is_refused_never_replaced(good, tmp_path):
    folder = damaged_copy(good[0], tmp_path / "exp", "empty")
    for create in (True, False):
        with pytest.raises(UserFacingError, match="is empty .0 bytes.*no new experiment"):
            Experiment.open(folder, create=create)
    assert (folder / "experiment.sqlite").stat().st_size == 0
    assert sorted(p.name for p in folder.iterdir()) == ["experiment.sqlite", "exports"]


@pytest.mark.parametrize("kind", list(DAMAGE))
def test_the_command_line_says_what_is_damaged(good, tmp_path, kind):
    folder = damaged_copy(good[0], tmp_path / "exp", kind)
    before = hashlib.sha256((folder / "experiment.sqlite").read_bytes()).hexdigest()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for args in (["export", str(folder), "--out", str(tmp_path / "out")],
                 ["import", str(folder), str(good[1])]):
        done = subprocess.run([sys.executable, "-m", "hd_desktop.cli", *args], env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert DAMAGE[kind][1] in done.stderr, done.stderr
        assert "Traceback" not in done.stderr and "checks yet" not in done.stderr
    assert hashlib.sha256((folder / "experiment.sqlite").read_bytes()).hexdigest() == before


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(DAMAGE))
def test_the_window_tells_a_damaged_experiment_in_words(qtbot, tmp_home, good, capfd, kind):
    damaged_copy(good[0], tmp_home / "sessions" / "exp", kind)
    reported = []
    channel().reported.connect(lambda step, message: reported.append(message))
    w = MainWindow(tmp_home / "sessions" / "exp", None, Settings())
    qtbot.addWidget(w)
    ready = []
    w.spaceReady.connect(ready.append)
    w.show()
    qtbot.waitUntil(lambda: bool(ready or reported), timeout=60000)
    told = " ".join([w.statusBar().currentMessage()] + reported)
    assert DAMAGE[kind][1] in told, told
    assert "Traceback" not in capfd.readouterr().err
    w.close()
