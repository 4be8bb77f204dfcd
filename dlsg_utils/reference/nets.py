"""The networks the reference runs train, each behind a fixed standardisation layer, so that a
saved state holds everything needed to classify [0, 1] images."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

__all__ = ["BUILDERS", "Standardize", "build"]


class Standardize(nn.Module):
    """(x − mean) / std per channel, with ``mean`` and ``std`` stored as buffers (part of the
    state, never trained): the training set's statistics travel with the weights."""

    def __init__(self, channels: int = 3):
        super().__init__()
        self.register_buffer("mean", torch.zeros(channels))
        self.register_buffer("std", torch.ones(channels))

    def set(self, mean, std) -> Standardize:
        """Store the per-channel ``mean`` and ``std`` (sequences of ``channels`` numbers)."""
        mean = torch.as_tensor(mean, dtype=self.mean.dtype)
        std = torch.as_tensor(std, dtype=self.std.dtype)
        if mean.shape != self.mean.shape or std.shape != self.std.shape or (std <= 0).any():
            raise ValueError(f"mean and std need {len(self.mean)} numbers each, std > 0")
        self.mean.copy_(mean)
        self.std.copy_(std)
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean[:, None, None]) / self.std[:, None, None]


def _resnet(depth: int = 20, width: int = 16, shortcut: str = "A") -> nn.Module:
    from ..models import ResNetCIFAR

    return ResNetCIFAR(depth, shortcut, width=width)


def _plain(depth: int = 20, width: int = 16) -> nn.Module:
    from ..models import PlainCIFAR

    return PlainCIFAR(depth, width=width)


BUILDERS: dict[str, Callable[..., nn.Module]] = {
    "resnet": _resnet,
    "plain": _plain,
}
"""Model name (a :class:`~dlsg_utils.reference.RunSpec`'s ``model``) -> builder(**model_kw)."""


def build(model: str, model_kw: dict | None = None) -> nn.Sequential:
    """``nn.Sequential(Standardize(), network)``: the network named ``model`` built with
    ``model_kw``, behind a standardisation layer (identity until its statistics are set)."""
    if model not in BUILDERS:
        raise ValueError(f"unknown reference model {model!r}; expected one of {sorted(BUILDERS)}")
    return nn.Sequential(Standardize(), BUILDERS[model](**(model_kw or {})))
