"""Rounds of a listening test: anchors, neighbours, NES perturbations, gold trials (no Qt)."""

from hd_desktop.design.params import (PRESETS, SCHEMA_VERSION, DesignParams, count_stimuli, fit_to_budget,
                                      preset)
from hd_desktop.design.rounds import RoundDesign, derive_seed, make_round, rebuild_round
from hd_desktop.design.stimulus import Role, Stimulus

__all__ = ["PRESETS", "SCHEMA_VERSION", "DesignParams", "RoundDesign", "Role", "Stimulus",
           "count_stimuli", "fit_to_budget", "derive_seed", "make_round", "preset", "rebuild_round"]
