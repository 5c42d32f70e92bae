"""Device choice, against a faked PortAudio device list (no audio server needed)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from hd_desktop.audio.devices import list_output_devices, resolve_output_device
from hd_desktop.errors import NoOutputDevice, UserFacingError

HOSTAPIS = ({"name": "ALSA"}, {"name": "JACK Audio Connection Kit"})
DEVICES = [  # index, name, host API, inputs, outputs
    (0, "HDA Intel PCH: ALC892 Analog (hw:0,0)", 0, 2, 2),
    (1, "USB Microphone", 0, 1, 0),
    (2, "Scarlett 2i2 USB: Audio (hw:1,0)", 0, 2, 2),
    (3, "system", 1, 2, 2),
]


def fake_portaudio(monkeypatch, devices=DEVICES, default_output=0):
    import sounddevice as sd

    table = [{"index": i, "name": n, "hostapi": h, "max_input_channels": ins,
              "max_output_channels": outs, "default_samplerate": 48000.0}
             for i, n, h, ins, outs in devices]

    def query_devices(device=None, kind=None):
        if kind == "output":
            if default_output < 0:
                raise sd.PortAudioError("no default output device")
            return table[default_output]
        return table

    monkeypatch.setattr(sd, "query_devices", query_devices)
    monkeypatch.setattr(sd, "query_hostapis", lambda: HOSTAPIS)
    monkeypatch.setattr(sd.default, "device", [-1, default_output])
    monkeypatch.delenv("HD_AUDIO_DEVICE", raising=False)


def test_only_output_devices_are_listed(monkeypatch):
    fake_portaudio(monkeypatch)
    listed = list_output_devices()
    assert [d.index for d in listed] == [0, 2, 3]
    assert listed[2].hostapi == "JACK Audio Connection Kit"


@pytest.mark.parametrize("choice, index", [
    (2, 2), ("2", 2), ("scarlett", 2), ("SYSTEM", 3), ("jack", 3), (" alc892 ", 0),
])
def test_explicit_choice_by_index_or_part_of_name(monkeypatch, choice, index):
    fake_portaudio(monkeypatch)
    monkeypatch.setenv("HD_AUDIO_DEVICE", "scarlett")  # an explicit argument wins
    assert resolve_output_device(choice).index == index


def test_env_var_then_default(monkeypatch):
    fake_portaudio(monkeypatch, default_output=0)
    assert resolve_output_device().index == 0
    monkeypatch.setenv("HD_AUDIO_DEVICE", "Scarlett")
    assert resolve_output_device().index == 2
    monkeypatch.setenv("HD_AUDIO_DEVICE", "")  # empty means unset
    assert resolve_output_device().index == 0


def test_exact_name_beats_a_partial_match(monkeypatch):
    fake_portaudio(monkeypatch, devices=[(0, "system monitor", 0, 0, 2), (1, "system", 1, 0, 2)])
    assert resolve_output_device("system").index == 1


def test_no_match_names_the_choice_and_how_to_fix_it(monkeypatch):
    fake_portaudio(monkeypatch)
    monkeypatch.setenv("HD_AUDIO_DEVICE", "Focusrite")
    with pytest.raises(NoOutputDevice) as info:
        resolve_output_device()
    message = str(info.value)
    assert isinstance(info.value, UserFacingError)
    assert "'Focusrite' (from HD_AUDIO_DEVICE)" in message
    assert "Scarlett 2i2" in message and "settings" in message
    with pytest.raises(NoOutputDevice, match="has index 1"):
        resolve_output_device(1)  # an input-only device is no output


def test_no_output_device_at_all(monkeypatch):
    fake_portaudio(monkeypatch, devices=[(0, "USB Microphone", 0, 1, 0)], default_output=-1)
    with pytest.raises(NoOutputDevice, match="no output devices"):
        resolve_output_device()


def test_no_default_falls_back_to_the_first_output(monkeypatch):
    fake_portaudio(monkeypatch, default_output=-1)
    assert resolve_output_device().index == 0


def test_importing_the_audio_package_does_not_start_portaudio():
    code = ("import sys, hd_desktop.audio, hd_desktop.commands.devices; "
            "sys.exit('sounddevice' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0


def test_devices_command_marks_the_device_in_use(monkeypatch, capsys):
    from hd_desktop.cli import main

    fake_portaudio(monkeypatch)
    monkeypatch.setenv("HD_AUDIO_DEVICE", "scarlett")
    assert main(["devices"]) == 0
    out = capsys.readouterr().out
    marked = [line for line in out.splitlines() if line.startswith(" *")]
    assert len(marked) == 1 and "Scarlett" in marked[0] and "ALSA" in marked[0]
    assert "48000" in marked[0]
    assert "used for playback: 2: Scarlett" in out


def test_devices_command_explains_a_bad_choice(monkeypatch, capsys):
    from hd_desktop.cli import main

    fake_portaudio(monkeypatch)
    assert main(["devices", "--device", "nope"]) == 2
    captured = capsys.readouterr()
    assert "system" in captured.out  # the list is still shown
    assert "No audio output device matches 'nope'" in captured.err


def test_the_apps_own_device_label_selects_that_device(monkeypatch):
    fake_portaudio(monkeypatch)
    for d in list_output_devices():
        assert resolve_output_device(d.label()).index == d.index


def test_devices_command_reads_the_settings_and_hd_audio_device_wins(monkeypatch, capsys, tmp_home):
    from hd_desktop.cli import main
    from hd_desktop.settings import Settings, save_settings

    fake_portaudio(monkeypatch)
    save_settings(Settings(output_device="scarlett"))
    assert main(["devices"]) == 0
    assert "used for playback: 2: Scarlett" in capsys.readouterr().out   # the app's choice
    monkeypatch.setenv("HD_AUDIO_DEVICE", "system")
    assert main(["devices"]) == 0
    assert "used for playback: 3: system" in capsys.readouterr().out     # the variable wins
    assert main(["devices", "--device", "HDA"]) == 0
    assert "used for playback: 0: HDA" in capsys.readouterr().out        # and --device over both
    with pytest.raises(SystemExit):
        main(["devices", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "HD_AUDIO_DEVICE (an index or part of a name) when it is set, else the device chosen" \
        in text
