"""Rendering a voice vector to speech over a carrier (docs/design.md 1.2), loudness-normalised.

Both carriers move a real recording's WORLD envelope by a gain in the coded (cepstral) domain, so
the target's mean coded envelope is met exactly while the carrier keeps its fine spectral detail.
The overall level (coded c0) is left to the loudness normalisation.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from hd_desktop.voice.world import WorldSettings, envelope_gain, synthesize

CARRIERS = ("sustained", "sentence")
TARGET_LUFS = -26.0          # one level for every stimulus, with headroom for the output gain
FADE_S = 0.02                # raised-cosine ramps: no click at onset or offset
F0_LIMITS = (40.0, 1000.0)   # far-off points still synthesise a voice the vocoder can make


@dataclass(frozen=True)
class Carrier:
    """WORLD parameters of the time structure a voice is rendered over."""

    f0: np.ndarray           # frames; 0 = unvoiced
    sp: np.ndarray           # frames x bins
    ap: np.ndarray           # frames x bins
    coded_mean: np.ndarray   # mean coded envelope over voiced frames (c0 included)
    log_f0_mean: float       # mean log F0 over voiced frames


def sustained_carrier(frame_ap, frame_coded, log_f0, duration_s, settings) -> Carrier:
    """One voiced frame repeated for `duration_s` (HumanGAN's stimulus), its aperiodicity kept.

    Its envelope is the smooth decoded one: the frame's own fine structure belongs to its F0
    and would bias the envelope once the F0 moves to the target's.
    """
    n = int(round(duration_s * 1000 / settings.frame_period_ms)) + 1
    smooth = envelope_gain(frame_coded, settings)[0]
    return Carrier(f0=np.full(n, np.exp(log_f0)), sp=np.tile(smooth, (n, 1)),
                   ap=np.tile(frame_ap, (n, 1)), coded_mean=np.asarray(frame_coded, float),
                   log_f0_mean=float(log_f0))


def apply_voice(carrier: Carrier, coded_target: np.ndarray, log_f0_target: float,
                settings: WorldSettings) -> np.ndarray:
    """Carrier -> speech whose voiced mean envelope code is `coded_target` (c1..) and mean log F0 the target."""
    delta = np.concatenate([[0.0], coded_target - carrier.coded_mean[1:]])
    sp = carrier.sp * envelope_gain(delta, settings)
    voiced = carrier.f0 > 0
    f0 = np.where(voiced, carrier.f0 * np.exp(log_f0_target - carrier.log_f0_mean), 0.0)
    f0[voiced] = np.clip(f0[voiced], *F0_LIMITS)
    x = synthesize(f0, sp, carrier.ap, settings)
    return finish(x, settings.sample_rate)


@lru_cache(maxsize=4)
def _meter(rate: int):
    import pyloudnorm   # imports scipy.signal: ~0.7 s, paid at the first render, not at start-up

    return pyloudnorm.Meter(rate)


def finish(x: np.ndarray, rate: int) -> np.ndarray:
    """Fades, then loudness normalisation to TARGET_LUFS (peak-limited to stay below full scale)."""
    x = np.nan_to_num(np.asarray(x, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    n = min(int(FADE_S * rate), len(x) // 2)
    ramp = 0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, n))
    x[:n] *= ramp
    x[len(x) - n:] *= ramp[::-1]
    if len(x) >= int(0.4 * rate):
        loudness = _meter(rate).integrated_loudness(x)
        if np.isfinite(loudness):
            x = x * 10 ** ((TARGET_LUFS - loudness) / 20)
    peak = np.max(np.abs(x), initial=0.0)
    if peak > 0.98:
        x = x * (0.98 / peak)
    return x.astype(np.float32)
