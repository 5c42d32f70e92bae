"""The application layer (no Qt): an experiment's lifecycle, driven by the windows and `simulate`."""

from hd_desktop.lab.engine_job import EngineResult, EngineSnapshot, engine_job
from hd_desktop.lab.events import Events, LabEvent
from hd_desktop.lab.settings import LabSettings
from hd_desktop.lab.workbench import Lab, RoundStatus

__all__ = ["EngineResult", "EngineSnapshot", "Events", "Lab", "LabEvent", "LabSettings",
           "RoundStatus", "engine_job"]
