"""Which examples and classes a classifier gets wrong: the confusion matrix and the most confident
mistakes (chapter 11)."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..checks import check_int
from ..nets import eval_mode, model_device

__all__ = ["confusion_matrix", "worst_mistakes"]


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


@torch.no_grad()
def worst_mistakes(model: nn.Module, X: torch.Tensor, y: torch.Tensor, k: int = 12,
                   batch_size: int = 1024):
    """The ``k`` misclassified examples with the highest predicted probability.

    Returns ``(indices, predicted, confidence)`` as tensors, most confident mistake first.
    The model is evaluated in eval mode on its own device.
    """
    k = check_int("k", k, min=1)
    batch_size = check_int("batch_size", batch_size, min=1)
    dev = model_device(model)
    with eval_mode(model):
        probs = torch.cat([torch.softmax(model(X[i:i + batch_size].to(dev)), dim=1).cpu()
                           for i in range(0, len(X), batch_size)])
    conf, pred = probs.max(dim=1)
    wrong = torch.nonzero(pred != y.cpu()).flatten()
    order = torch.argsort(conf[wrong], descending=True)[:k]
    idx = wrong[order]
    return idx, pred[idx], conf[idx]
