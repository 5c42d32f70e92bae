"""The experiment store: one SQLite file per experiment, and rating files to export and merge."""

from hd_desktop.store.experiment import DB_NAME, Experiment, NewVote
from hd_desktop.store.records import Screening, SessionInfo, SessionKind, Vote

__all__ = ["DB_NAME", "Experiment", "NewVote", "Screening", "SessionInfo", "SessionKind", "Vote"]
