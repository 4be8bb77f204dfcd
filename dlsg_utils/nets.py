"""What every module that runs a torch model needs, in one place: the model's device and
dtype, and eval mode that puts the model's previous mode back afterwards."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch
from torch import nn

__all__ = ["as_device", "check_image_batch", "check_module", "eval_mode", "model_device",
           "model_dtype"]


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


def check_module(name: str, value: object) -> nn.Module:
    """``value`` is a torch ``nn.Module`` (a function that maps x to scores is not: it has no
    parameters to train or device to move)."""
    if not isinstance(value, nn.Module):
        raise TypeError(f"{name} must be a torch nn.Module, got {type(value).__name__}")
    return value


def as_device(value: object, name: str = "device") -> torch.device:
    """``value`` (``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"mps"``, a ``torch.device``) as a
    device this machine has; an error naming ``name`` otherwise."""
    if isinstance(value, torch.device):
        dev = value
    elif isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
        try:
            dev = torch.device(value)
        except (RuntimeError, ValueError):
            raise ValueError(f"{name} must be a torch device such as 'cpu', 'cuda' or 'mps', "
                             f"got {value!r}") from None
    else:
        raise TypeError(f"{name} must be a torch device or its name ('cpu', 'cuda', 'mps'), "
                        f"got {type(value).__name__} {value!r}")
    mps = getattr(torch.backends, "mps", None)
    if (dev.type == "cuda" and not torch.cuda.is_available()) or (
            dev.type == "mps" and not (mps is not None and mps.is_available())):
        raise ValueError(f"{name}={value!r}, but torch finds no such device on this machine; "
                         "use dlsg_utils.device() for the fastest one there is")
    if dev.type not in ("cpu", "cuda", "mps", "meta"):
        raise ValueError(f"{name} must be 'cpu', 'cuda' or 'mps', got {value!r}")
    return dev


def check_image_batch(model: str, x: object, channels: int) -> None:
    """``x`` is a tensor batch ``(N, channels, H, W)`` for the model called ``model``."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{model} expects a torch tensor (N, {channels}, H, W), got "
                        f"{type(x).__name__}")
    if x.ndim != 4 or x.shape[1] != channels:
        raise ValueError(f"{model} expects input of shape (N, {channels}, H, W) with {channels} "
                         f"channels, got shape {tuple(x.shape)}")
