"""The layers of LeCun et al. (1998) that PyTorch does not have: the scaled tanh, trainable
subsampling, a convolution restricted by a connection table (C3), and the RBF output layer."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["RBFOutput", "ScaledTanh", "SparseConv2d", "Subsampling"]


class ScaledTanh(nn.Module):
    """LeCun's squashing function f(a) = A tanh(S a) with A = 1.7159, S = 2/3."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 1.7159 * torch.tanh(x * (2.0 / 3.0))


class Subsampling(nn.Module):
    """LeNet's S-layers: the sum of each 2x2 block times a trainable coefficient, plus a
    trainable bias, one pair per feature map (2 parameters per map)."""

    def __init__(self, channels: int, kernel_size: int = 2):
        super().__init__()
        self.kernel_size = kernel_size
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        k = self.kernel_size
        pooled = F.avg_pool2d(x, k) * (k * k)
        return pooled * self.weight.view(1, -1, 1, 1) + self.bias.view(1, -1, 1, 1)


class SparseConv2d(nn.Conv2d):
    """A convolution whose input-output channel pairs follow a fixed connection ``table``
    (shape in_channels x out_channels); unconnected weights are held at zero and are not
    counted as parameters by :func:`~dlsg_utils.models.count_connections` / ``trainable_parameters``."""

    def __init__(self, table: np.ndarray, kernel_size: int):
        table = np.asarray(table, dtype=bool)
        super().__init__(table.shape[0], table.shape[1], kernel_size)
        mask = torch.from_numpy(table.T.copy()).float()[:, :, None, None]
        self.register_buffer("mask", mask.expand_as(self.weight).clone())
        with torch.no_grad():
            fan_in = mask.sum(dim=1).view(-1, 1, 1, 1) * kernel_size * kernel_size
            # The constant 2.4 of LeCun et al. (1998), Appendix A, over the square root of the
            # connected fan-in, as PyTorch scales its default; the paper divides by the fan-in.
            bound = 2.4 / fan_in.sqrt()
            self.weight.uniform_(-1, 1).mul_(bound).mul_(self.mask)
            self.bias.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._conv_forward(x, self.weight * self.mask, self.bias)

    def trainable_parameters(self) -> int:
        return int(self.mask.sum()) + self.out_channels


class RBFOutput(nn.Module):
    """LeNet's output layer: class score = -||x - c_k||^2 for fixed codes c_k in {-1, +1}^84.

    The paper drew the codes as 7x12 bitmaps of the characters; these are fixed random +-1
    codes (seeded), which serve the same purpose: they are not trained.
    """

    def __init__(self, in_features: int = 84, num_classes: int = 10, seed: int = 1998):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        codes = torch.randint(0, 2, (num_classes, in_features), generator=g).float() * 2 - 1
        self.register_buffer("codes", codes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return -torch.cdist(x, self.codes).pow(2)
