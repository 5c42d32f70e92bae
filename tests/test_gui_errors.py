"""Errors in the app: told to the user in words, written to the experiment's errors.log, and
nothing else lost (a vote the disk cannot take, a render that fails, an export that fails,
settings that cannot be used)."""

from __future__ import annotations

import json
import os
import signal
from concurrent.futures.process import BrokenProcessPool

import pytest
from helpers.app import open_window
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from hd_desktop.design import DesignParams
from hd_desktop.gui.audio_output import AudioOutput
from hd_desktop.gui.errors import channel
from hd_desktop.gui.main_window import MainWindow
from hd_desktop.gui.session_window import SessionWindow
from hd_desktop.lab import Lab
from hd_desktop.session.flow import VoteNotSaved
from hd_desktop.session.states import FlowSettings
from hd_desktop.settings import load_settings, settings_path
from hd_desktop.voice import load_space

@pytest.fixture(scope="module")
def space(tmp_path_factory):
    return load_space(cache_dir=tmp_path_factory.mktemp("space"))


def answer(qtbot, window, key):
    qtbot.waitUntil(window.trial_page.accept.isEnabled, timeout=60_000)
    qtbot.keyClick(window, key)


def test_a_vote_the_full_disk_cannot_take_is_kept_told_and_saved_later(
        qtbot, space, tmp_home, jack_device, monkeypatch):
    lab = Lab(tmp_home / "sessions" / "exp", space)
    lab.set_settings(auto_update=False, consent=False, questionnaire=False,
                     headphone_check="none")   # the trials' disk, not the steps before them
    lab.create_round(DesignParams(n_anchors=20, m_neighbours=2, r_pairs=3, gold_rate=0.1, seed=5))
    channel().folder = lab.folder
    audio = AudioOutput()
    assert audio.open(None), audio.problem
    flow = lab.new_session(size=120, seed=4, settings=FlowSettings(break_every_trials=1000),
                           practice=False)
    w = SessionWindow(flow, space, audio)
    qtbot.addWidget(w)
    # should a check below fail, closing the window must not wait on a dialog nobody answers
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Close)
    w.show()
    qtbot.keyClicks(w.listener_page.listener, "L09")
    qtbot.keyClick(w.listener_page.listener, Qt.Key.Key_Return)
    qtbot.keyClick(w, Qt.Key.Key_Return)
    qtbot.keyClick(w, Qt.Key.Key_Return)
    con = lab.experiment._con()       # the connection this (the GUI) thread writes votes with
    pages = con.execute("PRAGMA page_count").fetchone()[0]
    con.execute(f"PRAGMA max_page_count = {pages}")   # SQLite's own "database or disk is full"
    refused = []
    w.voteNotSaved.connect(refused.append)
    for _ in range(len(flow.order)):
        answer(qtbot, w, Qt.Key.Key_F)
        if refused:
            break
    assert refused and "disk is full" in refused[0]
    stuck = flow.current.index
    assert w.trial_page.saving.isVisible() and "could not be saved" in w.trial_page.saving.text()
    assert flow.unsaved is not None and not w.trial_page.accept.isEnabled()
    retries = []
    retry = flow.retry_vote

    def watched_retry():
        try:
            return retry()
        except VoteNotSaved as exc:
            retries.append(exc)
            raise

    monkeypatch.setattr(flow, "retry_vote", watched_retry)
    qtbot.keyClick(w, Qt.Key.Key_J)                   # ignored: the kept answer comes first
    qtbot.waitUntil(lambda: bool(retries), timeout=60_000)  # the window retried by itself: still full
    assert "disk is full" in str(retries[0])
    assert flow.current.index == stuck and len(lab.experiment.votes()) == stuck
    asked = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.Cancel)
    w.close()                                         # closing would lose it: asked, and kept
    assert asked and "could not be saved" in asked[0] and w.isVisible()
    assert flow.unsaved is not None
    con.execute("PRAGMA max_page_count = 1073741823")  # room again
    qtbot.waitUntil(lambda: flow.current.index == stuck + 1, timeout=60_000)
    votes = {v.trial: v for v in lab.experiment.votes(session_id=flow.session_id)}
    assert sorted(votes) == list(range(stuck + 1)) and votes[stuck].response == 1   # the F
    assert not w.trial_page.saving.isVisible()
    log = (lab.folder / "errors.log").read_text()
    assert "saving an answer" in log and "disk is full" in log
    # full again, and the experimenter closes anyway: the answer is written to errors.log
    con.execute(f"PRAGMA max_page_count = {con.execute('PRAGMA page_count').fetchone()[0]}")
    refused.clear()
    for _ in range(len(flow.order)):
        answer(qtbot, w, Qt.Key.Key_J)
        if refused:
            break
    lost = flow.unsaved["values"][1]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Close)
    w.close()
    assert not w.isVisible()
    log = (lab.folder / "errors.log").read_text()
    assert "given up when its window closed" in log and f"voice {lost}, response 0" in log
    con.execute("PRAGMA max_page_count = 1073741823")
    audio.close()
    lab.close()


@pytest.mark.slow
def test_a_failed_render_in_the_new_voices_tab_and_a_failed_export_are_told(
        qtbot, tmp_home, jack_device):
    from hd_desktop.engine.listeners import wide

    w = open_window(qtbot, tmp_home)
    lab = w.lab
    lab.set_settings(auto_update=False, engine_overrides={"train_steps": 100, "n_chains": 50,
                                                          "sampler_steps": 100})
    lab.create_round(DesignParams(n_anchors=6, m_neighbours=2, r_pairs=2, gold_rate=0.1, seed=1))
    lab.simulated_session(wide(seed=3), size=10_000, seed=3, listener_id="sim")
    with qtbot.waitSignal(w.engine.resultReady, timeout=120000):
        w.engine.update()
    reports = []
    channel().reported.connect(lambda step, message: reports.append((step, message)))

    played = []
    w.preview.audio.started.connect(lambda *a: played.append(a))
    for process in list(w.renderer._pool._processes.values()):   # the render worker dies
        os.kill(process.pid, signal.SIGKILL)
    w.tabs.setCurrentWidget(w.preview)
    w.preview.table.selectRow(0)
    w.preview.play_selected()                         # a fresh worker renders it: it plays
    qtbot.waitUntil(lambda: bool(played), timeout=30000)
    assert not reports

    def broken(z, carrier="sustained"):
        raise BrokenProcessPool("A process in the process pool was terminated abruptly")

    w.renderer.render = broken                        # and when rendering fails, it is told
    w.preview.play_selected()
    qtbot.waitUntil(lambda: bool(reports), timeout=60_000)
    step, message = reports[0]
    assert "rendering sample voice for the preview" in step and "failed" in message
    assert channel().box.isVisible() and "errors.log" in channel().box.text()

    in_the_way = tmp_home / "a-file"
    in_the_way.write_text("not a folder")
    assert w.experiment_panel.export(in_the_way) == []
    step, message = reports[-1]
    assert step == f"exporting rating files to {in_the_way}" and str(in_the_way) in message
    log = (lab.folder / "errors.log").read_text()
    assert "BrokenProcessPool" in log and "exporting rating files" in log
    assert len(lab.experiment.votes()) > 0                      # nothing else lost
    w.close()


@pytest.mark.slow
def test_settings_that_cannot_be_used_do_not_stop_the_app(qtbot, tmp_home):
    settings_path().write_text(json.dumps({"schema": 1, "gain_db": "loud"}))
    settings, note = load_settings()
    w = MainWindow(tmp_home / "sessions" / "exp", None, settings, note)
    qtbot.addWidget(w)
    w.show()
    with qtbot.waitSignal(w.spaceReady, timeout=60000):
        pass
    assert "gain_db 'loud'" in note and w.lab.settings.gain_db == 0.0   # the default, named
    assert w.pages.currentIndex() == 1                           # past "Opening the voice space"
    w.close()

    settings_path().unlink()
    settings_path().mkdir()                                      # a folder where the file goes
    settings, note = load_settings()
    assert note
    w = MainWindow(tmp_home / "sessions" / "exp", None, settings, note)
    qtbot.addWidget(w)
    w.show()
    with qtbot.waitSignal(w.spaceReady, timeout=60000):
        pass
    w.carrier_box.setCurrentIndex(1 - w.carrier_box.currentIndex())   # saved in the experiment
    w._open_audio(0)                                            # the settings file cannot be saved
    assert "is a folder" in channel().last and "saving the settings" in channel().last
    assert w.audio.player is not None                           # the device was still opened
    w.close()


@pytest.mark.slow
def test_the_level_and_carrier_of_an_experiment_become_the_users_defaults(qtbot, tmp_home):
    w = open_window(qtbot, tmp_home)
    w.lab.set_settings(gain_db=-7.0)              # as a level check does
    w.carrier_box.setCurrentIndex(w.carrier_box.findData("sentence"))
    assert w.lab.settings.carrier == "sentence"
    saved, note = load_settings()
    assert note is None and (saved.gain_db, saved.carrier) == (-7.0, "sentence")
    w.close()
    fresh = MainWindow(tmp_home / "sessions" / "another", None, saved)   # as the app starts
    qtbot.addWidget(fresh)
    fresh.show()
    with qtbot.waitSignal(fresh.spaceReady, timeout=60000):
        pass
    assert (fresh.lab.settings.gain_db, fresh.lab.settings.carrier) == (-7.0, "sentence")
    assert fresh.carrier_box.currentData() == "sentence"
    fresh.close()


@pytest.mark.slow
def test_an_import_runs_beside_the_window_and_a_refused_one_is_told(qtbot, tmp_home, monkeypatch,
                                                                    tmp_path):
    from helpers.importing import vote_session

    from hd_desktop.store import write_rating_file

    w = open_window(qtbot, tmp_home)
    lab = w.lab
    lab.create_round(DesignParams(n_anchors=6, m_neighbours=2, r_pairs=2, gold_rate=0.1, seed=5))
    sid = vote_session(lab.experiment, lab.experiment.stimuli(0), "L07", seed=2)
    good = write_rating_file(lab.experiment, sid, tmp_path / "out")[0]
    bad = tmp_path / "bad.csv"
    bad.write_text("not,a,rating,file\n")
    panel = w.experiment_panel
    told, chosen = [], [[str(good)]]
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: (chosen[0], ""))
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: told.append(a[2]))
    panel.import_button.click()
    assert not panel.import_button.isEnabled()        # running on its worker thread
    qtbot.waitUntil(lambda: bool(told) and panel.import_button.isEnabled(), timeout=30000)
    assert "0 new votes merged" in told[0] and "were already here" in told[0]
    reported = []
    channel().reported.connect(lambda step, message: reported.append((step, message)))
    chosen[0] = [str(bad)]
    panel.import_button.click()
    qtbot.waitUntil(lambda: bool(reported) and panel.import_button.isEnabled(), timeout=30000)
    step, message = reported[0]
    assert step == "importing rating files or online results" and "bad.csv" in message
    assert "bad.csv" in (lab.folder / "errors.log").read_text()
