"""The user's settings: one versioned JSON file, read and written by the app (no Qt here).

Location: $HD_SETTINGS_DIR/settings.json, else ~/.config/hd-desktop/settings.json.
The output device: HD_AUDIO_DEVICE, when set, wins over the saved choice (lab scripts and tests
use it); the picker in the app changes it for the running session and saves it.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

SCHEMA = 1


@dataclass(frozen=True)
class Settings:
    output_device: str | None = None    # index or part of a device name; None = system default
    carrier: str = "sustained"
    gain_db: float = 0.0

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)

    def effective_device(self) -> str | None:
        return os.environ.get("HD_AUDIO_DEVICE") or self.output_device


def settings_path() -> Path:
    base = os.environ.get("HD_SETTINGS_DIR") or Path.home() / ".config" / "hd-desktop"
    return Path(base) / "settings.json"


def load_settings(path: Path | None = None) -> tuple[Settings, str | None]:
    """The saved settings, or defaults and a message saying why the file was not used."""
    path = path or settings_path()
    if not path.exists():
        return Settings(), None
    try:
        data = json.loads(path.read_text())
        if data.get("schema") != SCHEMA:
            return Settings(), (f"{path}: settings schema {data.get('schema')!r} is not {SCHEMA}; "
                                "using defaults (the file is left as it is)")
        known = {f.name for f in fields(Settings)}
        return Settings(**{k: v for k, v in data.items() if k in known}), None
    except (ValueError, TypeError, AttributeError) as exc:
        return Settings(), f"{path}: unreadable settings ({exc}); using defaults"


def save_settings(settings: Settings, path: Path | None = None) -> None:
    from hd_desktop.files import atomic_write

    path = path or settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, json.dumps({"schema": SCHEMA, **asdict(settings)}, indent=1).encode())
