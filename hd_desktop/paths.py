"""Where things live: the bundled assets, the sessions folder, experiment folders."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
ASSETS_DIR = PROJECT_DIR / "assets"
BUNDLED_CORPUS = ASSETS_DIR / "corpus"
BUNDLED_CARRIERS = ASSETS_DIR / "carriers"


def sessions_dir() -> Path:
    """The home of experiments: $HD_SESSIONS_DIR, else sessions/ beside the package."""
    return Path(os.environ.get("HD_SESSIONS_DIR", PROJECT_DIR / "sessions"))


def experiment_dir(name_or_path: str | os.PathLike | None) -> Path:
    """An experiment folder from a name under sessions/ or an explicit folder path."""
    if name_or_path is None:
        return sessions_dir() / "default"
    p = Path(name_or_path)
    if p.is_absolute() or os.sep in str(name_or_path) or str(name_or_path).startswith("."):
        return p
    return sessions_dir() / p
