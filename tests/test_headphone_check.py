"""The headphone checks: their stimuli measured, their scoring, two channels through JACK, and a
whole check in the listener's window."""

from __future__ import annotations

import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest

from hd_desktop.audio import headphone as hp

RATE = hp.RATE


def interaural_phase(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(frequencies, phase of right relative to left) of a (n, 2) sound."""
    left, right = np.fft.rfft(x[:, 0]), np.fft.rfft(x[:, 1])
    return np.fft.rfftfreq(len(x), 1.0 / RATE), np.angle(right * np.conj(left))


def test_huggins_noise_turns_the_phase_of_the_band_by_pi_and_nothing_else():
    raw = hp.noise(np.random.default_rng(4), RATE, dichotic=True, ramped=False)
    f, phase = interaural_phase(raw)
    band = hp.huggins_band(RATE, len(raw))
    assert f[band].min() == pytest.approx(600 * 0.94, abs=1) and f[band].max() == pytest.approx(
        600 * 1.06, abs=1)
    np.testing.assert_allclose(np.abs(phase[band]), np.pi, atol=1e-9)
    np.testing.assert_allclose(phase[~band][1:-1], 0.0, atol=1e-9)   # (DC, Nyquist: real)
    # either ear alone has the same spectrum: no pitch cue without the other ear
    np.testing.assert_allclose(np.abs(np.fft.rfft(raw[:, 0])), np.abs(np.fft.rfft(raw[:, 1])),
                               rtol=1e-9, atol=1e-9)
    ramped = hp.noise(np.random.default_rng(4), RATE, dichotic=True)
    envelope = ramped[:, 0] / np.where(raw[:, 0] == 0, 1, raw[:, 0])
    np.testing.assert_allclose(ramped[:, 1], raw[:, 1] * envelope, atol=1e-12)  # one ramp, both
    diotic = hp.noise(np.random.default_rng(4), RATE, dichotic=False)
    np.testing.assert_array_equal(diotic[:, 0], diotic[:, 1])


def test_antiphase_tone_has_its_channels_in_opposite_polarity_and_the_target_is_6_db_down():
    trial = next(t for t in hp.plan("antiphase", 11))
    x = hp.render_trial("antiphase", trial, 11)
    parts = {what: x[hp.sound_bounds(pos)] for pos, what in enumerate(trial.layout, start=1)}
    np.testing.assert_array_equal(parts["antiphase"][:, 1], -parts["antiphase"][:, 0])
    np.testing.assert_array_equal(parts["standard"][:, 1], parts["standard"][:, 0])
    np.testing.assert_array_equal(parts["softer"][:, 1], parts["softer"][:, 0])
    rms = {k: np.sqrt(np.mean(v[:, 0] ** 2)) for k, v in parts.items()}
    assert 20 * np.log10(rms["softer"] / rms["standard"]) == pytest.approx(-6.0, abs=1e-6)
    assert rms["antiphase"] == pytest.approx(rms["standard"], rel=1e-9)
    # in the air, loudspeakers sum the channels: the antiphase tone cancels, so it seems softest
    assert np.max(np.abs(parts["antiphase"].sum(axis=1))) < 1e-7


def test_a_rendered_huggins_trial_has_the_band_inverted_in_the_answer_position_only():
    for trial in hp.plan("huggins", 5):
        x = hp.render_trial("huggins", trial, 5).astype(np.float64)
        for position, what in enumerate(trial.layout, start=1):
            part = x[hp.sound_bounds(position)]
            diff = part[:, 0] - part[:, 1]        # twice the band component, or nothing
            if what == "huggins":
                assert position == trial.answer
                f = np.fft.rfftfreq(len(part), 1.0 / RATE)
                spectrum = np.abs(np.fft.rfft(diff)) ** 2
                inside = spectrum[np.abs(f - 600) <= 36].sum() / spectrum.sum()
                assert inside > 0.95             # the ears differ in the band, not outside
            else:
                np.testing.assert_array_equal(diff, 0.0)
        assert np.max(np.abs(x)) < 1.0


def test_the_check_plays_at_the_trials_loudness_and_is_seeded():
    import pyloudnorm

    trial = hp.plan("huggins", 3)[0]
    x = hp.render_trial("huggins", trial, 3)
    standard = x[hp.sound_bounds(trial.layout.index("diotic") + 1)][:, 0].astype(np.float64)
    loudness = pyloudnorm.Meter(RATE).integrated_loudness(standard)
    assert loudness == pytest.approx(hp.TARGET_LUFS, abs=0.5)
    from hd_desktop.voice.render import TARGET_LUFS
    assert hp.TARGET_LUFS == TARGET_LUFS
    np.testing.assert_array_equal(x, hp.render_trial("huggins", trial, 3))
    assert not np.array_equal(x, hp.render_trial("huggins", trial, 4))
    assert [t.answer for t in hp.plan("huggins", 3)] == [t.answer for t in hp.plan("huggins", 3)]


@pytest.mark.parametrize("kind, mark", [("huggins", 4), ("antiphase", 5)])
def test_scoring_and_the_pass_mark(kind, mark):
    expected = [t.answer for t in hp.plan(kind, 21)]
    assert len(expected) == 6 and set(expected) <= {1, 2, 3}
    wrong = [a % 3 + 1 for a in expected]
    for correct in range(7):
        answers = expected[:correct] + wrong[correct:]
        result = hp.score(kind, 21, answers)
        assert result.score == correct and result.passed == (correct >= mark)
    record = hp.score(kind, 21, expected).record(device="dev", gain_db=-3.0)
    assert record == {"test": kind, "seed": 21, "n_trials": 6, "answers": expected,
                      "expected": expected, "score": 6, "pass_mark": mark, "passed": True,
                      "device": "dev", "gain_db": -3.0}
    with pytest.raises(ValueError):
        hp.score(kind, 21, expected[:5])
    with pytest.raises(ValueError):
        hp.score(kind, 21, [4] * 6)


def test_both_channels_reach_the_jack_device_as_generated(jack_server, jack_device, jack_capture):
    """A dichotic trial through the trials' player: left and right arrive sample for sample."""
    import jack

    from hd_desktop.audio import Player

    trial = hp.plan("huggins", 8)[0]
    x = hp.render_trial("huggins", trial, 8)
    right = jack.Client("hd-capture-right", servername=jack_server, no_start_server=True)
    port = right.inports.register("in_2")
    blocks = []
    right.set_process_callback(lambda frames: blocks.append(port.get_array().copy()))
    right.activate()
    try:
        with Player() as player:
            assert player.channels == 2
            jack_capture.attach()
            for source in right.get_all_connections("system:playback_2"):
                if source.name.startswith("PortAudio"):
                    right.connect(source.name, port)
            time.sleep(0.05)
            jack_capture.clear()
            blocks.clear()
            prepared = player.prepare(x, RATE, stereo=True)
            assert prepared.samples.shape == (len(x), 2)
            playback = player.play(prepared)
            assert playback.wait(timeout=30) is not None
            time.sleep(0.1)
    finally:
        right.deactivate()
        right.close()
    got_left, got_right = jack_capture.signal(), np.concatenate(blocks)
    first = int(np.flatnonzero(np.abs(got_left) > 1e-6)[0])
    start = first - int(np.flatnonzero(np.abs(x[:, 0]) > 1e-6)[0])
    n = len(x)
    lag = start + int(np.argmax(np.correlate(got_right[start:start + n + 512], x[:512, 1],
                                             mode="valid")))
    np.testing.assert_allclose(got_left[start:start + n], x[:, 0], atol=1e-6)
    np.testing.assert_allclose(got_right[lag:lag + n], x[:, 1], atol=1e-6)
    answer = x[hp.sound_bounds(trial.answer)]
    heard = np.stack([got_left[start:start + n], got_right[lag:lag + n]], axis=1)[
        hp.sound_bounds(trial.answer)]
    assert np.max(np.abs((heard[:, 0] - heard[:, 1]) - (answer[:, 0] - answer[:, 1]))) < 1e-5
    with Player() as player:
        with pytest.raises(Exception, match="shape"):
            player.prepare(x[:, :1].repeat(3, axis=1), RATE, stereo=True)


# --- in the listener's window, and what it means for the engine -----------------------------


@pytest.fixture(scope="module")
def space(tmp_path_factory):
    from hd_desktop.voice import load_space

    return load_space(cache_dir=tmp_path_factory.mktemp("space"))


@pytest.fixture
def lab(space, tmp_home):
    from hd_desktop.design import DesignParams
    from hd_desktop.lab import Lab

    lab = Lab(tmp_home / "sessions" / "exp", space)
    lab.set_settings(auto_update=False)
    lab.create_round(DesignParams(n_anchors=3, m_neighbours=1, r_pairs=2, gold_rate=0.2, seed=5))
    yield lab
    lab.close()


@pytest.mark.slow
def test_a_whole_check_in_the_window_at_the_level_set_is_stored_per_listener(
        qtbot, lab, space, jack_device):
    from PySide6.QtCore import Qt

    from hd_desktop.gui.audio_output import AudioOutput
    from hd_desktop.gui.session_window import SessionWindow
    from hd_desktop.lab.furniture import headphone_status
    from hd_desktop.session.states import FlowSettings, Phase

    lab.set_settings(consent=False, questionnaire=False, headphone_check="huggins")
    audio = AudioOutput()
    assert audio.open(None), audio.problem
    try:
        flow = lab.new_session(size=100, seed=3, settings=FlowSettings(), practice=False)
        w = SessionWindow(flow, space, audio)
        qtbot.addWidget(w)
        w.show()
        qtbot.keyClicks(w.listener_page.listener, "H01")
        qtbot.keyClick(w.listener_page.listener, Qt.Key.Key_Return)
        qtbot.keyClick(w, Qt.Key.Key_Return)                  # instructions
        w.level_page.gain.setValue(-4)
        qtbot.keyClick(w, Qt.Key.Key_Return)                  # the level: then the check
        page = w.headphone_page
        assert w.pages.currentWidget() is page and flow.phase == Phase.LEVEL_CHECK
        assert flow.session_id is None                        # no session before the check
        qtbot.keyClick(w, Qt.Key.Key_Return)
        expected = [t.answer for t in hp.plan("huggins", w.intake.check_seed)]
        given = [expected[0] % 3 + 1] + expected[1:]          # one wrong: 5 of 6
        for n, answer in enumerate(given):
            assert not page.ready                             # the three sounds play first
            qtbot.keyClick(w, getattr(Qt.Key, f"Key_{expected[n] % 3 + 1}"))
            assert page.answers == given[:n]                  # ... and a key does nothing
            qtbot.waitUntil(lambda: page.ready, timeout=60_000)
            qtbot.keyClick(w, getattr(Qt.Key, f"Key_{answer}"))
        assert page.stack.currentWidget() is page.done
        qtbot.keyClick(w, Qt.Key.Key_Return)
        assert flow.phase == Phase.TRIALS and flow.session_id is not None
        (record,) = lab.experiment.listener_records("H01", "headphone_check")
        assert record.data["answers"] == given and record.data["score"] == 5
        assert record.data["passed"] is True and record.data["seed"] == w.intake.check_seed
        assert record.data["gain_db"] == -4.0 and record.data["device"] == audio.device_label
        assert headphone_status(lab.experiment) == {"H01": "passed"}
        w.close()
    finally:
        audio.close()

