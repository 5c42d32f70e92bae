"""A web participant's trials: which list of the round, and in what seeded order.

The browser draws the order itself (assets/web/hd-study.js), so the import must be able to
draw it again and compare: both sides use the same small generators, written twice on purpose
(here and in JavaScript) and checked against each other by the browser test. mulberry32 and
FNV-1a are exact in 32-bit integer arithmetic, so both languages give the same numbers.

The rules are the app's (hd_desktop.design.order): the halves of a pair never follow each other,
screening trials are spread over the session at jittered points.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from hd_desktop.design.order import SCREENING, pair_key
from hd_desktop.design.stimulus import Role, Stimulus

_M32 = 0xFFFFFFFF


def fnv1a(text: str) -> int:
    """32-bit FNV-1a of the UTF-8 bytes of `text`."""
    h = 0x811C9DC5
    for byte in text.encode("utf-8"):
        h = ((h ^ byte) * 0x01000193) & _M32
    return h


def participant_seed(study_seed: int, participant: str) -> int:
    """The seed of one participant's order: the same id always gets the same order."""
    return fnv1a(f"{int(study_seed)}:{participant}")


class Mulberry32:
    """mulberry32: a 32-bit generator, `random()` in [0, 1) as k / 2**32."""

    def __init__(self, seed: int):
        self.state = int(seed) & _M32

    def next_u32(self) -> int:
        self.state = (self.state + 0x6D2B79F5) & _M32
        t = self.state
        t = _imul(t ^ (t >> 15), t | 1)
        t ^= (t + _imul(t ^ (t >> 7), t | 61)) & _M32
        return (t ^ (t >> 14)) & _M32

    def random(self) -> float:
        return self.next_u32() / 4294967296.0

    def below(self, n: int) -> int:
        return int(self.random() * n)

    def shuffle(self, items: list) -> None:
        """Fisher-Yates from the end, as the JavaScript does."""
        for i in range(len(items) - 1, 0, -1):
            j = self.below(i + 1)
            items[i], items[j] = items[j], items[i]


def _imul(a: int, b: int) -> int:
    return (a * b) & _M32


def _partners(a: Stimulus, b: Stimulus) -> bool:
    key = pair_key(a)
    return key is not None and key == pair_key(b) and a.id != b.id


def web_order(stimuli: Sequence[Stimulus], seed: int) -> list[Stimulus]:
    """The participant's order of `stimuli` (a list of the study), as the browser draws it."""
    rng = Mulberry32(seed)
    gold = [s for s in stimuli if s.role in SCREENING]
    rest = [s for s in stimuli if s.role not in SCREENING]
    rng.shuffle(gold)
    rng.shuffle(rest)
    pending = rest[::-1]
    placed: list[Stimulus] = []
    while pending:  # the app's rule: take the next one that is not the partner of the last
        take = len(pending) - 1
        if placed and _partners(pending[take], placed[-1]):
            if len(pending) > 1:
                take -= 1
            elif len(placed) >= 2:
                placed.insert(0, pending.pop())
                continue
            else:
                raise ValueError("two halves of one pair and nothing else cannot be separated")
        placed.append(pending.pop(take))
    n = len(stimuli)
    slots: list[int] = []
    for b in range(len(gold)):  # one screening trial at a jittered point of each stretch
        at = min(n - 1, int((b + 0.2 + 0.6 * rng.random()) * n / len(gold)))
        while at in slots:
            at = (at + 1) % n
        slots.append(at)
    slot_set = set(slots)
    gold_iter, rest_iter = iter(gold), iter(placed)
    return [next(gold_iter) if i in slot_set else next(rest_iter) for i in range(n)]


def make_lists(stimuli: Sequence[Stimulus], size: int | None, seed: int) -> list[list[Stimulus]]:
    """Split a round into lists of about `size` trials, one list per participant.

    Every list holds all screening stimuli; the pairs and other stimuli are dealt out in a
    seeded order, the two halves of a pair always into the same list (NES needs both). `size`
    None: one list with the whole round.
    """
    trials = [s for s in stimuli if s.role != Role.PRACTICE]
    gold = [s for s in trials if s.role in SCREENING]
    units: dict[object, list[Stimulus]] = {}
    for s in trials:
        if s.role not in SCREENING:
            units.setdefault(pair_key(s) or ("single", s.id), []).append(s)
    ordered = list(units.values())
    random.Random(seed).shuffle(ordered)
    room = None if size is None else size - len(gold)
    if room is not None and room < 2:
        raise ValueError(f"{size} trials per participant leave no room beside the "
                         f"{len(gold)} screening trials")
    total = sum(len(u) for u in ordered)
    n_lists = 1 if room is None else max(1, -(-total // room))
    lists: list[list[Stimulus]] = [[] for _ in range(n_lists)]
    for unit in ordered:  # the emptiest list takes the next unit: lists differ by one pair at most
        min(lists, key=len).extend(unit)
    return [gold + sorted(lst, key=lambda s: s.id) for lst in lists]
