"""What every module that runs a torch model needs, in one place: the model's device and
dtype, and eval mode that puts the model's previous mode back afterwards."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch
from torch import nn

__all__ = ["eval_mode", "model_device", "model_dtype"]


def model_device(model: nn.Module) -> torch.device:
    """Where the model's parameters are (the CPU for a model without parameters)."""
    p = next(model.parameters(), None)
    return p.device if p is not None else torch.device("cpu")


def model_dtype(model: nn.Module) -> torch.dtype:
    """The dtype of the model's floating-point parameters (torch's default without any)."""
    p = next((p for p in model.parameters() if p.is_floating_point()), None)
    return p.dtype if p is not None else torch.get_default_dtype()


@contextlib.contextmanager
def eval_mode(model: nn.Module) -> Iterator[nn.Module]:
    """``with eval_mode(model):`` runs the block in eval mode (dropout off, batch norm on its
    running statistics) and restores the model's previous train/eval mode afterwards, even if
    the block raises."""
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)
