"""Playback of stimuli: device choice, a player that reports sound onset, prefetching.

Plain Python, no Qt. Nothing here touches PortAudio until a function or a Player is
called: importing sounddevice initialises PortAudio, so it is imported lazily.
"""

from hd_desktop.audio.buffers import Prepared, prepare
from hd_desktop.audio.devices import OutputDevice, list_output_devices, resolve_output_device
from hd_desktop.audio.playback import EndReason, FinishInfo, OnsetInfo, Playback, PlayerState
from hd_desktop.audio.player import Player
from hd_desktop.audio.prefetch import Prefetcher, RenderFailed

__all__ = [
    "EndReason", "FinishInfo", "OnsetInfo", "OutputDevice", "Playback", "Player", "PlayerState",
    "Prefetcher", "Prepared", "RenderFailed", "list_output_devices", "prepare",
    "resolve_output_device",
]
