"""Gradient norms layer by layer: what back-propagation delivers to each part of a network.

:class:`GradientNorms` watches a model through hooks, so it works inside any training loop
(:func:`dlsg_utils.train.fit` included) without changing it. At every backward pass it records

* ``‖∂L/∂a‖`` for the **output** ``a`` of each watched module (for a ResNet: each block's
  output, the signal that eq. (5) of He et al. (2016), "Identity mappings in deep residual
  networks", is about), and
* ``‖∂L/∂W‖`` for each watched **parameter** (for example every convolution's weights: what
  the optimiser actually steps with),

all as Frobenius norms over the whole mini-batch tensor (``L`` is the batch-mean loss).
Chapter 13 uses it to compare plain and residual networks at initialisation and while they
train.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["GradientNorms", "block_modules", "conv_weights"]


def block_modules(model: nn.Module) -> dict[str, nn.Module]:
    """The residual (or plain) blocks of a CIFAR ResNet, in forward order, by name.

    Any module with a ``residual`` method counts as a block
    (:class:`~dlsg_utils.models.BasicBlock`, :class:`~dlsg_utils.models.PreActBlock`,
    :class:`~dlsg_utils.models.Bottleneck`).
    """
    blocks = {name: m for name, m in model.named_modules() if callable(getattr(m, "residual",
                                                                               None))}
    if not blocks:
        raise ValueError(f"{type(model).__name__} has no blocks (modules with a residual() "
                         "method)")
    return blocks


def conv_weights(model: nn.Module) -> dict[str, torch.Tensor]:
    """The weight tensor of every convolution of ``model``, in definition order, by name
    (``"stage1.0.conv1"``, ...); a block's 1x1 projection shortcut included."""
    return {name: m.weight for name, m in model.named_modules() if isinstance(m, nn.Conv2d)}


class GradientNorms:
    """Record ``‖∂L/∂a‖`` of module outputs and ``‖∂L/∂W‖`` of parameters at every backward pass.

    ``GradientNorms(model, outputs={"stage1.0": block, ...}, params={"conv1": w, ...})``
    registers hooks; from then on every backward pass through ``model`` appends one norm per
    watched name to ``self.history[name]`` (a backward pass that does not reach a name leaves
    that name's list one shorter). Forward passes without gradients (``torch.no_grad``,
    evaluation) record nothing. :meth:`remove` takes the hooks off (``with GradientNorms(...)
    as g:`` does it at the end of the block). :meth:`measure` is one forward and backward pass
    on a batch that leaves the model as it was. Norms are kept as tensors on the model's device
    and read only when asked for (:meth:`array`), so recording does not slow a GPU down.
    """

    def __init__(self, model: nn.Module, outputs: Mapping[str, nn.Module] | None = None,
                 params: Mapping[str, torch.Tensor] | None = None):
        if not outputs and not params:
            raise ValueError("watch something: pass outputs={name: module} and/or "
                             "params={name: parameter}")
        self.model = model
        self.names = list(outputs or {}) + list(params or {})
        if len(set(self.names)) != len(self.names):
            raise ValueError(f"names must be unique across outputs and params, got {self.names}")
        self.history: dict[str, list[torch.Tensor]] = {n: [] for n in self.names}
        self._handles = []
        for name, module in (outputs or {}).items():
            self._handles.append(module.register_forward_hook(self._output_hook(name)))
        for name, p in (params or {}).items():
            if not p.requires_grad:
                raise ValueError(f"parameter {name!r} does not require gradients")
            self._handles.append(p.register_hook(self._recorder(name)))

    def _recorder(self, name: str) -> Callable[[torch.Tensor], None]:
        def record(grad: torch.Tensor) -> None:
            self.history[name].append(grad.detach().norm())
        return record

    def _output_hook(self, name: str):
        def hook(module, inputs, output):
            if isinstance(output, torch.Tensor) and output.requires_grad:
                output.register_hook(self._recorder(name))
        return hook

    def remove(self) -> None:
        """Take the hooks off the model (the history stays)."""
        for h in self._handles:
            h.remove()
        self._handles = []

    def __enter__(self) -> GradientNorms:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()

    def clear(self) -> None:
        """Forget the recorded history."""
        self.history = {n: [] for n in self.names}

    def array(self, names=None) -> np.ndarray:
        """The history as an array ``(backward passes, names)`` (default: every watched name,
        in the order they were given). Names must have the same number of records."""
        names = self.names if names is None else list(names)
        lengths = {n: len(self.history[n]) for n in names}
        if len(set(lengths.values())) > 1:
            raise ValueError(f"the names have different numbers of records: {lengths}")
        if not names or not lengths[names[0]]:
            return np.zeros((0, len(names)))
        return np.array([[float(v) for v in self.history[n]] for n in names]).T

    def measure(self, X: torch.Tensor, y: torch.Tensor, *,
                loss_fn: Callable | None = None) -> dict[str, float]:
        """One forward and backward pass on ``(X, y)`` in training mode (batch-norm uses the
        batch's statistics, as in training); returns ``{name: norm}`` for this pass.

        The model is left exactly as it was: its batch-norm running statistics are restored,
        its gradients cleared, its train/eval mode put back, and nothing is added to
        ``self.history``.
        """
        loss_fn = F.cross_entropy if loss_fn is None else loss_fn
        buffers = copy.deepcopy(dict(self.model.named_buffers()))
        was_training = self.model.training
        saved = self.history
        self.history = {n: [] for n in self.names}
        try:
            self.model.train()
            self.model.zero_grad(set_to_none=True)
            loss_fn(self.model(X), y).backward()
            result = {n: float(v[-1]) for n, v in self.history.items() if v}
        finally:
            self.history = saved
            self.model.zero_grad(set_to_none=True)
            with torch.no_grad():
                for name, buf in self.model.named_buffers():
                    buf.copy_(buffers[name])
            self.model.train(was_training)
        return result

    def __repr__(self) -> str:
        return f"GradientNorms({len(self.names)} names, {len(self._handles)} hooks)"
