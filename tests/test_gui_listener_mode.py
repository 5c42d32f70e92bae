"""Listener mode: during a session the listener's window fills its screen and nothing but the
trial plays on the listener's output; the researcher's voices are refused with the reason."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
from PySide6.QtCore import Qt

from helpers.app import open_window

from hd_desktop.design import DesignParams
from hd_desktop.lab.listener_screen import plan_screens
from hd_desktop.lab.playback_guard import PlaybackGuard
from hd_desktop.session.states import Phase

SMALL = DesignParams(n_anchors=3, m_neighbours=1, r_pairs=2, gold_rate=0.2, seed=5)


def to_first_trial(qtbot, sw):
    qtbot.keyClicks(sw.listener_page.listener, "L01")
    qtbot.keyClick(sw.listener_page.listener, Qt.Key.Key_Return)
    qtbot.keyClick(sw, Qt.Key.Key_Return)          # instructions
    qtbot.keyClick(sw, Qt.Key.Key_Return)          # level
    assert sw.flow.phase == Phase.PRACTICE
    qtbot.waitUntil(sw.trial_page.accept.isEnabled, timeout=60_000)   # the trial's voice started


@pytest.mark.slow
def test_a_map_click_during_a_trial_plays_nothing_on_the_listeners_device(
        qtbot, tmp_home, jack_device, jack_capture):
    w = open_window(qtbot, tmp_home)
    w.lab.set_settings(auto_update=False, consent=False, questionnaire=False, headphone_check="none")
    w.lab.create_round(SMALL)
    w.experiment_panel.refresh()
    w.start_session(size=10, seed=3)
    sw = w.session_window
    # one screen: the listener's window fills it, the researcher's steps aside
    assert sw.isFullScreen() and w.isMinimized()
    to_first_trial(qtbot, sw)
    trial = sw._playback
    assert trial.wait(timeout=30) is not None       # the trial's voice has ended
    jack_capture.attach()
    jack_capture.clear()
    plays = w.audio.player._seq
    played = []
    w.played.connect(played.append)

    qtbot.mouseClick(w.map.viewport(), Qt.MouseButton.LeftButton, pos=w.map.click_at(1.0, -0.5))
    qtbot.waitUntil(lambda: "not played" in w.statusBar().currentMessage(), timeout=60_000)
    message = w.statusBar().currentMessage()
    assert "the listener of the open session would hear it" in message and "Researcher output" in message
    # the New voices tab is refused the same way
    w.preview.play_voices([("sample", np.zeros(w.space.dims))])
    assert "New voices tab not played" in w.statusBar().currentMessage()
    assert w.audio.player._seq == plays and not played   # the player got no researcher buffer
    assert jack_capture.first_sound() is None
    assert sw._playback is trial                         # the trial is still the trial's

    # the listener answers as before; after the session the researcher's window is back
    qtbot.keyClick(sw, Qt.Key.Key_F)
    assert len(w.lab.experiment.votes(session_id=sw.flow.practice_session_id)) == 1
    sw.close()
    assert not w.isMinimized() and not w.guard.session_open
    with qtbot.waitSignal(w.played, timeout=60_000):
        qtbot.mouseClick(w.map.viewport(), Qt.MouseButton.LeftButton, pos=w.map.click_at(0.5, 0.5))
    w.close()


@pytest.mark.slow
def test_an_autopilot_session_is_an_ordinary_window_and_still_guards_the_output(
        qtbot, tmp_home, jack_device):
    w = open_window(qtbot, tmp_home)
    w.lab.set_settings(auto_update=False, consent=False, questionnaire=False, headphone_check="none")
    w.lab.create_round(SMALL)
    sw = w.start_autopilot(size=10, seed=2, name="wide", seconds=10.0)
    assert not sw.isFullScreen() and not w.isMinimized()
    w.play_point(0.0, 0.0)
    assert "not played" in w.statusBar().currentMessage()
    sw.close()
    w.close()


@pytest.mark.parametrize("screens, researcher, choice, expected", [
    (["A"], 0, None, (0, True, True)),            # one screen: shared, researcher minimised
    (["A", "B"], 0, None, (1, True, False)),      # two: the other one
    (["A", "B"], 1, "auto", (0, True, False)),
    (["A", "B"], 0, "1", (0, True, True)),        # counted from 1, as display settings do
    (["A", "B"], 0, "B", (1, True, False)),       # or by name
    (["A", "B"], 0, "window", (0, False, False)),
])
def test_the_listeners_screen_is_chosen_by_number_name_or_else_the_other_screen(
        screens, researcher, choice, expected):
    plan = plan_screens(screens, researcher, choice)
    assert (plan.screen, plan.full_screen, plan.hide_researcher) == expected
    assert plan.note is None


def test_an_unknown_listener_screen_is_said_and_the_other_screen_used():
    plan = plan_screens(["A", "B"], 0, "7")
    assert plan.screen == 1 and "'7' is not one of the screens (1 (A), 2 (B))" in plan.note


def test_the_researcher_output_takes_the_researchers_voices_during_a_session():
    devices = {"desk": "Desk speakers (ALSA)", "phones": "Booth phones (ALSA)"}

    def resolve(choice):
        if choice not in devices:
            raise LookupError(f"no device {choice!r}")
        return devices[choice]

    guard = PlaybackGuard(None, resolve=resolve)
    assert guard.route("a voice").allowed and guard.route("a voice").device is None
    guard.session_opened("Booth phones (ALSA)")
    assert "Researcher output" in guard.route("the voice at (1, 2)").refused
    guard.set_researcher_output("desk")
    assert guard.route("a voice").device == "Desk speakers (ALSA)"
    guard.set_researcher_output("phones")         # the listener's own device: refused
    assert "is the listener's device" in guard.route("a voice").refused
    guard.set_researcher_output("gone")
    assert "cannot be used (no device 'gone')" in guard.route("a voice").refused
    guard.session_closed()
    assert guard.route("a voice").device is None


@pytest.mark.slow
def test_hd_listener_screen_window_keeps_both_windows_as_they_are(
        qtbot, tmp_home, jack_device, monkeypatch):
    monkeypatch.setenv("HD_LISTENER_SCREEN", "window")
    w = open_window(qtbot, tmp_home)
    w.lab.set_settings(auto_update=False, consent=False, questionnaire=False, headphone_check="none")
    w.lab.create_round(SMALL)
    assert w.screen_box.currentData() == "window"
    w.start_session(size=10, seed=3)
    sw = w.session_window
    assert not sw.isFullScreen() and not w.isMinimized()
    w.play_point(0.0, 0.0)                         # the output is guarded all the same
    assert "not played" in w.statusBar().currentMessage()
    sw.close()
    w.close()


def test_the_listener_screen_and_researcher_output_settings_are_read_and_checked(
        tmp_path, monkeypatch):
    import json

    from hd_desktop.settings import Settings, load_settings, save_settings

    path = tmp_path / "settings.json"
    save_settings(Settings(listener_screen="2", researcher_output="Desk"), path)
    settings, note = load_settings(path)
    assert (settings.listener_screen, settings.researcher_output, note) == ("2", "Desk", None)
    monkeypatch.setenv("HD_LISTENER_SCREEN", "1")
    assert settings.effective_listener_screen() == "1"
    path.write_text(json.dumps({"schema": 1, "listener_screen": 2, "researcher_output": "Desk"}))
    settings, note = load_settings(path)
    assert settings.listener_screen is None and "listener_screen 2 is not text" in note


@pytest.mark.slow
def test_with_a_researcher_output_the_map_plays_there_not_on_the_listeners_player(
        qtbot, tmp_home, jack_device):
    w = open_window(qtbot, tmp_home)
    w.lab.set_settings(auto_update=False, consent=False, questionnaire=False, headphone_check="none")
    w.lab.create_round(SMALL)
    w.start_session(size=10, seed=3)
    # the JACK dummy is this machine's only device: the listener's is taken to be another one
    w.guard.session_opened("Booth headphones (ALSA)")
    w.researcher_box.setCurrentIndex(w.researcher_box.findData(w.audio.device_label))
    w.researcher_box.activated.emit(w.researcher_box.currentIndex())
    assert w.settings.researcher_output == w.audio.device_label      # saved as a setting
    plays = w.audio.player._seq
    with qtbot.waitSignal(w.played, timeout=60_000) as blocker:
        w.play_point(1.0, -0.5)
    playback = blocker.args[0].playback
    assert playback.wait(timeout=30) is not None
    side = w.researcher_audio.lab_playback.side
    assert side is not None and side.player is not w.audio.player and side.player._seq == 1
    assert w.audio.player._seq == plays                  # the session's player got nothing
    w.session_window.close()
    w.close()
