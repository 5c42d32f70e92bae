"""WORLD (pyworld) analysis of one waveform, and the settings every analysis shares."""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass

import numpy as np

with warnings.catch_warnings():
    # pyworld 0.3.5 imports pkg_resources only to read its own version.
    warnings.simplefilter("ignore", UserWarning)
    import pyworld


@dataclass(frozen=True)
class WorldSettings:
    """Analysis settings; part of the voice-space fingerprint."""

    sample_rate: int = 16000
    frame_period_ms: float = 5.0
    coded_dims: int = 20        # low-order coded envelope (pyworld.code_spectral_envelope)
    f0_floor: float = 60.0
    f0_ceil: float = 500.0

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def fft_size(self) -> int:
        return pyworld.get_cheaptrick_fft_size(self.sample_rate, self.f0_floor)


@dataclass(frozen=True)
class Analysis:
    """WORLD parameters of one waveform: F0 (0 = unvoiced), envelope, coded envelope, aperiodicity."""

    f0: np.ndarray
    sp: np.ndarray
    coded: np.ndarray
    ap: np.ndarray | None

    @property
    def voiced(self) -> np.ndarray:
        return self.f0 > 0


def analyse(x: np.ndarray, settings: WorldSettings, *, aperiodicity: bool = False) -> Analysis:
    """DIO + StoneMask F0, CheapTrick envelope, its coded form, and optionally D4C aperiodicity."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    fs, fp = settings.sample_rate, settings.frame_period_ms
    f0, t = pyworld.dio(x, fs, f0_floor=settings.f0_floor, f0_ceil=settings.f0_ceil, frame_period=fp)
    f0 = pyworld.stonemask(x, f0, t, fs)
    sp = pyworld.cheaptrick(x, f0, t, fs, f0_floor=settings.f0_floor, fft_size=settings.fft_size)
    coded = pyworld.code_spectral_envelope(sp, fs, settings.coded_dims)
    ap = pyworld.d4c(x, f0, t, fs, fft_size=settings.fft_size) if aperiodicity else None
    return Analysis(f0=f0, sp=sp, coded=coded, ap=ap)


def envelope_gain(delta_coded: np.ndarray, settings: WorldSettings) -> np.ndarray:
    """exp(decode(delta)): the factor that moves an envelope's code by `delta` (decoding is linear in log)."""
    delta = np.ascontiguousarray(np.atleast_2d(delta_coded), dtype=np.float64)
    return pyworld.decode_spectral_envelope(delta, settings.sample_rate, settings.fft_size)


def synthesize(f0: np.ndarray, sp: np.ndarray, ap: np.ndarray, settings: WorldSettings) -> np.ndarray:
    """WORLD vocoder synthesis (deterministic: WORLD reseeds its noise on every call)."""
    return pyworld.synthesize(
        np.ascontiguousarray(f0, dtype=np.float64),
        np.ascontiguousarray(sp, dtype=np.float64),
        np.ascontiguousarray(ap, dtype=np.float64),
        settings.sample_rate,
        settings.frame_period_ms,
    )
