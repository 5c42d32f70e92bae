"""The Lab's events: one typed event per kind of news, published only for what happened."""

from __future__ import annotations

import dataclasses

import pytest

from hd_desktop.design import DesignParams
from hd_desktop.engine.listeners import wide
from hd_desktop.lab import Lab
from hd_desktop.store.writelock import StoreWriteError
from hd_desktop.voice import load_space

FAST = {"train_steps": 100, "n_chains": 100, "sampler_steps": 100}
SMALL = DesignParams(n_anchors=6, m_neighbours=2, r_pairs=3, gold_rate=0.1, seed=2)
KINDS = ("round_created session_started vote block_done session_finished engine_started "
         "engine_progress model_stored engine_failed engine_cancelled evaluation_report settings "
         "imported import_refused exported decision").split()


@pytest.fixture(scope="module")
def space(tmp_path_factory):
    return load_space(cache_dir=tmp_path_factory.mktemp("space"))


def test_every_kind_of_news_is_a_frozen_event_of_its_own_and_a_misspelt_field_is_an_error():
    from hd_desktop.lab import events

    classes = {c.kind: c for c in vars(events).values()
               if isinstance(c, type) and issubclass(c, events.LabEvent) and c.kind}
    assert sorted(classes) == sorted(KINDS)
    assert not hasattr(events.Events, "emit")          # no untyped news
    vote = events.VoteCast(session_id="s1", vote_id="v1", trial=3, practice=False)
    assert vote.kind == "vote" and vote.trial == 3
    with pytest.raises(TypeError):
        events.VoteCast(session_id="s1", vote_id="v1", trail=3, practice=False)
    with pytest.raises(AttributeError):
        vote.trail                                       # noqa: B018
    with pytest.raises(dataclasses.FrozenInstanceError):
        vote.trial = 4
    with pytest.raises(TypeError):
        events.Events().publish("vote")


def test_a_model_that_could_not_be_stored_is_a_failure_and_never_news_of_a_stored_model(
        space, tmp_path, monkeypatch):
    lab = Lab(tmp_path / "exp", space, in_process=False)   # the former name still works
    lab.set_settings(engine_overrides=FAST, auto_update=False)
    lab.create_round(SMALL)
    lab.simulated_session(wide(seed=1), size=10_000, seed=1)
    seen = []
    lab.events.subscribe(seen.append)

    def disk_full(*args, **kwargs):
        raise StoreWriteError(f"{lab.experiment.path}: the disk is full")

    monkeypatch.setattr(lab.experiment, "save_model", disk_full)
    lab.engine.start = lab.engine.drive_here
    assert lab.engine.request()
    kinds = [e.kind for e in seen if e.kind != "engine_progress"]
    assert kinds == ["engine_started", "engine_failed"]
    assert "could not be stored" in seen[-1].message and "disk is full" in seen[-1].message
    assert lab.engine.latest is None and lab.experiment.models() == []

    monkeypatch.undo()                                   # room on the disk again
    seen.clear()
    assert lab.engine.request()
    assert [e.kind for e in seen if e.kind != "engine_progress"] == ["engine_started",
                                                                     "model_stored"]
    assert seen[-1].result.model_id == lab.experiment.models()[0].id == lab.engine.latest.model_id
    lab.close()


def test_an_update_asked_for_with_nothing_to_drive_it_says_why_nothing_happened(space, tmp_path):
    lab = Lab(tmp_path / "exp", space, spawn_engine=False)
    lab.create_round(SMALL)
    seen = []
    lab.events.subscribe(seen.append)
    assert lab.engine.start is None                      # a script that only records votes
    assert lab.engine.request() is False
    assert [e.kind for e in seen] == ["engine_failed"]
    assert "nothing drives the engine" in seen[0].message
    lab.close()


def test_refused_files_are_news_of_a_refusal_and_never_of_an_import(space, tmp_path):
    from hd_desktop.errors import UserFacingError

    lab = Lab(tmp_path / "exp", space, spawn_engine=False)
    lab.create_round(SMALL)
    bad = tmp_path / "ratings-bad.csv"
    bad.write_text("not,a,rating\nfile,at,all\n")
    seen = []
    lab.events.subscribe(seen.append)
    with pytest.raises(UserFacingError) as refused:
        lab.import_results([bad])
    assert [e.kind for e in seen] == ["import_refused"]
    assert seen[0].files == (str(bad),) and seen[0].message == str(refused.value)
    assert lab.experiment.votes() == []
    lab.close()


@pytest.mark.slow   # two small engine updates
def test_the_stop_signal_is_made_with_the_model_in_the_engine_job_and_only_read_after(
        space, tmp_path, monkeypatch):
    from hd_desktop.engine import stopping
    from hd_desktop.lab import engine_job
    from hd_desktop.lab.results import stop_text
    from hd_desktop.voice.build import run

    lab = Lab(tmp_path / "exp", space, spawn_engine=False)
    lab.set_settings(engine_overrides=FAST, auto_update=False)
    lab.create_round(SMALL)
    lab.simulated_session(wide(seed=1), size=10_000, seed=1)
    snap = lab.engine_snapshot()
    first = run(engine_job(snap))
    assert first.stop is None                            # nothing to compare the first with
    lab.save_engine_result(first, snap)
    snap = lab.engine_snapshot()
    assert snap.previous_samples.shape == first.samples.shape
    second = run(engine_job(snap))                       # the engine job (its process, in the app)
    assert second.stop["verdict"] in ("settled", "still changing")

    def on_the_windows_thread(*args, **kwargs):
        raise AssertionError("the stop signal is computed again after the engine job")

    monkeypatch.setattr(stopping, "stop_signal", on_the_windows_thread)
    lab.save_engine_result(second, snap)                 # storing and showing only read it
    assert lab.experiment.model(second.model_id).info["stop"] == second.stop
    assert "moved" in stop_text(second)
    assert lab.restore_engine_results()[0].stop == second.stop
    lab.close()
