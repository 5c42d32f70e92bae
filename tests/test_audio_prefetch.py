"""The prefetcher (renders ahead on a background thread) and buffer preparation (no device)."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from hd_desktop.audio import Prefetcher, RenderFailed, prepare
from hd_desktop.errors import BadInputError

pytestmark = pytest.mark.timeout(30)


class Renderer:
    """render(key) -> (audio, sr), recording which thread rendered what, in what order."""

    def __init__(self, delay: float = 0.0, fail: set = frozenset()):
        self.delay, self.fail = delay, fail
        self.calls: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def __call__(self, key):
        with self.lock:
            self.calls.append((key, threading.current_thread().name))
        time.sleep(self.delay)
        if key in self.fail:
            raise ValueError("carrier file is silent")
        return np.full(10, len(key), np.float32), 16000

    def keys(self):
        with self.lock:
            return [k for k, _ in self.calls]


def wait_until(condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_get_returns_each_key_s_render_in_order():
    render = Renderer()
    order = ["a", "bb", "ccc", "dddd"]
    with Prefetcher(render, order, ahead=2) as prefetch:
        got = [prefetch.get(k) for k in order]
    assert [len(audio) and audio[0] for audio, sr in got] == [1, 2, 3, 4]
    assert all(sr == 16000 for _, sr in got)
    assert sorted(render.keys()) == sorted(order)  # each rendered exactly once


def test_the_next_keys_are_rendered_ahead_in_the_background():
    render = Renderer(delay=0.02)
    with Prefetcher(render, ["s0", "s1", "s2", "s3", "s4"], ahead=2) as prefetch:
        prefetch.get("s0")
        wait_until(lambda: prefetch.ready("s1") and prefetch.ready("s2"))
        assert not prefetch.ready("s3")  # only `ahead` keys ahead
        ahead = [name for key, name in render.calls if key in ("s1", "s2")]
        assert all(name.startswith("hd-prefetch") for name in ahead)
        prefetch.get("s1")
        assert render.keys().count("s1") == 1  # ready: not rendered again on the caller's thread


def test_a_key_not_ready_is_rendered_on_the_spot():
    render = Renderer()
    with Prefetcher(render, [], ahead=2) as prefetch:
        audio, sr = prefetch.get("zz")
    assert audio[0] == 2 and render.calls == [("zz", threading.current_thread().name)]


def test_a_failed_render_names_its_key_and_keeps_the_cause():
    render = Renderer(fail={"r1-n003"})
    with Prefetcher(render, ["r1-n002", "r1-n003", "r1-n004"], ahead=1) as prefetch:
        prefetch.get("r1-n002")
        with pytest.raises(RenderFailed, match="'r1-n003'.*carrier file is silent") as info:
            prefetch.get("r1-n003")
        assert info.value.key == "r1-n003"
        assert isinstance(info.value.__cause__, ValueError)
        assert prefetch.get("r1-n004")[0][0] == 7  # the next stimuli are unaffected
        with pytest.raises(RenderFailed):
            prefetch.get("r1-n003")  # tried again, not a cached failure


def test_old_renders_are_dropped():
    render = Renderer()
    order = [f"k{i}" for i in range(10)]
    with Prefetcher(render, order, ahead=1) as prefetch:
        for k in order:
            prefetch.get(k)
        assert len(prefetch._futures) <= 3  # the previous, current and next: memory stays flat


# --- preparing a buffer for the device ---------------------------------------------------


@pytest.mark.slow
def test_prepare_resamples_without_a_second_fade_or_touching_the_input():
    from hd_desktop.voice import load_space

    sr = 16000
    audio = np.ones(sr, np.float32) * 0.5
    ready = prepare(audio, sr, 48000)
    assert ready.samples.shape == (48000, 1) and ready.samples.dtype == np.float32
    assert ready.sample_rate == 48000 and ready.duration == pytest.approx(1.0)
    assert ready.samples[24000, 0] == pytest.approx(0.5, abs=1e-3)
    assert ready.samples[4800, 0] == pytest.approx(0.5, abs=1e-3)   # no ramp of its own
    # a stimulus brings its one ramp: the first and last samples of a render are silent
    stimulus, rate = load_space().render((0.0, 0.0))
    same_rate = prepare(stimulus, rate, rate)
    np.testing.assert_array_equal(same_rate.samples[:, 0], stimulus)
    assert abs(stimulus[0]) < 1e-3 and abs(stimulus[-1]) < 1e-3
    assert np.all(audio == 0.5)
    assert not ready.samples.flags.writeable  # shared with the audio thread


@pytest.mark.parametrize("bad, message", [
    (np.zeros(0, np.float32), "empty"),
    (np.array([0.0, np.nan]), "NaN"),
    (np.zeros((10, 2)), "mono"),
])
def test_prepare_refuses_unplayable_audio_with_a_clear_message(bad, message):
    with pytest.raises(BadInputError, match=message):
        prepare(bad, 16000, 48000)
