"""A real install (`pip install .`, not editable) runs from anywhere: it finds its bundled
corpus, builds the voice space and renders a voice, and keeps experiments out of its own folder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import soundfile as sf

import hd_desktop

SOURCE = Path(hd_desktop.__file__).resolve().parent.parent


@pytest.mark.slow
def test_a_non_editable_install_opens_the_bundled_corpus_from_another_directory(tmp_path):
    src = tmp_path / "src"      # a clean copy: the build never writes into the checkout
    shutil.copytree(SOURCE / "hd_desktop", src / "hd_desktop",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(SOURCE / name, src / name)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    # the build uses this environment's setuptools; the dependencies (torch, PySide6, ...) are
    # this environment's too, through a path file: what is tested is the package itself
    wheels = tmp_path / "wheels"
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                           "--no-build-isolation", "--no-index", "-w", str(wheels), str(src)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    [wheel] = wheels.glob("hd_desktop-*.whl")
    done = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                           "--no-deps", "--no-index", str(wheel)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    site = Path(subprocess.check_output(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        text=True).strip())
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    elsewhere, home = tmp_path / "elsewhere", tmp_path / "home"
    elsewhere.mkdir()
    home.mkdir()
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "HD_SESSIONS_DIR", "XDG_DATA_HOME")}
    env["HOME"] = str(home)

    def hd(*args):
        return subprocess.run([venv / "bin" / "hd-desktop", *args], cwd=elsewhere, env=env,
                              capture_output=True, text=True, timeout=300)

    where = subprocess.run([python, "-c", "import hd_desktop.paths as p; print(p.PACKAGE_DIR); "
                            "print(p.sessions_dir())"], cwd=elsewhere, env=env,
                           capture_output=True, text=True, check=True).stdout.split()
    assert Path(where[0]).is_relative_to(site)                    # the installed copy runs
    installed = {p.relative_to(SOURCE / "hd_desktop") for p in (SOURCE / "hd_desktop" / "assets")
                 .rglob("*") if p.is_file()}
    assert installed and all((site / "hd_desktop" / p).is_file() for p in installed)
    assert Path(where[1]) == home / ".local" / "share" / "hd-desktop" / "sessions"
    info = hd("space", "info", "--json")
    assert info.returncode == 0, info.stderr
    assert json.loads(info.stdout)["n_speakers"] == 20
    render = hd("render", "0.5", "-0.5", "--carrier", "sentence", "--out", "voice.wav")
    assert render.returncode == 0, render.stderr
    audio, rate = sf.read(elsewhere / "voice.wav")
    assert rate >= 16000 and len(audio) > rate and abs(audio).max() > 0.01
    assert (home / ".local" / "share" / "hd-desktop" / "sessions" / "default" / "space").is_dir()
    assert not list(site.glob("hd_desktop/sessions"))             # never beside the package
