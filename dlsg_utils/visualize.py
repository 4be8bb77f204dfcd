"""Looking inside a trained classifier: mistakes, filters and activation maps.

* :func:`confusion_matrix` / :func:`plot_confusion` -- which classes are mistaken for which;
* :func:`worst_mistakes` -- the test images the model got wrong with the highest confidence;
* :func:`show_images` -- a grid of images with titles (grey or colour);
* :func:`activations` -- the outputs of chosen layers for one input (forward hooks);
* :func:`show_filters` / :func:`show_activation_maps` -- filters and feature maps as grids.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

__all__ = [
    "activations",
    "confusion_matrix",
    "plot_confusion",
    "show_activation_maps",
    "show_filters",
    "show_images",
    "worst_mistakes",
]


def confusion_matrix(y_true, y_pred, num_classes: int | None = None) -> np.ndarray:
    """``C[i, j]`` = number of examples of true class i predicted as class j (int64)."""
    t = np.asarray(torch.as_tensor(y_true).cpu(), dtype=np.int64).ravel()
    p = np.asarray(torch.as_tensor(y_pred).cpu(), dtype=np.int64).ravel()
    if t.shape != p.shape:
        raise ValueError(f"y_true and y_pred must have the same length, got {len(t)} and "
                         f"{len(p)}")
    k = num_classes if num_classes is not None else int(max(t.max(initial=0),
                                                            p.max(initial=0))) + 1
    if len(t) and (t.min() < 0 or p.min() < 0 or t.max() >= k or p.max() >= k):
        raise ValueError(f"labels must lie in [0, {k}), got {min(t.min(), p.min())} to "
                         f"{max(t.max(), p.max())}")
    return np.bincount(t * k + p, minlength=k * k).reshape(k, k)


def plot_confusion(cm: np.ndarray, classes: Sequence[str] | None = None, *, ax=None,
                   title: str = "Confusion matrix"):
    """Draw ``cm`` with counts in the cells; the diagonal (correct) is left pale so the
    mistakes stand out. Returns the Axes."""
    import matplotlib.pyplot as plt

    cm = np.asarray(cm)
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


@torch.no_grad()
def worst_mistakes(model: nn.Module, X: torch.Tensor, y: torch.Tensor, k: int = 12,
                   batch_size: int = 1024):
    """The ``k`` misclassified examples with the highest predicted probability.

    Returns ``(indices, predicted, confidence)`` as tensors, most confident mistake first.
    The model is evaluated in eval mode on its own device.
    """
    dev = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        probs = torch.cat([torch.softmax(model(X[i:i + batch_size].to(dev)), dim=1).cpu()
                           for i in range(0, len(X), batch_size)])
    finally:
        model.train(was_training)
    conf, pred = probs.max(dim=1)
    wrong = torch.nonzero(pred != y.cpu()).flatten()
    order = torch.argsort(conf[wrong], descending=True)[:k]
    idx = wrong[order]
    return idx, pred[idx], conf[idx]


def _to_image(x: torch.Tensor | np.ndarray) -> tuple[np.ndarray, str | None]:
    a = np.asarray(torch.as_tensor(x).detach().cpu().float())
    if a.ndim == 3 and a.shape[0] == 1:
        a = a[0]
    if a.ndim == 3:  # C, H, W colour
        return np.clip(np.moveaxis(a, 0, -1), 0, 1), None
    return a, "gray"


def show_images(images, titles: Sequence[str] | None = None, *, ncols: int = 8,
                size: float = 1.3, suptitle: str | None = None):
    """A grid of images (N, C, H, W) or (N, H, W); grey for one channel, RGB for three.
    Returns the Figure."""
    import matplotlib.pyplot as plt

    n = len(images)
    if n == 0:
        raise ValueError("show_images needs at least one image")
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + 0.3),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            img, cmap = _to_image(images[i])
            ax.imshow(img, cmap=cmap)
            if titles is not None:
                ax.set_title(titles[i], fontsize=8)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def activations(model: nn.Module, x: torch.Tensor,
                layers: dict[str, nn.Module] | None = None) -> dict[str, torch.Tensor]:
    """Outputs of ``layers`` (name -> module; default: every Conv2d, ReLU, pooling layer and
    Linear, by their names in the model) for the input batch ``x``, detached, on the CPU,
    in forward order."""
    if layers is None:
        kinds = (nn.Conv2d, nn.ReLU, nn.Tanh, nn.MaxPool2d, nn.AvgPool2d, nn.Linear)
        layers = {name: m for name, m in model.named_modules() if isinstance(m, kinds)}
    if not layers:
        raise ValueError("no layers to record: pass layers={name: module}")
    out: dict[str, torch.Tensor] = {}
    hooks = [m.register_forward_hook(
        lambda mod, inp, o, name=name: out.__setitem__(name, o.detach().cpu()))
        for name, m in layers.items()]
    dev = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(x.to(dev))
    finally:
        model.train(was_training)
        for h in hooks:
            h.remove()
    return out


def show_filters(weight: torch.Tensor, *, ncols: int = 8, size: float = 1.0,
                 title: str | None = None, per_filter_scale: bool = True):
    """First-layer filters (F, C, k, k) as a grid: grey for C = 1 (blue-white-red, zero is
    white), colour for C = 3 (each filter rescaled to [0, 1]). Returns the Figure."""
    import matplotlib.pyplot as plt

    w = torch.as_tensor(weight).detach().cpu().float()
    if w.ndim != 4:
        raise ValueError(f"weight must have shape (F, C, k, k), got {tuple(w.shape)}")
    f = w.shape[0]
    ncols = min(ncols, f)
    nrows = math.ceil(f / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + 0.4),
                             squeeze=False)
    vmax = float(w.abs().max()) or 1.0
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
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
    import matplotlib.pyplot as plt

    a = torch.as_tensor(act).detach().cpu().float()
    if a.ndim == 4:
        if a.shape[0] != 1:
            raise ValueError(f"pass the maps of one example, got a batch of {a.shape[0]}")
        a = a[0]
    if a.ndim != 3:
        raise ValueError(f"act must have shape (C, H, W), got {tuple(a.shape)}")
    c = min(a.shape[0], max_maps)
    ncols = min(ncols, c)
    nrows = math.ceil(c / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + 0.4),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < c:
            ax.imshow(a[i].numpy(), cmap="viridis")
            ax.set_title(str(i), fontsize=7)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
