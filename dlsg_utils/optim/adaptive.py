"""Per-parameter learning rates: Adagrad, RMSProp and AdaDelta (chapter 4).

All operations are elementwise: every coordinate of every parameter has its own statistics.
"""

from __future__ import annotations

import numpy as np

from .base import Optimizer, check_positive, check_unit

__all__ = ["Adagrad", "AdaDelta", "RMSProp"]


class Adagrad(Optimizer):
    r"""Adagrad (Duchi et al. 2011), as in the slides' code; chapter 4 "Adaptive learning rates".

    .. math::
        G_t = G_{t-1} + g_t^2, \qquad
        \theta_{t+1} = \theta_t - \frac{\eta}{\sqrt{G_t} + \epsilon}\, g_t, \qquad G_0 = 0

    State ``"G"``: the sum of squared gradients (the diagonal of the slides' :math:`G_t`).
    ε sits outside the square root, as in the slides' code
    (``x += -learning_rate * dx / (np.sqrt(cache) + 1e-7)``); the slides' formula and Ruder
    (2016) put it inside, :math:`\eta/\sqrt{G_t + \epsilon}`, which differs only while
    :math:`G_t` is of the order of ε.

    PyTorch: ``torch.optim.Adagrad(params, lr=lr, eps=eps)`` (with its defaults
    ``lr_decay=0``, ``initial_accumulator_value=0``), exactly. Its default ε is 1e-10.
    """

    state_names = ("G",)

    def __init__(self, lr: float = 0.01, eps: float = 1e-8) -> None:
        super().__init__(lr)
        self.eps = check_positive("eps", eps)

    def _update(self, p: np.ndarray, g: np.ndarray, G: np.ndarray) -> None:
        G += g**2
        p -= self.lr * g / (np.sqrt(G) + self.eps)


class RMSProp(Optimizer):
    r"""RMSProp (Tieleman & Hinton 2012), as in the slides' code; chapter 4.

    .. math::
        E[g^2]_t = \rho\, E[g^2]_{t-1} + (1-\rho)\, g_t^2, \qquad
        \theta_{t+1} = \theta_t - \frac{\eta}{\sqrt{E[g^2]_t} + \epsilon}\, g_t

    with :math:`\rho` = ``decay`` (the slides' ``decay_rate``; 0.9 in Hinton's lecture) and
    :math:`E[g^2]_0 = 0`. State ``"E"``: the moving average :math:`E[g^2]`. ε sits outside
    the square root, as in the slides' code.

    PyTorch: ``torch.optim.RMSprop(params, lr=lr, alpha=decay, eps=eps)``, exactly (its
    defaults differ: ``lr=0.01``, ``alpha=0.99``).
    """

    state_names = ("E",)

    def __init__(self, lr: float = 0.001, decay: float = 0.9, eps: float = 1e-8) -> None:
        super().__init__(lr)
        self.decay = check_unit("decay", decay)
        self.eps = check_positive("eps", eps)

    def _update(self, p: np.ndarray, g: np.ndarray, E: np.ndarray) -> None:
        E[...] = self.decay * E + (1 - self.decay) * g**2
        p -= self.lr * g / (np.sqrt(E) + self.eps)


class AdaDelta(Optimizer):
    r"""AdaDelta (Zeiler 2012), chapter 4: no learning rate.

    .. math::
        E[g^2]_t = \rho\, E[g^2]_{t-1} + (1-\rho)\, g_t^2, \qquad
        \Delta\theta_t = -\frac{\sqrt{E[\Delta\theta^2]_{t-1} + \epsilon}}
                              {\sqrt{E[g^2]_t + \epsilon}}\, g_t,

        E[\Delta\theta^2]_t = \rho\, E[\Delta\theta^2]_{t-1} + (1-\rho)\, \Delta\theta_t^2,
        \qquad \theta_{t+1} = \theta_t + \Delta\theta_t

    i.e. :math:`\Delta\theta_t = -\frac{\mathrm{RMS}[\Delta\theta]_{t-1}}{\mathrm{RMS}[g]_t}
    g_t` with :math:`\mathrm{RMS}[x] = \sqrt{E[x^2] + \epsilon}`: the ratio has the units of
    θ, so no η is needed. State ``"Eg"`` (:math:`E[g^2]`) and ``"Edx"``
    (:math:`E[\Delta\theta^2]`). The first steps have size about :math:`\sqrt{\epsilon}`.

    The constructor takes no ``lr``; the attribute ``lr`` is 1.0 and multiplies
    :math:`\Delta\theta_t` in the last line only, as in PyTorch (change it for a schedule).

    PyTorch: ``torch.optim.Adadelta(params, lr=1.0, rho=rho, eps=eps)``, exactly (its
    default ``rho`` is 0.9).
    """

    state_names = ("Eg", "Edx")

    def __init__(self, rho: float = 0.95, eps: float = 1e-6) -> None:
        super().__init__(lr=1.0)
        self.rho = check_unit("rho", rho)
        self.eps = check_positive("eps", eps)

    def _update(self, p: np.ndarray, g: np.ndarray, Eg: np.ndarray, Edx: np.ndarray) -> None:
        Eg[...] = self.rho * Eg + (1 - self.rho) * g**2
        delta = -np.sqrt(Edx + self.eps) / np.sqrt(Eg + self.eps) * g
        Edx[...] = self.rho * Edx + (1 - self.rho) * delta**2
        p += self.lr * delta
