"""Which pixels a class score depends on, and what input a class prefers: saliency (Simonyan et
al. 2014), occlusion (Zeiler & Fergus 2014) and class models by gradient ascent (chapter 14)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from ..checks import check_int
from ..nets import eval_mode, model_device, model_dtype

__all__ = ["class_model", "occlusion_map", "rank_correlation", "saliency_map"]


def _check_target(target: int, num_classes: int) -> int:
    if isinstance(target, bool) or not isinstance(target, (int, np.integer)):
        raise ValueError(f"target must be a class index (int), got {target!r}")
    if not 0 <= int(target) < num_classes:
        raise ValueError(f"target must lie in [0, {num_classes}), got {target}")
    return int(target)


def saliency_map(model: nn.Module, x: torch.Tensor, target=None) -> torch.Tensor:
    """Image-specific class saliency (Simonyan, Vedaldi and Zisserman 2014, section 3.1).

    For an image I and the unnormalised score S_c of class c (the logit, before the softmax),
    ``M[i, j] = max_ch |∂S_c / ∂I[ch, i, j]|``: how much a small change of pixel (i, j), in its
    most sensitive channel, changes the class score.

    * ``x``: one image (C, H, W) or a batch (N, C, H, W).
    * ``target``: None (each image's predicted class), an int, or one int per image.

    Returns (H, W) for one image, (N, H, W) for a batch; a CPU float tensor. The model is run in
    eval mode on its own device, and its parameter gradients are left untouched.

    The book: :eq:`eq-ch14-saliency`, chapter 14.
    """
    x = torch.as_tensor(x)
    if x.ndim not in (3, 4):
        raise ValueError(f"x must be one image (C, H, W) or a batch (N, C, H, W), "
                         f"got shape {tuple(x.shape)}")
    single = x.ndim == 3
    xb = (x[None] if single else x).detach().to(model_device(model), model_dtype(model))
    xb = xb.clone()
    xb.requires_grad_(True)
    with eval_mode(model), torch.enable_grad():
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


def rank_correlation(a, b) -> torch.Tensor:
    """Spearman's rank correlation of ``a[i]`` and ``b[i]`` for every row i: two batches of maps
    (N, ...) of the same shape, each map flattened. Ties get their average rank (as in
    ``scipy.stats.rankdata``), so a map with flat regions is not ranked by accident of storage
    order. 1: the same ordering of the pixels, 0: unrelated, −1: reversed. Returns float64 (N,);
    nan for a constant map."""
    from scipy.stats import rankdata

    x = torch.as_tensor(a).detach().cpu().double().flatten(1)
    y = torch.as_tensor(b).detach().cpu().double().flatten(1)
    if x.shape != y.shape or x.shape[1] < 2:
        raise ValueError(f"a and b must be batches of maps of one shape with at least 2 values "
                         f"each, got {tuple(torch.as_tensor(a).shape)} and "
                         f"{tuple(torch.as_tensor(b).shape)}")
    rx, ry = (torch.from_numpy(rankdata(v.numpy(), axis=1)) for v in (x, y))
    rx, ry = rx - rx.mean(dim=1, keepdim=True), ry - ry.mean(dim=1, keepdim=True)
    return (rx * ry).sum(1) / (rx.norm(dim=1) * ry.norm(dim=1))


@torch.no_grad()
def occlusion_map(model: nn.Module, x: torch.Tensor, target: int, *, patch: int = 6,
                  stride: int = 2, fill: float | str = 0.0, output: str = "probability",
                  batch_size: int = 256) -> torch.Tensor:
    """Occlusion sensitivity (Zeiler and Fergus 2014, section 4.2).

    A ``patch`` x ``patch`` square of value ``fill`` (a number, or ``"mean"``: the image's mean
    per channel) is slid over the image with step ``stride``; for every position the model's
    softmax probability of class ``target`` is recorded. Entry ``[i, j]`` is the probability
    with the square covering rows ``i*stride : i*stride + patch`` and columns
    ``j*stride : j*stride + patch``, so the map has shape
    ``((H - patch) // stride + 1, (W - patch) // stride + 1)``. Low values mark the regions the
    class depends on. ``output="score"`` records the class score S_c (the logit, before the
    softmax) instead of the probability. All occluded copies are evaluated in batches of
    ``batch_size``.

    ``x``: one image (C, H, W) or (1, C, H, W). Returns a CPU float tensor.
    """
    x = torch.as_tensor(x)
    if x.ndim == 4 and x.shape[0] == 1:
        x = x[0]
    if x.ndim != 3:
        raise ValueError(f"x must be one image (C, H, W) or (1, C, H, W), got shape "
                         f"{tuple(x.shape)}")
    patch, stride = check_int("patch", patch, min=1), check_int("stride", stride, min=1)
    batch_size = check_int("batch_size", batch_size, min=1)
    if output not in ("probability", "score"):
        raise ValueError(f"output must be 'probability' or 'score', got {output!r}")
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
    dev, dtype = model_device(model), model_dtype(model)
    base = x.detach().to(dev, dtype)
    value = value.to(dev, dtype)
    probs = []
    with eval_mode(model):
        for start in range(0, len(positions), batch_size):
            chunk = positions[start:start + batch_size]
            xb = base.repeat(len(chunk), 1, 1, 1)
            for b, (i, j) in enumerate(chunk):
                xb[b, :, i:i + patch, j:j + patch] = value
            out = model(xb)
            if start == 0:
                target = _check_target(target, out.shape[1])
            if output == "probability":
                out = torch.softmax(out, dim=1)
            probs.append(out[:, target].cpu())
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

    The book: :eq:`eq-ch14-class-model`, chapter 14.
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
    blur_every = check_int("blur_every", blur_every, min=1)
    if clip is not None and not clip[0] < clip[1]:
        raise ValueError(f"clip must be (lo, hi) with lo < hi, got {clip!r}")
    single = isinstance(target, (int, np.integer)) and not isinstance(target, bool)
    targets = [target] if single else list(target)
    if not targets:
        raise ValueError("target must be an int or a non-empty sequence of ints")
    dev = model_device(model)
    n = len(targets)
    if init is None:
        img = torch.zeros(n, *shape, device=dev, dtype=model_dtype(model))
    else:
        img = torch.as_tensor(init).to(dev, model_dtype(model))
        img = img.expand(n, *shape).clone() if img.shape == tuple(shape) else img.clone()
        if tuple(img.shape) != (n, *shape):
            raise ValueError(f"init must have shape {tuple(shape)} or {(n, *shape)}, got "
                             f"{tuple(img.shape)}")
    gen = torch.Generator().manual_seed(seed)
    history = []
    with eval_mode(model), torch.enable_grad():
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
