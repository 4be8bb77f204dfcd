"""The ``torch.optim`` optimizer that follows the same path as one of ours, where there is one."""

from __future__ import annotations

from collections.abc import Iterable

import torch

from .adam import Adam, AdaMax, AdamW
from .adaptive import AdaDelta, Adagrad, RMSProp, Rprop
from .base import Optimizer
from .momentum import SGD, Momentum, Nesterov

__all__ = ["torch_equivalent"]


def torch_equivalent(opt: Optimizer, params: Iterable[torch.Tensor]) -> torch.optim.Optimizer | None:
    """A ``torch.optim`` optimizer on ``params`` that takes the same steps as ``opt``.

    Same hyper-parameters, mapped as in each class's docstring; ``None`` for the methods
    PyTorch implements differently (:class:`~dlsg_utils.optim.Nadam`,
    :class:`~dlsg_utils.optim.AMSGrad`, ``Adam(bias_correction=False)``,
    ``Rprop(backtrack=True)``). For
    :class:`~dlsg_utils.optim.Nesterov`, PyTorch's parameter is the look-ahead point
    ``theta - gamma * v``, not ``theta``. Paths agree to rounding error for a constant ``lr``
    (PyTorch's momentum rescales its buffer when ``lr`` changes).
    """
    if not isinstance(opt, Optimizer):
        raise TypeError(f"opt must be a dlsg_utils.optim.Optimizer, got {type(opt).__name__}")
    p = list(params)
    kind = type(opt)
    if kind is SGD:
        return torch.optim.SGD(p, lr=opt.lr)
    if kind in (Momentum, Nesterov):
        return torch.optim.SGD(p, lr=opt.lr, momentum=opt.gamma, nesterov=kind is Nesterov)
    if kind is Adagrad:
        return torch.optim.Adagrad(p, lr=opt.lr, eps=opt.eps, lr_decay=0,
                                   initial_accumulator_value=0)
    if kind is RMSProp:
        return torch.optim.RMSprop(p, lr=opt.lr, alpha=opt.rho, eps=opt.eps)
    if kind is Rprop and not opt.backtrack:
        return torch.optim.Rprop(p, lr=opt.lr, etas=opt.etas, step_sizes=opt.step_sizes)
    if kind is AdaDelta:
        return torch.optim.Adadelta(p, lr=opt.lr, rho=opt.rho, eps=opt.eps)
    if kind is Adam and opt.bias_correction:
        return torch.optim.Adam(p, lr=opt.lr, betas=(opt.beta1, opt.beta2), eps=opt.eps)
    if kind is AdamW:
        return torch.optim.AdamW(p, lr=opt.lr, betas=(opt.beta1, opt.beta2), eps=opt.eps,
                                 weight_decay=opt.weight_decay)
    if kind is AdaMax:
        return torch.optim.Adamax(p, lr=opt.lr, betas=(opt.beta1, opt.beta2), eps=opt.eps)
    return None
