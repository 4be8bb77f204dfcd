"""The networks of Part II: LeNet-5, AlexNet, the CIFAR ResNets and their plain twins.

* :class:`LeNet5` -- ``variant="modern"`` (ReLU, max-pooling, 6-16-120-84-10, padding 2 on
  28x28 inputs: 61,706 parameters) or ``variant="classic"`` (LeCun et al. 1998: scaled tanh,
  trainable average-pool "subsampling", the sparse C3 connection table, 32x32 inputs and an
  RBF output layer with fixed codes: 60,000 trainable parameters, 340,908 connections).
* :class:`AlexNet` -- ``variant="single"`` (one tower, 64-192-384-256-256 filters on 224x224
  with padding 2 in conv1, 61,100,840 parameters: torchvision's layout, whose conv4 width of 256
  comes from the single-GPU configuration of Krizhevsky's cuda-convnet2, not from "One weird
  trick" (2014), whose one-column model has 64-192-384-384-256) or ``variant="paper"``
  (Krizhevsky et al. 2012: 96-256-384-384-256 filters, two-tower grouped convolutions, local
  response normalisation, 227x227 inputs: 60,965,224 parameters).
* :class:`MiniAlexNet` -- the same recipe (five convolutions, overlapping max-pooling, ReLU,
  dropout, optional LRN) sized for 32x32 images and a CPU.
* :class:`ResNetCIFAR` and :class:`PlainCIFAR` -- He et al. (2015), section 4.2: 6n+2 layers,
  16/32/64 filters on 32/16/8 maps, with shortcut option A (identity, zero-padded channels) or
  B (1x1 projections where the shape changes); the plain net is the same stack without
  shortcuts. :class:`PreActBlock` -- the pre-activation unit of He et al. (2016);
  :class:`Bottleneck` -- the 1x1-3x3-1x1 block of the ImageNet ResNet-50/101/152.
* :func:`summary` -- a per-layer table (output shape, parameters, multiply-accumulates)
  computed by torchinfo; :func:`count_connections` -- LeCun's "connections";
  :func:`draw_architecture` -- a figure of the feature maps of any of these networks.
"""

from __future__ import annotations

import math
import re

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .checks import check_int, check_real

__all__ = [
    "AlexNet",
    "BasicBlock",
    "Bottleneck",
    "LeNet5",
    "LECUN_C3_TABLE",
    "MiniAlexNet",
    "PlainCIFAR",
    "PreActBlock",
    "ResNetCIFAR",
    "count_connections",
    "count_parameters",
    "draw_architecture",
    "feature_layers",
    "init_he",
    "summary",
]


def count_parameters(model: nn.Module, trainable_only: bool = True) -> int:
    """Number of (trainable) parameters: ``sum(p.numel())``."""
    _check_module(model)
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def _check_module(model: object) -> None:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch nn.Module, got {type(model).__name__}")


def _example_shape(input_shape) -> tuple[int, ...]:
    """One example's shape, e.g. (1, 28, 28), as a tuple of positive ints."""
    try:
        shape = tuple(int(s) for s in input_shape)
    except (TypeError, ValueError):
        raise TypeError(f"input_shape must be a tuple of ints like (1, 28, 28), got "
                        f"{input_shape!r}") from None
    if not shape or any(s < 1 for s in shape):
        raise ValueError(f"input_shape must be one example's shape like (1, 28, 28), "
                         f"got {input_shape!r}")
    return shape


def _probe(model: nn.Module, input_shape) -> None:
    """One forward pass of a batch of one zero example, on the model's device, in eval mode and
    without gradients; the model's mode is restored. A shape the model cannot take is a
    ValueError naming input_shape."""
    _check_module(model)
    shape = _example_shape(input_shape)
    param = next(model.parameters(), None)
    dev = param.device if param is not None else torch.device("cpu")
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            model(torch.zeros(1, *shape, device=dev))
    except RuntimeError as err:
        raise ValueError(f"input_shape {shape} does not fit {type(model).__name__}: "
                         f"{err}") from None
    finally:
        model.train(was_training)


def init_he(model: nn.Module) -> nn.Module:
    """He et al. (2015) initialisation for ReLU networks, in place: every ``Conv2d`` and
    ``Linear`` weight drawn from N(0, 2 / fan_in), every bias set to 0. Returns ``model``.

    With it the variance of the activations stays about the same from layer to layer of a ReLU
    stack; PyTorch's default (uniform with variance 1 / (3 fan_in)) divides it by about 6 per
    layer, so that in a freshly built :class:`MiniAlexNet` the input of the last ReLU is more
    than a hundred times smaller than that of the first (tests/test_models.py). (AlexNet itself used N(0, 0.01²) weights and biases of 1 in some
    layers; He et al.'s rule came three years later.)
    """
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    return model


def _activation(name: str) -> nn.Module:
    acts = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}
    if name not in acts:
        raise ValueError(f"activation must be one of {sorted(acts)}, got {name!r}")
    return acts[name]()


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
    counted as parameters by :func:`count_connections` / ``trainable_parameters``."""

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


# --------------------------------------------------------------------------------------------
# AlexNet
# --------------------------------------------------------------------------------------------


def _paper_lrn() -> nn.LocalResponseNorm:
    """Krizhevsky et al.'s normalisation (n = 5, k = 2, alpha = 1e-4, beta = 0.75).

    torch divides alpha by n (``b = a / (k + alpha/n * sum a^2)^beta``), the paper does not, so
    the paper's alpha = 1e-4 is torch's ``alpha = 5e-4``.
    """
    return nn.LocalResponseNorm(5, alpha=5 * 1e-4, beta=0.75, k=2.0)



class AlexNet(nn.Module):
    """AlexNet (Krizhevsky, Sutskever and Hinton 2012) for 1000 ImageNet classes.

    ``variant="single"`` (default): one tower, 64-192-384-256-256 filters, padding 2 in conv1,
    input (N, 3, 224, 224), an adaptive average pool to 6x6 before the classifier, no LRN;
    61,100,840 parameters. This is torchvision's AlexNet. Its widths are often credited to
    Krizhevsky's "One weird trick" (2014), but that paper's one-column model has
    64-192-384-384-256 filters; the 256 of conv4 comes from the single-GPU configuration of
    cuda-convnet2 (``layers-imagenet-1gpu.cfg``), by way of a Torch re-implementation.
    ``variant="paper"``: 96-256-384-384-256 filters, conv2/4/5 split over two towers
    (``groups=2``), local response normalisation after conv1 and conv2, input (N, 3, 227, 227)
    with no padding (the paper says 224; its code, cuda-convnet, rounds the number of window
    positions up, 1 + ceil((224 - 11)/4) = 55, where PyTorch rounds down, so 227-230 give the
    paper's 55x55 maps here); 60,965,224 parameters. Both: overlapping 3x3 max-pooling with stride 2, ReLU, and dropout
    0.5 on the inputs of the two hidden fully connected layers of 4,096 units (torchvision's
    placement; the paper says only that dropout is used "in the first two fully-connected
    layers").
    """

    def __init__(self, num_classes: int = 1000, variant: str = "single", dropout: float = 0.5):
        super().__init__()
        if variant not in ("single", "paper"):
            raise ValueError(f"variant must be 'single' or 'paper', got {variant!r}")
        check_int("num_classes", num_classes, min=1)
        check_real("dropout", dropout, min=0, max=1, max_open=True)
        self.variant = variant
        if variant == "single":
            c, groups, lrn = (64, 192, 384, 256, 256), 1, False
            first = nn.Conv2d(3, c[0], 11, stride=4, padding=2)
        else:
            c, groups, lrn = (96, 256, 384, 384, 256), 2, True
            first = nn.Conv2d(3, c[0], 11, stride=4)

        def norm():
            return [_paper_lrn()] if lrn else []

        self.features = nn.Sequential(
            first, nn.ReLU(inplace=True), *norm(), nn.MaxPool2d(3, 2),
            nn.Conv2d(c[0], c[1], 5, padding=2, groups=groups), nn.ReLU(inplace=True),
            *norm(), nn.MaxPool2d(3, 2),
            nn.Conv2d(c[1], c[2], 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(c[2], c[3], 3, padding=1, groups=groups), nn.ReLU(inplace=True),
            nn.Conv2d(c[3], c[4], 3, padding=1, groups=groups), nn.ReLU(inplace=True),
            nn.MaxPool2d(3, 2),
        )
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(dropout), nn.Linear(c[4] * 36, 4096), nn.ReLU(inplace=True),
            nn.Dropout(dropout), nn.Linear(4096, 4096), nn.ReLU(inplace=True),
            nn.Linear(4096, num_classes),
        )
        self.input_shape = (3, 224, 224) if variant == "single" else (3, 227, 227)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


class MiniAlexNet(nn.Module):
    """AlexNet's recipe for 32x32 images on a CPU.

    Five 3x3/5x5 convolutions with ``widths`` filters, overlapping max-pooling (3x3, stride 2)
    after the first, second and fifth, two hidden fully connected layers of ``hidden`` units
    with dropout ``dropout`` before each, ``activation`` ("relu" or "tanh") everywhere and
    optional local response normalisation (``lrn=True``) after the first two convolutions.
    ``overlap=False`` pools 2x2 with stride 2 instead (the "non-overlapping" comparison).
    Input (N, ``in_channels``, 32, 32).
    """

    def __init__(self, num_classes: int = 10, in_channels: int = 3, *,
                 widths: tuple[int, int, int, int, int] = (32, 64, 96, 96, 64),
                 hidden: int = 256, dropout: float = 0.5, activation: str = "relu",
                 lrn: bool = False, overlap: bool = True):
        super().__init__()
        if len(widths) != 5:
            raise ValueError(f"widths must name 5 convolution widths, got {widths!r}")
        for w in widths:
            check_int("widths", w, min=1)
        check_real("dropout", dropout, min=0, max=1, max_open=True)
        check_int("num_classes", num_classes, min=1)
        check_int("hidden", hidden, min=1)
        c = widths

        def pool():
            return nn.MaxPool2d(3, 2, padding=1) if overlap else nn.MaxPool2d(2, 2)

        def norm():
            return [_paper_lrn()] if lrn else []

        act = lambda: _activation(activation)  # noqa: E731
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, c[0], 5, padding=2), act(), *norm(), pool(),   # 16x16
            nn.Conv2d(c[0], c[1], 5, padding=2), act(), *norm(), pool(),          # 8x8
            nn.Conv2d(c[1], c[2], 3, padding=1), act(),
            nn.Conv2d(c[2], c[3], 3, padding=1), act(),
            nn.Conv2d(c[3], c[4], 3, padding=1), act(), pool(),                   # 4x4
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Dropout(dropout), nn.Linear(c[4] * 16, hidden), act(),
            nn.Dropout(dropout), nn.Linear(hidden, hidden), act(),
            nn.Linear(hidden, num_classes),
        )
        self.input_shape = (in_channels, 32, 32)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


# --------------------------------------------------------------------------------------------
# ResNets for CIFAR-10 (He et al. 2015, section 4.2)
# --------------------------------------------------------------------------------------------


class _PadShortcut(nn.Module):
    """Option A: keep every ``stride``-th pixel and append zero channels (no parameters)."""

    def __init__(self, in_channels: int, out_channels: int, stride: int):
        super().__init__()
        self.extra, self.stride = out_channels - in_channels, stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x[:, :, ::self.stride, ::self.stride]
        return F.pad(x, (0, 0, 0, 0, self.extra // 2, self.extra - self.extra // 2))


class BasicBlock(nn.Module):
    """Two 3x3 conv-BN layers; with a shortcut the output is relu(F(x) + shortcut(x)).

    ``shortcut``: "A" (identity; where the shape changes, subsample and zero-pad channels),
    "B" (identity; where the shape changes, a 1x1 convolution with batch norm) or None (a plain
    block: relu(F(x))).
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1,
                 shortcut: str | None = "A"):
        super().__init__()
        if shortcut not in ("A", "B", None):
            raise ValueError(f"shortcut must be 'A', 'B' or None, got {shortcut!r}")
        check_int("in_channels", in_channels, min=1)
        check_int("out_channels", out_channels, min=1)
        check_int("stride", stride, min=1)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.kind = shortcut
        changes = stride != 1 or in_channels != out_channels
        if shortcut is None:
            self.shortcut = None
        elif not changes:
            self.shortcut = nn.Identity()
        elif shortcut == "A":
            self.shortcut = _PadShortcut(in_channels, out_channels, stride)
        else:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride, bias=False),
                nn.BatchNorm2d(out_channels))

    def residual(self, x: torch.Tensor) -> torch.Tensor:
        """F(x): the part the block learns."""
        return self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.residual(x)
        if self.shortcut is not None:
            out = out + self.shortcut(x)
        return F.relu(out)


class PreActBlock(nn.Module):
    """The "pre-activation" residual unit of He et al. (2016), "Identity mappings in deep
    residual networks", Fig. 1(b): x_{l+1} = x_l + F(x_l) with
    F(x) = W_2 * ReLU(BN(W_1 * ReLU(BN(x)))) and nothing after the addition, so that a stack
    of them obeys eq. (4) exactly: x_L = x_l + sum_i F(x_i).

    Same shape in and out (``channels``, stride 1): the unit of chapter 13's identity-mapping
    check. ``shortcut=False`` gives the plain unit x_{l+1} = F(x_l) with the same layers.
    """

    def __init__(self, channels: int, shortcut: bool = True):
        super().__init__()
        if isinstance(channels, bool) or not isinstance(channels, int) or channels < 1:
            raise ValueError(f"channels must be a positive int, got {channels!r}")
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv1 = nn.Conv2d(channels, channels, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, 1, 1, bias=False)
        self.shortcut = bool(shortcut)
        for conv in (self.conv1, self.conv2):  # the CIFAR ResNets' initialisation (He et al.)
            nn.init.kaiming_normal_(conv.weight, mode="fan_out", nonlinearity="relu")

    def residual(self, x: torch.Tensor) -> torch.Tensor:
        """F(x) = conv2(ReLU(bn2(conv1(ReLU(bn1(x))))))."""
        return self.conv2(F.relu(self.bn2(self.conv1(F.relu(self.bn1(x))))))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.residual(x) if self.shortcut else self.residual(x)


class Bottleneck(nn.Module):
    """The "bottleneck" block of the ImageNet ResNet-50/101/152 (He et al. 2015, Fig. 5 right).

    F(x) = BN(W_3 * ReLU(BN(W_2 * ReLU(BN(W_1 * x))))): a 1x1 convolution that reduces
    ``in_channels`` to ``width`` channels, a 3x3 convolution on ``width`` channels (with the
    block's ``stride``), and a 1x1 convolution that restores ``expansion * width`` channels;
    the output is ReLU(F(x) + shortcut(x)). The shortcut is the identity when the shape does not
    change, else (option B) a 1x1 convolution with batch norm. ``projection=True`` forces the
    projection even where the identity would do (what the paper warns doubles the block's
    size). The stride sits on the 3x3 convolution, as in torchvision's ResNet-50 ("v1.5"); the
    paper's Caffe models put it on the first 1x1 convolution. Parameter counts do not depend on
    where it sits.
    """

    def __init__(self, in_channels: int, width: int, stride: int = 1, expansion: int = 4,
                 projection: bool = False):
        super().__init__()
        out = expansion * width
        self.conv1 = nn.Conv2d(in_channels, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, out, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out)
        if projection or stride != 1 or in_channels != out:
            self.shortcut = nn.Sequential(nn.Conv2d(in_channels, out, 1, stride, bias=False),
                                          nn.BatchNorm2d(out))
        else:
            self.shortcut = nn.Identity()

    def residual(self, x: torch.Tensor) -> torch.Tensor:
        """F(x): 1x1 reduce, 3x3, 1x1 restore, each followed by batch norm."""
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        return self.bn3(self.conv3(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.residual(x) + self.shortcut(x))


class _CIFARNet(nn.Module):
    def __init__(self, depth: int, shortcut: str | None, num_classes: int, width: int,
                 in_channels: int):
        super().__init__()
        if isinstance(depth, bool) or not isinstance(depth, int) or depth < 8 \
                or (depth - 2) % 6:
            raise ValueError(f"depth must be 6n+2 with n >= 1 (8, 14, 20, 32, 44, 56, 110, "
                             f"...), got {depth!r}")
        check_int("width", width, min=1)
        check_int("num_classes", num_classes, min=1)
        check_int("in_channels", in_channels, min=1)
        n = (depth - 2) // 6
        self.depth, self.n = depth, n
        self.conv1 = nn.Conv2d(in_channels, width, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        layers, c_in = [], width
        for stage, c_out in enumerate((width, 2 * width, 4 * width)):
            blocks = []
            for i in range(n):
                stride = 2 if stage > 0 and i == 0 else 1
                blocks.append(BasicBlock(c_in, c_out, stride, shortcut))
                c_in = c_out
            layers.append(nn.Sequential(*blocks))
        self.stage1, self.stage2, self.stage3 = layers
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(c_in, num_classes)
        self.input_shape = (in_channels, 32, 32)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The pooled 4*width-dimensional feature vector before the classifier."""
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.stage3(self.stage2(self.stage1(x)))
        return torch.flatten(self.pool(x), 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.features(x))


class ResNetCIFAR(_CIFARNet):
    """ResNet-``depth`` for 3x32x32 images: depth = 6n+2 (20, 32, 44, 56, 110).

    A 3x3 convolution with ``width`` (16) filters, three stages of n :class:`BasicBlock` s with
    ``width``, 2 ``width``, 4 ``width`` filters on 32x32, 16x16, 8x8 maps, global average
    pooling and a ``num_classes``-way linear layer. ``shortcut="A"`` (the paper's CIFAR
    choice: parameter-free) or ``"B"`` (projections where the shape changes). ResNet-20 with
    option A has 269,722 parameters.
    """

    def __init__(self, depth: int = 20, shortcut: str = "A", num_classes: int = 10, *,
                 width: int = 16, in_channels: int = 3):
        if shortcut not in ("A", "B"):
            raise ValueError(f"shortcut must be 'A' or 'B', got {shortcut!r}")
        super().__init__(depth, shortcut, num_classes, width, in_channels)
        self.shortcut = shortcut


class PlainCIFAR(_CIFARNet):
    """The "plain" network of He et al.: :class:`ResNetCIFAR`'s layers without shortcuts."""

    def __init__(self, depth: int = 20, num_classes: int = 10, *, width: int = 16,
                 in_channels: int = 3):
        super().__init__(depth, None, num_classes, width, in_channels)


# --------------------------------------------------------------------------------------------
# Tables, counts and drawings
# --------------------------------------------------------------------------------------------


def summary(model: nn.Module, input_shape, *, depth: int = 3, verbose: int = 0, **kwargs):
    """Per-layer table of output shape, parameters and multiply-accumulates (torchinfo).

    ``input_shape`` is one example's shape, e.g. ``(1, 28, 28)``; a batch of one is used.
    Returns torchinfo's ``ModelStatistics``: print it (or let a notebook display it) for the
    table; ``.total_params``, ``.trainable_params`` and ``.total_mult_adds`` hold the totals.
    The model is run on the CPU in eval mode (a copy's device and mode are not changed).
    """
    from torchinfo import summary as _summary

    shape = _example_shape(input_shape)
    _probe(model, shape)  # a clear error for a shape the model cannot take
    was_training = model.training
    try:
        stats = _summary(
            model, input_size=(1, *shape), depth=depth, verbose=verbose, device="cpu",
            mode="eval",
            col_names=kwargs.pop("col_names", ("output_size", "num_params", "mult_adds")),
            row_settings=kwargs.pop("row_settings", ("var_names",)), **kwargs)
    finally:
        model.train(was_training)
    return _Summary(stats)


_UNITS = {"KILOBYTES": "thousands", "MEGABYTES": "millions", "GIGABYTES": "billions",
          "TERABYTES": "trillions", "NONE": "units"}


class _Summary:
    """torchinfo's ModelStatistics, printed with readable units.

    torchinfo 1.8 on Python >= 3.11 prints the unit of the mult-adds total as
    "(Units.MEGABYTES)"; here it reads "(millions)". Every attribute of the statistics
    (``total_params``, ``total_mult_adds``, ``summary_list``, ...) is available unchanged.
    """

    def __init__(self, stats):
        self.stats = stats

    def __getattr__(self, name):
        return getattr(self.stats, name)

    def __repr__(self) -> str:
        return re.sub(r"\(Units\.(\w+)\)", lambda m: f"({_UNITS.get(m.group(1), m.group(1))})",
                      str(self.stats))

    __str__ = __repr__


def _leaf_modules(model: nn.Module):
    for name, m in model.named_modules():
        if not list(m.children()):
            yield name, m


def count_connections(model: nn.Module, input_shape) -> dict[str, int]:
    """LeCun's "connections" of each layer with weights, and their ``"total"``.

    A connection is one multiply (or add of a bias) in the forward pass: for a convolution
    ``H_out x W_out x C_out x (fan-in + 1)`` (only the connected channels for C3), for a
    subsampling layer ``H_out x W_out x C x (k^2 + 1)``, for a fully connected layer
    ``out x (in + 1)``, for the RBF layer ``out x in``.
    """
    _check_module(model)
    shapes: dict[str, tuple[int, ...]] = {}
    hooks = []
    for name, m in _leaf_modules(model):
        hooks.append(m.register_forward_hook(
            lambda mod, inp, out, name=name: shapes.__setitem__(name, tuple(out.shape[1:]))))
    try:
        _probe(model, input_shape)
    finally:
        for h in hooks:
            h.remove()
    counts: dict[str, int] = {}
    for name, m in _leaf_modules(model):
        if name not in shapes:
            continue
        out = shapes[name]
        if isinstance(m, SparseConv2d):
            k = m.kernel_size[0] * m.kernel_size[1]
            fan = m.mask[:, :, 0, 0].sum(dim=1)  # connected inputs per output map
            counts[name] = int(out[1] * out[2] * float((fan * k + 1).sum()))
        elif isinstance(m, nn.Conv2d):
            k = m.kernel_size[0] * m.kernel_size[1] * m.in_channels // m.groups
            counts[name] = math.prod(out) * (k + (m.bias is not None))
        elif isinstance(m, Subsampling):
            counts[name] = math.prod(out) * (m.kernel_size ** 2 + 1)
        elif isinstance(m, nn.Linear):
            counts[name] = m.out_features * (m.in_features + (m.bias is not None))
        elif isinstance(m, RBFOutput):
            counts[name] = m.codes.numel()
    counts["total"] = sum(counts.values())
    return counts


def feature_layers(model: nn.Module, input_shape) -> list[tuple[str, nn.Module, tuple]]:
    """(name, module, output shape) of each convolution, pooling and fully connected layer
    in forward order -- the layers :func:`draw_architecture` draws."""
    kinds = (nn.Conv2d, nn.Linear, nn.MaxPool2d, nn.AvgPool2d, Subsampling, RBFOutput,
             nn.AdaptiveAvgPool2d)
    found: list[tuple[str, nn.Module, tuple]] = []
    hooks = []
    for name, m in model.named_modules():
        if isinstance(m, kinds):
            hooks.append(m.register_forward_hook(
                lambda mod, inp, out, name=name: found.append(
                    (name, mod, tuple(out.shape[1:])))))
    try:
        _probe(model, input_shape)
    finally:
        for h in hooks:
            h.remove()
    return found


def _label(m: nn.Module) -> str:
    if isinstance(m, (nn.Conv2d,)):
        k = m.kernel_size[0]
        return f"conv {k}x{k}" + (f" /{m.stride[0]}" if m.stride[0] > 1 else "")
    if isinstance(m, nn.MaxPool2d):
        return "max-pool"
    if isinstance(m, (nn.AvgPool2d, nn.AdaptiveAvgPool2d)):
        return "avg-pool"
    if isinstance(m, Subsampling):
        return "subsample"
    if isinstance(m, RBFOutput):
        return "RBF"
    return "full"


def draw_architecture(model: nn.Module, input_shape, *, ax=None, names=None,
                      max_sheets: int = 8, title: str | None = None):
    """Draw the network as a row of feature-map stacks, LeNet-paper style.

    Each convolution/pooling output is drawn as a stack of squares (side proportional to the
    map's size, up to ``max_sheets`` sheets shown, the count written above); fully connected
    layers as bars. ``names`` optionally labels the layers (e.g. ``["C1", "S2", ...]``), one
    per drawn layer after the input. Returns the matplotlib Axes.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    check_int("max_sheets", max_sheets, min=1)
    layers = feature_layers(model, input_shape)
    items = [("input", None, tuple(input_shape))] + layers
    if names is not None and len(names) != len(layers):
        raise ValueError(f"names must label the {len(layers)} drawn layers "
                         f"({', '.join(n for n, _, _ in layers)}), got {len(names)}")
    if ax is None:
        _, ax = plt.subplots(figsize=(max(8, 1.25 * len(items)), 3.6))
    biggest = max(s[-1] for s in (shape for _, _, shape in items) if len(s) == 3)
    x = 0.0
    for i, (_name, m, shape) in enumerate(items):
        label = "input" if m is None else (names[i - 1] if names else _label(m))
        if len(shape) == 3:
            c, h, w = shape
            side = 0.25 + 2.0 * h / biggest
            sheets = min(c, max_sheets)
            for j in range(sheets):
                off = 0.07 * j
                ax.add_patch(Rectangle((x + off, -side / 2 - off), side * w / h, side,
                                       facecolor=plt.cm.Blues(0.25 + 0.5 * j / max(sheets, 1)),
                                       edgecolor="black", linewidth=0.6))
            width_drawn = side * w / h + 0.07 * sheets
            ax.text(x + width_drawn / 2, 1.35, f"{c}@{h}x{w}", ha="center", fontsize=8)
        else:
            units = shape[0]
            height = 0.4 + 2.0 * min(1.0, math.log10(max(units, 2)) / 3.5)
            width_drawn = 0.18
            ax.add_patch(Rectangle((x, -height / 2), width_drawn, height,
                                   facecolor=plt.cm.Oranges(0.5), edgecolor="black",
                                   linewidth=0.6))
            ax.text(x + width_drawn / 2, 1.35, f"{units}", ha="center", fontsize=8)
        ax.text(x + width_drawn / 2, -1.55, label, ha="center", fontsize=8, rotation=0)
        x += width_drawn + 0.55
    ax.set_xlim(-0.3, x)
    ax.set_ylim(-1.9, 1.7)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax
