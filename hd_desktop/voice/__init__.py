"""Corpus -> WORLD analysis -> voice space (PCA) -> rendering a point to audio. No Qt."""

from hd_desktop.voice.build import Progress, load_space, open_space, run
from hd_desktop.voice.space import UNITS, SpaceSettings, VoiceSpace

__all__ = ["Progress", "SpaceSettings", "UNITS", "VoiceSpace", "load_space", "open_space", "run"]
