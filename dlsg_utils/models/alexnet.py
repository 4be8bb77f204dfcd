"""AlexNet (Krizhevsky et al. 2012) and MiniAlexNet, its recipe sized for 32x32 images (chapter 12)."""

from __future__ import annotations

import torch
from torch import nn

from ..checks import check_int, check_real
from ..nets import check_image_batch
from .counts import _activation

__all__ = ["AlexNet", "MiniAlexNet"]


# --------------------------------------------------------------------------------------------
# AlexNet
# --------------------------------------------------------------------------------------------


def _paper_lrn() -> nn.LocalResponseNorm:
    """Krizhevsky et al.'s normalisation (n = 5, k = 2, alpha = 1e-4, beta = 0.75).

    torch divides alpha by n (``b = a / (k + alpha/n * sum a^2)^beta``), the paper does not, so
    the paper's alpha = 1e-4 is torch's ``alpha = 5e-4``.

    The book: :eq:`eq-ch12-lrn`, chapter 12.
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

    The book: local response normalisation is :eq:`eq-ch12-lrn`, chapter 12.
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
        check_image_batch("AlexNet", x, self.input_shape[0])
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
        check_image_batch("MiniAlexNet", x, self.input_shape[0])
        return self.classifier(self.features(x))
