"""A trained model on data: mean loss and accuracy, predictions, and the average of several
models (chapters 6 and 11-14)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..checks import check_int
from ..nets import as_device, check_module, eval_mode, model_device
from .batches import (
    Data,
    _Batches,
    _check_class_labels,
    _check_data,
    _check_label_range,
    _n_correct,
    _numpy_pair,
)

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]

__all__ = ["ensemble_predict", "evaluate", "predict"]


@torch.no_grad()
def evaluate(
    model: nn.Module,
    data: Data,
    *,
    batch_size: int = 1024,
    loss_fn: LossFn | None = None,
    device: torch.device | str | None = None,
) -> tuple[float, float]:
    """Mean loss and accuracy of ``model`` on ``data`` (no gradients, model in eval mode).

    ``loss_fn`` must average over the batch (default: cross-entropy); batch means are weighted
    by batch size, so the result is the mean over all examples. Accuracy is the fraction of
    examples whose largest output is the label (``nan`` for outputs that are not class scores).
    ``device`` defaults to the device of the model's parameters. The model's train/eval mode is
    restored afterwards.
    """
    check_module("model", model)
    _check_data(data, "data")
    if loss_fn is None:
        _check_class_labels(data, "data")
    batch_size = check_int("batch_size", batch_size, min=1)
    dev = as_device(device) if device is not None else model_device(model)
    return _evaluate_batches(model, _Batches(data, dev, batch_size), loss_fn)


@torch.no_grad()
def _evaluate_batches(model: nn.Module, batches: _Batches,
                      loss_fn: LossFn | None = None) -> tuple[float, float]:
    """:func:`evaluate` on batches already placed on the device (``fit`` places its
    validation data once, not at every epoch)."""
    loss_fn = F.cross_entropy if loss_fn is None else loss_fn
    total_loss, total_correct, count, classify = 0.0, 0, 0, True
    with eval_mode(model):
        for xb, yb in batches():
            out = model(xb)
            if count == 0 and batches.loader is None and batches.dataset is None:
                _check_label_range(out, batches.y, "data")
            total_loss += float(loss_fn(out, yb)) * len(yb)
            correct = _n_correct(out, yb)
            classify = classify and correct is not None
            total_correct += int(correct) if correct is not None else 0
            count += len(yb)
    if count == 0:
        raise ValueError("data is empty")
    return total_loss / count, (total_correct / count if classify else math.nan)


@torch.no_grad()
def predict(
    model: nn.Module,
    X: torch.Tensor,
    *,
    batch_size: int = 1024,
    labels: bool = False,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """The model's outputs for ``X: (N, ...)``: logits ``(N, K)``, or labels ``(N,)`` if asked.

    Runs in eval mode without gradients, in batches, on ``device`` (default: where the model's
    parameters are); returns a CPU tensor.
    """
    check_module("model", model)
    batch_size = check_int("batch_size", batch_size, min=1)
    if isinstance(X, np.ndarray):
        X = _numpy_pair(X, np.zeros(0, dtype=np.int64))[0]
    if not isinstance(X, torch.Tensor):
        raise TypeError(f"X must be a tensor (N, ...), got {type(X).__name__}")
    dev = as_device(device) if device is not None else model_device(model)
    with eval_mode(model):
        outs = [model(X[i:i + batch_size].to(dev)).cpu() for i in range(0, len(X), batch_size)]
    out = torch.cat(outs) if outs else torch.empty(0)
    return out.argmax(dim=1) if labels else out


def ensemble_predict(
    models: Sequence[nn.Module],
    X: torch.Tensor,
    *,
    batch_size: int = 1024,
    labels: bool = False,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """Average the softmax probabilities of several models: (1/K) Σ_k softmax(f_k(X)).

    Returns probabilities ``(N, C)`` on the CPU, or the labels ``(N,)`` of the largest averaged
    probability if ``labels``.
    """
    one_model = isinstance(models, nn.Module) and not isinstance(models, nn.ModuleList)
    if one_model or isinstance(models, (str, bytes)) or not hasattr(models, "__len__"):
        raise TypeError(f"models must be a list of models, got {type(models).__name__}; for "
                        "one model write ensemble_predict([model], X)")
    if len(models) == 0:
        raise ValueError("models must hold at least one model, got none")
    for i, m in enumerate(models):
        check_module(f"models[{i}]", m)
    probs = sum(predict(m, X, batch_size=batch_size, device=device).softmax(dim=1)
                for m in models) / len(models)
    return probs.argmax(dim=1) if labels else probs
