"""Images as grids: photographs and digits with titles, filters, activation maps, and the
confusion matrix (chapters 10-14)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch

from ..checks import check_int

__all__ = ["plot_confusion", "show_activation_maps", "show_filters", "show_images"]

COLUMN_PX = 672
"""The width of the book's text column at desktop width (1280 px), in CSS px. A wider figure
is shown scaled down, and its text with it: 7-point titles over 16 panels of 1 inch show at
4 px."""
MIN_TEXT_PX = 9
"""The smallest text a figure may show at desktop width, in CSS px (tests/browser/test_layout.py)."""


def readable_width(smallest_pt: float) -> float:
    """The widest (in inches) a figure may be drawn for text of ``smallest_pt`` points to show
    at :data:`MIN_TEXT_PX` or more in the book's column: a figure W inches wide is shown at
    most COLUMN_PX wide, so its text at pt / 72 * COLUMN_PX / W px at least."""
    return smallest_pt / 72 * COLUMN_PX / MIN_TEXT_PX


def plot_confusion(cm: np.ndarray, classes: Sequence[str] | None = None, *, ax=None,
                   title: str = "Confusion matrix"):
    """Draw ``cm`` with counts in the cells; the diagonal (correct) is left pale so the
    mistakes stand out. Returns the Axes."""
    import matplotlib.pyplot as plt

    cm = np.asarray(cm)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise ValueError(f"cm must be a square (K, K) matrix of counts, got shape {cm.shape}")
    k = cm.shape[0]
    classes = list(classes) if classes is not None else [str(i) for i in range(k)]
    if ax is None:
        _, ax = plt.subplots(figsize=(0.55 * k + 2, 0.55 * k + 1.6))
    off = cm.astype(float).copy()
    np.fill_diagonal(off, 0)
    ax.imshow(off, cmap="Reds")
    for i in range(k):
        for j in range(k):
            if cm[i, j]:
                ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=7,
                        color="black" if i == j or off[i, j] < 0.6 * off.max() else "white",
                        fontweight="bold" if i == j else "normal")
    ax.set_xticks(range(k), classes, rotation=45 if max(map(len, classes)) > 2 else 0)
    ax.set_yticks(range(k), classes)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title)
    return ax


def _to_image(x: torch.Tensor | np.ndarray) -> tuple[np.ndarray, str | None]:
    a = np.asarray(torch.as_tensor(x).detach().cpu().float())
    if a.ndim == 3 and a.shape[0] == 1:
        a = a[0]
    if a.ndim == 3:  # C, H, W colour
        return np.clip(np.moveaxis(a, 0, -1), 0, 1), None
    return a, "gray"


def _grid(n: int, ncols: int, size: float, extra: float = 0.4, text_pt: float = 8):
    """A Figure with ``n`` panels in rows of ``ncols``, every axis switched off.

    Panels are ``size`` inches, but a grid too wide for its ``text_pt``-point titles to stay
    readable on the page (:func:`readable_width`) is drawn narrower, with as many pixels (a
    higher dpi, up to twice matplotlib's): the page shows it at the same size, and its titles
    larger."""
    import matplotlib.pyplot as plt

    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    shrink = min(1.0, readable_width(text_pt) / (size * ncols))
    dpi = plt.rcParams["figure.dpi"] * min(2.0, 1.0 / shrink)
    fig, axes = plt.subplots(nrows, ncols, dpi=dpi, squeeze=False,
                             figsize=(size * shrink * ncols, size * shrink * nrows + extra))
    for ax in axes.flat:
        ax.axis("off")
    return fig, axes.flat


def show_images(images, titles: Sequence[str] | None = None, *, ncols: int = 8,
                size: float = 1.3, suptitle: str | None = None):
    """A grid of images (N, C, H, W) or (N, H, W); grey for one channel, RGB for three.
    Returns the Figure."""

    n = len(images)
    if n == 0:
        raise ValueError("show_images needs at least one image")
    check_int("ncols", ncols, min=1)
    if titles is not None and len(titles) != n:
        raise ValueError(f"titles must give one title per image ({n}), got {len(titles)}")
    fig, axes = _grid(n, ncols, size, extra=0.3, text_pt=8)
    for i, ax in enumerate(axes):
        if i < n:
            img, cmap = _to_image(images[i])
            ax.imshow(img, cmap=cmap)
            if titles is not None:
                ax.set_title(titles[i], fontsize=8)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def show_filters(weight: torch.Tensor, *, ncols: int = 8, size: float = 1.0,
                 title: str | None = None, per_filter_scale: bool = True):
    """First-layer filters (F, C, k, k) as a grid: grey for C = 1 (blue-white-red, zero is
    white), colour for C = 3 (each filter rescaled to [0, 1]). Returns the Figure."""

    w = torch.as_tensor(weight).detach().cpu().float()
    if w.ndim != 4:
        raise ValueError(f"weight must have shape (F, C, k, k), got {tuple(w.shape)}")
    f = w.shape[0]
    fig, axes = _grid(f, ncols, size)
    vmax = float(w.abs().max()) or 1.0
    for i, ax in enumerate(axes):
        if i >= f:
            continue
        if w.shape[1] == 3:
            a = w[i]
            a = (a - a.min()) / (a.max() - a.min() + 1e-12)
            ax.imshow(a.permute(1, 2, 0).numpy())
        else:
            a = w[i].mean(dim=0)
            m = (float(a.abs().max()) or 1.0) if per_filter_scale else vmax
            ax.imshow(a.numpy(), cmap="bwr", vmin=-m, vmax=m)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def show_activation_maps(act: torch.Tensor, *, max_maps: int = 16, ncols: int = 8,
                         size: float = 1.0, title: str | None = None):
    """The feature maps of one example: ``act`` of shape (C, H, W) or (1, C, H, W); the first
    ``max_maps`` channels, each on its own colour scale. Returns the Figure."""

    a = torch.as_tensor(act).detach().cpu().float()
    if a.ndim == 4:
        if a.shape[0] != 1:
            raise ValueError(f"pass the maps of one example, got a batch of {a.shape[0]}")
        a = a[0]
    if a.ndim != 3:
        raise ValueError(f"act must have shape (C, H, W), got {tuple(a.shape)}")
    check_int("ncols", ncols, min=1)
    c = min(a.shape[0], check_int("max_maps", max_maps, min=1))
    fig, axes = _grid(c, ncols, size, text_pt=7)
    for i, ax in enumerate(axes):
        if i < c:
            ax.imshow(a[i].numpy(), cmap="viridis")
            ax.set_title(str(i), fontsize=7)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
