"""The command line refuses bad input in one line naming the argument: never a traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
import soundfile as sf
from helpers.experiments import make_experiment

from hd_desktop.cli import build_parser, main
from hd_desktop.paths import BUNDLED_CORPUS
from hd_desktop.store import write_rating_file
from hd_desktop.voice import SpaceSettings

MAX_DIMS = SpaceSettings().world.coded_dims  # features of a voice vector
FALLBACK = "not an input the command checks yet"  # cli.main's line for an unchecked error

# Bad arguments for every sub-command; {tmp} is a scratch folder. A new sub-command needs an
# entry here (test_every_sub_command_has_bad_input_cases).
BAD_INPUT = {
    "space": [[], ["info", "--dims", "-3"], ["info", "--dims", "abc"],
              ["info", "--corpus", "{tmp}/nowhere"], ["info", "--experiment", "{tmp}/a-file"]],
    "render": [["nan", "0", "--out", "{tmp}/v.wav"], ["0", "0"], ["abc", "--out", "{tmp}/v.wav"],
               ["0", "0", "--out", "{tmp}/v.mp3"],
               ["0", "0", "--dims", "0", "--out", "{tmp}/v.wav"],
               ["0", "0", "--out", "{tmp}/v.wav", "--carrier", "whistle"]],
    "simulate": [[], ["--out", "{tmp}/sim", "--set", "nothing"],
                 ["--out", "{tmp}/sim", "--set", "no_such=1"], ["--out", "{tmp}/a-file"],
                 ["--out", "{tmp}/sim", "--dims", "-1"],
                 ["--out", "{tmp}/sim-nan", "--no-audio", "--votes", "20",
                  "--set", "sigma_nes=nan"]],
    "export": [[], ["no-such-experiment", "--out", "{tmp}/out"]],
    "import": [[], ["no-such-experiment", "{tmp}/a-file"],
               ["new", "--create", "{tmp}/missing.csv"]],
    "devices": [["--device", "no such device anywhere"], ["--bogus"]],
    "web": [[], ["export"], ["export", "no-such-experiment", "--round", "0", "--out", "{tmp}/s"],
            ["export", "{tmp}/a-file", "--round", "x", "--out", "{tmp}/s"],
            ["export", "no-such", "--round", "0", "--out", "{tmp}/s", "--trials", "-5"],
            ["export", "no-such", "--round", "0", "--out", "{tmp}/s", "--audio", "mp3"]],
    "update": [[], ["no-such-experiment"], ["{tmp}/a-file"]],
    "round": [[], ["next"], ["next", "no-such-experiment"], ["again", "no-such-experiment"]],
    "evaluate": [[], ["no-such-experiment"], ["no-such", "--round", "x"],
                 ["no-such", "--voices", "many"]],
    "exclude": [[], ["no-such-experiment", "--listener", "L1"],
                ["no-such-experiment", "--listener", "L1", "--reason", "pilot"],
                ["no-such", "--listener", "L1", "--session", "s", "--reason", "pilot"]],
    "include": [[], ["no-such-experiment"], ["no-such-experiment", "--session", "s"]],
    "decisions": [[], ["no-such-experiment"]],
}
UNCHECKED: dict = {}  # cases that still reach cli.main's fallback line, and the file to check them


def hd(*args, env=None, timeout=300):
    return subprocess.run([sys.executable, "-m", "hd_desktop.cli", *args], capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=timeout)


def sub_commands() -> list[str]:
    parser = build_parser()
    (choices,) = [a.choices for a in parser._actions if a.dest == "command"]
    return sorted(choices)


def _cases():
    for command, cases in BAD_INPUT.items():
        for args in cases:
            reason = next((why for (c, arg), why in UNCHECKED.items()
                           if c == command and arg in args), None)
            marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
            yield pytest.param(command, args, marks=marks, id=" ".join([command, *args]))


def refused(done) -> str:
    """The output of a refused command: non-zero, no traceback, no fallback line."""
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert "Traceback" not in output, output
    assert FALLBACK not in output, output
    return output


def one_line(done, code: int = 2) -> str:
    """A refusal by a check: exit `code` and one line on stderr."""
    refused(done)
    assert done.returncode == code, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


# --- every sub-command --------------------------------------------------------------------


def test_every_sub_command_has_bad_input_cases():
    assert sorted(BAD_INPUT) == sub_commands()


@pytest.mark.parametrize("command,args", list(_cases()))
def test_bad_input_never_gives_a_traceback(command, args, tmp_home):
    (tmp_home / "a-file").write_text("not a folder, not a rating file\n")
    done = hd(command, *[a.format(tmp=tmp_home) for a in args])
    refused(done)


# --- 1. render: coordinates that are no point of the space --------------------------------


@pytest.mark.parametrize("z,says", [(["nan", "0"], "Z1 is nan"), (["0", "inf"], "Z2 is inf"),
                                    (["-inf", "0"], "Z1 is -inf"),
                                    (["1e308", "1e308"], "within 50"),
                                    (["40", "-40"], "within 50")])
def test_render_refuses_coordinates_that_are_no_voice(z, says, tmp_home):
    out = tmp_home / "voice.wav"
    line = one_line(hd("render", *z, "--out", str(out)))
    assert line.startswith("hd-desktop render: ") and says in line
    assert not out.exists()


# --- 2. --dims: at least 1, at most what the corpus gives ---------------------------------


@pytest.mark.parametrize("dims", ["0", "-3"])
def test_dims_below_one_are_refused(dims, tmp_home):
    line = one_line(hd("space", "info", "--dims", dims))
    assert f"--dims {dims}: a voice space has at least 1 dimension" in line


def test_dims_above_what_the_bundled_corpus_gives_are_refused(tmp_home):
    line = one_line(hd("space", "info", "--dims", "60"))
    assert f"--dims 60: the bundled corpus supports at most {MAX_DIMS} dimensions" in line
    assert "no audio files" not in line
    line = one_line(hd("render", *["0"] * (MAX_DIMS + 1), "--dims", str(MAX_DIMS + 1), "--out",
                       str(tmp_home / "v.wav")))
    assert f"at most {MAX_DIMS} dimensions" in line


@pytest.mark.parametrize("dims,says", [("0", "a voice space has at least 1 dimension"),
                                       ("60", f"the bundled corpus supports at most {MAX_DIMS}")])
def test_the_app_refuses_dimensions_the_corpus_cannot_give_before_opening_a_window(
        dims, says, tmp_home):
    line = one_line(hd("--dims", dims, env={"QT_QPA_PLATFORM": "offscreen"}))
    assert line.startswith(f"hd-desktop: --dims {dims}: {says}")
    assert not (tmp_home / "sessions").exists() or not any((tmp_home / "sessions").iterdir())


def test_a_small_corpus_gives_one_dimension_less_than_its_items(tmp_home):
    corpus = tmp_home / "corpus"
    for speaker, n in (("A", 2), ("B", 1)):
        (corpus / speaker).mkdir(parents=True)
        for f in sorted(p for p in (BUNDLED_CORPUS / _speakers()[speaker]).iterdir())[:n]:
            shutil.copy(f, corpus / speaker)
    line = one_line(hd("space", "info", "--corpus", str(corpus), "--dims", "3"))
    assert f"the corpus {corpus} supports at most 2 dimensions (it has 3 audio files" in line
    empty = tmp_home / "empty"
    empty.mkdir()
    line = one_line(hd("space", "info", "--corpus", str(empty)))
    assert f"--corpus {empty}: no audio files" in line


def _speakers() -> dict[str, str]:
    names = sorted(p.name for p in BUNDLED_CORPUS.iterdir() if p.is_dir())
    return {"A": names[0], "B": names[-1]}


# --- 3. render --out: a file that can be written -------------------------------------------


@pytest.mark.parametrize("out,says", [("nowhere/x.wav", "the folder {tmp}/nowhere does not exist"),
                                      ("x.mp3", "only .wav or .flac"),
                                      ("", "{tmp} is a folder"),
                                      ("a-file/x.wav", "{tmp}/a-file is a file, not a folder")])
def test_render_refuses_an_out_it_cannot_write(out, says, tmp_home):
    (tmp_home / "a-file").write_text("x")
    line = one_line(hd("render", "0", "0", "--out", str(tmp_home / out) if out else str(tmp_home)))
    assert says.format(tmp=tmp_home) in line


# --- 4. negative numbers are coordinates, not options -------------------------------------


def test_negative_numbers_of_any_spelling_are_coordinates(tmp_home):
    parser = build_parser()
    args = parser.parse_args(["render", "1e3", "-1e3", "-.5", "-2.", "-1E-2", "-inf", "--out",
                              "x.wav", "--dims", "6"])
    assert args.z[:5] == [1000.0, -1000.0, -0.5, -2.0, -0.01] and args.z[5] == float("-inf")
    line = one_line(hd("render", "1e3", "-1e3", "--out", str(tmp_home / "x.wav")))
    assert "unrecognized" not in line and "within 50" in line


@pytest.mark.slow
def test_render_writes_a_point_given_in_scientific_notation(tmp_home):
    out = tmp_home / "voice.flac"
    done = hd("render", "5e-1", "-1e0", "--out", str(out))
    assert done.returncode == 0, done.stderr
    audio, rate = sf.read(out)
    assert rate == 16000 and len(audio) > rate / 2


# --- 5. import and export: an experiment that exists ---------------------------------------


@pytest.fixture
def rating_file(tmp_home):
    """The experiment 'merged' under sessions/, and a rating file of one session to import."""
    exp, trials = make_experiment(tmp_home / "sessions" / "merged")
    sid = exp.start_session("L01", "trials", [s.id for s in trials], 5, "Dummy Out", 0.0)
    t = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
    exp.record_vote(sid, 0, trials[0].id, 1, 250.0, 1, t, t + timedelta(seconds=1), "Dummy Out",
                    0.0)
    csv_path, _ = write_rating_file(exp, sid, tmp_home / "out")
    exp.close()
    return csv_path


def test_import_refuses_a_mistyped_experiment_and_creates_nothing(rating_file, tmp_home, capsys):
    sessions = tmp_home / "sessions"
    assert main(["import", "mergd", str(rating_file)]) == 2
    err = capsys.readouterr().err
    assert "no experiment named 'mergd'" in err and str(sessions / "mergd") in err
    assert "experiments there: merged" in err and "--create" in err
    assert not (sessions / "mergd").exists()
    assert main(["import", "merged", str(rating_file)]) == 0
    assert main(["import", "fresh", "--create", str(rating_file)]) == 0
    assert "created " in capsys.readouterr().out and (sessions / "fresh").is_dir()


def test_export_refuses_a_mistyped_experiment(rating_file, tmp_home, capsys):
    assert main(["export", "mergd", "--out", str(tmp_home / "x")]) == 2
    err = capsys.readouterr().err
    assert "no experiment named 'mergd'" in err and str(tmp_home / "sessions" / "mergd") in err
    assert not (tmp_home / "x").exists()
    assert main(["export", str(tmp_home / "elsewhere"), "--out", str(tmp_home / "x")]) == 2
    assert f"no experiment in {tmp_home / 'elsewhere'}" in capsys.readouterr().err
    assert main(["export", "merged", "--out", str(tmp_home / "x")]) == 0
