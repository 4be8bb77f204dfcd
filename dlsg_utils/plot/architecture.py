"""A network drawn as a row of feature-map stacks, LeNet-paper style (chapters 11-13)."""

from __future__ import annotations

import math

from torch import nn

from ..checks import check_int
from ..models.blocks import RBFOutput, Subsampling
from ..models.counts import feature_layers
from .images import readable_width

__all__ = ["draw_architecture"]

LABEL_PT = 8
"""The font size of the counts and names, in points."""


def _stagger(labels, dy: float) -> bool:
    """If neighbouring labels of one row overlap, move every other one by ``dy`` (data units)
    to a second row. Returns whether it did."""
    boxes = [t.get_window_extent().expanded(1.1, 1.0) for t in labels]
    if not any(a.overlaps(b) for a, b in zip(boxes, boxes[1:], strict=False)):
        return False
    for t in labels[1::2]:
        x, y = t.get_position()
        t.set_position((x, y + dy))
    return True


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
        # no wider than keeps the 8-point labels readable on the page (a wider figure is shown
        # scaled down, its labels with it), with as many pixels
        width = max(8, 1.25 * len(items))
        shrink = min(1.0, readable_width(LABEL_PT) / width)
        _, ax = plt.subplots(figsize=(width * shrink, 3.6 * shrink),
                             dpi=plt.rcParams["figure.dpi"] * min(2.0, 1 / shrink))
    biggest = max(s[-1] for s in (shape for _, _, shape in items) if len(s) == 3)
    x = 0.0
    tops, bottoms = [], []
    lowest, highest = 0.0, 0.0  # the drawing's extent, for the labels below and above it
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
            lowest = min(lowest, -side / 2 - 0.07 * (sheets - 1))
            highest = max(highest, side / 2)
            tops.append(ax.text(x + width_drawn / 2, 0, f"{c}@{h}x{w}", ha="center",
                                va="bottom", fontsize=LABEL_PT))
        else:
            units = shape[0]
            height = 0.4 + 2.0 * min(1.0, math.log10(max(units, 2)) / 3.5)
            width_drawn = 0.18
            ax.add_patch(Rectangle((x, -height / 2), width_drawn, height,
                                   facecolor=plt.cm.Oranges(0.5), edgecolor="black",
                                   linewidth=0.6))
            lowest, highest = min(lowest, -height / 2), max(highest, height / 2)
            tops.append(ax.text(x + width_drawn / 2, 0, f"{units}", ha="center", va="bottom",
                                fontsize=LABEL_PT))
        bottoms.append(ax.text(x + width_drawn / 2, 0, label, ha="center", va="top",
                               fontsize=LABEL_PT))
        x += width_drawn + 0.55
    # the labels clear the tallest stack of sheets (its sheets step down to the right)
    for t in tops:
        t.set_y(highest + 0.12)
    for t in bottoms:
        t.set_y(lowest - 0.12)
    low, high = lowest - 0.55, highest + 0.55
    ax.set_xlim(-0.3, x)
    ax.set_ylim(low, high)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.figure.draw_without_rendering()  # the labels' sizes on the page
    # crowded labels (a long network) take two rows
    ax.set_ylim(low - 0.4 * _stagger(bottoms, -0.4), high + 0.4 * _stagger(tops, 0.4))
    if title:
        ax.set_title(title)
    return ax
