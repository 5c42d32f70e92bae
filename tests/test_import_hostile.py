"""Online results imported the way a careless or a malicious user would give them (issue 22):
every answer of a participant kept whatever files they came in, nothing that hangs, fills
memory or spoofs a message, and every refusal naming the user's own file."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from helpers.online import as_csv, as_json, jatos_archive, online_experiment, participant_rows

from hd_desktop.errors import BadInputError
from hd_desktop.store import Experiment, SessionKind
from hd_desktop.web.importing import import_results

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile") / "exp"
    online_experiment(folder).close()
    return folder


@pytest.fixture
def exp_dir(pristine, tmp_path) -> Path:
    return Path(shutil.copytree(pristine, tmp_path / "exp"))


def rows(folder: Path, pid: str, **kw) -> list[dict]:
    with Experiment.open(folder, create=False) as exp:
        return participant_rows(exp, pid, **kw)


def digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def stored(folder: Path, pid: str) -> tuple[int, bool]:
    """(trial votes stored for `pid`, whether their trials session is finished)."""
    with Experiment.open(folder, create=False) as exp:
        trials = [s for s in exp.sessions(pid) if s.kind == SessionKind.TRIALS]
        if not trials:
            return 0, False
        return len(exp.votes(session_id=trials[0].id)), trials[0].finished_at is not None


def refused(folder: Path, files, *expected: str) -> str:
    before = digest(folder)
    with pytest.raises(BadInputError) as caught:
        import_results(folder, files)
    message = str(caught.value)
    for text in expected:
        assert text in message, message
    assert "hd-web" not in message and "/tmp/" not in message.replace(str(folder.parent), "")
    assert digest(folder) == before
    return message


# ------------------------------------------------------------------ 1, 2: one unit per participant

def test_two_files_of_one_participant_are_merged_and_a_conflict_names_both(exp_dir, tmp_path):
    longer, shorter = tmp_path / "P1-second-break.json", tmp_path / "P1-first-break.csv"
    longer.write_text(as_json(rows(exp_dir, "P1", answered=30, complete=False)))
    shorter.write_text(as_csv(rows(exp_dir, "P1", answered=20, complete=False)))
    flipped = tmp_path / "P1-edited-elsewhere.csv"
    flipped.write_text(as_csv(rows(exp_dir, "P1", answered=20, complete=False,
                                   response=lambda i, sid: 1 - (i * 7 + len(sid)) % 2)))
    refused(exp_dir, [longer, flipped], str(longer), str(flipped), "answered differently")
    report = import_results(exp_dir, [longer, shorter])   # the larger one first: it must stay
    assert stored(exp_dir, "P1") == (30, False)
    assert report.participants == ["P1"] and report.unfinished == ["P1: 30 of 51 voices"]


def test_two_results_of_one_id_inside_one_archive_are_merged(exp_dir, tmp_path):
    archive = jatos_archive(tmp_path / "jatos_results.jrzip", [
        rows(exp_dir, "P1"), rows(exp_dir, "P2", answered=12, complete=False),
        rows(exp_dir, "P1", answered=24, complete=False)])
    report = import_results(exp_dir, [archive])
    assert stored(exp_dir, "P1") == (51, True) and stored(exp_dir, "P2") == (12, False)
    assert sorted(report.participants) == ["P1", "P2"] and report.files == 1
    clash = jatos_archive(tmp_path / "clash.jrzip", [
        rows(exp_dir, "P3"), rows(exp_dir, "P3", answered=5, complete=False,
                                  response=lambda i, sid: 1 - (i * 7 + len(sid)) % 2)])
    refused(exp_dir, [clash], f"{clash}:study_result_1", f"{clash}:study_result_2",
            "answered differently")


@pytest.mark.parametrize("whole_first", [True, False])
def test_the_whole_results_win_over_a_checkpoint_in_either_order(exp_dir, tmp_path, whole_first):
    whole, checkpoint = tmp_path / "P1.csv", tmp_path / "P1-break.json"
    whole.write_text(as_csv(rows(exp_dir, "P1")))
    checkpoint.write_text(as_json(rows(exp_dir, "P1", answered=4, complete=False)))
    report = import_results(exp_dir, [whole, checkpoint] if whole_first else [checkpoint, whole])
    assert stored(exp_dir, "P1") == (51, True)
    assert report.unfinished == [] and report.files == 2


# ------------------------------------------------------------------ 3: two imports at once

IMPORTER = """
import sys
from hd_desktop.errors import BadInputError
from hd_desktop.web.importing import import_results
try:
    import_results(sys.argv[1], [sys.argv[2]])
    print("stored")
except BadInputError as exc:
    print("refused:", exc)
"""


@pytest.mark.slow
def test_two_imports_at_once_sharing_an_id_store_one_whole_and_refuse_the_other(exp_dir, tmp_path):
    flip = lambda i, sid: 1 - (i * 7 + len(sid)) % 2  # noqa: E731
    a = jatos_archive(tmp_path / "a.jrzip", [rows(exp_dir, f"A{n}") for n in range(40)]
                      + [rows(exp_dir, "SHARED")])
    b = jatos_archive(tmp_path / "b.jrzip", [rows(exp_dir, f"B{n}") for n in range(40)]
                      + [rows(exp_dir, "SHARED", response=flip)])
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    runs = [subprocess.Popen([sys.executable, "-c", IMPORTER, str(exp_dir), str(f)], env=env,
                             stdout=subprocess.PIPE, text=True) for f in (a, b)]
    said = [r.communicate(timeout=600)[0].strip() for r in runs]
    assert sorted(s.split(":")[0] for s in said) == ["refused", "stored"], said
    winner, loser = ("A", "B") if said[0].startswith("stored") else ("B", "A")
    assert "nothing was imported" in said[1 if winner == "A" else 0]
    with Experiment.open(exp_dir, create=False) as exp:
        listeners = {s.listener for s in exp.sessions()}
    assert {f"{winner}{n}" for n in range(40)} | {"SHARED"} == listeners
    assert all(stored(exp_dir, f"{winner}{n}") == (51, True) for n in range(40))
    # the loser can be imported again and is refused the same way, whole
    refused(exp_dir, [b if loser == "B" else a], "SHARED", "nothing was imported")


# ------------------------------------------------------------------ 4: pipes

@pytest.mark.parametrize("name", ["results.csv", "results.json", "jatos_results.zip",
                                  "data.txt"])
def test_a_pipe_given_as_results_is_refused_at_once(exp_dir, tmp_path, name):
    fifo = tmp_path / name
    os.mkfifo(fifo)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # timeout: on a build that opens the pipe the import would wait for a writer forever
    done = subprocess.run([sys.executable, "-m", "hd_desktop.cli", "import", str(exp_dir),
                           str(fifo)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert f"{fifo}: a pipe (FIFO), not a regular" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_pipe_as_the_settings_file_leaves_the_defaults_and_says_why(tmp_path):
    os.mkfifo(tmp_path / "settings.json")
    code = ("from hd_desktop.settings import load_settings; s, note = load_settings(); "
            "print(s.gain_db); print(note)")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HD_SETTINGS_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert "0.0" in done.stdout and "a pipe (FIFO)" in done.stdout and "using defaults" in done.stdout


# ------------------------------------------------------------------ 5, 6: bounded reading

def test_a_zip_bomb_is_refused_from_its_listing(exp_dir, tmp_path):
    bomb = tmp_path / "jatos_results.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("study_result_1/comp-result_1/data.txt", as_json(rows(exp_dir, "P1")))
        with z.open("study_result_2/comp-result_2/data.txt", "w", force_zip64=True) as member:
            block = b"\0" * 2**20
            for _ in range(300):                 # 300 MB of zeros, about 300 kB packed
                member.write(block)
    assert bomb.stat().st_size < 2 * 2**20
    refused(exp_dir, [bomb], f"{bomb}:study_result_2/comp-result_2/data.txt", "zip bomb")


def test_an_archive_of_too_many_files_is_refused(exp_dir, tmp_path):
    many = tmp_path / "many.zip"
    with zipfile.ZipFile(many, "w") as z:
        for n in range(20_001):
            z.writestr(f"r{n}/data.txt", "")
    refused(exp_dir, [many], str(many), "20001 files in the archive")


def test_a_user_agent_of_5_mb_is_cut_and_says_so(exp_dir, tmp_path):
    agent = "Mozilla/5.0 " + "x" * (5 * 2**20)
    results = tmp_path / "P1.json"
    results.write_text(as_json(rows(exp_dir, "P1", answered=1, complete=False, practiced=False,
                                    user_agent=agent)))   # 3 rows: 15 MB
    import_results(exp_dir, [results])
    with Experiment.open(exp_dir, create=False) as exp:
        kept = [s.settings["user_agent"] for s in exp.sessions("P1")]
        devices = {v.device for v in exp.votes(listener_id="P1")}
    assert kept and all(len(k) < 1000 and k.startswith("Mozilla/5.0 xxx") for k in kept)
    assert all(f"cut from {len(agent):,} characters" in k for k in kept)
    assert all(len(d) <= 200 for d in devices)


# ------------------------------------------------------------------ 7: messages and counts

@pytest.mark.parametrize("case", ["control", "long", "empty-checkpoint"])
def test_refusals_name_the_participants_file_never_a_temporary_one(exp_dir, tmp_path, case):
    if case == "control":
        data, why = rows(exp_dir, "P\x071"), "is not a printable id"
    elif case == "long":
        data, why = rows(exp_dir, "P" * 201), "is not a printable id"
    else:
        data, why = rows(exp_dir, "P1", answered=0, complete=False, practiced=False), "answered nothing yet"
    results = tmp_path / "hd-results-study-P1.csv"
    results.write_text(as_csv(data))
    refused(exp_dir, [results], f"{results}", why)


def test_the_summary_counts_the_files_given(exp_dir, tmp_path):
    files = []
    for pid in ("P1", "P2", "P3"):
        files.append(tmp_path / f"{pid}.csv")
        files[-1].write_text(as_csv(rows(exp_dir, pid)))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for given, expected in ((files[:1], "1 file(s)"), (files, "3 file(s)")):
        done = subprocess.run([sys.executable, "-m", "hd_desktop.cli", "import", str(exp_dir),
                               *map(str, given)], env=env, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stderr
        assert f"{exp_dir}: {expected}," in done.stdout, done.stdout


@pytest.mark.parametrize("field, value", [("audio_started", None), ("audio_started", False),
                                          ("audio_clock", "guess"), ("audio_onset_s", "NaN")])
def test_an_answer_without_a_record_that_its_voice_started_is_refused(exp_dir, tmp_path, field,
                                                                      value):
    given = rows(exp_dir, "P1")
    vote = next(r for r in given if r.get("hd_kind") == "vote" and r["hd_phase"] == "trials")
    vote[field] = value
    path = tmp_path / "P1.json"
    path.write_text(as_json(given))
    with pytest.raises(BadInputError, match=rf"P1\.json, row \d+: .*{field}"):
        import_results(exp_dir, [path])
    with Experiment.open(exp_dir, create=False) as exp:
        assert exp.votes() == []
