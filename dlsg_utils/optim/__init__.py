"""Optimizers from scratch in NumPy: the update rules of chapters 1, 3 and 4.

Every optimizer updates a list of float arrays in place and calls the gradient itself::

    opt = Adam(lr=0.01)
    opt.step(params, grad_fn)           # grad_fn(points) -> [gradient per array]
    path = run(opt, ROSENBROCK.grad, (-1.5, 2.0), 500)   # (501, 2): one point per step

``opt.state`` holds the running statistics under the names of the book's equations, ``opt.t``
the number of steps taken. Each class's docstring states its update and its ``torch.optim``
counterpart; :func:`torch_equivalent` builds that counterpart.

==========  ============================  ================================================
module      optimizers                    chapter
==========  ============================  ================================================
momentum    SGD, Momentum, Nesterov       1 "Gradient descent", 3 "Momentum and Nesterov"
adaptive    Rprop, Adagrad, RMSProp,      4 "Adaptive learning rates"
            AdaDelta
adam        Adam, AdamW, AdaMax, Nadam,   4 "Adaptive learning rates"
            AMSGrad
==========  ============================  ================================================
"""

from __future__ import annotations

from .adam import Adam, AdaMax, AdamW, AMSGrad, Nadam
from .adaptive import AdaDelta, Adagrad, RMSProp, Rprop
from .base import GradFn, Optimizer, run
from .momentum import SGD, Momentum, Nesterov
from .torch_compat import torch_equivalent

__all__ = [
    "OPTIMIZERS", "SGD", "AdaDelta", "Adagrad", "AdaMax", "Adam", "AdamW", "AMSGrad", "GradFn",
    "Momentum", "Nadam", "Nesterov", "Optimizer", "RMSProp", "Rprop", "run", "torch_equivalent",
]

OPTIMIZERS: dict[str, type[Optimizer]] = {
    "SGD": SGD,
    "Momentum": Momentum,
    "Nesterov": Nesterov,
    "Adagrad": Adagrad,
    "RMSProp": RMSProp,
    "Adam": Adam,
    "AdaDelta": AdaDelta,
    "AdaMax": AdaMax,
    "Nadam": Nadam,
    "AMSGrad": AMSGrad,
    "AdamW": AdamW,
}
"""Display name → optimizer class, in the order of the book."""
