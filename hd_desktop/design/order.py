"""Trial order: which stimuli a session plays, and in what seeded random order.

Two rules shape an order. The halves of an antithetic pair (x + delta, x - delta) never play
back to back, so one cannot anchor the other's vote. Screening (gold) trials are spread over
the session instead of bunching. When a design is larger than a session, each new session takes
the least-covered stimuli first, so every stimulus is voted on before any is repeated.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

from hd_desktop.design.stimulus import Role, Stimulus

SCREENING = (Role.GOLD_REAL, Role.GOLD_FAR)
PairKey = tuple[int, int, int]


def pair_key(s: Stimulus) -> PairKey | None:
    """(round, neighbour, pair) for the halves of an antithetic pair, None for other roles."""
    if s.role in (Role.NES_PLUS, Role.NES_MINUS) and s.neighbour is not None and s.pair is not None:
        return (s.round, s.neighbour, s.pair)
    return None


def are_partners(a: Stimulus, b: Stimulus) -> bool:
    key = pair_key(a)
    return key is not None and key == pair_key(b) and a.id != b.id


def session_order(stimuli: Sequence[Stimulus], seed: int) -> list[Stimulus]:
    """A seeded random order of `stimuli`: pair halves never adjacent, screening trials spread."""
    rng = random.Random(seed)
    gold = [s for s in stimuli if s.role in SCREENING]
    rest = [s for s in stimuli if s.role not in SCREENING]
    rng.shuffle(gold)
    rng.shuffle(rest)
    if len(rest) == 2 and are_partners(*rest):
        # a tiny session: one pair and its screening trials, which then stand between the
        # halves (with no screening trial the two halves can only follow each other)
        return [rest[0], *gold, rest[1]]
    rest = _separate_partners(rest)
    n = len(stimuli)
    # One screening trial at a jittered point in the middle of each of len(gold) equal stretches.
    slots = sorted({min(n - 1, int((b + rng.uniform(0.2, 0.8)) * n / len(gold)))
                    for b in range(len(gold))}) if gold else []
    while len(slots) < len(gold):  # only when stretches are shorter than one trial
        slots = sorted(set(slots) | {rng.randrange(n)})
    order: list[Stimulus] = []
    gold_iter, rest_iter = iter(gold), iter(rest)
    slot_set = set(slots)
    for i in range(n):
        order.append(next(gold_iter) if i in slot_set else next(rest_iter))
    return order


def _separate_partners(items: list[Stimulus]) -> list[Stimulus]:
    """Walk a shuffled list, taking the next item that is not the partner of the one just placed."""
    pending = items[::-1]  # pop() from the end is O(1)
    out: list[Stimulus] = []
    while pending:
        take = -1
        if out and are_partners(pending[-1], out[-1]):
            if len(pending) > 1:
                take = -2  # a partner has exactly one partner, so the item after it is safe
            elif len(out) >= 2:
                out.insert(0, pending.pop())  # the last one goes first; out[0] is not its partner
                continue
            else:
                raise ValueError("two halves of one pair and nothing else cannot be separated")
        out.append(pending.pop(take))
    return out


def adjacent_partners(order: Sequence[Stimulus]) -> list[int]:
    """Positions i where order[i] and order[i+1] are the two halves of one pair (should be [])."""
    return [i for i in range(len(order) - 1) if are_partners(order[i], order[i + 1])]


def pick_session_stimuli(stimuli: Sequence[Stimulus], counts: Mapping[str, tuple[int, int] | int],
                         size: int, seed: int, *, screening: int | None = None) -> list[Stimulus]:
    """The stimuli for a session of `size` trials: least-covered first, pairs kept together.

    `counts` is {stimulus id: (accepts, votes)} as `Experiment.vote_counts` gives, or
    {id: votes}. Screening stimuli (all of them, or `screening` of them, least-covered first)
    are always in; the rest of the session is filled with the least-voted pairs and singles,
    ties broken by the seed. Practice stimuli are never picked.
    """
    rng = random.Random(seed)

    def votes(s: Stimulus) -> int:
        c = counts.get(s.id, 0)
        return c[1] if isinstance(c, tuple) else int(c)

    units: dict[object, list[Stimulus]] = {}
    for s in stimuli:
        if s.role == Role.PRACTICE:
            continue
        units.setdefault(pair_key(s) or ("single", s.id), []).append(s)
    ranked = sorted(units.values(), key=lambda u: (min(votes(s) for s in u), rng.random()))
    gold_units = [u for u in ranked if u[0].role in SCREENING]
    other_units = [u for u in ranked if u[0].role not in SCREENING]
    if screening is not None:
        gold_units = gold_units[:screening]
    picked = [s for u in gold_units for s in u][:size]
    for unit in other_units:
        if len(picked) + len(unit) <= size:
            picked.extend(unit)
        if len(picked) == size:
            break
    return picked
