"""The voice space from real speech: building, bad input, caching, rendering, re-analysis."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest
import soundfile as sf
import soxr

from hd_desktop.errors import BadInputError
from hd_desktop.paths import BUNDLED_CORPUS
from hd_desktop.voice import SpaceSettings, VoiceSpace, load_space, open_space, run
from hd_desktop.voice.build import voice_vector
from hd_desktop.voice.world import analyse


@pytest.fixture(scope="module")
def space(tmp_path_factory):
    return load_space(cache_dir=tmp_path_factory.mktemp("cache"))


def test_bundled_corpus_has_twenty_real_speakers(space):
    info = space.info()
    assert info["n_speakers"] >= 20
    assert info["n_items"] >= info["n_speakers"]
    assert info["problems"] == []
    # voice-space units: the real items have unit SD and zero mean along each axis
    np.testing.assert_allclose(space.coords.std(0), 1.0, atol=1e-9)
    np.testing.assert_allclose(space.coords.mean(0), 0.0, atol=1e-9)


@pytest.mark.parametrize("carrier", ["sustained", "sentence"])
@pytest.mark.parametrize("z", [(0.0, 0.0), (1.0, -1.0), (-1.5, 1.0), (-1.0, -2.0), (2.0, 0.5), (2.5, 1.0)])
def test_rendered_point_reanalyses_near_its_target(space, carrier, z):
    """Rendering then WORLD re-analysis returns to the point.

    Tolerance 0.3 units (under a third of the real data's SD along an axis): re-analysis cannot
    return exactly the same envelope, because CheapTrick re-estimates it from the harmonics of the
    new F0 and DIO's voicing decisions differ at onsets; measured errors are 0.05-0.2 units within
    +-2.5 SD for both carriers. A renderer that ignored z would miss by the norm of z (>= 1 here).
    """
    audio, rate = space.render(z, carrier)
    assert rate == space.sample_rate and audio.dtype == np.float32
    back = space.pca.to_coords(voice_vector(analyse(audio.astype(float), space.settings.world)))
    assert np.linalg.norm(back - np.array(z)) < 0.3, (z, back)


def test_rendering_is_deterministic_and_points_differ(space):
    a1, _ = space.render((0.5, -0.5))
    a2, _ = space.render((0.5, -0.5))
    assert np.array_equal(a1, a2)
    b, _ = space.render((-1.5, 1.5))
    settings = space.settings.world
    env = [analyse(x.astype(float), settings).coded[20:-20, 1:].mean(0) for x in (a1, a2, b)]
    assert np.linalg.norm(env[0] - env[1]) == 0
    assert np.linalg.norm(env[0] - env[2]) > 0.1


def test_a_point_that_is_no_point_is_refused_not_rendered(space):
    for z in ([float("nan"), 0.0], [0.0, float("inf")], [0.0, 0.0, 0.0]):
        with pytest.raises(ValueError, match="coordinates"):
            space.render(z)


def test_every_stimulus_has_the_same_loudness(space):
    import pyloudnorm

    meter = pyloudnorm.Meter(space.sample_rate)
    levels = [meter.integrated_loudness(space.render(z, c)[0].astype(float))
              for z in [(0, 0), (2, -2), (-2, 2)] for c in ("sustained", "sentence")]
    assert max(levels) - min(levels) < 0.5, levels


@pytest.mark.slow
def test_cached_space_is_reused_and_renders_bit_for_bit(tmp_path):
    fresh = load_space(cache_dir=tmp_path)
    steps = [p.message for p in _progress(open_space(cache_dir=tmp_path))]
    assert steps[-1] == "Voice space loaded from cache"
    cached = load_space(cache_dir=tmp_path)
    assert cached.fingerprint == fresh.fingerprint
    assert np.array_equal(cached.render((0.3, 0.7))[0], fresh.render((0.3, 0.7))[0])
    assert np.array_equal(cached.render((0.3, 0.7), "sentence")[0],
                          fresh.render((0.3, 0.7), "sentence")[0])


@pytest.mark.slow
def test_more_dimensions_make_another_space(tmp_path):
    two = load_space(cache_dir=tmp_path)
    three = run(open_space(cache_dir=tmp_path, settings=SpaceSettings(dims=3)))
    assert three.coords.shape == (two.coords.shape[0], 3)
    assert three.fingerprint != two.fingerprint


def _progress(job):
    out = []
    run(job, out.append)
    return out


def _small_corpus(root, n_speakers=4):
    speakers = sorted(p for p in BUNDLED_CORPUS.iterdir() if p.is_dir())[:n_speakers]
    for spk in speakers:
        shutil.copytree(spk, root / spk.name)
    return root


def test_bad_files_are_named_and_the_rest_builds(tmp_path):
    corpus = _small_corpus(tmp_path / "corpus")
    real = next((corpus).rglob("*.flac"))
    speech, rate = sf.read(real)
    bad = corpus / "BAD"
    bad.mkdir()
    (bad / "corrupt.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt garbage" * 10)
    sf.write(bad / "silent.wav", np.zeros(rate * 2), rate)
    sf.write(bad / "narrowband.wav", soxr.resample(speech, rate, 8000), 8000)
    sf.write(bad / "stereo.wav", np.stack([speech, speech], 1), rate)
    sf.write(bad / "tiny.wav", speech[:40], rate)
    sf.write(corpus / real.parent.name / "wideband48k.wav", soxr.resample(speech, rate, 48000), 48000)

    space = run(open_space(corpus, tmp_path / "cache"))
    problems = "\n".join(space.problems)
    for name, reason in [("corrupt.wav", "cannot be read as audio"), ("silent.wav", "silent"),
                         ("narrowband.wav", "8000 Hz, below the analysis rate"),
                         ("stereo.wav", "2 channels"), ("tiny.wav", "too short"),
                         ("wideband48k.wav", "resampled from 48000 Hz")]:
        assert any(name in line and reason in line for line in space.problems), (name, problems)
    assert not any("BAD" in item for item in space.items)
    assert any(item.endswith("wideband48k.wav") for item in space.items)
    assert len(set(space.speakers)) == 4


def test_a_corpus_with_nothing_usable_is_refused_with_the_reasons(tmp_path):
    (tmp_path / "A").mkdir()
    sf.write(tmp_path / "A" / "silent.wav", np.zeros(16000), 16000)
    with pytest.raises(BadInputError, match="silent.wav: is silent"):
        run(open_space(tmp_path))


def test_missing_corpus_folder_is_named(tmp_path):
    with pytest.raises(BadInputError, match="does-not-exist"):
        run(open_space(tmp_path / "does-not-exist"))


def test_the_render_pool_gives_the_same_samples_as_the_space(space):
    from hd_desktop.voice.render_pool import RenderPool

    pool = RenderPool(space)
    try:
        for z, carrier in [((0.4, -1.2), "sustained"), ((-1.0, 0.5), "sentence")]:
            a, rate_a = pool.render(z, carrier)
            b, rate_b = space.render(z, carrier)
            assert rate_a == rate_b and np.array_equal(a, b)
    finally:
        pool.close()


def test_a_new_experiment_opens_from_the_machines_cache_and_keeps_its_own_copy(tmp_path):
    """The app and the commands share the spaces this machine has built: a second experiment on
    the same corpus is not analysed again, and still gets its own copy in its folder."""
    shared, first, second = (tmp_path / "machine", tmp_path / "exp1" / "space",
                             tmp_path / "exp2" / "space")
    built = _progress(open_space(cache_dir=first, shared_dir=shared))
    assert not any("loaded" in p.message for p in built)
    (name,) = [p.name for p in shared.glob("space-*.npz")]
    steps = [p.message for p in _progress(open_space(cache_dir=second, shared_dir=shared))]
    assert steps[-1] == "Voice space loaded from this machine's cache"
    assert (second / name).read_bytes() == (first / name).read_bytes()
    again = [p.message for p in _progress(open_space(cache_dir=second, shared_dir=shared))]
    assert again[-1] == "Voice space loaded from cache"   # its own copy first


def test_a_damaged_file_in_the_machines_cache_is_built_again_and_replaced(tmp_path):
    shared = tmp_path / "machine"
    good = load_space(cache_dir=tmp_path / "exp1", shared_dir=shared)
    (path,) = shared.glob("space-*.npz")
    path.write_bytes(path.read_bytes()[:500])
    steps = [p.message for p in _progress(open_space(cache_dir=tmp_path / "exp2",
                                                     shared_dir=shared))]
    assert any(m.startswith("Not using ") and m.endswith("it will be replaced") and path.name in m for m in steps)
    assert VoiceSpace.load(path).fingerprint == good.fingerprint
    assert (tmp_path / "exp2" / path.name).exists()


def test_a_damaged_own_copy_is_replaced_from_the_machines_cache_without_claiming_a_rebuild(tmp_path):
    """The experiment's copy is damaged, the machine's is good: the steps say the copy is not
    used, then that the space came from the machine's cache, and nothing is analysed."""
    shared, own = tmp_path / "machine", tmp_path / "exp" / "space"
    good = load_space(cache_dir=own, shared_dir=shared)
    (path,) = own.glob("space-*.npz")
    path.write_bytes(b"just text\n")
    steps = [p.message for p in _progress(open_space(cache_dir=own, shared_dir=shared))]
    assert steps[1].startswith(f"Not using {path}") and steps[1].endswith("it will be replaced")
    assert steps[-1] == "Voice space loaded from this machine's cache"
    assert not any(m.startswith("Analysing") or "Rebuild" in m for m in steps)
    assert VoiceSpace.load(path).fingerprint == good.fingerprint


def test_the_commands_keep_the_space_in_the_machines_cache(tmp_home, tmp_path):
    import json
    import subprocess
    import sys

    env = {**os.environ, "HD_CACHE_DIR": str(tmp_path / "machine")}
    done = subprocess.run([sys.executable, "-m", "hd_desktop.cli", "space", "info", "--json",
                           "--experiment", str(tmp_path / "exp")],
                          capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    fingerprint = json.loads(done.stdout)["fingerprint"]
    (path,) = (tmp_path / "machine").glob("space-*.npz")
    assert VoiceSpace.load(path).fingerprint == fingerprint
    assert (tmp_path / "exp" / "space" / path.name).exists()
    env.pop("HD_CACHE_DIR")
    env["XDG_CACHE_HOME"] = str(tmp_path / "xdg")
    subprocess.run([sys.executable, "-m", "hd_desktop.cli", "space", "info", "--experiment",
                    str(tmp_path / "exp2")], capture_output=True, timeout=300, env=env, check=True)
    assert list((tmp_path / "xdg" / "hd-desktop").glob("space-*.npz"))
