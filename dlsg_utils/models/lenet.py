"""LeNet-5 (LeCun et al. 1998), modern and classic (chapter 11)."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..checks import check_int
from .blocks import RBFOutput, ScaledTanh, SparseConv2d, Subsampling

__all__ = ["LECUN_C3_TABLE", "LeNet5"]


# --------------------------------------------------------------------------------------------
# LeNet-5
# --------------------------------------------------------------------------------------------

LECUN_C3_TABLE = np.array([
    # columns: the 16 feature maps of C3; rows: the 6 maps of S2 (LeCun et al. 1998, Table I)
    [1, 0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 1, 1],
    [1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 1],
    [1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 1, 0, 1, 1, 1],
    [0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 1, 0, 1, 1],
    [0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 1, 1, 0, 1],
    [0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 1, 1, 1],
], dtype=bool)
"""Which S2 maps feed which C3 map in the 1998 paper (6 x 16, 60 connections)."""


class LeNet5(nn.Module):
    """LeNet-5 for 10-class digit images.

    ``variant="modern"`` expects (N, 1, 28, 28): conv 5x5 (6, padding 2) - ReLU - max-pool -
    conv 5x5 (16) - ReLU - max-pool - 120 - 84 - ``num_classes``. 61,706 parameters.

    ``variant="classic"`` expects (N, 1, 32, 32) (the paper padded the 28x28 digits to 32x32):
    C1 conv 5x5 (6) - S2 subsampling - C3 sparse conv (16, Table I) - S4 subsampling - C5 conv
    5x5 (120) - F6 (84) - RBF output, with the scaled tanh after C1, S2, C3, S4, C5 and F6.
    60,000 trainable parameters. Its outputs are scores (higher is better), so
    cross-entropy on them trains it (the paper used a different, RBF-specific loss).
    """

    def __init__(self, variant: str = "modern", num_classes: int = 10, in_channels: int = 1):
        super().__init__()
        if variant not in ("modern", "classic"):
            raise ValueError(f"variant must be 'modern' or 'classic', got {variant!r}")
        check_int("num_classes", num_classes, min=1)
        check_int("in_channels", in_channels, min=1)
        self.variant = variant
        if variant == "modern":
            self.features = nn.Sequential(
                nn.Conv2d(in_channels, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
            )
            self.classifier = nn.Sequential(
                nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
                nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, num_classes),
            )
            self.input_shape = (in_channels, 28, 28)
        else:
            if in_channels != 1:
                raise ValueError("the classic LeNet-5 has one input channel "
                                 f"(its C3 table assumes it), got in_channels={in_channels}")
            self.features = nn.Sequential(
                nn.Conv2d(1, 6, 5), ScaledTanh(),             # C1: 6@28x28
                Subsampling(6), ScaledTanh(),                 # S2: 6@14x14
                SparseConv2d(LECUN_C3_TABLE, 5), ScaledTanh(),  # C3: 16@10x10
                Subsampling(16), ScaledTanh(),                # S4: 16@5x5
                nn.Conv2d(16, 120, 5), ScaledTanh(),          # C5: 120@1x1
            )
            self.classifier = nn.Sequential(
                nn.Flatten(), nn.Linear(120, 84), ScaledTanh(),  # F6
                RBFOutput(84, num_classes),
            )
            self.input_shape = (1, 32, 32)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        expected = self.input_shape
        if x.ndim != 4 or tuple(x.shape[1:]) != expected:
            raise ValueError(f"LeNet5(variant={self.variant!r}) expects input of shape "
                             f"(N, {expected[0]}, {expected[1]}, {expected[2]}), "
                             f"got {tuple(x.shape)}")
        return self.classifier(self.features(x))

    def trainable_parameters(self) -> int:
        """Parameters the paper counts: free weights only (C3's absent connections excluded)."""
        total = 0
        for m in self.modules():
            if isinstance(m, SparseConv2d):
                total += m.trainable_parameters()
            elif not list(m.children()) and not isinstance(m, SparseConv2d):
                total += sum(p.numel() for p in m.parameters(recurse=False))
        return total
