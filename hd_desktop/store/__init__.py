"""The experiment store: one SQLite file per experiment, and rating files to export and merge."""

from hd_desktop.store.experiment import DB_NAME, Experiment, NewVote
from hd_desktop.store.merge import ImportReport, import_rating_files, import_ratings
from hd_desktop.store.models import ModelInfo, SampleSet
from hd_desktop.store.ratingcheck import read_rating_file
from hd_desktop.store.ratingfile import FORMAT_VERSION, RatingFile, columns, write_rating_file
from hd_desktop.store.records import EVALUATION_ROUND, Screening, SessionInfo, SessionKind, Vote
from hd_desktop.store.schema import SCHEMA_VERSION
from hd_desktop.store.writelock import StoreWriteError

__all__ = ["DB_NAME", "EVALUATION_ROUND", "FORMAT_VERSION", "SCHEMA_VERSION", "Experiment",
           "ImportReport", "ModelInfo", "NewVote", "RatingFile", "SampleSet", "Screening",
           "SessionInfo", "SessionKind", "StoreWriteError", "Vote", "columns", "import_rating_files",
           "import_ratings",
           "read_rating_file", "write_rating_file"]
