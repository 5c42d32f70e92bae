"""The paper's Evaluation 2 on one experiment: real and sampled voices rated blind, then the table."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from hd_desktop.design.stimulus import Role
from hd_desktop.engine.evaluation import (evaluation_design, evaluation_table,
                                          make_evaluation_stimuli, write_evaluation)
from hd_desktop.errors import UserFacingError
from hd_desktop.session.flow import SessionFlow
from hd_desktop.session.states import FlowSettings
from hd_desktop.store import SessionKind


def create_evaluation(lab, n_each: int, seed: int, round: int | None = None) -> str:
    """An evaluation set: n_each real voices and n_each samples of the latest model (of
    `round`, when given), stored."""
    model = lab.model(round)
    if model is None:
        raise UserFacingError("no model yet" + ("" if round is None else f" of round {round}")
                              + ": update the model, then evaluate its samples")
    samples = lab.experiment.samples(model_id=model.id)
    name = f"r{model.round}_s{seed}_n{n_each}"
    if name in lab.experiment.evaluations():
        return name
    n_each = min(n_each, len(lab.space.coords), len(samples))
    stimuli = make_evaluation_stimuli(lab.space.coords, samples, n_each, seed, name=name)
    design = evaluation_design(name, n_each, seed,
                               samples_from={"round": model.round, "model_id": model.id})
    return lab.experiment.add_evaluation(name, design, stimuli)


def evaluation_session(lab, name: str, seed: int,
                       settings: FlowSettings = FlowSettings(kind=SessionKind.EVALUATION)) -> SessionFlow:
    """A session over the set, blind (ids never shown) and in its own seeded random order."""
    stimuli = lab.experiment.stimuli(evaluation=name)
    if not stimuli:
        raise UserFacingError(f"no evaluation set {name!r} in {lab.experiment.path}")
    current = lab.current_round()
    practice = [s for s in lab.experiment.stimuli(round=current.index) if s.role == Role.PRACTICE] \
        if current else []
    return lab.watch_session(SessionFlow(lab.experiment, stimuli, practice=practice,
                                         order_seed=seed,
                                         settings=replace(settings, kind=SessionKind.EVALUATION)))


def summary_stem(name: str) -> str:
    """`evaluation-<name>`: the summary's files never match a glob of rating files (ratings-*)."""
    return f"evaluation-{name}"


def evaluation_report(lab, name: str, out_dir: Path | None = None, stem: str | None = None) -> dict:
    """Acceptance of real vs sampled voices with 95% intervals and spreads; written beside the
    rating files when `out_dir` is given, as `evaluation-<name>-evaluation.csv/.json`."""
    from hd_desktop.store.sidecar import is_simulated

    exp = lab.experiment
    excluded = exp.exclusions()    # decisions about data hold here too
    votes = [v for v in exp.votes(evaluation=name)
             if not excluded.excludes(v.listener, v.session_id)]
    # a simulated listener's answers (the autopilot) count only while no person has answered
    simulated = {s.id for s in exp.sessions() if is_simulated(exp, s)}
    people = [v for v in votes if v.session_id not in simulated]
    table = evaluation_table(people or votes, exp.stimuli(evaluation=name))
    table["evaluation"] = name
    table["simulated"] = bool(votes) and not people
    if out_dir is not None:
        write_evaluation(table, out_dir, stem or summary_stem(name))
    return table


def latest_evaluation_report(lab) -> tuple[dict, str | None] | None:
    """The newest evaluation with votes, its table computed from the store as when it finished,
    and the folder its report was written to (None when no report file is there): what the
    window shows again after a restart."""
    import json

    for name in reversed(list(lab.experiment.evaluations())):
        if not lab.experiment.votes(evaluation=name):
            continue
        table = evaluation_report(lab, name)
        written = None
        for path in sorted(lab.experiment.exports_dir.glob("*-evaluation.json")):
            try:
                if json.loads(path.read_text()).get("evaluation") == name:
                    written = str(path.parent)
            except (OSError, ValueError):
                continue      # a report file damaged or being written: the store has the votes
        return table, written
    return None
