"""Training the score network on every estimate so far (docs/design.md 1.5), as a generator of progress.

Two objectives. `paper`: the poster's squared error of S_D and S_VD against the per-neighbour
NES estimates. `bernoulli` (the default): every vote is a coin flip with P(natural) =
g + (1 - g) S_D(z) at its own stimulus (g the lapse floor), so no vote is wasted on an
incomplete pair and a single vote counts as what it is, not as a rate of 0 or 1; the NES
gradients still train S_VD, and S_VD is held to the gradient of S_D so the two heads agree.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import torch

from hd_desktop.engine.estimates import Estimates
from hd_desktop.engine.network import ScoreNet
from hd_desktop.errors import UserFacingError
from hd_desktop.progress import Progress


class TrainingDiverged(UserFacingError):
    """The loss turned NaN or blew up; the network holds the last good weights."""


LOSSES = ("bernoulli", "paper", "gp")


def hd_loss(net: ScoreNet, z, d, grad, grad_weight: float = 1.0) -> torch.Tensor:
    """L = mean_n w |S_VD(x_n) - grad D(x_n)|^2 + |S_D(x_n) - D(x_n)|^2 (the poster's sum with w = 1)."""
    s_d, s_vd = net(z)
    return grad_weight * ((s_vd - grad) ** 2).sum(dim=1).mean() + ((s_d - d) ** 2).mean()


def vote_nll(s_d: torch.Tensor, accepts, votes, guess: float = 0.0) -> torch.Tensor:
    """-1/V sum_s [a_s log P_s + (n_s - a_s) log(1 - P_s)], P_s = g + (1 - g) S_D(z_s), V = sum n_s."""
    p = (guess + (1.0 - guess) * s_d).clamp(1e-6, 1 - 1e-6)
    return -(accepts * torch.log(p) + (votes - accepts) * torch.log1p(-p)).sum() / votes.sum()


def consistency(net: ScoreNet, z: torch.Tensor) -> torch.Tensor:
    """mean_s |S_VD(z_s) - grad_z S_D(z_s)|^2: the gradient head agrees with the acceptance head."""
    z = z.detach().requires_grad_(True)
    s_d, s_vd = net(z)
    (grad_sd,) = torch.autograd.grad(s_d.sum(), z, create_graph=True)
    return ((s_vd - grad_sd) ** 2).sum(dim=1).mean()


def bernoulli_loss(net: ScoreNet, points, x, grad, *, guess: float = 0.0, grad_weight: float = 1.0,
                   consistency_weight: float = 1.0, prior=None, prior_votes: float = 0.0) -> torch.Tensor:
    """L = vote_nll + w mean_n |S_VD(x_n) - grad D(x_n)|^2 + w_c consistency + (P/V) mean_u -log(1 - S_D(u)).

    `points` = (z, accepts, votes[, where]) tensors, `where` the points at which consistency is
    measured (default z); x, grad the NES estimates (may be empty). The last term is the prior:
    P pseudo-votes of "not natural" spread evenly over the points `prior` (V = the number of
    real votes), so acceptance stays 0 where no votes say otherwise.
    """
    z, accepts, votes = points[:3]
    s_d, _ = net(z)
    loss = vote_nll(s_d, accepts, votes, guess)
    if prior is not None and prior_votes:
        s_u, _ = net(prior)
        loss = loss - prior_votes / votes.sum() * torch.log1p(-s_u.clamp(max=1 - 1e-6)).mean()
    if grad_weight and len(x):
        loss = loss + grad_weight * ((net(x)[1] - grad) ** 2).sum(dim=1).mean()
    if consistency_weight:
        loss = loss + consistency_weight * consistency(net, points[3] if len(points) > 3 else z)
    return loss


def smoothed_loss(net: ScoreNet, z, d, grad, grad_weight: float = 1.0) -> torch.Tensor:
    """L = mean_u KL(Bernoulli(D(u)) || Bernoulli(S_D(u))) + w mean_u |S_VD(u) - grad D(u)|^2.

    D, grad D: a smoother's estimates at the points u (smoother.py). KL = D log(D / S_D) +
    (1 - D) log((1 - D) / (1 - S_D)): 0 where the network is the smoother, and it weighs a small
    D by its ratio to S_D, not by its difference: at p* ∝ D, acceptance 0.02 against 0.05 over a
    wide region moves as much probability as 0.5 against 0.8 over a narrow one.
    """
    s_d, s_vd = net(z)
    s_d = s_d.clamp(1e-6, 1 - 1e-6)
    fit = (torch.xlogy(d, d) - d * torch.log(s_d)
           + torch.xlogy(1 - d, 1 - d) - (1 - d) * torch.log1p(-s_d)).mean()
    return fit + grad_weight * ((s_vd - grad) ** 2).sum(dim=1).mean()


class Objective:
    """The training loss for a set of estimates: net -> loss tensor, plus its own parameters.

    `paper`: hd_loss on the per-neighbour estimates. `bernoulli`: bernoulli_loss on every voted
    stimulus; with `learn_floor` the lapse floor g is fitted with the network (starting from
    the acceptance of far voices), because a floor that is off by 0.01 over the wide empty
    space around the voices puts real probability mass where no listener would accept.
    """

    def __init__(self, est: Estimates, loss: str = "paper", *, grad_weight: float = 1.0,
                 consistency_weight: float = 0.0, learn_floor: bool = False, prior=None,
                 prior_votes: float = 0.0, targets=None):
        if loss not in LOSSES:
            raise UserFacingError(f"training: no loss {loss!r} (known: {', '.join(LOSSES)})")
        self.loss, self.grad_weight, self.consistency_weight = loss, grad_weight, consistency_weight
        self.prior = None if prior is None else torch.as_tensor(prior, dtype=torch.float32)
        self.prior_votes = prior_votes
        self.x, self.d, self.g = (torch.as_tensor(a, dtype=torch.float32)
                                  for a in (est.x, est.d, est.grad))
        tensors = [self.x, self.d, self.g]
        if loss == "gp":
            if targets is None:
                raise UserFacingError("training: the gp loss needs the smoother's estimates")
            self.targets = tuple(torch.as_tensor(a, dtype=torch.float32) for a in targets)
            tensors += self.targets
            learn_floor = False
        if loss == "bernoulli":
            if est.points is None or not len(est.points):
                raise UserFacingError("training: the bernoulli loss needs the voted stimuli")
            self.points = tuple(torch.as_tensor(a, dtype=torch.float32)
                                for a in (est.points.z, est.points.accepts, est.points.votes))
            tensors += self.points
            # the double backward of consistency costs most of a step: a fixed, seeded subset
            # of at most CONSISTENCY_POINTS stimuli is enough to tie the heads together
            if len(est.points) > CONSISTENCY_POINTS:
                pick = np.random.default_rng(0).choice(len(est.points), CONSISTENCY_POINTS,
                                                       replace=False)
                self.points += (self.points[0][np.sort(pick)],)
        if not all(torch.isfinite(t).all() for t in tensors) or not math.isfinite(est.guess):
            raise TrainingDiverged("training: the estimates contain NaN or infinite values")
        start = min(max(est.guess, 0.005), 0.2) / FLOOR_MAX
        self.raw_floor = torch.tensor(math.log(start / (1 - start)), requires_grad=learn_floor)
        self._fixed_floor = None if learn_floor else min(est.guess, FLOOR_MAX)
        self._batches = torch.Generator().manual_seed(0)

    @property
    def floor(self) -> torch.Tensor | float:
        """g: the lapse floor (fixed, or learned in (0, FLOOR_MAX))."""
        if self._fixed_floor is not None:
            return self._fixed_floor
        return FLOOR_MAX * torch.sigmoid(self.raw_floor)

    def parameters(self) -> list[torch.Tensor]:
        return [self.raw_floor] if self._fixed_floor is None else []

    def _minibatch(self, tensors: tuple, size: int) -> tuple:
        """Rows of the same seeded draw of `size` from each, or all of them when there are at
        most BATCH: on large panels a minibatch a step keeps steps cheap."""
        if len(tensors[0]) <= BATCH:
            return tensors
        pick = torch.randint(len(tensors[0]), (size,), generator=self._batches)
        return tuple(t.index_select(0, pick) for t in tensors)  # t[pick], 3x quicker

    def __call__(self, net: ScoreNet) -> torch.Tensor:
        if self.loss == "paper":
            return hd_loss(net, self.x, self.d, self.g, self.grad_weight)
        if self.loss == "gp":
            return smoothed_loss(net, *self._minibatch(self.targets, BATCH),
                                 grad_weight=self.grad_weight)
        points = self._minibatch(self.points[:3], VOTE_BATCH) + self.points[3:]
        prior = self.prior
        if prior is not None and len(self.points[0]) > BATCH:
            # and of the prior's points the same share as of the voted stimuli
            share = max(1, round(len(prior) * VOTE_BATCH / len(self.points[0])))
            prior = prior.index_select(0, torch.randint(len(prior), (share,),
                                                        generator=self._batches))
        return bernoulli_loss(net, points, self.x, self.g, guess=self.floor,
                              grad_weight=self.grad_weight,
                              consistency_weight=self.consistency_weight, prior=prior,
                              prior_votes=self.prior_votes)


FLOOR_MAX = 0.25
CONSISTENCY_POINTS = 512
BATCH = 4096   # up to this many rows are used whole; of more, a minibatch of BATCH a step
# (loss gp), or of VOTE_BATCH voted stimuli (loss bernoulli): on paper-size panels 2048 gave the
# samples 4096 gave in two thirds of the time (docs/benchmarks.md)
VOTE_BATCH = 2048


def train(net: ScoreNet, est: Estimates, *, steps: int = 2000, lr: float = 3e-3,
          seed: int = 0, weight_decay: float = 0.0, grad_weight: float = 1.0, report_every: int = 50,
          diverge_factor: float = 100.0, loss: str = "paper", objective: Objective | None = None):
    """Full-batch Adam on the chosen loss; yields Progress every `report_every` steps (stop to cancel).

    A loss that turns NaN/inf, or grows past `diverge_factor` times the untrained loss, restores
    the last good weights (those of the last report) and raises TrainingDiverged. `loss` names a
    plain Objective; pass your own `objective` for the bernoulli loss's settings, or to read its
    learned floor afterwards.
    """
    torch.manual_seed(seed)
    loss_of = objective or Objective(est, loss, grad_weight=grad_weight)
    weights = _one_tensor(list(net.parameters()))
    opt = Adam([(weights, weight_decay)] + [(p, 0.0) for p in loss_of.parameters()], lr=lr)
    good, good_step, first = copy.deepcopy(net.state_dict()), 0, None
    for step in range(1, steps + 1):
        weights.grad.zero_()
        for p in loss_of.parameters():
            p.grad = None
        loss = loss_of(net)
        value = float(loss.detach())
        first = value if first is None else first
        if not math.isfinite(value) or value > diverge_factor * max(first, 1e-6):
            net.load_state_dict(good)
            what = "turned NaN" if not math.isfinite(value) else f"diverged to {value:.3g}"
            raise TrainingDiverged(
                f"training: the loss {what} at step {step}; kept the model of step {good_step}. "
                f"Try a smaller learning rate.")
        report = step % report_every == 0 or step == steps
        if report:  # these weights gave a finite, sane loss: the model to fall back on
            good, good_step = copy.deepcopy(net.state_dict()), step
        loss.backward()
        opt.step()
        if report:
            yield Progress(step, total=steps, info={"loss": value})


class Adam:
    """torch.optim.Adam's arithmetic (its single-tensor path for CPU tensors, to the last bit;
    tests/test_engine_model.py), with an L2 weight decay per parameter, without torch.optim:
    an optimiser's first step there imports the TorchDynamo compiler, 2-3 s that every model
    update paid (each runs in a fresh process) for a compiler the engine never uses."""

    def __init__(self, params: list[tuple[torch.Tensor, float]], lr: float,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        self.state = [(p, decay, torch.zeros_like(p), torch.zeros_like(p)) for p, decay in params]
        self.lr, (self.beta1, self.beta2), self.eps, self.steps = lr, betas, eps, 0

    @torch.no_grad()
    def step(self) -> None:
        self.steps += 1
        step = float(self.steps)
        step_size = self.lr / (1 - self.beta1 ** step)
        bias2_sqrt = (1 - self.beta2 ** step) ** 0.5
        for p, decay, mean, square in self.state:
            if p.grad is None:
                continue
            grad = p.grad.add(p, alpha=decay) if decay else p.grad
            mean.lerp_(grad, 1 - self.beta1)
            square.mul_(self.beta2).addcmul_(grad, grad, value=1 - self.beta2)
            p.addcdiv_(mean, (square.sqrt() / bias2_sqrt).add_(self.eps), value=-step_size)


def _one_tensor(params: list[torch.Tensor]) -> torch.Tensor:
    """One leaf tensor whose slices the parameters (and their gradients) become.

    Adam then updates the network's ~4500 weights in one pass instead of one per layer tensor
    (the per-tensor overhead was most of a step's optimiser time); each weight sees the same
    arithmetic, so training gives the same network to the last bit.
    """
    flat = torch.cat([p.detach().reshape(-1) for p in params]).requires_grad_(True)
    flat.grad = torch.zeros_like(flat)
    start = 0
    for p in params:
        n = p.numel()
        p.data = flat.data[start:start + n].view_as(p)
        p.grad = flat.grad[start:start + n].view_as(p)
        start += n
    return flat


def init_network(k: int, *, width: int = 64, activation: str = "silu", seed: int = 0,
                 envelope: bool = False) -> ScoreNet:
    """A freshly initialised network, seeded."""
    torch.manual_seed(seed)
    return ScoreNet(k, width, activation, envelope)


def run_training(net, est, **kw) -> float:
    """Train to the end without progress; returns the last loss."""
    last = float("nan")
    for p in train(net, est, **kw):
        last = p.info["loss"]
    return last


def predict(net: ScoreNet, z) -> tuple[np.ndarray, np.ndarray]:
    """S_D and S_VD at points z (numpy in, numpy out)."""
    with torch.no_grad():
        s_d, s_vd = net(torch.as_tensor(np.asarray(z), dtype=torch.float32))
    return s_d.numpy().astype(np.float64), s_vd.numpy().astype(np.float64)
