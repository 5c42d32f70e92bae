"""Files on disk the app did not write as expected: damaged space caches and odd corpus entries.

A damaged cache is rebuilt (never trusted) and the rebuild says why; corpus entries that only
look like audio are named; a very long recording is analysed only in part, and said so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from hd_desktop.paths import BUNDLED_CORPUS
from hd_desktop.voice import VoiceSpace, open_space, run
from hd_desktop.voice.corpus import MAX_SECONDS


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Four speakers of the bundled corpus: a space that builds in seconds."""
    root = tmp_path_factory.mktemp("corpus")
    for spk in sorted(p for p in BUNDLED_CORPUS.iterdir() if p.is_dir())[:4]:
        shutil.copytree(spk, root / spk.name)
    return root


@pytest.fixture(scope="module")
def cached(corpus, tmp_path_factory):
    """(cache folder, the cache file's bytes, the space it holds)."""
    cache = tmp_path_factory.mktemp("cache")
    space = run(open_space(corpus, cache))
    (path,) = cache.glob("space-*.npz")
    return cache, path.read_bytes(), space


def _messages(job):
    out = []
    space = run(job, out.append)
    return space, [p.message for p in out]


@pytest.mark.parametrize("damage", ["truncated", "flipped", "empty", "not-a-zip"])
def test_a_damaged_cache_is_rebuilt_and_the_rebuild_says_why(corpus, cached, tmp_path, damage):
    cache, good, space = cached
    name = next(cache.glob("space-*.npz")).name
    path = tmp_path / name
    data = bytearray(good)
    if damage == "truncated":
        data = data[: len(data) // 2]
    elif damage == "flipped":
        data[len(data) // 2] ^= 0x40
    elif damage == "empty":
        data = bytearray()
    else:
        data = bytearray(b"just text\n")
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=name):
        VoiceSpace.load(path)
    rebuilt, messages = _messages(open_space(corpus, tmp_path))
    assert any(m.startswith("Not using ") and m.endswith("it will be replaced") and name in m for m in messages)
    assert rebuilt.fingerprint == space.fingerprint
    assert np.array_equal(rebuilt.render((0.5, -0.5))[0], space.render((0.5, -0.5))[0])
    assert path.read_bytes() == good  # the rebuilt cache replaced the damaged one
    assert VoiceSpace.load(path).fingerprint == space.fingerprint


def test_a_cache_whose_numbers_do_not_fit_together_is_refused(cached, tmp_path):
    cache, good, space = cached
    path = tmp_path / "space.npz"
    with np.load(next(cache.glob("space-*.npz"))) as f:
        arrays = {k: f[k] for k in f.files}
    arrays["pca_axis_sd"] = arrays["pca_axis_sd"][:1]
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match="inconsistent axis_sd"):
        VoiceSpace.load(path)
    arrays["pca_axis_sd"] = np.array([np.nan, 1.0])
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match="NaN"):
        VoiceSpace.load(path)


def test_space_info_with_a_truncated_cache_rebuilds_without_a_traceback(corpus, cached, tmp_path):
    cache, good, _ = cached
    exp = tmp_path / "exp"
    (exp / "space").mkdir(parents=True)
    (exp / "space" / next(cache.glob("space-*.npz")).name).write_bytes(good[:1000])
    out = subprocess.run([sys.executable, "-m", "hd_desktop.cli", "space", "info", "--corpus",
                          str(corpus), "--experiment", str(exp), "--json"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr + out.stdout
    assert '"n_speakers": 4' in out.stdout


def test_entries_that_only_look_like_audio_are_named(corpus, tmp_path):
    root = tmp_path / "corpus"
    shutil.copytree(corpus, root, symlinks=True)
    odd = root / "ODD"
    odd.mkdir()
    os.mkfifo(odd / "pipe.wav")
    (odd / "folder.wav").mkdir()
    (odd / "dangling.flac").symlink_to(tmp_path / "nowhere.flac")
    (odd / "zero.wav").symlink_to("/dev/zero")
    space, _ = _messages(open_space(root, None))
    problems = "\n".join(space.problems)
    for name, reason in [("pipe.wav", "pipe"), ("folder.wav", "folder"),
                         ("dangling.flac", "broken link"), ("zero.wav", "device or special")]:
        assert any(name in p and reason in p for p in space.problems), (name, problems)
    assert len(space.items) == sum(1 for _ in corpus.rglob("*.flac"))


def test_a_long_recording_is_analysed_in_part_and_said_so(corpus, tmp_path):
    root = tmp_path / "corpus"
    shutil.copytree(corpus, root)
    first = sorted(root.rglob("*.flac"))[0]
    speech, rate = sf.read(first)
    long = np.tile(speech, int(np.ceil(2 * MAX_SECONDS * rate / len(speech))))
    sf.write(first, long, rate)
    space, _ = _messages(open_space(root, None))
    assert any(first.name in p and f"first {MAX_SECONDS:.0f} s of" in p for p in space.problems)
    assert first.relative_to(root).as_posix() in space.items
