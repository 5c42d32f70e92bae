"""Imports are checked for meaning, not only bytes (issue 9, items 1, 5, 10 and 14).

A rating file whose rows, sidecar and checksum agree can still describe stimuli that do not fit
the experiment, or values the app itself never writes. Each is refused with a message naming the
file, the experiment byte-identical; a sound file from another workstation is accepted and the
engine can still update.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest
from helpers.importing import (designed_experiment, engine_updates, export, read_pair,
                               vote_session, write_pair)

from hd_desktop.cli import main
from hd_desktop.errors import BadInputError
from hd_desktop.store import Experiment, import_rating_files


@pytest.fixture(scope="module")
def workstations(tmp_path_factory):
    """Workstation A designed round 0 and ran two sessions; B holds the first session only
    (made by importing it). Returns (B's folder, the second session's exported CSV)."""
    root = tmp_path_factory.mktemp("ws")
    exp, stimuli = designed_experiment(root / "A")
    first = vote_session(exp, stimuli, "L1", seed=1, n=40)
    second = vote_session(exp, stimuli, "L2", seed=2)
    files = [export(exp, sid, root / "out") for sid in (first, second)]
    exp.close()
    import_rating_files(root / "B", [files[0]])
    return root / "B", files[1]


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def target(workstations, tmp_path):
    folder, csv_path = workstations
    shutil.copytree(folder, tmp_path / "B")
    out = tmp_path / "file"
    out.mkdir()
    for p in (csv_path, csv_path.with_suffix(".json")):
        shutil.copy(p, out / p.name)
    return tmp_path / "B", out / csv_path.name


def _refused(target, match: str) -> None:
    folder, csv_path = target
    before = _digest(folder)
    with pytest.raises(BadInputError, match=match) as info:
        import_rating_files(folder, [csv_path])
    assert str(csv_path.parent) in str(info.value) and _digest(folder) == before


def _z_columns(rows):
    return [i for i, name in enumerate(rows[0]) if name.startswith("z")]


def test_a_sound_file_with_new_stimuli_of_the_round_is_accepted_and_the_engine_updates(target):
    folder, csv_path = target
    with Experiment.open(folder, create=False) as exp:
        before = len(exp.stimuli(round=0))
    report = import_rating_files(folder, [csv_path])
    with Experiment.open(folder, create=False) as exp:
        assert len(exp.stimuli(round=0)) > before and report.new_votes > 0
    assert engine_updates(folder) == 16


def test_three_coordinates_in_a_two_dimensional_space_are_refused(target):
    sidecar, rows = read_pair(target[1])
    sidecar["csv"]["dims"] = 3
    for s in sidecar["stimuli"]:
        s["z"].append(0.25)
    at = _z_columns(rows)[-1] + 1
    rows = [r[:at] + (["z3"] if n == 0 else ["0.25"]) + r[at:] for n, r in enumerate(rows)]
    write_pair(target[1], sidecar, rows)
    _refused(target, "has 3 coordinates; the experiment's voice space has 2")


@pytest.mark.parametrize("value", [1e300, -75.0])
def test_coordinates_far_outside_the_space_are_refused(target, value):
    sidecar, rows = read_pair(target[1])
    victim = sidecar["stimuli"][0]
    victim["z"][0] = value
    for r in rows[1:]:
        if r[5] == victim["id"]:
            r[_z_columns(rows)[0]] = repr(value)
    write_pair(target[1], sidecar, rows)
    _refused(target, f"stimulus {re.escape(victim['id'])} lies .* SD from the centre")


def test_a_stimulus_the_rounds_design_never_made_is_refused(target):
    sidecar, rows = read_pair(target[1])
    victim = next(s for s in sidecar["stimuli"] if s["role"] == "nes+")
    new_id = "r0-n777-m0-r00+"
    victim_id, victim["id"] = victim["id"], new_id
    sidecar["session"]["order"] = [new_id if i == victim_id else i
                                   for i in sidecar["session"]["order"]]
    for r in rows[1:]:
        if r[5] == victim_id:
            r[5] = new_id
    write_pair(target[1], sidecar, rows)
    _refused(target, f"stimulus {re.escape(new_id)} is not one that round 0's design makes")


def _new_to(folder: Path, sidecar: dict, role: str) -> dict:
    """A stimulus of the file that the experiment in `folder` does not hold yet."""
    with Experiment.open(folder, create=False) as exp:
        stored = {s.id for s in exp.stimuli()}
    return next(s for s in sidecar["stimuli"] if s["role"] == role and s["id"] not in stored)


def test_a_stimulus_moved_away_from_its_neighbour_is_refused(target):
    sidecar, rows = read_pair(target[1])
    victim = _new_to(target[0], sidecar, "nes-")
    victim["z"][1] += 0.5
    for r in rows[1:]:
        if r[5] == victim["id"]:
            r[_z_columns(rows)[1]] = repr(victim["z"][1])
    write_pair(target[1], sidecar, rows)
    _refused(target, f"stimulus {re.escape(victim['id'])} does not lie where round 0's design")


def test_a_stimulus_with_another_seed_is_refused(target):
    sidecar, rows = read_pair(target[1])
    victim = _new_to(target[0], sidecar, "nes+")
    victim["seed"] += 1
    for r in rows[1:]:
        if r[5] == victim["id"]:
            r[rows[0].index("seed")] = str(victim["seed"])
    write_pair(target[1], sidecar, rows)
    _refused(target, "another role, seed, neighbour or pair")


def _edit_cell(target, column: str, value: str, line: int = 1) -> None:
    sidecar, rows = read_pair(target[1])
    rows[line][rows[0].index(column)] = value
    write_pair(target[1], sidecar, rows)


@pytest.mark.parametrize("column, value, match", [
    ("presented_at", "not a time", "presented_at 'not a time' is not an ISO 8601 UTC time"),
    ("presented_at", "None", "presented_at 'None' is not an ISO"),
    ("responded_at", "2026-03-02 09:30:00.400000+00:00", "responded_at .* is not an ISO"),
    ("responded_at", "2026-03-02x09:30:00.400000+00:00", "responded_at .* is not an ISO"),
    ("responded_at", "2026-02-30T09:30:00.000000+00:00", "not a real date and time"),
    ("responded_at", "2026-03-02T09:29:00.000000+00:00", "is after responded_at"),
    ("undone_at", "yesterday", "undone_at 'yesterday' is not an ISO"),
    ("gain_db", "nan", "gain_db 'nan' is not a number"),
    ("gain_db", "1e400", "gain_db '1e400' is not a number"),
    ("rt_ms", "١٢", "rt_ms '١٢' is not a number"),
    ("trial_index", "1_0", "trial_index '1_0' is not a whole number"),
    ("seed", str(2**70), "seed .* is not a whole number"),
    ("vote_id", " ", "vote_id ' ' is not a printable name"),
    ("app_version", "", "app_version '' is not a printable name"),
    ("device", "Dummy\x07Out", "device .* is not a printable name"),
])
def test_row_values_the_app_never_writes_are_refused(target, column, value, match):
    _edit_cell(target, column, value)
    _refused(target, match)


def _edit_sidecar(target, change) -> None:
    sidecar, rows = read_pair(target[1])
    change(sidecar)
    write_pair(target[1], sidecar, rows)


def _listener(sidecar, rows, name):
    sidecar["session"]["listener"] = name
    for r in rows[1:]:
        r[1] = name


@pytest.mark.parametrize("name", ["", "   ", " L2", "L\n2"])
def test_empty_and_blank_listener_ids_are_refused(target, name):
    sidecar, rows = read_pair(target[1])
    _listener(sidecar, rows, name)
    write_pair(target[1], sidecar, rows)
    _refused(target, "session.listener is")


@pytest.mark.parametrize("field, value, match", [
    ("gain_db", float("nan"), "session.gain_db is nan"),
    ("gain_db", "loud", "session.gain_db is 'loud'; expected a number"),
    ("device", 3, "session.device is 3; expected text"),
    ("device", ["a"], "session.device is \\['a'\\]; expected text"),
    ("order_seed", 2**70, "session.order_seed is 1180591620717411303424"),
    ("order_seed", 1.5, "session.order_seed is 1.5; expected a whole number"),
    ("order_seed", True, "session.order_seed is True; expected a whole number"),
    ("started_at", None, "session.started_at is None"),
    ("finished_at", "not a time", "session.finished_at is 'not a time'"),
    ("settings", {"a": float("inf")}, "session.settings"),
    ("id", {"x": 1}, "session.id is {'x': 1}; expected text"),
])
def test_sidecar_session_fields_are_typed_and_range_checked(target, field, value, match):
    _edit_sidecar(target, lambda sc: sc["session"].__setitem__(field, value))
    _refused(target, match)


@pytest.mark.parametrize("path, value, match", [
    (("csv", "dims"), 1e400, "csv.dims is inf; expected a whole number"),
    (("csv", "dims"), "2", "csv.dims is '2'; expected a whole number"),
    (("stimuli", 0, "seed"), 2**70, "stimuli\\[0\\].seed is"),
    (("stimuli", 0, "seed"), float("nan"), "stimuli\\[0\\].seed is nan"),
    (("stimuli", 0, "z"), [1.0, float("inf")], "stimuli\\[0\\].z is"),
    (("stimuli", 0, "z"), {"x": 1}, "stimuli\\[0\\].z is"),
    (("stimuli", 0, "round"), "0", "stimuli\\[0\\].round is '0'; expected a whole number"),
    (("stimuli", 0, "role"), "nes*", "stimuli\\[0\\].role is 'nes\\*'"),
    (("rounds", 0, "index"), 2**70, "rounds\\[0\\].index is"),
    (("rounds", 0, "design"), [1], "rounds\\[0\\].design is \\[1\\]; expected an object"),
    (("experiment_id",), 7, "sidecar.experiment_id is 7; expected text"),
    (("space",), [], "space is \\[\\]; expected an object"),
])
def test_sidecar_fields_of_the_wrong_type_or_size_are_refused(target, path, value, match):
    def change(sc):
        node = sc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    _edit_sidecar(target, change)
    _refused(target, match)


def test_deeply_nested_sidecar_values_are_refused_without_a_recursion_error(target):
    sidecar, rows = read_pair(target[1])
    text = json_text = __import__("json").dumps(sidecar)
    deep = "[" * 100_000 + "]" * 100_000
    text = json_text.replace('"settings": {}', f'"settings": {{"x": {deep}}}', 1)
    assert text != json_text
    write_pair(target[1], sidecar, rows, sidecar_text=text)
    _refused(target, "unreadable sidecar \\(nested too deep\\)")
    shallow = "[" * 900 + "]" * 900
    write_pair(target[1], sidecar, rows,
               sidecar_text=json_text.replace('"settings": {}', f'"settings": {{"x": {shallow}}}'))
    _refused(target, "session.settings is .*; expected plain JSON nested at most 32 deep")


def test_windows_line_endings_are_named_with_what_to_do(target):
    folder, csv_path = target
    csv_path.write_bytes(csv_path.read_bytes().replace(b"\n", b"\r\n"))
    _refused(target, "line endings were changed to Windows \\(CRLF\\) after export; nothing else "
                     "differs. Re-export it from the source experiment")


def test_a_pandas_resave_is_named_with_what_to_do(target):
    folder, csv_path = target
    lines = csv_path.read_text().splitlines()
    csv_path.write_text("\n".join([","+ lines[0]] + [f"{i},{row}" for i, row in
                                                       enumerate(lines[1:])]) + "\n")
    _refused(target, "an index column was added in front \\(as pandas' to_csv does\\).*"
                     "hd-desktop export")


def test_the_command_line_says_the_same_without_a_traceback(target, capsys):
    folder, csv_path = target
    _edit_cell(target, "presented_at", "not a time")
    assert main(["import", str(folder), str(csv_path)]) != 0
    err = capsys.readouterr().err
    assert "not an ISO 8601 UTC time" in err and "Traceback" not in err


def test_records_from_another_source_are_checked_as_their_file_would_be(target):
    """The entry point for ratings that never were a file (a web experiment's results)."""
    from dataclasses import replace

    from hd_desktop.store import import_ratings, read_rating_file

    folder, csv_path = target
    rf = read_rating_file(csv_path)
    bad = replace(rf, votes=[replace(rf.votes[0], presented_at="not a time")] + rf.votes[1:])
    before = _digest(folder)
    with pytest.raises(BadInputError, match="web-results.*presented_at 'not a time'"):
        import_ratings(folder, [("web-results", bad)])
    far = {sid: replace(s, z=(90.0, 0.0)) for sid, s in rf.stimuli.items()}
    with pytest.raises(BadInputError, match="web-results.*SD from the centre"):
        import_ratings(folder, [("web-results", replace(rf, stimuli=far))])
    assert _digest(folder) == before
    report = import_ratings(folder, [("web-results", rf)])
    assert report.new_votes == len(rf.votes)
