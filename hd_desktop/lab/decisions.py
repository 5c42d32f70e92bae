"""Decisions about data, as the Lab takes them: exclude a listener or a session with a reason,
include it again; refused when it would change nothing (docs/design.md 3). The app's Experiment
tab and `hd-desktop exclude/include` both come through `apply`."""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class OverviewRow:
    """One row of the Experiment tab's table: a listener, or one of their sessions under them."""

    target: str             # "listener" or "session"
    id: str
    label: str              # the listener id, or "  ↳ <session id>, <month-day time started>"
    kind: str               # where the listener voted / the session's kind ("simulated" marked)
    votes: int
    screening: str          # "passed 85% of 24", "not judged yet (3 of 20 screening answers)"
    decision: str           # "excluded: pilot (2026-12-06 14:20)", "" when none in force
    excluded: bool


def overview(lab) -> list[OverviewRow]:
    """Every listener who voted in a counted session, their sessions, screening and decisions."""
    from hd_desktop.engine.screening import Screened, screening
    from hd_desktop.store import SessionKind
    from hd_desktop.web.listeners import listener_rows

    exp = lab.experiment
    sessions = [s for s in exp.sessions() if s.kind in (SessionKind.TRIALS, SessionKind.SIMULATED)]
    votes = [v for s in sessions for v in exp.votes(session_id=s.id)]
    s_ = lab.settings
    status = screening(exp.stimuli(), votes, s_.screen_threshold, s_.screen_min)
    force = lab.decisions_in_force()
    per_session: dict[str, int] = {}
    for v in votes:
        per_session[v.session_id] = per_session.get(v.session_id, 0) + 1
    from hd_desktop.lab.furniture import NOT_TESTED, headphone_status, left_out_by_headphone_check

    headphones = headphone_status(exp)
    left_out = left_out_by_headphone_check(exp, s_)
    rows = []
    for r in listener_rows(exp):
        d = force.get(("listener", r.listener))
        st = status.get(r.listener)
        words = "—" if st is None else st.words(s_.screen_min)
        if st is not None and st.status is Screened.FAILED and r.listener in s_.keep_listeners:
            words += " (kept)"
        heard = headphones.get(r.listener, NOT_TESTED)
        if heard != NOT_TESTED or r.where != "simulated":
            words += f"; headphones {heard}" + (" (left out)" if r.listener in left_out else "")
        rows.append(OverviewRow("listener", r.listener, r.listener, r.where, r.votes, words,
                                "" if d is None else in_words(d), d is not None))
        for s in sessions:
            if s.listener != r.listener:
                continue
            d = force.get(("session", s.id))
            kind = "simulated" if s.kind == SessionKind.SIMULATED else s.kind.value
            started = s.started_at[5:16].replace("T", " ")
            rows.append(OverviewRow("session", s.id, f"  ↳ {s.id[:8]}, {started}", kind,
                                    per_session.get(s.id, 0), "", "" if d is None
                                    else in_words(d), d is not None))
    return rows


# the Experiment tab's table of listeners and sessions: its columns (each row's cells:
# row_cells), the Exclude button's meaning and the words beside the table until a decision
OVERVIEW_HEADERS = ("listener / session (kind, votes)", "screening", "decision")
EXCLUDE_TIP = ("leave this listener's or session's votes out of the engine, the evaluation and "
               "the exports' counts, with a reason; nothing is deleted")
DECISIONS_NOTE = ("Select a listener or a session. Excluded votes stay in the experiment and in "
                  "its rating files, marked.")


def row_cells(row: OverviewRow) -> list[str]:
    """The Experiment tab's cells of a row: who or which session (kind, votes), screening,
    the decision in force."""
    return [f"{row.label} ({row.kind}, {row.votes})", row.screening, row.decision]


def row_index(rows: list[OverviewRow], target: str, target_id: str) -> int | None:
    """Where a listener's or a session's row is in the table, or None."""
    return next((i for i, r in enumerate(rows) if (r.target, r.id) == (target, target_id)),
                None)


def may_decide(row: OverviewRow | None) -> tuple[bool, bool]:
    """(Exclude… allowed, Include again allowed) for the selected row: one or the other."""
    return row is not None and not row.excluded, row is not None and row.excluded


def decision_question(row: OverviewRow) -> tuple[str, str, str]:
    """The title, question and proposed reason asked before a row's decision is taken: an
    excluded row is included again, any other excluded (the reason is kept with the votes)."""
    if row.excluded:
        return (f"Include {row.target} {row.id} again", "Why take their votes back?",
                "included again")
    return (f"Exclude {row.target} {row.id}",
            f"Why leave out the votes of {row.target} {row.id}? (pilot, failed instructions, "
            "wrong headphones…) The reason is stored and exported with them.", "")


def decide_row(lab, row: OverviewRow, reason: str) -> Decision:
    """The decision the row's question asked about (Lab.include or Lab.exclude)."""
    return (lab.include if row.excluded else lab.exclude)(row.target, row.id, reason)


def decided_words(row: OverviewRow, decision: Decision) -> str:
    """What a decision just taken means for the next model update."""
    excluded = decision.action.value == "exclude"
    return (f"{row.target.capitalize()} {row.id} {decision.action.value}d: {decision.reason}. "
            "The next model update " + ("leaves their votes out." if excluded else
                                        "uses their votes again."))


# The Screening box's fields, by the experiment's setting each one shows, with what it means
SCREENING_TIPS = {
    "screen_threshold": "a listener passes screening with at least this share of screening "
                        "trials answered as expected (real voices accepted, far voices "
                        "rejected); chance is 50%",
    "screen_min": "a listener is judged once they have answered this many screening trials; "
                  "every new round holds at least this many",
    "use_unjudged": "",
    "use_simulated": "the autopilot's votes; with no person's votes in the experiment they are "
                     "always used"}


def screening_form(settings) -> dict:
    """The Screening box's values from the experiment's settings: the pass threshold in
    percent, the others as stored."""
    return {name: round(100 * settings.screen_threshold) if name == "screen_threshold"
            else getattr(settings, name) for name in SCREENING_TIPS}


def screening_settings(values: dict) -> dict:
    """The experiment's settings from the Screening box's values (the threshold in percent)."""
    return {**values, "screen_threshold": values["screen_threshold"] / 100.0}
