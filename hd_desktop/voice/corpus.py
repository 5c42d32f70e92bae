"""A corpus folder: one sub-folder per speaker holding WAV/FLAC files (JVS-style), checked file by file.

A file that cannot serve as a voice (unreadable, silent, stereo, too short, sampled below the
analysis rate) is skipped with a message naming it; the rest of the corpus still builds.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

AUDIO_SUFFIXES = {".wav", ".flac"}
SILENCE_RMS = 1e-4          # about -80 dBFS: digital silence or a disconnected microphone
MAX_SECONDS = 60.0          # analysed per file (the rest adds nothing to a mean voice)


@dataclass(frozen=True)
class CorpusFile:
    path: Path
    speaker: str
    item: str               # path relative to the corpus folder, with forward slashes


@dataclass(frozen=True)
class Problem:
    """A file that was skipped (or changed on the way in), and why."""

    path: str
    message: str
    skipped: bool = True

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def discover(corpus_dir: Path) -> list[CorpusFile]:
    """All audio files under speaker sub-folders, in a stable order (regular files with names
    in UTF-8 only: `odd_entries` names what else carries an audio name)."""
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        from hd_desktop.errors import BadInputError

        raise BadInputError(f"corpus folder {corpus_dir} does not exist")
    files = []
    for path in sorted(corpus_dir.rglob("*")):
        if path.suffix.lower() in AUDIO_SUFFIXES and path.is_file() and _named_in_utf8(path):
            rel = path.relative_to(corpus_dir)
            speaker = rel.parts[0] if len(rel.parts) > 1 else path.stem
            files.append(CorpusFile(path=path, speaker=speaker, item=rel.as_posix()))
    return files


def odd_entries(corpus_dir: Path) -> list[Problem]:
    """Entries with an audio name that are not audio files: each skipped, and said so."""
    out = []
    for path in sorted(Path(corpus_dir).rglob("*")):
        if path.suffix.lower() not in AUDIO_SUFFIXES or path.is_file() and _named_in_utf8(path):
            continue
        if not _named_in_utf8(path):
            why = ("its name is not valid UTF-8 (written by another system's encoding); "
                   "rename it to use it")
        elif path.is_symlink() and not path.exists():
            why = "is a broken link (its target does not exist)"
        elif path.is_dir():
            why = "is a folder, not an audio file"
        elif path.is_fifo():
            why = "is a pipe (FIFO), not an audio file"
        else:
            why = "is a device or special file, not an audio file"
        out.append(Problem(shown_path(path), why))
    return out


def _named_in_utf8(path: Path) -> bool:
    """False for a name with bytes that are not UTF-8 (Python holds them as surrogates, which
    no text file, hash or message can carry)."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def shown_path(path: Path) -> str:
    """A path as a message can show it: bytes that are not UTF-8 as \\xe9 escapes."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def load_mono(path: Path, sample_rate: int, min_samples: int) -> tuple[np.ndarray, Problem | None]:
    """Read one file for analysis at `sample_rate`; raises ValueError with the reason it cannot be used.

    Returns the waveform and, when it was resampled, a notice (not an error).
    """
    try:
        info = sf.info(str(path))
        if info.channels != 1:
            raise ValueError(f"has {info.channels} channels; the corpus needs mono recordings "
                             "of one speaker (downmix or split it first)")
        # A voice vector is a mean over voiced frames: a minute is plenty, and an hour-long
        # file would take minutes and gigabytes to analyse whole.
        audio, rate = sf.read(path, dtype="float64", always_2d=True,
                              frames=int(MAX_SECONDS * info.samplerate))
    except (sf.LibsndfileError, RuntimeError, OSError) as exc:
        raise ValueError(f"cannot be read as audio ({exc})") from None
    x = audio[:, 0]
    notice = None
    if info.frames > len(x):
        notice = Problem(str(path), f"only its first {MAX_SECONDS:.0f} s of "
                         f"{info.frames / info.samplerate:.0f} s are analysed", skipped=False)
    if rate < sample_rate:
        raise ValueError(f"is sampled at {rate} Hz, below the analysis rate of {sample_rate} Hz: "
                         "the upper half of its spectrum is missing")
    if rate != sample_rate:
        x = soxr.resample(x, rate, sample_rate, quality="HQ")
        resampled = f"resampled from {rate} Hz to {sample_rate} Hz"
        notice = Problem(str(path), resampled if notice is None else
                         f"{resampled}; {notice.message}", skipped=False)
    if len(x) < min_samples:
        raise ValueError(f"is too short ({len(x) / sample_rate * 1000:.0f} ms); "
                         f"at least {min_samples / sample_rate * 1000:.0f} ms of speech is needed")
    if not np.all(np.isfinite(x)):
        raise ValueError("contains NaN or infinite samples")
    if np.sqrt(np.mean(x**2)) < SILENCE_RMS:
        raise ValueError("is silent (RMS below -80 dBFS)")
    return x, notice
