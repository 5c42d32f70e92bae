"""Full and read-only disks (issue 9, items 9 and 12), on a real small tmpfs.

A vote or an import that meets a full disk is refused in words ("the disk is full"), never with
SQLite's "cannot rollback" over the real error, and everything stored before it stays; a valid
experiment on a read-only disk opens for reading and exports, and is never called "not an
hd-desktop experiment database"; an export that cannot finish leaves no half pair behind.
"""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from helpers.experiments import make_experiment

from hd_desktop.cli import main
from hd_desktop.errors import UserFacingError
from hd_desktop.store import Experiment, StoreWriteError, import_rating_files, write_rating_file

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)


@pytest.fixture
def tmpfs(tmp_path):
    """A 3 MB tmpfs mounted for the test (root only); unmounted afterwards."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}); needs root")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def _session(exp, trials, votes: int) -> str:
    sid = exp.start_session("L1", "trials", [s.id for s in trials], 4, "Dummy Out", -3.0)
    for i in range(votes):
        _vote(exp, sid, trials, i)
    return sid


def _vote(exp, sid, trials, i):
    t = T0 + timedelta(seconds=3 * i)
    return exp.record_vote(sid, i, trials[i].id, i % 2, 300.0, 1, t, t + timedelta(seconds=1),
                           "Dummy Out", -3.0)


def _fill(disk: Path) -> Path:
    """Fill the disk to the last byte; returns the filler file."""
    filler = disk / "filler"
    with open(filler, "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 4096)
                f.flush()
        except OSError:
            pass
    return filler


def test_a_vote_on_a_full_disk_is_refused_in_words_and_nothing_is_lost(tmpfs):
    exp, trials = make_experiment(tmpfs / "e", neighbours=40, pairs=10)
    sid = _session(exp, trials, 5)
    filler = _fill(tmpfs)
    stored, error = 5, None
    for i in range(5, len(trials)):  # the log may still have room for a few
        try:
            _vote(exp, sid, trials, i)
            stored += 1
        except StoreWriteError as exc:
            error = str(exc)
            break
    assert error is not None and "the disk is full" in error and "not stored" in error
    assert "rollback" not in error
    assert exp.next_trial(sid) == stored
    filler.unlink()
    _vote(exp, sid, trials, stored)  # the same trial again, once there is room
    exp.close()
    with Experiment.open(tmpfs / "e", create=False) as again:
        assert again.next_trial(sid) == stored + 1


def test_an_import_on_a_full_disk_says_so_without_rollback_noise(tmpfs, tmp_path, capsys):
    source, trials = make_experiment(tmp_path / "A", neighbours=40, pairs=10)
    sid = _session(source, trials, len(trials))
    csv_path, _ = write_rating_file(source, sid, tmp_path / "out")
    target = tmpfs / "B"
    import_rating_files(target, [write_rating_file(source, _session(source, trials, 3),
                                                   tmp_path / "first")[0]])
    source.close()
    filler = _fill(tmpfs)
    code = main(["import", str(target), str(csv_path)])
    err = capsys.readouterr().err
    assert code != 0 and "the disk is full" in err
    assert "rollback" not in err and "Traceback" not in err
    filler.unlink()
    assert main(["import", str(target), str(csv_path)]) == 0  # room again: importing completes
    with Experiment.open(target, create=False) as exp:
        assert len(exp.votes(session_id=sid)) == len(trials)


def test_an_export_that_meets_a_full_disk_leaves_no_half_pair(tmpfs, tmp_path):
    exp, trials = make_experiment(tmp_path / "A", neighbours=40, pairs=10)
    sid = _session(exp, trials, len(trials))
    out = tmpfs / "out"
    out.mkdir()
    _fill(tmpfs)
    with pytest.raises(Exception, match="neither was left behind") as info:
        write_rating_file(exp, sid, out)
    assert "ratings-L1" in str(info.value) and ".json" in str(info.value)
    assert list(out.iterdir()) == []
    exp.close()


def _remount_read_only(disk: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)


def test_a_read_only_experiment_opens_exports_and_refuses_changes_in_words(tmpfs, tmp_path,
                                                                            capsys):
    exp, trials = make_experiment(tmpfs / "e")
    sid = _session(exp, trials, 8)
    votes = exp.votes(include_undone=True)
    exp.close()
    (tmpfs / "empty").mkdir()
    _remount_read_only(tmpfs)
    with pytest.raises(UserFacingError, match="cannot create the experiment folder .*new"):
        Experiment.open(tmpfs / "new")
    with pytest.raises(UserFacingError, match="cannot create .*empty/experiment.sqlite: it is "
                       "on a read-only disk"):
        Experiment.open(tmpfs / "empty")
    with Experiment.open(tmpfs / "e", create=False) as ro:
        assert ro.read_only and ro.votes(include_undone=True) == votes
        with pytest.raises(StoreWriteError, match="read-only"):
            _vote(ro, sid, trials, 8)
    assert main(["export", str(tmpfs / "e"), "--out", str(tmp_path / "out")]) == 0
    (csv_path,) = (tmp_path / "out").glob("ratings-*.csv")
    report = import_rating_files(tmp_path / "copy", [csv_path])
    assert report.new_votes == 8
    capsys.readouterr()
    assert main(["import", str(tmpfs / "e"), str(csv_path)]) == 0  # all known: nothing to write
    assert "0 new vote(s)" in capsys.readouterr().out
    other = tmp_path / "other"
    import_rating_files(other, [csv_path])
    with Experiment.open(other, create=False) as exp:
        new_sid = _session(exp, trials, 2)
        new_file, _ = write_rating_file(exp, new_sid, tmp_path / "new")
    code = main(["import", str(tmpfs / "e"), str(new_file)])
    err = capsys.readouterr().err
    assert code != 0 and "read-only" in err and "was not stored" in err
    assert "Traceback" not in err and "not an hd-desktop experiment" not in err


def test_a_read_only_copy_with_pending_log_is_explained(tmpfs):
    exp, trials = make_experiment(tmpfs / "e")
    _session(exp, trials, 3)
    subprocess.run(["cp", "-a", str(tmpfs / "e"), str(tmpfs / "copy")], check=True)
    exp.close()
    (tmpfs / "copy" / "experiment.sqlite-shm").unlink()  # the copy kept a log but not its index
    assert (tmpfs / "copy" / "experiment.sqlite-wal").stat().st_size > 0
    _remount_read_only(tmpfs)
    with pytest.raises(Exception) as info:
        Experiment.open(tmpfs / "copy", create=False)
    message = str(info.value)
    assert "write-ahead log" in message and "Copy the experiment folder" in message
    assert "not an hd-desktop experiment" not in message
