"""`hd-desktop devices`: the audio outputs this machine offers, and the one the app would use."""

from __future__ import annotations

import argparse


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "devices", help="list audio output devices and mark the one that would be used",
        description="List audio output devices. The app plays to HD_AUDIO_DEVICE (an index "
                    "or part of a name) when it is set, else the device chosen in its settings, "
                    "else PortAudio's default output; '*' marks that device.")
    parser.add_argument("--device", default=None,
                        help="show which device this choice (index or part of a name) selects")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from hd_desktop.audio.devices import list_output_devices, resolve_output_device
    from hd_desktop.errors import NoOutputDevice

    devices = list_output_devices()
    if not devices:
        print("No audio output devices found (PortAudio lists none). Connect or enable a "
              "sound card; with JACK, start the server before the app.")
        return 1
    choice = args.device or _app_choice()
    try:
        chosen = resolve_output_device(choice)
    except NoOutputDevice as exc:
        chosen, problem = None, exc
    print(f"   {'index':>5}  {'name':<40} {'host API':<28} {'rate':>8}")
    for d in devices:
        mark = "*" if chosen is not None and d.index == chosen.index else " "
        print(f" {mark} {d.index:>5}  {d.name:<40} {d.hostapi:<28} {d.default_samplerate:>8.0f}")
    if chosen is None:
        raise problem
    print(f"\n* used for playback: {chosen.label()}")
    return 0


def _app_choice() -> str | None:
    """The device the app would open: HD_AUDIO_DEVICE, else the saved settings' choice."""
    from hd_desktop.settings import load_settings

    settings, _note = load_settings()
    return settings.effective_device()
