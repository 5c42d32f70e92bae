"""Schema 2 contents: models and their checkpoints, samples, anchors, evaluation sets and their
sessions (kept out of the NES counts, exported and imported like any session)."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from helpers.experiments import make_experiment, nes_stimuli

from hd_desktop.design.stimulus import Role, Stimulus
from hd_desktop.engine.evaluation import (evaluation_design, evaluation_table,
                                          make_evaluation_stimuli)
from hd_desktop.errors import BadInputError, UserFacingError
from hd_desktop.store import (EVALUATION_ROUND, Experiment, NewVote, SessionKind,
                              import_rating_files, read_rating_file, write_rating_file)

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
CHECKPOINT = bytes(range(256)) * 40 + b"\x00tail"


def _model(exp, round_=0, loss=0.5):
    return exp.save_model(round_, {"width": 64, "lr": 1e-3, "activation": "silu"},
                          [{"step": 0, "loss": 1.25}, {"step": 100, "loss": loss}], CHECKPOINT,
                          {"votes": 40, "estimates": np.int64(4), "train_s": 0.75,
                           "seeds": {"train": 10}, "grad_se_mean": float("nan")})


def test_models_round_trip_without_and_with_their_checkpoint(tmp_path):
    exp, _ = make_experiment(tmp_path / "e")
    first = _model(exp)
    second = _model(exp, loss=0.25)
    exp.close()
    with Experiment.open(tmp_path / "e", create=False) as exp:
        models = exp.models()
        assert [m.id for m in models] == [first, second] and exp.models(round=1) == []
        m = exp.model(first)
        assert m.round == 0 and m.config == {"width": 64, "lr": 1e-3, "activation": "silu"}
        assert m.curve[1] == {"step": 100, "loss": 0.5} and m.checkpoint_bytes == len(CHECKPOINT)
        assert m.info["estimates"] == 4 and m.info["seeds"] == {"train": 10}
        assert np.isnan(m.info["grad_se_mean"])  # a failed metric is kept, not dropped
        assert exp.model_checkpoint(first) == CHECKPOINT
        assert exp.latest_model().id == second and exp.latest_model(round=0).id == second
        assert exp.latest_model(round=3) is None
        with pytest.raises(UserFacingError, match="no such round"):
            _model(exp, round_=3)
        with pytest.raises(UserFacingError, match="no model"):
            exp.model_checkpoint("nope")
        exp._con().execute("UPDATE models SET checkpoint = ? WHERE id = ?", (b"x" * 9, first))
        with pytest.raises(UserFacingError, match="damaged"):
            exp.model_checkpoint(first)


def test_samples_come_back_bit_for_bit_and_never_change(tmp_path):
    exp, _ = make_experiment(tmp_path / "e")
    mid = _model(exp)
    z = np.random.default_rng(1).normal(size=(7, 2)) * np.pi
    z[0, 0] = 5e-324  # a subnormal survives too
    exp.save_samples(mid, 0, z, seed=21, info={"eps": 0.003, "steps": 10000})
    exp.save_samples(mid, 0, z, seed=21, info={"eps": 0.003, "steps": 10000})  # no-op
    with pytest.raises(UserFacingError, match="never change"):
        exp.save_samples(mid, 0, z + 1.0, seed=21, info={})
    more = np.arange(6, dtype=np.float32).reshape(3, 2)
    exp.save_samples(mid, 0, more, seed=22, info={})
    back = exp.samples(round=0)
    assert back.dtype == np.float64 and back.shape == (10, 2)
    assert back[:7].tobytes() == z.tobytes() and np.array_equal(back[7:], more)
    assert exp.samples(model_id=mid, round=0).shape == (10, 2)
    assert exp.samples(round=1).shape == (0, 0)
    sets = exp.sample_sets(model_id=mid)
    assert [(s.seed, s.n, s.k) for s in sets] == [(21, 7, 2), (22, 3, 2)]
    assert sets[0].info == {"eps": 0.003, "steps": 10000}
    for bad, message in ((np.zeros(3), "n x k"), (np.array([[np.nan, 0.0]]), "NaN"),
                         (np.zeros((2, 3)), "dimensions")):
        with pytest.raises(ValueError, match=message):
            exp.save_samples(mid, 0, bad, seed=99, info={})
    with pytest.raises(UserFacingError, match="save the model first"):
        exp.save_samples("nope", 0, z, seed=1, info={})


def test_a_model_and_its_samples_are_stored_together_or_not_at_all(tmp_path):
    exp, _ = make_experiment(tmp_path / "e")
    with exp:
        first = _model(exp)
        exp.save_samples(first, 0, np.ones((3, 2)), seed=1, info={})
        with pytest.raises(ValueError, match="NaN"):  # fails between model and samples
            exp.save_model(0, {}, [], CHECKPOINT, {}, samples=(np.array([[np.nan, 0.0]]), 2, {}))
        assert [m.id for m in exp.models()] == [first]          # the good model still stands
        assert exp.latest_model(0).id == first and exp.samples(round=0).shape == (3, 2)
        both = exp.save_model(0, {}, [], CHECKPOINT, {}, samples=(np.zeros((4, 2)), 3, {"a": 1}))
        assert exp.latest_model(0).id == both and exp.samples(model_id=both).shape == (4, 2)


def test_anchors_from_a_models_samples_round_trips(tmp_path):
    exp, _ = make_experiment(tmp_path / "e")
    mid = _model(exp)
    design = {"seed": 12, "sigma_nei": 0.5, "sigma_nes": 0.3, "R": 2,
              "anchors_from": {"round": 0, "model_id": mid}}
    r1 = nes_stimuli(1, 2, 2, seed=12)
    exp.add_round(1, design, r1)
    exp.add_round(1, dict(design), r1)  # idempotent
    assert exp.rounds()[1]["anchors_from"] == {"round": 0, "model_id": mid}
    sid = exp.start_session("L01", "trials", [s.id for s in r1], 1)
    exp.record_vote(sid, 0, r1[0].id, 1, 300.0, 1, T0, T0)
    csv_path, _ = write_rating_file(exp, sid, tmp_path / "out")
    import_rating_files(tmp_path / "B", [csv_path])
    with Experiment.open(tmp_path / "B", create=False) as copy:
        assert copy.rounds()[1] == design


@pytest.fixture
def evaluated(tmp_path):
    """An experiment with round 0, an evaluation of 4 + 4 voices and one evaluation session."""
    exp, trials = make_experiment(tmp_path / "A")
    rng = np.random.default_rng(7)
    stimuli = make_evaluation_stimuli(rng.normal(size=(20, 2)), 2 * rng.normal(size=(30, 2)),
                                      4, seed=5, name="final")
    design = evaluation_design("final", 4, 5, samples_from={"round": 0, "model_id": None})
    assert exp.add_evaluation("final", design, stimuli) == "final"
    order = [stimuli[i].id for i in rng.permutation(len(stimuli))]
    sid = exp.start_session("L01", SessionKind.EVALUATION, order, 9, "Dummy Out", -3.0)
    for i, stim_id in enumerate(order):
        t = T0 + timedelta(seconds=2 * i)
        exp.record_vote(sid, i, stim_id, int(i % 3 != 0), 400.0 + i, 1, t,
                        t + timedelta(milliseconds=400 + i), "Dummy Out", -3.0)
        if i == 2:
            exp.undo_last_vote(sid)
            exp.record_vote(sid, i, stim_id, 1, 800.0, 2, t, t + timedelta(seconds=1))
    yield exp, trials, stimuli, design, sid
    exp.close()


def test_an_evaluation_is_stored_beside_the_rounds(evaluated):
    exp, trials, stimuli, design, _ = evaluated
    assert exp.evaluations() == {"final": design}
    assert sorted(exp.rounds()) == [0]  # it took no round number
    assert exp.stimuli(evaluation="final") == stimuli
    assert all(s.round == EVALUATION_ROUND for s in exp.stimuli(evaluation="final"))
    assert [s.id for s in exp.stimuli(round=0)] == [s.id for s in exp.stimuli()][:len(
        exp.stimuli(round=0))]  # all stimuli: rounds first, evaluations after
    assert exp.stimuli(ids=[stimuli[5].id]) == [stimuli[5]]
    exp.add_evaluation("final", dict(design), stimuli)  # the same again: a no-op
    with pytest.raises(UserFacingError, match="different design"):
        exp.add_evaluation("final", {**design, "seed": 6}, [])
    moved = Stimulus(stimuli[0].id, EVALUATION_ROUND, Role.EVAL_REAL, (9.0, 9.0), 5)
    with pytest.raises(UserFacingError, match="other values"):
        exp.add_evaluation("final", design, [moved])
    in_round = Stimulus("r0-eval-0", 0, Role.EVAL_REAL, (0.5, 0.5), 5)
    with pytest.raises(ValueError, match="add_evaluation"):
        exp.add_round(0, exp.rounds()[0], [in_round])  # an evaluation voice is not a round's
    with pytest.raises(ValueError, match="not an evaluation stimulus"):
        exp.add_evaluation("other", {}, [trials[0]])
    with pytest.raises(UserFacingError, match="evaluation name"):
        exp.add_evaluation("no-hyphens", {}, [])
    with pytest.raises(sqlite3.IntegrityError):  # the file itself forbids a stimulus in both
        exp._con().execute("UPDATE stimuli SET round = 0 WHERE id = ?", (stimuli[0].id,))


def test_evaluation_votes_are_recorded_but_not_counted_for_nes(evaluated):
    exp, trials, stimuli, _, sid = evaluated
    trial = exp.start_session("L01", "trials", [s.id for s in trials[:3]], 2)
    exp.record_votes(trial, [NewVote(i, s.id, 1, 300.0, 1, T0, T0)
                             for i, s in enumerate(trials[:3])])
    assert len(exp.votes(session_id=sid)) == len(stimuli)
    assert len(exp.votes(evaluation="final")) == len(stimuli)
    assert len(exp.votes(evaluation="final", include_undone=True)) == len(stimuli) + 1
    assert len(exp.votes()) == len(stimuli) + 3
    counts = exp.vote_counts()
    assert set(counts) == {s.id for s in trials[:3]}  # no evaluation stimulus among them
    with_eval = exp.vote_counts(kinds=[SessionKind.EVALUATION])
    assert set(with_eval) == {s.id for s in stimuli}
    with pytest.raises(UserFacingError, match="evaluation sessions"):
        exp.start_session("L02", "trials", [stimuli[0].id], 1)
    table = evaluation_table(exp.votes(evaluation="final"), exp.stimuli(evaluation="final"))
    assert table["groups"]["real"]["votes"] + table["groups"]["sampled"]["votes"] == 8


def test_an_evaluation_session_exports_and_imports_into_a_fresh_experiment(evaluated, tmp_path):
    exp, _, stimuli, design, sid = evaluated
    csv_path, json_path = write_rating_file(exp, sid, tmp_path / "out")
    sidecar = json.loads(json_path.read_text())
    assert sidecar["evaluations"] == [{"name": "final", "design": design}]
    assert sidecar["rounds"] == [] and sidecar["seeds"]["evaluations"] == {"final": 5}
    assert {s["evaluation"] for s in sidecar["stimuli"]} == {"final"}
    rf = read_rating_file(csv_path)
    assert rf.evaluations == {"final": design} and rf.session.kind == SessionKind.EVALUATION
    report = import_rating_files(tmp_path / "B", [csv_path])
    assert report.created and report.new_votes == len(stimuli) + 1
    with Experiment.open(tmp_path / "B", create=False) as copy:
        assert copy.evaluations() == {"final": design}
        assert sorted(copy.stimuli(evaluation="final"), key=str) == sorted(stimuli, key=str)
        assert copy.votes(include_undone=True) == exp.votes(include_undone=True)
        assert copy.session(sid) == exp.session(sid) and copy.vote_counts() == {}
    again = import_rating_files(tmp_path / "B", [csv_path])
    assert again.new_votes == 0 and again.known_votes == len(stimuli) + 1


def _spoil_sidecar(json_path, change):
    side = json.loads(json_path.read_text())
    change(side)
    json_path.write_text(json.dumps(side))


def test_evaluation_rating_files_meet_the_same_refusals(evaluated, tmp_path):
    exp, _, stimuli, design, sid = evaluated
    csv_path, json_path = write_rating_file(exp, sid, tmp_path / "out")
    with Experiment.open(tmp_path / "B", experiment_id=exp.experiment_id) as b:
        b.set_space(*exp.space())
        b.add_evaluation("final", {**design, "seed": 6}, [])
    with pytest.raises(BadInputError, match="evaluation final has a different design"):
        import_rating_files(tmp_path / "B", [csv_path])
    assert import_rating_files(tmp_path / "C", [csv_path]).created  # the file itself is sound
    cases = {
        "design missing": (lambda m: m.pop("evaluations"), "whose design is not in the sidecar"),
        "played in a trials session": (lambda m: m["session"].update(kind="trials"),
                                       "evaluation sessions"),
        "a round stimulus with an evaluation role": (
            lambda m: [s.pop("evaluation") for s in m["stimuli"]] and m["rounds"].append(
                {"index": -1, "design": {}}), r"rounds\[0\]\.index is -1"),
    }
    for name, (change, message) in cases.items():
        bad = tmp_path / name.replace(" ", "_")
        bad.mkdir()
        c, j = write_rating_file(exp, sid, bad)
        _spoil_sidecar(j, change)
        with pytest.raises(BadInputError, match=message):
            import_rating_files(tmp_path / f"fresh-{bad.name}", [c])
        assert not (tmp_path / f"fresh-{bad.name}").exists()
