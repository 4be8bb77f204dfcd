"""The networks the reference runs train, each behind a fixed standardisation layer, so that a
saved state holds everything needed to classify [0, 1] images."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

__all__ = ["BUILDERS", "Standardize", "build", "shrink"]


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


def _ch14() -> nn.Module:
    """Chapter 14's network: conv 32x5x5 - pool - conv 64x3x3 - pool - conv 128x3x3 - pool -
    linear 2,048 -> 10 (ReLU after each convolution), conv1 drawn from N(0, 0.01^2) as AlexNet
    drew its weights, the rest PyTorch's default. Its standardisation is the wrapper's."""
    from collections import OrderedDict

    net = nn.Sequential(OrderedDict(
        conv1=nn.Conv2d(3, 32, 5, padding=2), relu1=nn.ReLU(), pool1=nn.MaxPool2d(2),
        conv2=nn.Conv2d(32, 64, 3, padding=1), relu2=nn.ReLU(), pool2=nn.MaxPool2d(2),
        conv3=nn.Conv2d(64, 128, 3, padding=1), relu3=nn.ReLU(), pool3=nn.MaxPool2d(2),
        flatten=nn.Flatten(), fc=nn.Linear(128 * 4 * 4, 10)))
    nn.init.normal_(net.conv1.weight, 0.0, 0.01)
    nn.init.zeros_(net.conv1.bias)
    return net


def _four_layer(activation: str = "relu", widths=(32, 32, 64), init: str = "gauss") -> nn.Module:
    """A four-layer network for Krizhevsky et al.'s Figure 1 (the paper gives four layers and no
    widths): three 5x5 convolutions (``widths``) each followed by the activation and a 3x3
    max-pool with stride 2, then a linear layer to 10 classes.
    ``init="gauss"``: every weight from N(0, 0.01^2), biases 0 (AlexNet's section 5);
    ``"default"``: PyTorch's."""
    act = {"relu": nn.ReLU, "tanh": nn.Tanh}[activation]
    c1, c2, c3 = widths
    net = nn.Sequential(
        nn.Conv2d(3, c1, 5, padding=2), act(), nn.MaxPool2d(3, 2, padding=1),    # 16x16
        nn.Conv2d(c1, c2, 5, padding=2), act(), nn.MaxPool2d(3, 2, padding=1),   # 8x8
        nn.Conv2d(c2, c3, 5, padding=2), act(), nn.MaxPool2d(3, 2, padding=1),   # 4x4
        nn.Flatten(), nn.Linear(c3 * 16, 10))
    if init == "gauss":
        for m in net.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.normal_(m.weight, 0.0, 0.01)
                nn.init.zeros_(m.bias)
    elif init != "default":
        raise ValueError(f"init must be 'gauss' or 'default', got {init!r}")
    return net


def _mini_alexnet(**kw) -> nn.Module:
    from ..models import MiniAlexNet, init_he

    return init_he(MiniAlexNet(**kw))


BUILDERS: dict[str, Callable[..., nn.Module]] = {
    "resnet": _resnet,
    "plain": _plain,
    "ch14": _ch14,
    "four_layer": _four_layer,
    "mini_alexnet": _mini_alexnet,
}
"""Model name (a :class:`~dlsg_utils.reference.RunSpec`'s ``model``) -> builder(**model_kw)."""


def shrink(X: torch.Tensor, factor: int) -> torch.Tensor:
    """Images ``factor`` times smaller on each side, each pixel the mean of a factor x factor
    block rounded to a whole 8-bit level: uint8 in, uint8 out; [0, 1] floats (uint8 / 255, as
    :func:`dlsg_utils.data.load_cifar10` returns them) in, the same floats out."""
    if factor == 1:
        return X
    as_float = X.is_floating_point()
    x = (X * 255).round() if as_float else X.double()
    x = torch.nn.functional.avg_pool2d(x.double(), factor).round()
    return (x / 255).to(X.dtype) if as_float else x.to(torch.uint8)


def build(model: str, model_kw: dict | None = None) -> nn.Sequential:
    """``nn.Sequential(Standardize(), network)``: the network named ``model`` built with
    ``model_kw``, behind a standardisation layer (identity until its statistics are set)."""
    if model not in BUILDERS:
        raise ValueError(f"unknown reference model {model!r}; expected one of {sorted(BUILDERS)}")
    return nn.Sequential(Standardize(), BUILDERS[model](**(model_kw or {})))
