"""Whether the current round is voted enough to make the next one from its model (no Qt).

A next round starts from the samples of a model trained on the votes so far, and new sessions
play only the newest round: stimuli of the current round still without votes then get none.
Before most of the round is voted, the researcher is asked first, with the numbers.
"""

from __future__ import annotations

MOSTLY_VOTED = 0.8      # share of a round's stimuli with at least one vote


def early_next_round(status) -> str | None:
    """Why creating the round after `status` (a RoundStatus) is early, in words; None when
    the round is mostly voted."""
    if status.n_stimuli == 0 or status.covered >= MOSTLY_VOTED * status.n_stimuli:
        return None
    open_ = status.n_stimuli - status.covered
    return (f"Round {status.index} has {open_} of {status.n_stimuli} stimuli still without votes "
            f"({status.covered} voted, {status.votes} votes in all; most of a round is "
            f"{MOSTLY_VOTED:.0%}). Round {status.index + 1} would start from the samples of a "
            f"model that learned from these {status.votes} votes, so its estimates rest on few "
            f"votes; and new sessions play only round {status.index + 1}, so the {open_} stimuli "
            f"of round {status.index} without votes get none.")
