"""Where things live: the bundled assets, the sessions folder, experiment folders.

The assets live in the checkout's top-level assets/; hd_desktop/assets is a link to it, so they
ship inside the package (package data) and an installed copy (`pip install .`) finds them
wherever it lives. Experiments go to sessions/ of a source checkout, else to the
user's data folder: never into an installed package's own folder.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
ASSETS_DIR = PACKAGE_DIR / "assets"
BUNDLED_CORPUS = ASSETS_DIR / "corpus"
BUNDLED_CARRIERS = ASSETS_DIR / "carriers"


def sessions_dir() -> Path:
    """The home of experiments: $HD_SESSIONS_DIR; else sessions/ of the source checkout the
    code runs from; else $XDG_DATA_HOME/hd-desktop/sessions (~/.local/share/...)."""
    if os.environ.get("HD_SESSIONS_DIR"):
        return Path(os.environ["HD_SESSIONS_DIR"])
    if (PROJECT_DIR / "pyproject.toml").is_file() and (PROJECT_DIR / "sessions").is_dir():
        return PROJECT_DIR / "sessions"
    data = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data) / "hd-desktop" / "sessions"


def shared_cache_dir() -> Path:
    """Voice spaces this machine has built, shared by every experiment: $HD_CACHE_DIR, else
    $XDG_CACHE_HOME/hd-desktop (~/.cache/hd-desktop). Only a speed-up: each experiment keeps
    its own copy of its space, and a file here is used only when its corpus fingerprint and
    settings match (a damaged one is built again)."""
    if os.environ.get("HD_CACHE_DIR"):
        return Path(os.environ["HD_CACHE_DIR"])
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "hd-desktop"


def experiment_dir(name_or_path: str | os.PathLike | None) -> Path:
    """An experiment folder from a name under sessions/ or an explicit folder path."""
    if name_or_path is None:
        return sessions_dir() / "default"
    p = Path(name_or_path)
    if p.is_absolute() or os.sep in str(name_or_path) or str(name_or_path).startswith("."):
        return p
    return sessions_dir() / p
