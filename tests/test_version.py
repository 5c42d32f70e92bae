"""One version, written in one place (hd_desktop/__init__.py), read by the package metadata and
stamped on every vote and rating file the app writes."""

from __future__ import annotations

import csv
import io
import json
import re
import tomllib
from datetime import datetime, timedelta, timezone
from pathlib import Path

from helpers.experiments import make_experiment

import hd_desktop
from hd_desktop.store import write_rating_file

ROOT = Path(__file__).resolve().parent.parent


def test_the_version_is_written_once_and_read_by_the_package_metadata():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"]
    assert "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "hd_desktop.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", hd_desktop.__version__)
    assert hd_desktop.__version__ != "0.1.0"   # what every vote said for 208 commits


def test_every_vote_and_rating_file_carries_the_version(tmp_path):
    version = hd_desktop.__version__
    exp, trials = make_experiment(tmp_path / "A")
    sid = exp.start_session("L01", "trials", [s.id for s in trials], 5, "Dummy Out", -3.25)
    t0 = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
    for i in range(3):
        t = t0 + timedelta(seconds=3 * i)
        exp.record_vote(sid, i, trials[i].id, i % 2, 250.0, 1, t, t + timedelta(seconds=1),
                        "Dummy Out", -3.25)
    assert {v.app_version for v in exp.votes(session_id=sid)} == {version}
    csv_path, json_path = write_rating_file(exp, sid, tmp_path / "out")
    rows = list(csv.DictReader(io.StringIO(csv_path.read_text())))
    assert len(rows) == 3 and {r["app_version"] for r in rows} == {version}
    assert json.loads(json_path.read_text())["app_version"] == version
    exp.close()
