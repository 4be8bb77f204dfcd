"""The ``torch.optim`` optimizer that follows the same path as one of ours, where there is one."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np
import torch

from .adam import Adam, AdaMax, AdamW
from .adaptive import AdaDelta, Adagrad, RMSProp, Rprop
from .base import Optimizer
from .momentum import SGD, Momentum, Nesterov

__all__ = ["torch_equivalent", "torch_path"]


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


def torch_path(make_opt: Callable[[list[torch.Tensor]], torch.optim.Optimizer],
               grad_fn: Callable[[np.ndarray], np.ndarray], x0, steps: int,
               lrs: Sequence[float] | None = None):
    """The points θ₀, …, θ_steps a ``torch.optim`` optimizer visits when it is fed a NumPy
    gradient, to set beside :func:`~dlsg_utils.optim.run`'s path of one of ours.

    ``make_opt`` builds the optimizer on a list of one float64 tensor started at ``x0``
    (``lambda ps: torch.optim.SGD(ps, lr=0.01, momentum=0.9)``); ``grad_fn(θ)`` returns the
    gradient as an array; ``lrs[t]``, if given, sets the learning rate before step ``t``. Returns
    ``(path, optimizer, parameter)``: the path as an array ``(steps + 1, d)``, and the optimizer
    and tensor, whose state can be inspected afterwards.

    >>> path, opt, p = torch_path(lambda ps: torch.optim.SGD(ps, lr=0.1), lambda x: 2 * x,
    ...                           [1.0], steps=2)
    >>> path.ravel().round(4).tolist()
    [1.0, 0.8, 0.64]
    """
    if not callable(make_opt) or not callable(grad_fn):
        raise TypeError("make_opt and grad_fn must be callables: make_opt(params) -> a "
                        "torch.optim optimizer, grad_fn(theta) -> the gradient as an array")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise ValueError(f"steps must be a non-negative int, got {steps!r}")
    if lrs is not None and len(lrs) < steps:
        raise ValueError(f"lrs must give a learning rate for each of the {steps} steps, got "
                         f"{len(lrs)}")
    p = torch.tensor(np.asarray(x0, dtype=np.float64), requires_grad=True)
    opt = make_opt([p])
    path = [p.detach().numpy().copy()]
    for t in range(steps):
        if lrs is not None:
            for group in opt.param_groups:
                group["lr"] = lrs[t]
        p.grad = torch.as_tensor(np.asarray(grad_fn(p.detach().numpy()), dtype=np.float64))
        opt.step()
        path.append(p.detach().numpy().copy())
    return np.array(path), opt, p
