"""The score network of DESIGN.md 1.5: three fully connected layers with heads S_D and S_VD."""

from __future__ import annotations

import torch
from torch import nn

ACTIVATIONS = {"silu": nn.SiLU, "tanh": nn.Tanh, "relu": nn.ReLU, "elu": nn.ELU}


class ScoreNet(nn.Module):
    """z -> (S_D(z), S_VD(z)); S_D goes through a sigmoid because D is a probability."""

    def __init__(self, k: int, width: int = 64, activation: str = "silu"):
        super().__init__()
        act = ACTIVATIONS[activation]
        self.k, self.width, self.activation = k, width, activation
        self.trunk = nn.Sequential(nn.Linear(k, width), act(), nn.Linear(width, width), act())
        self.head = nn.Linear(width, 1 + k)  # third layer: [S_D logit, S_VD]

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = self.head(self.trunk(z))
        return torch.sigmoid(out[:, 0]), out[:, 1:]

    def config(self) -> dict:
        return {"k": self.k, "width": self.width, "activation": self.activation}


def score_field(net: ScoreNet, d_floor: float = 0.05):
    """z -> (S_D, S_VD / max(S_D, d_floor)): the guarded score of DESIGN.md 1.6."""

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
