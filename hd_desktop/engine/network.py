"""The score network of docs/design.md 1.5: three fully connected layers with heads S_D and S_VD."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

ACTIVATIONS = {"silu": nn.SiLU, "tanh": nn.Tanh, "relu": nn.ReLU, "elu": nn.ELU}
_FUNCTIONS = {"silu": F.silu, "tanh": torch.tanh, "relu": F.relu, "elu": F.elu}  # the same maps


class ScoreNet(nn.Module):
    """z -> (S_D(z), S_VD(z)); S_D goes through a sigmoid because D is a probability.

    With `envelope`, the S_D logit also falls off as -1/2 sum_i a_i (z_i - c_i)^2 (a, c learned):
    where no votes were gathered the network would extrapolate its logit linearly and could
    grow without bound, so acceptance far from every voice would be a guess. The envelope
    makes it fall to 0 far away (voices far from all real ones are rejected), while the layers
    shape it freely where the votes are: two lobes or an arc as well as an ellipse.
    """

    def __init__(self, k: int, width: int = 64, activation: str = "silu", envelope: bool = False):
        super().__init__()
        act = ACTIVATIONS[activation]
        self.k, self.width, self.activation, self.envelope = k, width, activation, envelope
        self.trunk = nn.Sequential(nn.Linear(k, width), act(), nn.Linear(width, width), act())
        self.head = nn.Linear(width, 1 + k)  # third layer: [S_D logit, S_VD]
        if envelope:  # starts wide (SD 3 along every axis) around the real voices' mean
            self.log_a = nn.Parameter(torch.full((k,), -2.0 * math.log(3.0)))
            self.c = nn.Parameter(torch.zeros(k))

    def logit(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The S_D logit and S_VD."""
        # the layers' own functions, not their modules: the sampler calls this 10000 times a
        # round on small batches, where a module call costs as much as its arithmetic
        first, _, second, _ = self.trunk
        act = _FUNCTIONS[self.activation]
        h = act(F.linear(act(F.linear(z, first.weight, first.bias)), second.weight, second.bias))
        out = F.linear(h, self.head.weight, self.head.bias)
        logit = out[:, 0]
        if self.envelope:
            logit = logit - 0.5 * (torch.exp(self.log_a) * (z - self.c) ** 2).sum(dim=1)
        return logit, out[:, 1:]

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        logit, s_vd = self.logit(z)
        return torch.sigmoid(logit), s_vd

    def config(self) -> dict:
        return {"k": self.k, "width": self.width, "activation": self.activation,
                "envelope": self.envelope}


def score_field(net: ScoreNet, d_floor: float = 0.05):
    """z -> (S_D, S_VD / max(S_D, d_floor)): the guarded score of docs/design.md 1.6."""

    def field(z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        s_d, s_vd = net(z)
        return s_d, s_vd / s_d.clamp_min(d_floor)[:, None]

    return field


def save_checkpoint(net: ScoreNet, path, **extra) -> None:
    """Weights + architecture + whatever the caller records (schema 1)."""
    torch.save({"schema": 1, "config": net.config(), "state": net.state_dict(), **extra}, path)


def load_checkpoint(path) -> tuple[ScoreNet, dict]:
    """The network from a checkpoint, and the rest of what was saved."""
    data = torch.load(path, map_location="cpu", weights_only=False)
    if data.get("schema") != 1:
        from hd_desktop.errors import UserFacingError
        raise UserFacingError(f"{path}: checkpoint schema {data.get('schema')!r} is not supported")
    net = ScoreNet(**data["config"])
    net.load_state_dict(data["state"])
    return net, data
