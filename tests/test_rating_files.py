"""Rating files: export -> import reproduces votes exactly; bad files refused, nothing touched."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from helpers.experiments import make_experiment

from hd_desktop.cli import main
from hd_desktop.errors import BadInputError, UserFacingError
from hd_desktop.store import (Experiment, columns, import_rating_files, read_rating_file,
                              write_rating_file)

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)


def _session(exp, trials, listener, n_votes, seed=5, undo_at=None):
    sid = exp.start_session(listener, "trials", [s.id for s in trials], seed, "Dummy Out", -3.25)
    for i in range(n_votes):
        t = T0 + timedelta(seconds=3 * i)
        exp.record_vote(sid, i, trials[i].id, (i * 7) % 3 % 2, 250.0 + i / 3, 1 + i % 2, t,
                        t + timedelta(milliseconds=250 + i), "Dummy Out", -3.25)
        if i == undo_at:
            exp.undo_last_vote(sid)
            exp.record_vote(sid, i, trials[i].id, 1, 999.5, 3, t, t, None, None)
    return sid


@pytest.fixture
def source(tmp_path):
    """An experiment with one exported session (with an undo in it); yields (exp, csv path)."""
    exp, trials = make_experiment(tmp_path / "A")
    sid = _session(exp, trials, "L01", 12, undo_at=4)
    csv_path, _ = write_rating_file(exp, sid, tmp_path / "out")
    yield exp, trials, sid, csv_path
    exp.close()


def _folder_digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_file_layout(source):
    exp, trials, sid, csv_path = source
    rows = list(csv.reader(io.StringIO(csv_path.read_text())))
    assert rows[0] == columns(2) and len(rows) == 1 + 13  # 12 standing + 1 undone
    assert rows[0][:12] == ["vote_id", "listener_id", "session_id", "session_kind", "trial_index",
                            "stimulus_id", "round", "role", "neighbour", "pair", "seed", "z1"]
    sidecar = json.loads(csv_path.with_suffix(".json").read_text())
    assert sidecar["schema_version"] == 1 and sidecar["schema"] == "hd-desktop-ratings" and sidecar["csv"]["rows"] == 13
    assert sidecar["experiment_id"] == exp.experiment_id
    assert sidecar["space"]["fingerprint"] == exp.space()[0]
    assert sidecar["session"]["order_seed"] == 5 and sidecar["seeds"]["order"] == 5
    assert len(sidecar["stimuli"]) == len(trials) and sidecar["rounds"][0]["index"] == 0


def test_export_then_import_into_a_fresh_experiment_reproduces_every_vote(source, tmp_path):
    exp, _, sid, csv_path = source
    report = import_rating_files(tmp_path / "B", [csv_path])
    assert report.created and report.new_votes == 13
    with Experiment.open(tmp_path / "B", create=False) as copy:
        assert copy.votes(include_undone=True) == exp.votes(include_undone=True)
        assert copy.session(sid) == exp.session(sid)
        assert copy.experiment_id == exp.experiment_id and copy.space() == exp.space()
        assert copy.rounds() == exp.rounds()
        assert copy.next_trial(sid) == 12
        assert copy.vote_counts() == exp.vote_counts()


def test_importing_the_same_file_twice_changes_nothing(source, tmp_path):
    _, _, _, csv_path = source
    import_rating_files(tmp_path / "B", [csv_path])
    before = _folder_digest(tmp_path / "B")
    report = import_rating_files(tmp_path / "B", [csv_path, csv_path.with_suffix(".json")])
    assert report.new_votes == 0 and report.known_votes == 26
    assert _folder_digest(tmp_path / "B") == before


def test_two_workstations_merge_and_undos_carry_over(source, tmp_path):
    exp, trials, sid, csv_path = source
    import_rating_files(tmp_path / "B", [csv_path])  # workstation B starts from A's file
    with Experiment.open(tmp_path / "B") as b:
        sid_b = _session(b, trials, "L02", 6, seed=9)
        csv_b, _ = write_rating_file(b, sid_b, tmp_path / "out-b")
    exp.undo_last_vote(sid)  # A takes back trial 11 after exporting
    csv_a2, _ = write_rating_file(exp, sid, tmp_path / "out-a2")
    report = import_rating_files(tmp_path / "B", [csv_a2])
    assert report.new_undos == 1 and report.new_votes == 0
    import_rating_files(exp.folder, [csv_b])
    with Experiment.open(tmp_path / "B") as b:
        assert b.votes(include_undone=True) == exp.votes(include_undone=True)
        assert b.next_trial(sid) == 11


def _edit_rows(csv_path: Path, edit, fix_checksum=True):
    """Rewrite the CSV through `edit(rows)`; optionally forge a matching checksum and count."""
    rows = list(csv.reader(io.StringIO(csv_path.read_text())))
    edit(rows)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    csv_path.write_text(buf.getvalue())
    if fix_checksum:
        side = csv_path.with_suffix(".json")
        meta = json.loads(side.read_text())
        meta["csv"]["sha256"] = hashlib.sha256(csv_path.read_bytes()).hexdigest()
        meta["csv"]["rows"] = len(rows) - 1
        side.write_text(json.dumps(meta))


def _set(column, value, row=1):
    def edit(rows):
        rows[row][rows[0].index(column)] = value
    return edit


def _sidecar(change):
    def edit(csv_path):
        side = csv_path.with_suffix(".json")
        meta = json.loads(side.read_text())
        change(meta)
        side.write_text(json.dumps(meta))
    return edit


def _both(column, value, stim_index=None):
    """Move a stimulus consistently in the CSV and the sidecar (a forged, self-consistent file)."""
    def edit(csv_path):
        rows = list(csv.reader(io.StringIO(csv_path.read_text())))
        sid = rows[1][rows[0].index("stimulus_id")]
        _edit_rows(csv_path, lambda rs: [r.__setitem__(rs[0].index(column), value)
                                         for r in rs[1:] if r[rs[0].index("stimulus_id")] == sid])
        _sidecar(lambda m: [s.__setitem__("z", [float(value), s["z"][1]])
                            for s in m["stimuli"] if s["id"] == sid])(csv_path)
    return edit


def _truncate(csv_path):
    data = csv_path.read_bytes()
    csv_path.write_bytes(data[: len(data) // 2])


def _foreign(csv_path):
    csv_path.write_text("subject,item,rating\n1,a,5\n")
    csv_path.with_suffix(".json").unlink()


REFUSALS = {
    "other experiment": (_sidecar(lambda m: m.update(experiment_id="f" * 32)), "from experiment"),
    "other voice space": (_sidecar(lambda m: m["space"].update(fingerprint="space-x")),
                          "voice space"),
    "other design": (_sidecar(lambda m: m["rounds"][0]["design"].update(seed=12)),
                     "different design"),
    "stimulus left out of the sidecar": (_sidecar(lambda m: m["stimuli"].pop()),
                                         "does not describe"),
    "truncated": (_truncate, "checksum"),
    "rows dropped, checksum forged": (lambda p: _edit_rows(p, lambda r: r.pop(), False)
                                      or _sidecar(lambda m: m["csv"].update(
                                          sha256=hashlib.sha256(p.read_bytes()).hexdigest()))(p),
                                      "truncated"),
    "foreign csv": (_foreign, "no sidecar"),
    "edited without checksum": (lambda p: _edit_rows(p, _set("rt_ms", "1.0"), False),
                                "checksum"),
    "response 2": (lambda p: _edit_rows(p, _set("response", "2")), "response"),
    "negative rt": (lambda p: _edit_rows(p, _set("rt_ms", "-5.0")), "negative reaction time"),
    "unknown stimulus": (lambda p: _edit_rows(p, _set("stimulus_id", "r0-n999-r00+")),
                         "unknown stimulus"),
    "z edited": (lambda p: _edit_rows(p, _set("z1", "0.5")), "coordinates"),
    "z forged in csv and sidecar": (_both("z1", "0.5"), "other coordinates"),
    "nan gain": (lambda p: _edit_rows(p, _set("gain_db", "nan")), "not finite"),
    "not utc": (lambda p: _edit_rows(p, _set("presented_at", "2026-03-02T09:30:00")), "UTC"),
}

# Sound files that disagree with the experiment they are merged into (they could found a new one).
AGAINST_THE_EXPERIMENT = {"other experiment", "other voice space", "other design",
                          "z forged in csv and sidecar"}


@pytest.mark.parametrize("case", REFUSALS)
def test_bad_files_are_refused_and_the_experiment_is_untouched(source, tmp_path, case):
    exp, trials, _, csv_path = source
    good = tmp_path / "B"
    import_rating_files(good, [csv_path])  # an existing experiment the bad file must not touch
    with Experiment.open(good) as b:
        sid_b = _session(b, trials, "L02", 3, seed=2)
        good_b, _ = write_rating_file(b, sid_b, tmp_path / "out-b")
    other = _session(exp, trials, "L03", 5, seed=3)
    bad, _ = write_rating_file(exp, other, tmp_path / "bad")
    spoil, message = REFUSALS[case]
    spoil(bad)
    before = _folder_digest(good)
    with pytest.raises(BadInputError, match=message) as err:
        import_rating_files(good, [good_b, bad])  # one bad file: nothing is imported
    assert bad.stem in str(err.value)  # the message names the file
    assert _folder_digest(good) == before
    if case not in AGAINST_THE_EXPERIMENT:  # the file itself is bad: no fresh experiment either
        with pytest.raises(BadInputError):
            import_rating_files(tmp_path / "fresh", [bad])
        assert not (tmp_path / "fresh").exists()


def test_cli_export_and_import(source, tmp_path, capsys, monkeypatch):
    exp, _, sid, _ = source
    monkeypatch.setenv("HD_SESSIONS_DIR", str(tmp_path / "sessions"))
    assert main(["export", str(exp.folder), "--out", str(tmp_path / "cli")]) == 0
    written = sorted((tmp_path / "cli").glob("ratings-*.csv"))
    assert len(written) == 1 and sid in written[0].name
    assert main(["import", "merged", str(written[0])]) == 2      # no such experiment yet
    assert "merged" in capsys.readouterr().err and not (tmp_path / "sessions" / "merged").exists()
    assert main(["import", "merged", "--create", str(written[0]),
                 str(written[0].with_suffix(".json"))]) == 0
    assert "13 new vote(s)" in capsys.readouterr().out
    with Experiment.open(tmp_path / "sessions" / "merged", create=False) as merged:
        assert merged.votes(include_undone=True) == exp.votes(include_undone=True)
    (tmp_path / "junk.csv").write_text("a,b\n1,2\n")
    assert main(["import", "merged", str(tmp_path / "junk.csv")]) == 2
    assert "junk.csv" in capsys.readouterr().err
    assert main(["export", str(tmp_path / "nowhere"), "--out", str(tmp_path / "x")]) == 2


def test_read_refuses_an_unknown_schema_version(source):
    _, _, _, csv_path = source
    _sidecar(lambda m: m.update(schema_version=2))(csv_path)
    with pytest.raises(UserFacingError, match="schema version 2"):
        read_rating_file(csv_path)


def test_an_unwritable_export_folder_is_reported_by_name(source, tmp_path):
    exp, _, sid, _ = source
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the export folder should be")
    with pytest.raises(UserFacingError, match="not-a-folder"):
        write_rating_file(exp, sid, blocker)
    assert len(exp.votes(session_id=sid)) == 12
