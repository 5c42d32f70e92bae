"""The experimenter's actions on one experiment (no Qt): rounds, sessions, engine updates."""

from hd_desktop.lab.engine_job import EngineResult, EngineSnapshot, engine_job
from hd_desktop.lab.workbench import Lab, RoundStatus

__all__ = ["EngineResult", "EngineSnapshot", "Lab", "RoundStatus", "engine_job"]
