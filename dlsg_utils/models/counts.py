"""What a network is made of: parameters, LeCun's connections, the per-layer table of output
shapes, parameters and multiply-accumulates (torchinfo), and its feature layers; plus the
helpers every architecture module shares (a model's forward probe, He initialisation)."""

from __future__ import annotations

import math
import re

import torch
from torch import nn

from ..nets import eval_mode, model_device
from .blocks import RBFOutput, SparseConv2d, Subsampling

__all__ = ["count_connections", "count_parameters", "feature_layers", "init_he", "summary"]


def count_parameters(model: nn.Module, trainable_only: bool = True) -> int:
    """Number of (trainable) parameters: ``sum(p.numel())``."""
    _check_module(model)
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def _check_module(model: object) -> None:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch nn.Module, got {type(model).__name__}")


def _example_shape(input_shape) -> tuple[int, ...]:
    """One example's shape, e.g. (1, 28, 28), as a tuple of positive ints."""
    try:
        shape = tuple(int(s) for s in input_shape)
    except (TypeError, ValueError):
        raise TypeError(f"input_shape must be a tuple of ints like (1, 28, 28), got "
                        f"{input_shape!r}") from None
    if not shape or any(s < 1 for s in shape):
        raise ValueError(f"input_shape must be one example's shape like (1, 28, 28), "
                         f"got {input_shape!r}")
    return shape


def _probe(model: nn.Module, input_shape) -> None:
    """One forward pass of a batch of one zero example, on the model's device, in eval mode and
    without gradients; the model's mode is restored. A shape the model cannot take is a
    ValueError naming input_shape."""
    _check_module(model)
    shape = _example_shape(input_shape)
    try:
        with eval_mode(model), torch.no_grad():
            model(torch.zeros(1, *shape, device=model_device(model)))
    except RuntimeError as err:
        raise ValueError(f"input_shape {shape} does not fit {type(model).__name__}: "
                         f"{err}") from None


def init_he(model: nn.Module) -> nn.Module:
    """He et al. (2015) initialisation for ReLU networks, in place: every ``Conv2d`` and
    ``Linear`` weight drawn from N(0, 2 / fan_in), every bias set to 0. Returns ``model``.

    With it the variance of the activations stays about the same from layer to layer of a ReLU
    stack; PyTorch's default (uniform with variance 1 / (3 fan_in)) divides it by about 6 per
    layer, so that in a freshly built :class:`MiniAlexNet` the input of the last ReLU is more
    than a hundred times smaller than that of the first (tests/test_models.py). (AlexNet itself used N(0, 0.01²) weights and biases of 1 in some
    layers; He et al.'s rule came three years later.)
    """
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    return model


def _activation(name: str) -> nn.Module:
    acts = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}
    if name not in acts:
        raise ValueError(f"activation must be one of {sorted(acts)}, got {name!r}")
    return acts[name]()


# --------------------------------------------------------------------------------------------
# Tables, counts and drawings
# --------------------------------------------------------------------------------------------


def summary(model: nn.Module, input_shape, *, depth: int = 3, verbose: int = 0, **kwargs):
    """Per-layer table of output shape, parameters and multiply-accumulates (torchinfo).

    ``input_shape`` is one example's shape, e.g. ``(1, 28, 28)``; a batch of one is used.
    Returns torchinfo's ``ModelStatistics``: print it (or let a notebook display it) for the
    table; ``.total_params``, ``.trainable_params`` and ``.total_mult_adds`` hold the totals.
    The model is run on the CPU in eval mode (a copy's device and mode are not changed).
    """
    from torchinfo import summary as _summary

    shape = _example_shape(input_shape)
    _probe(model, shape)  # a clear error for a shape the model cannot take
    with eval_mode(model):  # torchinfo leaves the model in eval mode otherwise
        stats = _summary(
            model, input_size=(1, *shape), depth=depth, verbose=verbose, device="cpu",
            mode="eval",
            col_names=kwargs.pop("col_names", ("output_size", "num_params", "mult_adds")),
            row_settings=kwargs.pop("row_settings", ("var_names",)), **kwargs)
    return _Summary(stats)


_UNITS = {"KILOBYTES": "thousands", "MEGABYTES": "millions", "GIGABYTES": "billions",
          "TERABYTES": "trillions", "NONE": "units"}


class _Summary:
    """torchinfo's ModelStatistics, printed with readable units.

    torchinfo 1.8 on Python >= 3.11 prints the unit of the mult-adds total as
    "(Units.MEGABYTES)"; here it reads "(millions)". Every attribute of the statistics
    (``total_params``, ``total_mult_adds``, ``summary_list``, ...) is available unchanged.
    """

    def __init__(self, stats):
        self.stats = stats

    def __getattr__(self, name):
        return getattr(self.stats, name)

    def __repr__(self) -> str:
        return re.sub(r"\(Units\.(\w+)\)", lambda m: f"({_UNITS.get(m.group(1), m.group(1))})",
                      str(self.stats))

    __str__ = __repr__


def _leaf_modules(model: nn.Module):
    for name, m in model.named_modules():
        if not list(m.children()):
            yield name, m


def count_connections(model: nn.Module, input_shape) -> dict[str, int]:
    """LeCun's "connections" of each layer with weights, and their ``"total"``.

    A connection is one multiply (or add of a bias) in the forward pass: for a convolution
    ``H_out x W_out x C_out x (fan-in + 1)`` (only the connected channels for C3), for a
    subsampling layer ``H_out x W_out x C x (k^2 + 1)``, for a fully connected layer
    ``out x (in + 1)``, for the RBF layer ``out x in``.
    """
    _check_module(model)
    shapes: dict[str, tuple[int, ...]] = {}
    hooks = []
    for name, m in _leaf_modules(model):
        hooks.append(m.register_forward_hook(
            lambda mod, inp, out, name=name: shapes.__setitem__(name, tuple(out.shape[1:]))))
    try:
        _probe(model, input_shape)
    finally:
        for h in hooks:
            h.remove()
    counts: dict[str, int] = {}
    for name, m in _leaf_modules(model):
        if name not in shapes:
            continue
        out = shapes[name]
        if isinstance(m, SparseConv2d):
            k = m.kernel_size[0] * m.kernel_size[1]
            fan = m.mask[:, :, 0, 0].sum(dim=1)  # connected inputs per output map
            counts[name] = int(out[1] * out[2] * float((fan * k + 1).sum()))
        elif isinstance(m, nn.Conv2d):
            k = m.kernel_size[0] * m.kernel_size[1] * m.in_channels // m.groups
            counts[name] = math.prod(out) * (k + (m.bias is not None))
        elif isinstance(m, Subsampling):
            counts[name] = math.prod(out) * (m.kernel_size ** 2 + 1)
        elif isinstance(m, nn.Linear):
            counts[name] = m.out_features * (m.in_features + (m.bias is not None))
        elif isinstance(m, RBFOutput):
            counts[name] = m.codes.numel()
    counts["total"] = sum(counts.values())
    return counts


def feature_layers(model: nn.Module, input_shape) -> list[tuple[str, nn.Module, tuple]]:
    """(name, module, output shape) of each convolution, pooling and fully connected layer
    in forward order -- the layers :func:`~dlsg_utils.plot.draw_architecture` draws."""
    kinds = (nn.Conv2d, nn.Linear, nn.MaxPool2d, nn.AvgPool2d, Subsampling, RBFOutput,
             nn.AdaptiveAvgPool2d)
    found: list[tuple[str, nn.Module, tuple]] = []
    hooks = []
    for name, m in model.named_modules():
        if isinstance(m, kinds):
            hooks.append(m.register_forward_hook(
                lambda mod, inp, out, name=name: found.append(
                    (name, mod, tuple(out.shape[1:])))))
    try:
        _probe(model, input_shape)
    finally:
        for h in hooks:
            h.remove()
    return found
