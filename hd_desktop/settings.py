"""The user's settings: one versioned JSON file, read and written by the app (no Qt here).

Location: $HD_SETTINGS_DIR/settings.json, else ~/.config/hd-desktop/settings.json.
The output device: HD_AUDIO_DEVICE, when set, wins over the saved choice (lab scripts and tests
use it); the picker in the app changes it for the running session and saves it. The same holds
for the listener's screen (HD_LISTENER_SCREEN) and the researcher's output during sessions
(HD_RESEARCHER_OUTPUT).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from hd_desktop.errors import UserFacingError

SCHEMA = 1
GAIN_RANGE_DB = (-30.0, 10.0)   # the level page's slider: louder clips, quieter is inaudible
CARRIER_NAMES = ("sustained", "sentence")
MAX_BYTES = 2**20               # a settings file is a few hundred bytes


@dataclass(frozen=True)
class Settings:
    output_device: str | None = None    # index or part of a device name; None = system default
    carrier: str = "sustained"
    gain_db: float = 0.0
    listener_screen: str | None = None     # number from 1, name, "window"; None = auto
    researcher_output: str | None = None   # device for the researcher during sessions; None = none

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)

    def effective_device(self) -> str | None:
        return os.environ.get("HD_AUDIO_DEVICE") or self.output_device

    def effective_listener_screen(self) -> str | None:
        return os.environ.get("HD_LISTENER_SCREEN") or self.listener_screen

    def effective_researcher_output(self) -> str | None:
        return os.environ.get("HD_RESEARCHER_OUTPUT") or self.researcher_output


def settings_path() -> Path:
    base = os.environ.get("HD_SETTINGS_DIR") or Path.home() / ".config" / "hd-desktop"
    return Path(base) / "settings.json"


def load_settings(path: Path | None = None) -> tuple[Settings, str | None]:
    """The saved settings, or defaults and a message saying why the file was not used."""
    from hd_desktop.errors import BadInputError
    from hd_desktop.files import read_regular

    path = path or settings_path()
    if not path.exists():
        return Settings(), None
    try:  # a regular file only: a pipe would block the app before its window opens
        data = json.loads(read_regular(path, MAX_BYTES, "settings file").decode("utf-8"))
    except BadInputError as exc:  # a folder, a pipe, no permission: the app still starts
        return Settings(), f"{exc}; using defaults (the file is left as it is)"
    except (ValueError, RecursionError) as exc:
        return Settings(), f"{path}: unreadable settings ({exc}); using defaults"
    try:
        if data.get("schema") != SCHEMA:
            return Settings(), (f"{path}: settings schema {data.get('schema')!r} is not {SCHEMA}; "
                                "using defaults (the file is left as it is)")
        known = {f.name for f in fields(Settings)}
        problems = value_problems(data)
        values = {k: v for k, v in data.items() if k in known and k not in problems}
        if "gain_db" in values:
            values["gain_db"] = float(values["gain_db"])
        settings = Settings(**values)
        if problems:
            return settings, (f"{path}: " + "; ".join(problems.values()) +
                              "; using the default for each (the file is left as it is)")
        return settings, None
    except (ValueError, TypeError, AttributeError, RecursionError) as exc:
        return Settings(), f"{path}: unreadable settings ({exc}); using defaults"


def value_problems(data: dict) -> dict[str, str]:
    """{field: why its value cannot be used} for a settings file's values (NaN, 1e400 and
    "loud" would play NaN, clipped or no audio; a wrong type would fail later, far from here)."""
    problems: dict[str, str] = {}
    gain = data.get("gain_db", 0.0)
    low, high = GAIN_RANGE_DB
    if isinstance(gain, bool) or not isinstance(gain, (int, float)) or not math.isfinite(gain):
        problems["gain_db"] = f"gain_db {gain!r} is not a number of decibels"
    elif not low <= gain <= high:
        problems["gain_db"] = f"gain_db {gain} is outside {low:+.0f}..{high:+.0f} dB"
    carrier = data.get("carrier", "sustained")
    if carrier not in CARRIER_NAMES:
        problems["carrier"] = (f"carrier {carrier!r} is not one of {', '.join(CARRIER_NAMES)}")
    device = data.get("output_device")
    if device is not None and not isinstance(device, str):
        problems["output_device"] = f"output_device {device!r} is not a device name or index text"
    for name in ("listener_screen", "researcher_output"):
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            problems[name] = f"{name} {value!r} is not text"
    return problems


def save_settings(settings: Settings, path: Path | None = None) -> None:
    from hd_desktop.files import atomic_write

    path = path or settings_path()
    if path.is_dir():
        raise UserFacingError(f"cannot save the settings: {path} is a folder")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, json.dumps({"schema": SCHEMA, **asdict(settings)}, indent=1).encode())
    except OSError as exc:
        raise UserFacingError(f"cannot save the settings to {path}: {exc.strerror or exc}") from None
