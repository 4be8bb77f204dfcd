"""Gradient descent, momentum and Nesterov's accelerated gradient (chapters 1 and 3)."""

from __future__ import annotations

import numpy as np

from .base import Optimizer, check_unit

__all__ = ["SGD", "Momentum", "Nesterov"]


class SGD(Optimizer):
    r"""(Stochastic) gradient descent, chapter 1 "Gradient descent".

    The book: :eq:`eq-ch01-gd-update`, chapter 1.

    .. math::
        \theta_{t+1} = \theta_t - \eta\, \nabla_\theta J(\theta_t)

    Whether it is batch, stochastic or mini-batch gradient descent depends only on what
    ``grad_fn`` computes the gradient on. No state.

    PyTorch: ``torch.optim.SGD(params, lr=lr)``, exactly.
    """

    def __init__(self, *, lr: float) -> None:
        super().__init__(lr=lr)

    def _update(self, p: np.ndarray, g: np.ndarray) -> None:
        p -= self.lr * g


class Momentum(Optimizer):
    r"""Momentum (the slides' form), chapter 3 "Momentum and Nesterov".

    The book: :eq:`eq-ch03-momentum`, chapter 3; PyTorch's form is :eq:`eq-ch03-torch-momentum`.

    .. math::
        v_t = \gamma\, v_{t-1} + \eta\, \nabla_\theta J(\theta_t), \qquad
        \theta_{t+1} = \theta_t - v_t, \qquad v_0 = 0

    State ``"v"``: the velocity :math:`v_t`.

    PyTorch: ``torch.optim.SGD(params, lr=lr, momentum=gamma)`` keeps a buffer
    :math:`b_t = \gamma b_{t-1} + g_t` and steps :math:`\theta \mathrel{-}= \text{lr}\, b_t`.
    For a constant ``lr`` the parameters are identical and :math:`v_t = \text{lr}\cdot b_t`.
    They differ once ``lr`` changes mid-run: here a new η only scales the new gradient, in
    PyTorch it rescales the whole accumulated buffer.
    """

    state_names = ("v",)

    def __init__(self, *, lr: float, gamma: float = 0.9) -> None:
        super().__init__(lr=lr)
        self.gamma = check_unit("gamma", gamma)

    def _update(self, p: np.ndarray, g: np.ndarray, v: np.ndarray) -> None:
        v[...] = self.gamma * v + self.lr * g
        p -= v


class Nesterov(Momentum):
    r"""Nesterov's accelerated gradient (the slides' form), chapter 3 "Momentum and Nesterov".

    The book: :eq:`eq-ch03-nesterov`, chapter 3; PyTorch's form is :eq:`eq-ch03-torch-nesterov`.

    .. math::
        v_t = \gamma\, v_{t-1} + \eta\, \nabla_\theta J(\theta_t - \gamma v_{t-1}), \qquad
        \theta_{t+1} = \theta_t - v_t, \qquad v_0 = 0

    The gradient is measured at the look-ahead point :math:`\theta_t - \gamma v_{t-1}`, where
    the momentum step alone would land: :meth:`~dlsg_utils.optim.Optimizer.step` builds those arrays and calls
    ``grad_fn`` on them. State ``"v"``: the velocity.

    PyTorch: ``torch.optim.SGD(params, lr=lr, momentum=gamma, nesterov=True)`` stores the
    look-ahead point :math:`\varphi_t = \theta_t - \gamma v_{t-1}` as its parameter: for a
    constant ``lr`` and the same start, after every step its parameter equals
    ``theta - gamma * opt.state["v"]`` here (and :math:`v = \text{lr}\cdot b`), not
    ``theta``. Both converge to the same minimum since :math:`v \to 0` there.
    """

    def _grad_points(self, params: list[np.ndarray]) -> list[np.ndarray]:
        return [p - self.gamma * v for p, v in zip(params, self.state["v"], strict=True)]
