"""Decisions about data, as the Lab takes them: exclude a listener or a session with a reason,
include it again; refused when it would change nothing (docs/design.md 3). The app's Experiment
tab and `hd-desktop exclude/include` both come through `apply`."""

from __future__ import annotations

from pathlib import Path

from hd_desktop.errors import UserFacingError
from hd_desktop.store.decisions import Action, Decision, Target


def apply(experiment, target, target_id: str, action, reason: str) -> Decision:
    """Store the decision; an exclusion of what is excluded already (or the reverse) is refused."""
    target, action = Target(target), Action(action)
    current = experiment.exclusions()
    now_out = target_id in (current.listeners if target == Target.LISTENER else current.sessions)
    if (action == Action.EXCLUDE) == now_out:
        state = "excluded" if now_out else "included (nothing excludes it)"
        raise UserFacingError(f"{target.value} {target_id} is already {state}")
    return experiment.decide(target.value, target_id, action.value, reason)


def decide(folder: Path, action: str, target: str, target_id: str, reason: str) -> Decision:
    """The same decision on the experiment in `folder` (no voice space needed)."""
    from hd_desktop.store import Experiment

    with Experiment.open(folder, create=False) as exp:
        return apply(exp, target, target_id, action, reason)


def in_words(decision: Decision) -> str:
    """As a table shows it: "excluded: wrong headphones (2026-12-06 14:20)"."""
    return (f"{decision.action.value}d: {decision.reason} "
            f"({decision.decided_at[:16].replace('T', ' ')})")
