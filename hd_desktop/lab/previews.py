"""The new voices of a model, as the New voices tab and the map show them (no Qt).

What the model predicts at its samples (S_D), each sample's nearest real voice, the learned
surface the map draws, and the `voices.csv` written beside chosen samples' WAV files.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hd_desktop.progress import Progress


# the New voices table's keys (Qt names): play the chosen sample, or A/B it with its nearest
# real voice
PREVIEW_KEYS = {"Key_Space": "play", "Key_Return": "play", "Key_Enter": "play", "Key_A": "ab"}


def nearest_real(samples: np.ndarray, real: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of each sample's nearest real voice, and the distance to it (voice-space units)."""
    d = np.linalg.norm(samples[:, None, :] - real[None, :, :], axis=2)
    idx = d.argmin(1)
    return idx, d[np.arange(len(samples)), idx]


@dataclass(frozen=True)
class NewVoices:
    """The samples of one model with what the tab shows beside each."""

    round: int
    samples: np.ndarray       # (n, dims)
    s_d: np.ndarray           # the model's acceptance at each sample
    nearest: np.ndarray       # index of the nearest real voice
    distance: np.ndarray      # to it, in voice-space units
    nearest_label: tuple[str, ...]   # "speaker (item)" of that voice
    nearest_item: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.samples)

    def title(self) -> str:
        return (f"{len(self)} new voices sampled by the model of round {self.round}. Median "
                f"distance to the nearest real voice: {np.median(self.distance):.2f} SD.")

    def headers(self) -> list[str]:
        k = self.samples.shape[1]
        return ["#"] + [f"z{i + 1}" for i in range(k)] + ["S_D", "nearest real voice", "distance"]

    SORT_COLUMN = -3         # S_D, counted from the end: the most acceptable voices first

    def rows(self) -> list[list]:
        """The tab's table: cells as (number it sorts by, text), or text."""
        return [[(i, str(i)), *((x, f"{x:+.2f}") for x in z), (self.s_d[i], f"{self.s_d[i]:.2f}"),
                 self.nearest_label[i], (self.distance[i], f"{self.distance[i]:.2f}")]
                for i, z in enumerate(self.samples)]

    def voices_for(self, i: int, real, *, ab: bool = False) -> list[tuple[str, np.ndarray]]:
        """What plays for sample `i`: the sample, and with `ab` its nearest real voice after."""
        return [("sample", self.samples[i])] + ([("real", real[self.nearest[i]])] if ab else [])

    def shown_words(self) -> str:
        return (f"{self.title()} Select one and press Space to hear it, A to compare it with its "
                "nearest real voice; click a header to sort.")


def export_words(progress: Progress | None, folder, written=None) -> str:
    """The New voices tab's title while chosen voices are written, and after."""
    if written is not None:
        return f"{len(written)} voices written to {folder} (with voices.csv)."
    return f"Writing {progress.message.removeprefix('wrote ')}…"


def new_voices(result, space) -> NewVoices:
    """The samples of an engine result with S_D and their nearest real voice."""
    from hd_desktop.engine.training import predict

    samples = np.asarray(result.samples)
    s_d, _ = predict(result.net, samples)
    idx, dist = nearest_real(samples, space.coords)
    return NewVoices(result.round, samples, np.asarray(s_d), idx, dist,
                     tuple(f"{space.speakers[i]} ({space.items[i]})" for i in idx),
                     tuple(space.items[i] for i in idx))


def write_voices(voices: NewVoices, chosen: Sequence[int], folder: Path, carrier: str,
                 render: Callable) -> Generator[Progress, None, list[Path]]:
    """WAV files of the chosen samples (`render(z, carrier) -> (audio, rate)`) and voices.csv
    with their coordinates, S_D and nearest real voice; yields after each file."""
    import soundfile as sf

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    k = voices.samples.shape[1]
    with open(folder / "voices.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["file", "round", "sample"] + [f"z{i + 1}" for i in range(k)] +
                   ["S_D", "nearest_real_item", "distance", "carrier"])
        for n, i in enumerate(chosen):
            audio, rate = render(voices.samples[i], carrier)
            path = folder / f"round{voices.round}-sample{i:04d}-{carrier}.wav"
            sf.write(path, audio, rate, subtype="PCM_16")
            w.writerow([path.name, voices.round, i] + [repr(float(v)) for v in voices.samples[i]]
                       + [f"{voices.s_d[i]:.4f}", voices.nearest_item[i],
                          f"{voices.distance[i]:.4f}", carrier])
            written.append(path)
            yield Progress(n + 1, f"wrote {path.name}", total=len(chosen))
    return written


def learned_surface(result, dims: int) -> Callable[[np.ndarray], tuple]:
    """S_D and S_VD of the model at map points (x, y): the other axes at 0, the real mean."""
    from hd_desktop.engine.training import predict

    def at(z):
        z = np.asarray(z, dtype=float)
        if z.shape[1] != dims:
            full = np.zeros((len(z), dims))
            full[:, :2] = z
            z = full
        return predict(result.net, z)

    return at
