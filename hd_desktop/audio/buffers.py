"""Getting a stimulus ready for the output device: resample, gain.

Stimuli arrive faded: their ramps are part of the stimulus (voice/render.py, 20 ms), so the
player adds none of its own (one stimulus, one ramp). All of this runs before a stimulus is due (on the caller's thread or a prefetch thread),
never in the audio callback, which only copies what these functions return.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hd_desktop.errors import BadInputError


@dataclass(frozen=True, eq=False)
class Prepared:
    """Audio at the device rate, unit gain: `samples` is float32 of shape (n, 1), or (n, 2) for
    a two-channel (dichotic) sound whose channels go to the left and right outputs as given."""

    samples: np.ndarray
    sample_rate: int

    @property
    def frames(self) -> int:
        return len(self.samples)

    @property
    def duration(self) -> float:
        return self.frames / self.sample_rate


def prepare(audio: np.ndarray, sample_rate: float, device_rate: int, *,
            stereo: bool = False) -> Prepared:
    """Resample mono `audio` (faded by its renderer) to `device_rate` with soxr; `stereo`: an
    (n, 2) sound whose two channels stay as they are (a headphone check's dichotic sound)."""
    x = _as_stereo(audio) if stereo else _as_mono(audio)
    if sample_rate <= 0:
        raise ValueError(f"sample rate must be positive, got {sample_rate}")
    if int(sample_rate) != int(device_rate):
        import soxr

        x = soxr.resample(x, sample_rate, device_rate, quality="HQ").astype(np.float32, copy=False)
    else:
        x = x.copy()
    samples = np.ascontiguousarray(x.reshape(len(x), -1))
    samples.flags.writeable = False  # shared with the audio thread: nobody may change it
    return Prepared(samples, int(device_rate))


def with_gain(prepared: Prepared, gain_db: float) -> np.ndarray:
    """The samples scaled by `gain_db` (clipped to +-1), as a new read-only (n, 1) array."""
    if gain_db == 0.0:
        return prepared.samples
    out = prepared.samples * np.float32(10.0 ** (gain_db / 20.0))
    np.clip(out, -1.0, 1.0, out=out)
    out.flags.writeable = False
    return out


def _as_stereo(audio: np.ndarray) -> np.ndarray:
    x = np.asarray(audio, dtype=np.float32)
    if x.ndim != 2 or x.shape[1] != 2:
        raise BadInputError(f"stereo audio must have shape (n, 2), got {x.shape}")
    if len(x) == 0 or not np.all(np.isfinite(x)):
        raise BadInputError("stereo audio is empty or contains NaN or infinite samples")
    return x


def _as_mono(audio: np.ndarray) -> np.ndarray:
    x = np.asarray(audio)
    if x.ndim == 2 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim != 1:
        raise BadInputError(f"stimulus audio must be mono, got an array of shape {x.shape}")
    if len(x) == 0:
        raise BadInputError("stimulus audio is empty")
    x = x.astype(np.float32, copy=False)
    if not np.all(np.isfinite(x)):
        raise BadInputError("stimulus audio contains NaN or infinite samples")
    return x
