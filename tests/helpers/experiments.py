"""Real-looking stimuli and experiments for tests: NES pairs, gold trials, practice items."""

from __future__ import annotations

import random
import zlib
from pathlib import Path

from hd_desktop.design.stimulus import Role, Stimulus
from hd_desktop.store import Experiment

FINGERPRINT = "space-5f1c0a9e"
SPACE_INFO = {"k": 2, "corpus": "bundled", "units": "SD of the real data per axis"}


def nes_stimuli(round_: int = 0, neighbours: int = 4, pairs: int = 5, seed: int = 11,
                dims: int = 2) -> list[Stimulus]:
    """x +/- delta_r for each neighbour, ids like the design's: r0-n003-r07+ / r0-n003-r07-."""
    rng = random.Random(seed)
    out = []
    for n in range(neighbours):
        x = [rng.gauss(0.0, 1.0) for _ in range(dims)]
        for r in range(pairs):
            d = [rng.gauss(0.0, 0.3) for _ in range(dims)]
            s = seed * 1000 + n * 100 + r
            for sign, role in ((1, Role.NES_PLUS), (-1, Role.NES_MINUS)):
                z = tuple(a + sign * b for a, b in zip(x, d))
                tag = "+" if sign > 0 else "-"
                out.append(Stimulus(f"r{round_}-n{n:03d}-r{r:02d}{tag}", round_, role, z, s, n, r))
    return out


def gold_stimuli(round_: int = 0, n_real: int = 2, n_far: int = 2) -> list[Stimulus]:
    out = [Stimulus(f"r{round_}-gold-real-{i}", round_, Role.GOLD_REAL,
                    (0.1 * i + 1 / 7, -0.2 * i + 2 / 9), 500 + i) for i in range(n_real)]
    out += [Stimulus(f"r{round_}-gold-far-{i}", round_, Role.GOLD_FAR,
                     (6.0 + i / 3, -6.5 - i / 11), 600 + i) for i in range(n_far)]
    return out


def practice_stimuli(round_: int = 0, n: int = 3) -> list[Stimulus]:
    return [Stimulus(f"r{round_}-practice-{i}", round_, Role.PRACTICE, (i / 3, -i / 7), 700 + i)
            for i in range(n)]


def make_experiment(folder: Path, neighbours: int = 4, pairs: int = 5) -> tuple[Experiment, list]:
    """An experiment bound to a space, with round 0 stored; returns it and its trial stimuli."""
    exp = Experiment.open(folder)
    exp.set_space(FINGERPRINT, SPACE_INFO)
    trials = nes_stimuli(0, neighbours, pairs) + gold_stimuli(0)
    exp.add_round(0, {"seed": 11, "sigma_nei": 0.5, "sigma_nes": 0.3, "R": pairs},
                  trials + practice_stimuli(0))
    return exp, trials


def scripted_answer(s: Stimulus) -> bool:
    """A deterministic listener: accepts gold-real, rejects gold-far, the rest by an id hash."""
    if s.role == Role.GOLD_REAL:
        return True
    if s.role == Role.GOLD_FAR:
        return False
    return zlib.crc32(s.id.encode()) % 3 != 0
