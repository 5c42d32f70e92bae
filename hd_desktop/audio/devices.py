"""Output devices: list them and resolve the user's choice to one.

The choice is, in order: an explicit argument (a device index, or a case-insensitive part
of its name), else the environment variable HD_AUDIO_DEVICE (same forms), else PortAudio's
default output. sounddevice is imported inside the functions: importing it initialises
PortAudio, which probes every backend, and that must never happen at import time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from hd_desktop.errors import NoOutputDevice, UserFacingError

ENV_VAR = "HD_AUDIO_DEVICE"
_wedged: str | None = None  # set once a dead stream had to be left open: see below


@dataclass(frozen=True)
class OutputDevice:
    """One PortAudio output device, as the user sees it."""

    index: int
    name: str
    hostapi: str
    default_samplerate: float
    max_output_channels: int

    def label(self) -> str:
        return f"{self.index}: {self.name} ({self.hostapi})"


def list_output_devices() -> list[OutputDevice]:
    """Every device PortAudio can play to, in PortAudio's order."""
    import sounddevice as sd

    hostapis = sd.query_hostapis()
    return [
        OutputDevice(
            index=int(d["index"]),
            name=str(d["name"]),
            hostapi=str(hostapis[d["hostapi"]]["name"]),
            default_samplerate=float(d["default_samplerate"]),
            max_output_channels=int(d["max_output_channels"]),
        )
        for d in sd.query_devices()
        if d["max_output_channels"] > 0
    ]


def default_output_index() -> int | None:
    """PortAudio's default output device index, or None when it has none."""
    import sounddevice as sd

    try:
        index = sd.default.device[1]
        if index is None or index < 0:
            index = sd.query_devices(kind="output")["index"]
    except sd.PortAudioError:
        return None
    return int(index) if index is not None and index >= 0 else None


def resolve_output_device(choice: int | str | None = None) -> OutputDevice:
    """The device to play to: `choice`, else $HD_AUDIO_DEVICE, else the default output.

    Raises NoOutputDevice, naming what was looked for, when nothing matches.
    """
    devices = list_output_devices()
    labels = [d.label() for d in devices]
    source = None
    if choice is None or (isinstance(choice, str) and not choice.strip()):
        choice, source = os.environ.get(ENV_VAR) or None, ENV_VAR
    if choice is None:
        return _default(devices, labels)
    found = _match(devices, choice)
    if found is None:
        raise NoOutputDevice(choice, labels, source)
    return found


def _default(devices: list[OutputDevice], labels: list[str]) -> OutputDevice:
    index = default_output_index()
    for d in devices:
        if d.index == index:
            return d
    if devices:  # no declared default: the first output device is what PortAudio would pick
        return devices[0]
    raise NoOutputDevice(None, labels)


def _match(devices: list[OutputDevice], choice: int | str) -> OutputDevice | None:
    """By index (an int or a string of digits), else exact name, else first name containing it."""
    text = str(choice).strip()
    if isinstance(choice, int) or text.isdigit():
        return next((d for d in devices if d.index == int(text)), None)
    needle = text.casefold()
    labelled = [d for d in devices if d.label().casefold() == needle]   # the app's device list
    if labelled:
        return labelled[0]
    exact = [d for d in devices if d.name.casefold() == needle]
    partial = [d for d in devices if needle in d.name.casefold()
               or needle in f"{d.name} ({d.hostapi})".casefold()]
    return (exact or partial or [None])[0]


def rescan() -> None:
    """Make PortAudio enumerate devices again (it only does so when initialised).

    Needed when a device or a JACK server appears after start-up. Every stream must be
    closed first: re-initialising PortAudio invalidates them.
    """
    import sounddevice as sd

    if _wedged:
        raise UserFacingError(f"Audio output {_wedged} stopped while in use; restart the app "
                              "to look for audio devices again.")
    sd._terminate()
    sd._initialize()


def abandon_dead_stream(device: OutputDevice) -> None:
    """Leave open a stream whose device died, instead of hanging on it.

    When a JACK server dies under a stream, PortAudio's JACK backend waits forever in
    Pa_CloseStream, and so in Pa_Terminate, which sounddevice calls at exit. So the stream
    is left open, sounddevice's exit handler is dropped (the OS reclaims everything at
    exit anyway), and rescan() refuses from now on with a message.
    """
    import atexit
    import logging

    import sounddevice as sd

    global _wedged
    _wedged = device.label()
    atexit.unregister(sd._exit_handler)
    logging.getLogger(__name__).warning("audio output %s died; its stream is left open", _wedged)
