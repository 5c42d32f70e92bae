"""Training the score network on every estimate so far (DESIGN.md 1.5), as a generator of progress."""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np
import torch

from hd_desktop.engine.estimates import Estimates
from hd_desktop.engine.network import ScoreNet
from hd_desktop.errors import UserFacingError


class TrainingDiverged(UserFacingError):
    """The loss turned NaN or blew up; the network holds the last good weights."""


@dataclass(frozen=True)
class Progress:
    step: int
    steps: int
    loss: float


def hd_loss(net: ScoreNet, z, d, grad, grad_weight: float = 1.0) -> torch.Tensor:
    """L = mean_n w |S_VD(x_n) - grad D(x_n)|^2 + |S_D(x_n) - D(x_n)|^2 (the poster's sum with w = 1)."""
    s_d, s_vd = net(z)
    return grad_weight * ((s_vd - grad) ** 2).sum(dim=1).mean() + ((s_d - d) ** 2).mean()


def train(net: ScoreNet, est: Estimates, *, steps: int = 2000, lr: float = 3e-3,
          seed: int = 0, weight_decay: float = 0.0, grad_weight: float = 1.0, report_every: int = 50,
          diverge_factor: float = 100.0):
    """Full-batch Adam on hd_loss; yields Progress every `report_every` steps (stop iterating to cancel).

    A loss that turns NaN/inf, or grows past `diverge_factor` times the untrained loss, restores
    the last good weights (those of the last report) and raises TrainingDiverged.
    """
    torch.manual_seed(seed)
    z = torch.as_tensor(est.x, dtype=torch.float32)
    d = torch.as_tensor(est.d, dtype=torch.float32)
    g = torch.as_tensor(est.grad, dtype=torch.float32)
    if not (torch.isfinite(z).all() and torch.isfinite(d).all() and torch.isfinite(g).all()):
        raise TrainingDiverged("training: the estimates contain NaN or infinite values")
    opt = torch.optim.Adam(net.parameters(), lr=lr, weight_decay=weight_decay)
    good, good_step, first = copy.deepcopy(net.state_dict()), 0, None
    for step in range(1, steps + 1):
        opt.zero_grad()
        loss = hd_loss(net, z, d, g, grad_weight)
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
            yield Progress(step, steps, value)


def init_network(k: int, *, width: int = 64, activation: str = "silu", seed: int = 0) -> ScoreNet:
    """A freshly initialised network, seeded."""
    torch.manual_seed(seed)
    return ScoreNet(k, width, activation)


def run_training(net, est, **kw) -> float:
    """Train to the end without progress; returns the last loss."""
    last = float("nan")
    for p in train(net, est, **kw):
        last = p.loss
    return last


def predict(net: ScoreNet, z) -> tuple[np.ndarray, np.ndarray]:
    """S_D and S_VD at points z (numpy in, numpy out)."""
    with torch.no_grad():
        s_d, s_vd = net(torch.as_tensor(np.asarray(z), dtype=torch.float32))
    return s_d.numpy().astype(np.float64), s_vd.numpy().astype(np.float64)
