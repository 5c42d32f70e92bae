"""Screening with gold trials: who answers them well, and how often far voices are still accepted.

Default threshold 0.6 of gold trials answered as expected (real accepted, far rejected). A listener
answering at random scores 0.5. An attentive one rejects far voices ~97% of the time but may
accept real voices only ~60% when their acceptable region sits off the data (the `shifted`
simulated listener does), so honest listeners score ~0.75-0.9: 0.7 would drop some of them. With
the 20 gold answers needed before judging (`min_gold`), a random answerer reaches 0.6 with
probability ~25%, with 50 (one round of the default design) ~10%. A listener with fewer is
"not judged yet": left out unless the caller asks for them (`unjudged=True`, as the engine's
own loop and `simulate` do, where no researcher is there to judge).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from enum import Enum
from typing import Iterable

from hd_desktop.design.stimulus import Role, Stimulus

DEFAULT_THRESHOLD = 0.6
DEFAULT_MIN_GOLD = 20


def gold_accuracy(stimuli: Iterable[Stimulus], votes: Iterable) -> dict[str, tuple[float, int]]:
    """Per listener: share of gold trials answered as expected (real accepted, far rejected)."""
    role = {s.id: s.role for s in stimuli if s.role in (Role.GOLD_REAL, Role.GOLD_FAR)}
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for v in votes:
        r = role.get(v.stimulus_id)
        if r is None:
            continue
        expected = 1 if r is Role.GOLD_REAL else 0
        tally[v.listener][0] += int(int(v.response) == expected)
        tally[v.listener][1] += 1
    return {who: (ok / n, n) for who, (ok, n) in tally.items()}


def judged(gold_answers: int, min_gold: int = DEFAULT_MIN_GOLD) -> bool:
    """Whether a listener has answered enough gold trials to be screened at all."""
    return gold_answers >= min_gold


class Screened(str, Enum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_JUDGED = "not judged yet"


@dataclass(frozen=True)
class Screening:
    """One listener's screening: the verdict, the share answered as expected, of how many."""

    status: Screened
    accuracy: float | None
    answers: int

    def words(self, min_gold: int = DEFAULT_MIN_GOLD) -> str:
        """As a table shows it: "passed 85% of 24", "not judged yet (3 of 20 answers)"."""
        if self.status is Screened.NOT_JUDGED:
            return f"not judged yet ({self.answers} of {min_gold} screening answers)"
        return f"{self.status.value} {self.accuracy:.0%} of {self.answers}"


def screening(stimuli, votes, threshold: float = DEFAULT_THRESHOLD,
              min_gold: int = DEFAULT_MIN_GOLD) -> dict[str, Screening]:
    """Per listener who voted: passed (accuracy >= `threshold` over at least `min_gold` gold
    answers), failed, or not judged yet (fewer gold answers than `min_gold`)."""
    votes = list(votes)
    acc = gold_accuracy(stimuli, votes)
    out = {}
    for who in {v.listener for v in votes}:
        share, n = acc.get(who, (None, 0))
        status = (Screened.NOT_JUDGED if not judged(n, min_gold) or share is None
                  else Screened.PASSED if share >= threshold else Screened.FAILED)
        out[who] = Screening(status, share, n)
    return out


def kept_listeners(stimuli, votes, threshold: float = DEFAULT_THRESHOLD,
                   min_gold: int = DEFAULT_MIN_GOLD, *, unjudged: bool = False) -> set[str]:
    """Listeners who passed screening, and with `unjudged` those not judged yet too."""
    return {who for who, s in screening(stimuli, votes, threshold, min_gold).items()
            if s.status is Screened.PASSED or (unjudged and s.status is Screened.NOT_JUDGED)}


def guess_rate(stimuli: Iterable[Stimulus], votes: Iterable, keep=None) -> float:
    """Acceptance of GOLD_FAR voices: the floor that lapses add to every D (0 if none voted).

    Lapses answer at random, so they add at most one half; a listener who accepts more of the
    far voices than that is not lapsing (they accept them, or answer the wrong way round), and
    the floor stays at 0.5, where the correction D' = (D - g) / (1 - g) is still defined.
    """
    far = {s.id for s in stimuli if s.role is Role.GOLD_FAR}
    n = hits = 0
    for v in votes:
        if v.stimulus_id in far and (keep is None or v.listener in keep):
            n += 1
            hits += int(v.response)
    return min(hits / n, 0.5) if n else 0.0
