"""ResNets for CIFAR-10 (He et al. 2015, section 4.2), their plain twins, and the pre-activation
and bottleneck blocks (chapter 13)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..checks import check_int
from ..nets import check_image_batch

__all__ = ["BasicBlock", "Bottleneck", "PlainCIFAR", "PreActBlock", "ResNetCIFAR"]


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

    The book: :eq:`eq-ch13-basic-block`, chapter 13.
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

    The book: :eq:`eq-ch13-unrolled`, chapter 13.
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
        check_image_batch(type(self).__name__, x, self.conv1.in_channels)
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
