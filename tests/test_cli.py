"""The command line: space info, render (and play), as a researcher types them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf


def hd(*args, env=None):
    return subprocess.run([sys.executable, "-m", "hd_desktop.cli", *args], capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=300)


@pytest.mark.slow
def test_space_info_json_reports_the_real_speakers(tmp_home):
    done = hd("space", "info", "--json")
    assert done.returncode == 0, done.stderr
    info = json.loads(done.stdout)
    assert info["n_speakers"] >= 20 and info["dims"] == 2
    assert len(info["explained_variance"]) == 2 and len(info["fingerprint"]) == 64
    assert "standard deviation" in info["units"]
    text = hd("space", "info")
    assert "20 speakers" in text.stdout and "axis 1" in text.stdout


@pytest.mark.slow
def test_render_writes_the_voice_at_a_point(tmp_home, tmp_path):
    out = tmp_path / "voice.wav"
    done = hd("render", "1.5", "-0.5", "--carrier", "sentence", "--out", str(out))
    assert done.returncode == 0, done.stderr
    audio, rate = sf.read(out)
    assert rate == 16000 and len(audio) > rate and np.abs(audio).max() > 0.01
    wrong = hd("render", "1.5", "--out", str(out))
    assert wrong.returncode == 2 and "2 dims but 1 coordinates" in wrong.stderr


@pytest.mark.slow
def test_render_play_reaches_the_output_device(tmp_home, jack_device):
    done = hd("render", "0", "0", "--play", env={"HD_AUDIO_DEVICE": os.environ["HD_AUDIO_DEVICE"]})
    assert done.returncode == 0, done.stderr
    assert "playing on" in done.stdout and "JACK" in done.stdout


@pytest.mark.slow
def test_render_play_without_a_device_says_so(tmp_home):
    done = hd("render", "0", "0", "--play", "--device", "no such device anywhere")
    assert done.returncode == 2
    assert "no such device anywhere" in done.stderr


@pytest.mark.slow
def test_corpus_before_the_sub_command_is_the_corpus_used(tmp_home, tmp_path):
    import shutil

    from hd_desktop.paths import BUNDLED_CORPUS

    corpus = tmp_path / "five"
    for speaker in sorted(p for p in BUNDLED_CORPUS.iterdir() if p.is_dir())[:5]:
        shutil.copytree(speaker, corpus / speaker.name)
    before = hd("--corpus", str(corpus), "space", "info", "--json")
    assert before.returncode == 0, before.stderr
    assert json.loads(before.stdout)["n_speakers"] == 5
    after = hd("space", "info", "--json", "--corpus", str(corpus))
    assert json.loads(after.stdout)["n_speakers"] == 5
    missing = hd("--corpus", str(tmp_path / "nowhere"), "space", "info")
    assert missing.returncode == 2 and "nowhere" in missing.stderr
