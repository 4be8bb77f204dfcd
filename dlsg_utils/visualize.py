"""Looking inside a trained classifier: mistakes, filters and activation maps.

* :func:`confusion_matrix` / :func:`plot_confusion` -- which classes are mistaken for which;
* :func:`worst_mistakes` -- the test images the model got wrong with the highest confidence;
* :func:`show_images` -- a grid of images with titles (grey or colour);
* :func:`activations` -- the outputs of chosen layers for one input (forward hooks);
* :func:`show_filters` / :func:`show_activation_maps` -- filters and feature maps as grids;
* :func:`filter_statistics` -- colour, orientation and smoothness of first-layer filters;
* :func:`saliency_map` / :func:`occlusion_map` -- which pixels a class score depends on;
* :func:`class_model` -- an input that maximises a class score (gradient ascent);
* :func:`penultimate_features` / :func:`nearest_neighbours` -- retrieval in feature space.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from .checks import check_int

__all__ = [
    "activations",
    "class_model",
    "confusion_matrix",
    "filter_statistics",
    "nearest_neighbours",
    "occlusion_map",
    "penultimate_features",
    "plot_confusion",
    "saliency_map",
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


@torch.no_grad()
def worst_mistakes(model: nn.Module, X: torch.Tensor, y: torch.Tensor, k: int = 12,
                   batch_size: int = 1024):
    """The ``k`` misclassified examples with the highest predicted probability.

    Returns ``(indices, predicted, confidence)`` as tensors, most confident mistake first.
    The model is evaluated in eval mode on its own device.
    """
    k = check_int("k", k, min=1)
    batch_size = check_int("batch_size", batch_size, min=1)
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


def _grid(n: int, ncols: int, size: float, extra: float = 0.4):
    """A Figure with ``n`` panels in rows of ``ncols``, every axis switched off."""
    import matplotlib.pyplot as plt

    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + extra),
                             squeeze=False)
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
    fig, axes = _grid(n, ncols, size, extra=0.3)
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


def filter_statistics(weight) -> dict[str, torch.Tensor]:
    """Numbers that say what first-layer filters ``weight`` (F, C, k, k) look like, one per filter.

    * ``colour``: the share of the filter's energy in its colour part,
      ``|w - w̄|² / |w|²`` with ``w̄`` the mean over the C channels at each pixel. 0 for a grey
      filter (every channel has the same weights: it sees brightness only), 1 for a filter whose
      channels cancel at every pixel (pure colour contrast, e.g. red minus green); (C − 1)/C on
      average for independent random weights.
    * ``coherence``: how oriented the filter is, from its structure tensor
      ``J = Σ ∇w ∇wᵀ`` (summed over pixels and channels; ∇w by central differences on the
      (k − 1) x (k − 1) grid between pixels): ``(λ₁ − λ₂)/(λ₁ + λ₂)`` of its eigenvalues. 1 when
      all gradients are parallel (an edge, a bar, a grating of one orientation), 0 when no
      direction is preferred (a round blob, or on average over many directions).
    * ``angle``: the orientation of the filter's edges or bars in degrees in [0, 180), as seen on
      the screen: 0 for a horizontal edge (the filter changes from top to bottom), 90 for a
      vertical one, counter-clockwise. Meaningful where ``coherence`` is high.
    * ``roughness``: mean squared difference of neighbouring weights / (2 · mean squared
      weight): about 1 for independent random weights, near 0 for smooth filters.

    Returns a dict of float64 CPU tensors of shape (F,). Filters with all weights zero get nan.
    """
    w = torch.as_tensor(weight).detach().cpu().double()
    if w.ndim != 4 or w.shape[2] < 2 or w.shape[3] < 2:
        raise ValueError(f"weight must have shape (F, C, k, k) with k >= 2, got {tuple(w.shape)}")
    energy = w.pow(2).flatten(1).sum(1)
    colour = (w - w.mean(dim=1, keepdim=True)).pow(2).flatten(1).sum(1) / energy
    # central differences on the grid between pixels (both of shape (F, C, k-1, k-1))
    gx = ((w[..., :, 1:] - w[..., :, :-1])[..., 1:, :] + (w[..., :, 1:] - w[..., :, :-1])[..., :-1, :]) / 2
    gy = ((w[..., :-1, :] - w[..., 1:, :])[..., :, 1:] + (w[..., :-1, :] - w[..., 1:, :])[..., :, :-1]) / 2
    jxx, jyy, jxy = ((a * b).flatten(1).sum(1) for a, b in ((gx, gx), (gy, gy), (gx, gy)))
    coherence = torch.sqrt((jxx - jyy) ** 2 + 4 * jxy**2) / (jxx + jyy)
    gradient_angle = 0.5 * torch.atan2(2 * jxy, jxx - jyy)  # the dominant gradient (y up)
    angle = torch.rad2deg(gradient_angle + math.pi / 2) % 180.0  # edges run across it
    dy = (w[..., 1:, :] - w[..., :-1, :]).pow(2).flatten(1).mean(1)
    dx = (w[..., :, 1:] - w[..., :, :-1]).pow(2).flatten(1).mean(1)
    roughness = (dx + dy) / 2 / (2 * w.pow(2).flatten(1).mean(1))
    return {"colour": colour, "coherence": coherence, "angle": angle, "roughness": roughness}


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
    fig, axes = _grid(c, ncols, size)
    for i, ax in enumerate(axes):
        if i < c:
            ax.imshow(a[i].numpy(), cmap="viridis")
            ax.set_title(str(i), fontsize=7)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------------------
# What a trained network has learned (chapter 14): saliency, occlusion, class models, retrieval
# --------------------------------------------------------------------------------------------

def _model_device(model: nn.Module) -> torch.device:
    p = next(model.parameters(), None)
    return p.device if p is not None else torch.device("cpu")


def _model_dtype(model: nn.Module) -> torch.dtype:
    p = next((p for p in model.parameters() if p.is_floating_point()), None)
    return p.dtype if p is not None else torch.get_default_dtype()


class _EvalMode:
    """``with _EvalMode(model):`` runs the block in eval mode and restores the mode after."""

    def __init__(self, model: nn.Module):
        self.model, self.was_training = model, model.training

    def __enter__(self):
        self.model.eval()
        return self.model

    def __exit__(self, *exc):
        self.model.train(self.was_training)
        return False


def _check_target(target: int, num_classes: int) -> int:
    if isinstance(target, bool) or not isinstance(target, (int, np.integer)):
        raise ValueError(f"target must be a class index (int), got {target!r}")
    if not 0 <= int(target) < num_classes:
        raise ValueError(f"target must lie in [0, {num_classes}), got {target}")
    return int(target)


def _positive_int(value, name: str) -> int:
    return check_int(name, value, min=1)


def saliency_map(model: nn.Module, x: torch.Tensor, target=None) -> torch.Tensor:
    """Image-specific class saliency (Simonyan, Vedaldi and Zisserman 2014, section 3.1).

    For an image I and the unnormalised score S_c of class c (the logit, before the softmax),
    ``M[i, j] = max_ch |∂S_c / ∂I[ch, i, j]|``: how much a small change of pixel (i, j), in its
    most sensitive channel, changes the class score.

    * ``x``: one image (C, H, W) or a batch (N, C, H, W).
    * ``target``: None (each image's predicted class), an int, or one int per image.

    Returns (H, W) for one image, (N, H, W) for a batch; a CPU float tensor. The model is run in
    eval mode on its own device, and its parameter gradients are left untouched.
    """
    x = torch.as_tensor(x)
    if x.ndim not in (3, 4):
        raise ValueError(f"x must be one image (C, H, W) or a batch (N, C, H, W), "
                         f"got shape {tuple(x.shape)}")
    single = x.ndim == 3
    xb = (x[None] if single else x).detach().to(_model_device(model), _model_dtype(model))
    xb = xb.clone()
    xb.requires_grad_(True)
    with _EvalMode(model), torch.enable_grad():
        scores = model(xb)
        if scores.ndim != 2:
            raise ValueError(f"the model must return class scores (N, K), got shape "
                             f"{tuple(scores.shape)}")
        n, k = scores.shape
        if target is None:
            tgt = scores.argmax(dim=1)
        elif isinstance(target, (int, np.integer)) and not isinstance(target, bool):
            tgt = torch.full((n,), _check_target(target, k), device=scores.device)
        else:
            tgt = torch.as_tensor(target, device=scores.device).long().reshape(-1)
            if len(tgt) != n:
                raise ValueError(f"target must give one class per image: {n} images, "
                                 f"{len(tgt)} targets")
            for t in tgt.tolist():
                _check_target(t, k)
        picked = scores.gather(1, tgt[:, None]).sum()  # each image's score depends on it alone
        (grad,) = torch.autograd.grad(picked, xb)
    sal = grad.abs().amax(dim=1).detach().cpu()
    return sal[0] if single else sal


@torch.no_grad()
def occlusion_map(model: nn.Module, x: torch.Tensor, target: int, *, patch: int = 6,
                  stride: int = 2, fill: float | str = 0.0,
                  batch_size: int = 256) -> torch.Tensor:
    """Occlusion sensitivity (Zeiler and Fergus 2014, section 4.2).

    A ``patch`` x ``patch`` square of value ``fill`` (a number, or ``"mean"``: the image's mean
    per channel) is slid over the image with step ``stride``; for every position the model's
    softmax probability of class ``target`` is recorded. Entry ``[i, j]`` is the probability
    with the square covering rows ``i*stride : i*stride + patch`` and columns
    ``j*stride : j*stride + patch``, so the map has shape
    ``((H - patch) // stride + 1, (W - patch) // stride + 1)``. Low values mark the regions the
    class depends on. All occluded copies are evaluated in batches of ``batch_size``.

    ``x``: one image (C, H, W) or (1, C, H, W). Returns a CPU float tensor.
    """
    x = torch.as_tensor(x)
    if x.ndim == 4 and x.shape[0] == 1:
        x = x[0]
    if x.ndim != 3:
        raise ValueError(f"x must be one image (C, H, W) or (1, C, H, W), got shape "
                         f"{tuple(x.shape)}")
    patch, stride = _positive_int(patch, "patch"), _positive_int(stride, "stride")
    batch_size = _positive_int(batch_size, "batch_size")
    c, h, w = x.shape
    if patch > min(h, w):
        raise ValueError(f"patch must fit in the {h}x{w} image, got patch={patch}")
    if isinstance(fill, str):
        if fill != "mean":
            raise ValueError(f"fill must be a number or 'mean', got {fill!r}")
        value = x.float().mean(dim=(1, 2))[:, None, None]
    else:
        value = torch.full((c, 1, 1), float(fill))
    rows, cols = range(0, h - patch + 1, stride), range(0, w - patch + 1, stride)
    positions = [(i, j) for i in rows for j in cols]
    dev, dtype = _model_device(model), _model_dtype(model)
    base = x.detach().to(dev, dtype)
    value = value.to(dev, dtype)
    probs = []
    with _EvalMode(model):
        for start in range(0, len(positions), batch_size):
            chunk = positions[start:start + batch_size]
            xb = base.repeat(len(chunk), 1, 1, 1)
            for b, (i, j) in enumerate(chunk):
                xb[b, :, i:i + patch, j:j + patch] = value
            out = model(xb)
            if start == 0:
                target = _check_target(target, out.shape[1])
            probs.append(torch.softmax(out, dim=1)[:, target].cpu())
    return torch.cat(probs).reshape(len(rows), len(cols))


def _gaussian_blur(img: torch.Tensor, sigma: float) -> torch.Tensor:
    """Blur (N, C, H, W) per channel with a Gaussian of std ``sigma`` pixels (edge pixels
    repeated beyond the border, so a constant image stays constant)."""
    radius = max(1, int(math.ceil(2 * sigma)))
    t = torch.arange(-radius, radius + 1, dtype=img.dtype, device=img.device)
    g = torch.exp(-t**2 / (2 * sigma**2))
    g = g / g.sum()
    c = img.shape[1]
    out = torch.nn.functional.pad(img, (radius,) * 4, mode="replicate")
    out = torch.nn.functional.conv2d(out, g.view(1, 1, 1, -1).repeat(c, 1, 1, 1), groups=c)
    return torch.nn.functional.conv2d(out, g.view(1, 1, -1, 1).repeat(c, 1, 1, 1), groups=c)


def class_model(model: nn.Module, target, shape: Sequence[int], *, steps: int = 200,
                lr: float = 0.1, l2: float = 1e-2, jitter: int = 0, blur: float = 0.0,
                blur_every: int = 4, clip: tuple[float, float] | None = None,
                init: torch.Tensor | None = None, seed: int = 0):
    """An image the network scores highly as class ``target``, found by gradient ascent.

    Class model visualisation (Simonyan, Vedaldi and Zisserman 2014, section 2): starting from
    ``init`` (default: the zero image), repeat

        I ← I + lr · ∇_I [ S_c(I) − l2 · ||I||² ]

    where S_c is the unnormalised score (logit) of class c. Optional "deep dream"-style
    regularisers (Mordvintsev, Olah and Tyka 2015; Yosinski et al. 2015): ``jitter`` shifts the
    image by a random offset of up to ``jitter`` pixels before each gradient step (and back
    after it), so the image cannot exploit the exact pixel grid; ``blur`` > 0 smooths the image
    with a Gaussian of std ``blur`` pixels every ``blur_every`` steps, which suppresses
    high-frequency noise; ``clip=(lo, hi)`` keeps pixel values in a range.

    ``target``: an int, or a sequence of ints to optimise one image per class at once.
    ``shape``: (C, H, W) of one input image. Returns ``(images, scores)``: images (C, H, W) for
    an int target or (K, C, H, W) for K targets, on the CPU; scores: the target score(s) before
    every step and after the last one, a float tensor of shape (steps + 1,) or (steps + 1, K).
    """
    if len(tuple(shape)) != 3:
        raise ValueError(f"shape must be (C, H, W), got {tuple(shape)!r}")
    steps = int(steps) if isinstance(steps, (int, np.integer)) and not isinstance(
        steps, bool) else -1
    if steps < 0:
        raise ValueError("steps must be an int >= 0")
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr!r}")
    if not l2 >= 0:
        raise ValueError(f"l2 must be >= 0, got {l2!r}")
    if isinstance(jitter, bool) or not isinstance(jitter, (int, np.integer)) or jitter < 0:
        raise ValueError(f"jitter must be an int >= 0, got {jitter!r}")
    if not blur >= 0:
        raise ValueError(f"blur must be >= 0, got {blur!r}")
    blur_every = _positive_int(blur_every, "blur_every")
    if clip is not None and not clip[0] < clip[1]:
        raise ValueError(f"clip must be (lo, hi) with lo < hi, got {clip!r}")
    single = isinstance(target, (int, np.integer)) and not isinstance(target, bool)
    targets = [target] if single else list(target)
    if not targets:
        raise ValueError("target must be an int or a non-empty sequence of ints")
    dev = _model_device(model)
    n = len(targets)
    if init is None:
        img = torch.zeros(n, *shape, device=dev, dtype=_model_dtype(model))
    else:
        img = torch.as_tensor(init).to(dev, _model_dtype(model))
        img = img.expand(n, *shape).clone() if img.shape == tuple(shape) else img.clone()
        if tuple(img.shape) != (n, *shape):
            raise ValueError(f"init must have shape {tuple(shape)} or {(n, *shape)}, got "
                             f"{tuple(img.shape)}")
    gen = torch.Generator().manual_seed(seed)
    history = []
    with _EvalMode(model), torch.enable_grad():
        for step in range(steps + 1):
            img.requires_grad_(True)
            dy, dx = (torch.randint(-jitter, jitter + 1, (2,), generator=gen).tolist()
                      if jitter and step < steps else (0, 0))
            scores = model(torch.roll(img, (dy, dx), dims=(2, 3)))
            if step == 0:
                idx = torch.tensor([_check_target(t, scores.shape[1]) for t in targets],
                                   device=dev)
            s = scores.gather(1, idx[:, None])[:, 0]
            history.append(s.detach().cpu())
            if step == steps:
                break
            objective = s.sum() - l2 * (img**2).sum()
            (grad,) = torch.autograd.grad(objective, img)
            with torch.no_grad():
                img = img.detach() + lr * grad
                if blur > 0 and (step + 1) % blur_every == 0:
                    img = _gaussian_blur(img, blur)
                if clip is not None:
                    img = img.clamp(*clip)
    scores = torch.stack(history)
    img = img.detach().cpu()
    return (img[0], scores[:, 0]) if single else (img, scores)


def _find_layer(model: nn.Module, layer) -> nn.Module:
    if isinstance(layer, nn.Module):
        return layer
    modules = dict(model.named_modules())
    if layer not in modules:
        raise ValueError(f"layer {layer!r} not found; the model's layers are "
                         f"{[k for k in modules if k][:12]}...")
    return modules[layer]


@torch.no_grad()
def penultimate_features(model: nn.Module, X: torch.Tensor, layer=None, *,
                         batch_size: int = 1024) -> torch.Tensor:
    """The feature vectors a classifier computes for ``X`` (N, ...), flattened to (N, D).

    ``layer=None``: the input of the model's last ``nn.Linear``, i.e. the last hidden layer
    (the "penultimate" vector that Krizhevsky, Sutskever and Hinton 2012 compared for image
    retrieval). ``layer``: a module of the model or its name (e.g. ``"classifier.3"``): that
    module's output. Eval mode, no gradients, in batches; returns a CPU float tensor.
    """
    if layer is None:
        linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
        if not linears:
            raise ValueError("the model has no nn.Linear layer: pass layer= (a module or name)")
        module, use_input = linears[-1], True
    else:
        module, use_input = _find_layer(model, layer), False
    batch_size = _positive_int(batch_size, "batch_size")
    feats: list[torch.Tensor] = []

    def hook(mod, inp, out):
        feats.append((inp[0] if use_input else out).detach().flatten(1).cpu())

    handle = module.register_forward_hook(hook)
    dev, dtype = _model_device(model), _model_dtype(model)
    try:
        with _EvalMode(model):
            for i in range(0, len(X), batch_size):
                model(X[i:i + batch_size].to(dev, dtype))
    finally:
        handle.remove()
    if not feats:
        raise ValueError("X is empty, or the chosen layer was never called")
    return torch.cat(feats)


def nearest_neighbours(query_feats, db_feats, k: int = 5, metric: str = "cosine", *,
                       exclude_self: bool = False, chunk: int = 1024):
    """The ``k`` database rows nearest to each query row.

    ``metric="cosine"``: distance 1 − q·d / (‖q‖ ‖d‖) (the angle between feature vectors);
    ``"euclidean"``: ‖q − d‖. ``query_feats`` (Q, D) and ``db_feats`` (M, D) are tensors or
    arrays (images are flattened). ``exclude_self=True`` when the queries *are* the database
    (Q = M, query i = row i): row i is then never its own neighbour. Queries are processed in
    chunks of ``chunk`` rows, so Q x M never has to fit in memory at once.

    Returns ``(indices, distances)``, both (Q, k), nearest first; CPU tensors (int64 and
    float64; the distances are computed in float64).
    """
    # float64: |q|² − 2 q·d + |d|² loses the small distances to rounding in float32
    q = torch.as_tensor(np.asarray(query_feats) if not torch.is_tensor(query_feats)
                        else query_feats).detach().cpu().double().flatten(1)
    d = torch.as_tensor(np.asarray(db_feats) if not torch.is_tensor(db_feats)
                        else db_feats).detach().cpu().double().flatten(1)
    if metric not in ("cosine", "euclidean"):
        raise ValueError(f"metric must be 'cosine' or 'euclidean', got {metric!r}")
    if q.shape[1] != d.shape[1]:
        raise ValueError(f"queries and database must have the same feature size, got "
                         f"{q.shape[1]} and {d.shape[1]}")
    if exclude_self and len(q) != len(d):
        raise ValueError(f"exclude_self needs the queries to be the database, got {len(q)} "
                         f"queries and {len(d)} database rows")
    available = len(d) - int(exclude_self)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= available:
        raise ValueError(f"k must be an int in [1, {available}], got {k!r}")
    chunk = _positive_int(chunk, "chunk")
    if metric == "cosine":
        q = q / q.norm(dim=1, keepdim=True).clamp_min(1e-12)
        d = d / d.norm(dim=1, keepdim=True).clamp_min(1e-12)
    d_sq = (d**2).sum(dim=1)
    idx_out, dist_out = [], []
    for start in range(0, len(q), chunk):
        qc = q[start:start + chunk]
        if metric == "cosine":
            dist = 1.0 - qc @ d.T
        else:
            dist = ((qc**2).sum(dim=1, keepdim=True) - 2 * qc @ d.T + d_sq).clamp_min(0).sqrt()
        if exclude_self:
            rows = torch.arange(len(qc))
            dist[rows, rows + start] = float("inf")
        vals, idx = torch.topk(dist, k, dim=1, largest=False, sorted=True)
        idx_out.append(idx)
        dist_out.append(vals)
    return torch.cat(idx_out), torch.cat(dist_out)
