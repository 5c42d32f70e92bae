"""How long `hd-desktop web export` takes and how large the study is, for the lab-hour round.

    .venv/bin/python benchmarks/web_export.py

Prints the export time (rendering every stimulus with the app's render path, writing the folder
and the .jzip) and the sizes of the stimuli folder and the archive, WAV float32 and FLAC 24-bit.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from hd_desktop.design import preset
from hd_desktop.lab import Lab
from hd_desktop.voice import load_space
from hd_desktop.voice.build import run
from hd_desktop.web.export import export_steps
from hd_desktop.web.study import StudySettings


def _size(path: Path) -> float:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 1e6


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        space = load_space(cache_dir=tmp / "space")
        lab = Lab(tmp / "exp", space)
        lab.create_round(preset("lab-hour"))
        n = len(lab.experiment.stimuli(round=0))
        print(f"lab-hour round 0: {n} stimuli (trials and practice), 1 s sustained carrier")
        for audio in ("wav", "flac"):
            out = tmp / f"study-{audio}"
            t0 = time.perf_counter()
            result = run(export_steps(lab.experiment, space,
                                      StudySettings(round=0, audio=audio, trials=200), out))
            seconds = time.perf_counter() - t0
            stimuli = _size(out / "stimuli")
            print(f"  {audio:4s}: export {seconds:5.1f} s ({1000 * seconds / n:4.1f} ms a stimulus), "
                  f"stimuli {stimuli:6.1f} MB ({1000 * stimuli / n:4.1f} kB each), "
                  f".jzip {_size(result.jzip):6.1f} MB, {result.n_lists} lists of ~200 trials")
        lab.close()


if __name__ == "__main__":
    main()
