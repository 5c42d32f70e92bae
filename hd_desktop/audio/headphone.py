"""Headphone checks: stimuli that only headphones play right, their trials and their scoring.

Two tests, each 6 trials of three sounds, the listener answering which of the three (1, 2, 3):

- **huggins** (Milne et al. 2021, "An online headphone screening test based on dichotic
  pitch", Behav Res 53:1551-1562; PsyNet's recommended test): three 1 s white noises; in one,
  the right ear's noise is the left's with the phase of a band of +-6 % around 600 Hz turned
  by pi. Over headphones that band is heard as a faint tone (Huggins pitch); either ear alone,
  or both mixed in a room by loudspeakers, has no pitch cue. Pass: 4 of 6 or more, PsyNet's
  `performance_threshold` for its HugginsHeadphoneTest.
- **antiphase** (Woods et al. 2017, "Headphone screening to facilitate web-based auditory
  experiments", Atten Percept Psychophys 79:2064-2072): three 200 Hz tones, one 6 dB softer
  (the answer), one as loud as the standard but with the two channels in opposite polarity.
  Over loudspeakers the antiphase tone cancels in the air and seems softest; over headphones it
  does not. Pass: 5 of 6 or more, Woods et al.'s criterion (PsyNet uses 4).

Everything is drawn from one seed (stored with the result), so a check re-renders bit for bit.
Each sound is scaled to the trials' loudness (voice/render.py's target), so the check plays at
the level the listener set for the trials, through the same player. Plain numpy; no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

RATE = 48000
SOUND_S = 1.0              # each of the three sounds (Milne et al.: 1000 ms)
GAP_S = 0.5                # silence between them
RAMP_S = 0.02              # raised-cosine ramps, the same on both channels
HUGGINS_CENTRE = 600.0     # Hz
HUGGINS_HALF_WIDTH = 0.06  # the band is centre * (1 +- 0.06)
TONE_HZ = 200.0            # Woods et al.
SOFTER_DB = -6.0
TARGET_LUFS = -26.0        # the trials' level (voice/render.py TARGET_LUFS)


@dataclass(frozen=True)
class CheckKind:
    name: str
    trials: int
    pass_mark: int          # correct answers needed to pass


KINDS = {"huggins": CheckKind("huggins", 6, 4), "antiphase": CheckKind("antiphase", 6, 5)}


@dataclass(frozen=True)
class CheckTrial:
    index: int
    answer: int                       # 1, 2 or 3: the position of the odd sound
    layout: tuple[str, str, str]      # what plays at each position


def plan(kind: str, seed: int) -> list[CheckTrial]:
    """The check's trials: where the odd sound is, drawn from `seed`."""
    spec = KINDS[kind]
    rng = np.random.default_rng([seed, 0])
    trials = []
    for i in range(spec.trials):
        if kind == "huggins":
            answer = int(rng.integers(1, 4))
            layout = tuple("huggins" if p == answer else "diotic" for p in (1, 2, 3))
        else:
            layout = tuple(str(x) for x in rng.permutation(["standard", "softer", "antiphase"]))
            answer = layout.index("softer") + 1
        trials.append(CheckTrial(i, answer, layout))
    return trials


def _ramp(n: int, rate: int) -> np.ndarray:
    k = int(RAMP_S * rate)
    env = np.ones(n)
    r = 0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, k))
    env[:k], env[n - k:] = r, r[::-1]
    return env


def level_gain(x: np.ndarray, rate: int) -> float:
    """The factor that gives a (n, 2) sound's left channel the trials' loudness."""
    import pyloudnorm

    loudness = pyloudnorm.Meter(rate).integrated_loudness(x[:, 0])
    return float(10 ** ((TARGET_LUFS - loudness) / 20))


def huggins_band(rate: int, n: int) -> np.ndarray:
    """The rfft bins whose phase the right ear gets turned by pi."""
    f = np.fft.rfftfreq(n, 1.0 / rate)
    return np.abs(f - HUGGINS_CENTRE) <= HUGGINS_HALF_WIDTH * HUGGINS_CENTRE


def noise(rng: np.random.Generator, rate: int, dichotic: bool, ramped: bool = True) -> np.ndarray:
    """1 s of white noise, (n, 2): the same in both ears, or (dichotic) Huggins pitch. The ramps
    are the same on both channels (`ramped=False` leaves them off, for a test of the phase)."""
    n = int(SOUND_S * rate)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    right = spectrum.copy()
    if dichotic:
        right[huggins_band(rate, n)] *= -1.0
    x = np.stack([np.fft.irfft(spectrum, n), np.fft.irfft(right, n)], axis=1)
    return x * _ramp(n, rate)[:, None] if ramped else x


def tone(rate: int, gain_db: float = 0.0, antiphase: bool = False) -> np.ndarray:
    """1 s of a 200 Hz tone, (n, 2); `antiphase`: the right channel is the left inverted."""
    n = int(SOUND_S * rate)
    left = np.sin(2 * np.pi * TONE_HZ * np.arange(n) / rate) * _ramp(n, rate) * 10 ** (gain_db / 20)
    return np.stack([left, -left if antiphase else left], axis=1)


def sound(kind: str, what: str, seed: int, trial: int, position: int,
          rate: int = RATE) -> np.ndarray:
    """One of a trial's three sounds, (n, 2), before the level is set."""
    if kind == "huggins":
        rng = np.random.default_rng([seed, 1, trial, position])
        return noise(rng, rate, dichotic=what == "huggins")
    return tone(rate, SOFTER_DB if what == "softer" else 0.0, antiphase=what == "antiphase")


def render_trial(kind: str, trial: CheckTrial, seed: int, rate: int = RATE) -> np.ndarray:
    """The three sounds of `trial` with silences between, (n, 2) float32, at the trials' level
    (one gain for the whole trial, so the softer tone stays 6 dB softer)."""
    gap = np.zeros((int(GAP_S * rate), 2))
    parts = []
    for position, what in enumerate(trial.layout, start=1):
        parts += [sound(kind, what, seed, trial.index, position, rate), gap]
    reference = sound(kind, "diotic" if kind == "huggins" else "standard", seed, trial.index, 0,
                      rate)
    x = np.concatenate(parts[:-1]) * level_gain(reference, rate)
    peak = np.max(np.abs(x))
    if peak > 0.98:
        x *= 0.98 / peak
    return x.astype(np.float32)


def sound_bounds(trial_position: int, rate: int = RATE) -> slice:
    """Where sound 1, 2 or 3 lies in a rendered trial."""
    start = int((trial_position - 1) * (SOUND_S + GAP_S) * rate)
    return slice(start, start + int(SOUND_S * rate))


@dataclass(frozen=True)
class CheckResult:
    kind: str
    seed: int
    answers: tuple[int, ...]
    expected: tuple[int, ...]
    pass_mark: int
    score: int = field(init=False)
    passed: bool = field(init=False)

    def __post_init__(self):
        score = sum(int(a == e) for a, e in zip(self.answers, self.expected))
        object.__setattr__(self, "score", score)
        object.__setattr__(self, "passed", score >= self.pass_mark)

    def record(self, **more) -> dict:
        """The result as stored per listener (store/listener_records.py, kind headphone_check)."""
        return {"test": self.kind, "seed": self.seed, "n_trials": len(self.expected),
                "answers": list(self.answers), "expected": list(self.expected),
                "score": self.score, "pass_mark": self.pass_mark, "passed": self.passed, **more}


def score(kind: str, seed: int, answers) -> CheckResult:
    """Score a whole check; answers are 1, 2 or 3, one per trial, in order."""
    trials = plan(kind, seed)
    answers = tuple(int(a) for a in answers)
    if len(answers) != len(trials) or not all(a in (1, 2, 3) for a in answers):
        raise ValueError(f"a {kind} check takes {len(trials)} answers of 1, 2 or 3, got {answers}")
    return CheckResult(kind, int(seed), answers, tuple(t.answer for t in trials),
                       KINDS[kind].pass_mark)
