"""The main window: the map of real voices; a click renders that voice and plays it on the device."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
from PySide6.QtCore import Qt

from helpers.app import open_window

from hd_desktop.gui.main_window import MainWindow
from hd_desktop.settings import Settings


@pytest.fixture
def window(qtbot, tmp_home):
    w = open_window(qtbot, tmp_home)
    yield w
    w.close()


@pytest.mark.slow
def test_clicking_the_map_plays_the_voice_at_that_point(jack_device, jack_capture, qtbot, tmp_home):
    w = open_window(qtbot, tmp_home)
    assert w.audio.player is not None, w.audio.problem
    assert jack_device in w.audio.device_label
    jack_capture.attach()
    jack_capture.clear()

    target = (1.0, -0.5)
    with qtbot.waitSignal(w.played, timeout=60_000) as blocker:
        qtbot.mouseClick(w.map.viewport(), Qt.MouseButton.LeftButton, pos=w.map.click_at(*target))
    played = blocker.args[0]
    # the point under the cursor, to within a pixel of the view
    assert np.allclose(played.z, target, atol=0.05), played.z
    assert played.carrier == "sustained"
    assert np.allclose(w.map.mark.getData()[0], [played.z[0]])

    onset = played.playback.wait_started(timeout=30)
    end = played.playback.wait(timeout=30)
    assert onset is not None and end is not None
    assert end.frames_delivered == played.playback.frames  # every frame reached the device
    qtbot.waitUntil(lambda: jack_capture.first_sound() is not None, timeout=60_000)
    heard = jack_capture.signal()
    assert np.sqrt(np.mean(heard**2)) > 1e-3  # the voice, not silence, came out of the graph
    assert "Playing (1.0" in w.statusBar().currentMessage()
    w.close()


def test_map_shows_every_real_voice_with_its_speaker(window):
    xs, ys = window.map.real.getData()
    assert len(xs) == len(window.space.items) >= 20
    assert np.allclose(np.c_[xs, ys], window.space.coords[:, :2])
    first = window.map._tip(xs[0], ys[0], 0)
    assert window.space.speakers[0] in first


@pytest.mark.slow
def test_without_an_output_device_the_map_still_works(qtbot, tmp_home, monkeypatch):
    monkeypatch.setenv("HD_AUDIO_DEVICE", "no such device anywhere")
    w = open_window(qtbot, tmp_home)
    assert w.audio.player is None
    assert "no such device anywhere" in w.audio.problem
    w.play_point(0.5, 0.5)
    qtbot.waitUntil(lambda: "no output device" in w.statusBar().currentMessage(), timeout=60_000)
    assert np.allclose(w.map.mark.getData()[0], [0.5])
    w.close()


def test_second_start_loads_the_space_from_the_cache(qtbot, tmp_home, window):
    w2 = MainWindow(window.experiment, None, Settings())
    qtbot.addWidget(w2)
    messages = []
    w2._build_progress = lambda p: messages.append(p.message)
    w2.show()
    with qtbot.waitSignal(w2.spaceReady, timeout=60_000):
        pass
    assert w2.space.fingerprint == window.space.fingerprint
    w2.close()



def test_a_job_that_ends_after_its_owner_was_deleted_tells_nobody(qtbot):
    """A background job (a map click's rendering, an import) that ends after its window was
    closed and deleted, as when the app quits mid-click: its result is dropped, nothing is
    called on the deleted window."""
    import threading

    import shiboken6
    from PySide6.QtCore import QObject, QThreadPool
    from PySide6.QtWidgets import QApplication

    from hd_desktop.gui.jobs import start_job

    owner, go_on, told = QObject(), threading.Event(), []
    start_job(lambda: go_on.wait(60), owner=owner, on_result=told.append,
              on_finished=lambda: told.append("finished"))
    shiboken6.delete(owner)
    go_on.set()
    assert QThreadPool.globalInstance().waitForDone(60_000)
    for _ in range(20):              # the job's news would reach the GUI thread now
        QApplication.processEvents()
    assert told == []
    kept = QObject()                 # the same job with its owner alive is heard
    start_job(lambda: 7, owner=kept, on_result=told.append)
    qtbot.waitUntil(lambda: told == [7], timeout=60_000)


def test_a_window_closed_while_its_space_is_built_tells_nobody(qtbot, tmp_home, monkeypatch):
    """Quitting before the voice space is ready cancels the build; the cancelled build's news
    reaches no deleted label (it did, as an exception in the event loop, when a test run
    under heavy load gave up waiting for a window and closed it)."""
    import shiboken6
    from PySide6.QtCore import QThreadPool
    from PySide6.QtWidgets import QApplication

    monkeypatch.setenv("HD_CACHE_DIR", str(tmp_home / "empty-cache"))   # so it builds
    w = MainWindow(tmp_home / "sessions" / "exp", None, Settings())
    w.show()
    qtbot.waitUntil(lambda: w.progress.value() > 0, timeout=60_000)    # building, not ready
    assert w.space is None
    w.close()
    shiboken6.delete(w)
    assert QThreadPool.globalInstance().waitForDone(120_000)
    for _ in range(20):              # the cancelled build's news would reach the GUI thread now
        QApplication.processEvents()
