"""Rounds (docs/design.md 1.7): design -> votes -> estimates (all rounds) -> train -> sample -> anchors.

Each long step is a generator that yields `Event`s; stop iterating to cancel.
"""

from __future__ import annotations

import math
import time
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import torch

from hd_desktop.design import DesignParams, RoundDesign, derive_seed, fit_to_budget, make_round
from hd_desktop.design.order import pick_session_stimuli, session_order
from hd_desktop.engine.config import EngineConfig
from hd_desktop.engine.estimates import (Answer, Estimates, NoEstimates, acceptance, nes_estimates,
                                        voted_points)
from hd_desktop.engine.listeners import Heard
from hd_desktop.engine.network import ScoreNet, score_field
from hd_desktop.engine.sampler import (Reach, accepted_region, by_cover, covered_region,
                                      iter_langevin, prior_points, start_points)
from hd_desktop.engine.screening import guess_rate, kept_listeners
from hd_desktop.engine.smoother import (SHIFTS, STEEPNESS, VAR_WEIGHTS, GPSettings, GPSmoother,
                                       link_by_votes)
from hd_desktop.engine.training import Objective, TrainingDiverged, init_network, train
from hd_desktop.progress import drive

_TRAIN, _SAMPLE, _ORDER, _PRIOR, _COVER = 10, 11, 12, 13, 14


@dataclass(frozen=True)
class Event:
    kind: str        # "votes", "voted" (info: design, votes), "train", "sample", "round" (net, samples)
    round: int
    done: int
    total: int
    info: dict = field(default_factory=dict)


@dataclass
class History:
    """Everything a run produced; rounds accumulate."""

    designs: list[RoundDesign] = field(default_factory=list)
    votes: list[Answer] = field(default_factory=list)
    samples: list[np.ndarray] = field(default_factory=list)
    timings: list[dict] = field(default_factory=list)
    estimates: Estimates | None = None
    net: ScoreNet | None = None
    region: object = None


def all_estimates(designs: list[RoundDesign], votes: list, config: EngineConfig) -> Estimates:
    """Estimates of every round from every vote, after screening and lapse-floor correction."""
    stimuli = [s for d in designs for s in d.stimuli]
    # no researcher judges here (simulated rounds, benchmarks): a listener with too few
    # screening answers to judge is kept
    keep = kept_listeners(stimuli, votes, config.screen_threshold, unjudged=True)
    if votes and not keep:
        raise NoEstimates(f"every listener was left out by screening (fewer than "
                          f"{config.screen_threshold:.0%} of screening trials answered as expected)")
    rates = acceptance(votes, keep)
    guess = guess_rate(stimuli, votes, keep) if config.floor_correction else 0.0
    parts = [nes_estimates(d.stimuli, rates, d.design["params"]["sigma_nes"], guess=guess)
             for d in designs]
    points = voted_points(stimuli, rates)
    # the paper's loss learns from complete pairs only; the others from every voted stimulus
    est = Estimates.concat(parts, need_pairs=config.loss == "paper" or not len(points))
    return est.with_points(points, guess)


def fit_and_sample(est: Estimates, real, config: EngineConfig, *, seed: int, round_index: int = 0):
    """Train a fresh seeded network on `est`, then run Langevin chains from the real data.

    Yields Events; returns (net, samples, region, info) as the generator's value, info holding
    the seconds of training and sampling and the lapse floor the training used (learned with
    the network under the bernoulli loss, the smoother's under loss gp, else the one measured
    on the far voices), under loss gp with config.cover_radius `cover_ess` (sampler.by_cover;
    with config.cover_level each state weighs 1 / cover ** the smoother's P(D > that level))
    and, under loss gp, `gp_steepness` and `gp_var_weight`: the link of the smoother's D-hat
    (_link). A loss "auto" is the one it stands for in est's dimensions (EngineConfig.for_dims).
    """
    k = est.x.shape[1]
    config = config.for_dims(k)
    t0 = time.perf_counter()
    region = covered_region(np.concatenate([est.x, np.asarray(real)]), config.region_margin)
    net = init_network(k, width=config.width, activation=config.activation,
                       envelope=config.envelope,
                       seed=derive_seed(seed, round_index, _TRAIN))
    prior = (prior_points(region, seed=derive_seed(seed, round_index, _PRIOR))
             if config.loss == "bernoulli" and config.prior_votes else None)
    targets, smoother = (smoothed_targets(est, region, config,
                                          seed=derive_seed(seed, round_index, _PRIOR))
                         if config.loss == "gp" else (None, None))
    objective = Objective(est, config.loss, grad_weight=config.grad_weight,
                          consistency_weight=config.consistency, learn_floor=config.learn_floor,
                          prior=prior, prior_votes=config.prior_votes, targets=targets)
    for p in train(net, est, steps=config.train_steps, lr=config.lr, objective=objective,
                   weight_decay=config.weight_decay, seed=derive_seed(seed, round_index, _TRAIN)):
        yield Event("train", round_index, p.done, p.total, {"loss": p.info["loss"]})
    t1 = time.perf_counter()
    reach = None
    if config.region_reach is not None and est.points is not None and len(est.points):
        # voted voices lie farther apart in more dimensions: the reach grows as sqrt(k/2)
        reach = Reach(np.concatenate([est.points.z, real]), config.region_reach * math.sqrt(k / 2))
        region = (region, reach)
    elif config.region_radius is not None and len(est):
        region = (region, accepted_region(est.x, est.d, config.region_radius))
    gen = torch.Generator().manual_seed(derive_seed(seed, round_index, _SAMPLE))
    z0 = start_points(real, config.n_chains, seed=derive_seed(seed, round_index, _SAMPLE))
    z = torch.as_tensor(z0, dtype=torch.float32)
    by_reach = reach is not None and smoother is not None and config.cover_radius is not None
    states = []   # with by_reach, the chains' second half for by_cover
    for t, z, acc in iter_langevin(score_field(net, config.d_floor), z0, config.eps,
                                   config.sampler_steps, generator=gen, adjust=config.adjust,
                                   region=region):
        if by_reach and t >= config.sampler_steps / 2:
            states.append(z.numpy())
        yield Event("sample", round_index, t, config.sampler_steps, {"accept": acc})
    samples, cover = z.numpy().astype(np.float64), None
    if by_reach:
        trust = (None if config.cover_level is None      # by_reach: under loss gp only
                 else lambda x: smoother.exceeds(x, config.cover_level))
        samples, cover = by_cover(states, reach, config.n_chains, trust=trust,
                                  radius=config.cover_radius * reach.reach,
                                  seed=derive_seed(seed, round_index, _COVER))
    t2 = time.perf_counter()
    floor = (float(torch.as_tensor(objective.floor).detach()) if config.loss == "bernoulli"
             else smoother.floor if smoother is not None else est.guess)
    info = {"train_s": t1 - t0, "sample_s": t2 - t1, "lapse_floor": floor}
    if cover is not None:
        info["cover_ess"] = cover
    if smoother is not None:
        info["gp_steepness"], info["gp_var_weight"] = smoother.link
    return net, samples, region, info


def smoothed_targets(est: Estimates, region, config: EngineConfig, *, seed: int):
    """D-hat and grad D-hat of a GP classifier of every vote, where the network learns them.

    At every voted stimulus, at `gp_copies` seeded points around each (about the chains' reach
    away: SD reach / sqrt(2) per axis, the reach being 0.5 x sqrt(k/2) SDs), and at the prior's
    uniform points over the covered region: the network sees the smoother wherever a chain may
    go, and where it may not. Returns ((u, D-hat, grad D-hat), the smoother).
    """
    points = est.points
    try:
        smoother = _smoother(points, config, seed)
    except (torch.linalg.LinAlgError, RuntimeError) as e:
        raise TrainingDiverged(f"smoothing the votes: the GP classifier failed ({e}); "
                               f"loss=bernoulli trains the network on the votes directly") from e
    rng = np.random.default_rng(seed)
    spread = (config.region_reach or 0.5) / math.sqrt(2)
    near = np.repeat(points.z, config.gp_copies, axis=0)
    near = near + rng.normal(0.0, spread, size=near.shape)
    where = np.concatenate([points.z, near, prior_points(region, seed=seed)])
    smoother.link = _link(points, smoother, config, seed)
    steepness, var_weight = smoother.link
    d, grad = smoother.predict(where, steepness=steepness, var_weight=var_weight)
    return (where, d, grad), smoother


def _link(points, smoother: GPSmoother, config: EngineConfig, seed: int) -> tuple[float, float]:
    """(a, c) of D-hat = Phi(a mu / sqrt(1 + c var)): config.gp_steepness and gp_var_weight (c = 0
    under gp_median); either None is chosen by the latest round's votes (smoother.link_by_votes),
    1 before there are two rounds. A value the researcher set is kept in every round.

    With config.gp_link_loo_margin, a link those votes chose is kept only if it also foretells
    every vote, each left out in turn (smoother.loo_loglik), better than the mean by that many
    nats when both may shift D-hat's level: the latest round's votes lie where the last samples
    went, and a D-hat too high there makes a narrower link win by its level alone; past a hard
    edge the votes on both sides of it tell its steepness from a level (docs/engine.md)."""
    a, c = config.gp_steepness, 0.0 if config.gp_median else config.gp_var_weight
    if a is not None and c is not None:
        return a, c
    steepness, var_weights = STEEPNESS if a is None else (a,), VAR_WEIGHTS if c is None else (c,)
    first = (float(steepness[0]), float(var_weights[0]))
    known = points.round is not None and len(points.round) == len(points)
    held = (points.round == points.round.max()) if known else np.zeros(len(points), bool)
    chosen = link_by_votes(points.z, points.accepts, points.votes, held, floor=smoother.floor,
                           settings=smoother.settings, seed=seed, steepness=steepness,
                           var_weights=var_weights, shape_margin=config.gp_link_shape_margin)[0]
    if config.gp_link_loo_margin is not None and chosen != first:
        ll = smoother.loo_loglik([first, chosen], shifts=SHIFTS)
        if ll[chosen] <= ll[first] + config.gp_link_loo_margin:
            return first
    return chosen


def _smoother(points, config: EngineConfig, seed: int) -> GPSmoother:
    """The GP of `points` with the config's settings, in SDs scaled as sqrt(k/2) in k-D (voted
    voices lie farther apart in more dimensions, as for the reach)."""
    scale = math.sqrt(points.z.shape[1] / 2)
    return GPSmoother(points.z, points.accepts, points.votes, floor=config.gp_floor,
                      floor_max=config.gp_floor_max,
                      settings=GPSettings(config.gp_lengthscale * scale, config.gp_outputscale,
                                          config.gp_mean, config.gp_inducing), seed=seed)


def order_seed(seed: int, round_index: int) -> int:
    """The order seed of round `round_index`'s session: the one stream every round loop uses."""
    return derive_seed(seed, round_index, _ORDER)


class RoundSteps(Protocol):
    """Where `round_loop`'s rounds are made, voted and learned: in memory (`InMemoryRounds`,
    the benchmarks and the engine's tests) or in an experiment (lab/autopilot.py, `simulate`)."""

    votes: int                      # votes cast so far; they count against the budget

    def anchors(self) -> int:
        """How many anchors the next round may start from."""

    def design(self, params: DesignParams) -> RoundDesign:
        """The next round, designed with `params`."""

    def vote(self, design: RoundDesign, size: int, order_seed: int) -> Generator:
        """One session of at most `size` of the round's trials, ordered by `order_seed`;
        yields Events, returns the votes cast."""

    def learn(self, design: RoundDesign, votes: int, votes_s: float) -> Generator:
        """What the round's votes teach (the session took `votes_s` seconds); yields Events."""


def round_loop(steps: RoundSteps, params: DesignParams, *, rounds: int, budget: int, seed: int):
    """`rounds` rounds sharing `budget` votes: design -> one session of votes -> learn.

    Each round gets an equal share of the votes left, and its design shrinks to fit that share
    (fit_to_budget), so every pair of every round is voted in full; round r's session is
    ordered by order_seed(seed, r). Yields the steps' Events.
    """
    for done in range(rounds):
        left = budget - steps.votes
        if left <= 0:
            break
        t0 = time.perf_counter()
        share = left // (rounds - done)
        design = steps.design(fit_to_budget(params, steps.anchors(), share))
        votes = yield from steps.vote(design, share, order_seed(seed, design.design["round"]))
        yield from steps.learn(design, votes, time.perf_counter() - t0)


def collect_votes(listener, stimuli, budget: int, *, seed: int, round_index: int,
                  listener_id: str = "sim", render=None):
    """One session of at most `budget` trials, picked and ordered as the lab does (design/order.py).

    Whole pairs only, screening trials spread, pair halves never back to back; yields Events,
    returns the votes in the order they were cast.
    """
    return (yield from _session_votes(listener, stimuli, budget, order_seed(seed, round_index),
                                      round_index, listener_id, render))


def _session_votes(listener, stimuli, budget: int, seed: int, round_index: int,
                   listener_id: str = "sim", render=None):
    order = session_order(pick_session_stimuli(stimuli, {}, max(0, budget), seed), seed)
    votes = []
    for i, s in enumerate(order, 1):
        audio, sr = render(s.z) if render is not None else (None, None)
        votes.append(Answer(listener_id, s.id, int(bool(listener.vote(Heard(s, audio, sr))))))
        if i % 100 == 0 or i == len(order):
            yield Event("votes", round_index, i, len(order))
    return votes


class InMemoryRounds:
    """Rounds kept in a History, voted by `listener` and learned by every vote so far (no
    store, no screening minimum): what the benchmarks and the engine's tests measure."""

    def __init__(self, listener, real, config: EngineConfig, *, rounds: int, seed: int,
                 render=None, history: History | None = None):
        self.listener, self.config, self.render = listener, config, render
        self.real = np.asarray(real, dtype=np.float64)
        self.rounds, self.seed = rounds, seed
        self.history = history or History()

    @property
    def votes(self) -> int:
        return len(self.history.votes)

    def _anchors(self) -> np.ndarray:
        return self.history.samples[-1] if self.history.samples else self.real

    def anchors(self) -> int:
        return len(self._anchors())

    def design(self, params: DesignParams) -> RoundDesign:
        return make_round(self._anchors(), params, round_index=len(self.history.designs),
                          real=self.real)

    def vote(self, design: RoundDesign, size: int, order_seed: int):
        r = design.design["round"]
        votes = yield from _session_votes(self.listener, design.stimuli, size, order_seed, r,
                                          render=self.render)
        self.history.designs.append(design)
        self.history.votes.extend(votes)
        yield Event("voted", r, len(votes), len(design.stimuli), {"design": design,
                                                                   "votes": votes})
        return len(votes)

    def learn(self, design: RoundDesign, votes: int, votes_s: float):
        h, r = self.history, design.design["round"]
        t0 = time.perf_counter()
        est = all_estimates(h.designs, h.votes, self.config)
        t1 = time.perf_counter()
        net, samples, region, times = yield from fit_and_sample(est, self.real, self.config,
                                                                seed=self.seed, round_index=r)
        h.estimates, h.net, h.region = est, net, region
        h.samples.append(samples)
        h.timings.append({"round": r, "votes_s": votes_s, "estimates_s": t1 - t0, **times,
                          "votes": votes, "estimates": len(est)})
        yield Event("round", r, r + 1, self.rounds, {**h.timings[-1], "net": net,
                                                     "samples": samples})


def run_rounds(listener, real, params: DesignParams, config: EngineConfig, *, rounds: int,
               budget: int, seed: int = 0, render=None, history: History | None = None):
    """Run `rounds` rounds in memory sharing `budget` votes (round_loop); yields Events,
    returns the History."""
    steps = InMemoryRounds(listener, real, config, rounds=rounds, seed=seed, render=render,
                           history=history)
    yield from round_loop(steps, params, rounds=rounds, budget=budget, seed=seed)
    return steps.history


def run_to_end(gen):
    """Drive a generator of Events to its return value."""
    return drive(gen)
