"""Trial order: pair halves never adjacent, screening spread, seeded, coverage before repeats."""

from __future__ import annotations

from collections import Counter

import pytest
from helpers.experiments import gold_stimuli, nes_stimuli, practice_stimuli

from hd_desktop.design.order import (adjacent_partners, pair_key, pick_session_stimuli,
                                     session_order)
from hd_desktop.design.stimulus import Role


@pytest.mark.parametrize("neighbours,pairs,gold", [(1, 2, 0), (2, 3, 1), (5, 6, 4), (12, 10, 8)])
def test_pair_halves_never_follow_each_other(neighbours, pairs, gold):
    stimuli = nes_stimuli(0, neighbours, pairs) + gold_stimuli(0, gold // 2, gold - gold // 2)
    for seed in range(300):
        order = session_order(stimuli, seed)
        assert sorted(s.id for s in order) == sorted(s.id for s in stimuli)
        assert adjacent_partners(order) == [], seed


@pytest.mark.parametrize("gold", [0, 1, 2, 4])
def test_a_tiny_session_of_one_pair_puts_its_screening_trials_between_the_halves(gold):
    pair = nes_stimuli(0, 1, 1)
    stimuli = pair + gold_stimuli(0, gold // 2, gold - gold // 2)
    for seed in range(20):
        order = session_order(stimuli, seed)
        assert sorted(s.id for s in order) == sorted(s.id for s in stimuli)
        assert {order[0].id, order[-1].id} == {s.id for s in pair}
        assert adjacent_partners(order) == ([] if gold else [0])   # two trials: no other way


def test_the_order_is_seeded_and_differs_between_sessions():
    stimuli = nes_stimuli(0, 4, 5) + gold_stimuli(0)
    assert session_order(stimuli, 3) == session_order(stimuli, 3)
    orders = {tuple(s.id for s in session_order(stimuli, seed)) for seed in range(50)}
    assert len(orders) == 50


def test_partners_are_sometimes_close_so_the_order_is_not_over_constrained():
    stimuli = nes_stimuli(0, 3, 4)
    gaps = Counter()
    for seed in range(200):
        order = session_order(stimuli, seed)
        where = {}
        for i, s in enumerate(order):
            where.setdefault(pair_key(s), []).append(i)
        gaps.update(abs(a - b) for a, b in where.values())
    assert gaps[1] == 0 and gaps[2] > 0


def test_screening_trials_are_spread_through_the_session():
    stimuli = nes_stimuli(0, 10, 5) + gold_stimuli(0, 3, 3)  # 100 + 6 trials
    n, g = 106, 6
    for seed in range(200):
        order = session_order(stimuli, seed)
        at = [i for i, s in enumerate(order) if s.role in (Role.GOLD_REAL, Role.GOLD_FAR)]
        assert len(at) == g
        # one per sixth of the session, never bunched
        assert [int(i * g / n) for i in at] == list(range(g)), (seed, at)
        assert min(b - a for a, b in zip(at, at[1:])) >= n / g * 0.4


def test_least_covered_first_covers_everything_before_any_repeat():
    stimuli = nes_stimuli(0, 7, 5) + gold_stimuli(0) + practice_stimuli(0)
    trials = [s for s in stimuli if s.role not in (Role.PRACTICE, Role.GOLD_REAL, Role.GOLD_FAR)]
    counts: Counter = Counter()
    for session in range(12):
        picked = pick_session_stimuli(stimuli, dict(counts), 16, seed=session)
        ids = [s.id for s in picked]
        assert len(ids) == len(set(ids)) == 16
        assert not any(s.role == Role.PRACTICE for s in picked)
        assert sum(s.role in (Role.GOLD_REAL, Role.GOLD_FAR) for s in picked) == 4  # always in
        keys = Counter(pair_key(s) for s in picked if pair_key(s))
        assert set(keys.values()) == {2}  # both halves of a pair go together
        counts.update(ids)
        nes = [counts[s.id] for s in trials]
        assert max(nes) - min(nes) <= 1  # no stimulus repeated while another is unvoted


def test_pick_accepts_vote_counts_as_the_store_gives_them():
    stimuli = nes_stimuli(0, 2, 2)
    counts = {s.id: (1, 3) for s in stimuli[:4]}  # neighbour 0 has votes, neighbour 1 none
    picked = pick_session_stimuli(stimuli, counts, 4, seed=1)
    assert {s.neighbour for s in picked} == {1}
