"""What a network computes inside: the outputs of chosen layers, statistics of first-layer
filters, penultimate features and retrieval by nearest neighbours (chapters 10-14)."""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from ..checks import check_int
from ..nets import eval_mode, model_device, model_dtype

__all__ = ["activations", "filter_statistics", "nearest_neighbours", "penultimate_features"]


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
    batch_size = check_int("batch_size", batch_size, min=1)
    feats: list[torch.Tensor] = []

    def hook(mod, inp, out):
        feats.append((inp[0] if use_input else out).detach().flatten(1).cpu())

    handle = module.register_forward_hook(hook)
    dev, dtype = model_device(model), model_dtype(model)
    try:
        with eval_mode(model):
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
    chunk = check_int("chunk", chunk, min=1)
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
