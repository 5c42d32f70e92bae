"""Who voted in an experiment: lab listeners and online participants side by side (no Qt)."""

from __future__ import annotations

from dataclasses import dataclass

from hd_desktop.engine.screening import gold_accuracy
from hd_desktop.store import Experiment, SessionKind
from hd_desktop.web.importing import COUNTED, SOURCE, shared_ids


@dataclass(frozen=True)
class ListenerRow:
    listener: str
    where: str                  # "lab", "simulated", "online (<how the id came>)", or both
    sessions: int               # counted sessions (trials, simulated)
    votes: int                  # standing votes in them
    screening: float | None     # accuracy on gold trials, all sessions


def listener_rows(exp: Experiment) -> list[ListenerRow]:
    """One row per listener, online participants marked by where their id came from."""
    sessions: dict[str, list] = {}
    everyone = exp.sessions()
    for s in everyone:
        if s.kind in COUNTED:
            sessions.setdefault(s.listener, []).append(s)
    shared = shared_ids(everyone)
    rows = []
    stimuli = exp.stimuli()
    for listener, own in sessions.items():
        web = [s for s in own if s.settings.get("source") == SOURCE]
        if web:
            where = f"online ({web[0].settings.get('id_from', '?')}, " \
                    f"{web[0].settings.get('hosting', '?')})"
            if listener in shared:    # the id is also a workstation listener's: one listener
                where = f"lab + {where}: same id"
        elif all(s.kind == SessionKind.SIMULATED for s in own):
            where = "simulated"
        else:
            where = "lab"
        n = sum(len(exp.votes(session_id=s.id)) for s in own)
        screening = gold_accuracy(stimuli, exp.votes(listener_id=listener)).get(listener)
        rows.append(ListenerRow(listener, where, len(own), n,
                                None if screening is None else screening[0]))
    return sorted(rows, key=lambda r: (r.where.startswith("online"), r.listener))

