"""Per-parameter learning rates: Rprop, Adagrad, RMSProp and AdaDelta (chapter 4).

All operations are elementwise: every coordinate of every parameter has its own statistics.
"""

from __future__ import annotations

import numpy as np

from .base import Optimizer, check_positive, check_real, check_unit

__all__ = ["Adagrad", "AdaDelta", "RMSProp", "Rprop"]


class Adagrad(Optimizer):
    r"""Adagrad (Duchi et al. 2011), as in the slides' code; chapter 4 "Adaptive learning rates".

    The book: :eq:`eq-ch04-adagrad`, chapter 4.

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

    def __init__(self, *, lr: float = 0.01, eps: float = 1e-8) -> None:
        super().__init__(lr=lr)
        self.eps = check_positive("eps", eps)

    def _update(self, p: np.ndarray, g: np.ndarray, G: np.ndarray) -> None:
        G += g**2
        p -= self.lr * g / (np.sqrt(G) + self.eps)


class RMSProp(Optimizer):
    r"""RMSProp (Tieleman & Hinton 2012), as in the slides' code; chapter 4.

    The book: :eq:`eq-ch04-rmsprop`, chapter 4.

    .. math::
        E[g^2]_t = \rho\, E[g^2]_{t-1} + (1-\rho)\, g_t^2, \qquad
        \theta_{t+1} = \theta_t - \frac{\eta}{\sqrt{E[g^2]_t} + \epsilon}\, g_t

    with :math:`\rho` = ``rho`` (the slides' ``decay_rate``; 0.9 in Hinton's lecture; the same
    name as AdaDelta's ρ, which plays the same part) and
    :math:`E[g^2]_0 = 0`. State ``"E"``: the moving average :math:`E[g^2]`. ε sits outside
    the square root, as in the slides' code.

    PyTorch: ``torch.optim.RMSprop(params, lr=lr, alpha=rho, eps=eps)``, exactly (its
    defaults differ: ``lr=0.01``, ``alpha=0.99``).
    """

    state_names = ("E",)

    def __init__(self, *, lr: float = 0.001, rho: float = 0.9, eps: float = 1e-8) -> None:
        super().__init__(lr=lr)
        self.rho = check_unit("rho", rho)
        self.eps = check_positive("eps", eps)

    def _update(self, p: np.ndarray, g: np.ndarray, E: np.ndarray) -> None:
        E[...] = self.rho * E + (1 - self.rho) * g**2
        p -= self.lr * g / (np.sqrt(E) + self.eps)


class AdaDelta(Optimizer):
    r"""AdaDelta (Zeiler 2012), chapter 4: no learning rate.

    The book: :eq:`eq-ch04-adadelta`, chapter 4.

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

    def __init__(self, *, rho: float = 0.95, eps: float = 1e-6) -> None:
        super().__init__(lr=1.0)
        self.rho = check_unit("rho", rho)
        self.eps = check_positive("eps", eps)

    def _update(self, p: np.ndarray, g: np.ndarray, Eg: np.ndarray, Edx: np.ndarray) -> None:
        Eg[...] = self.rho * Eg + (1 - self.rho) * g**2
        delta = -np.sqrt(Edx + self.eps) / np.sqrt(Eg + self.eps) * g
        Edx[...] = self.rho * Edx + (1 - self.rho) * delta**2
        p += self.lr * delta


class Rprop(Optimizer):
    r"""Rprop, resilient backpropagation (Riedmiller & Braun 1993); chapter 4 "From rprop to
    rmsprop". A full-batch method: only the *sign* of each gradient is used.

    The book: :eq:`eq-ch04-rprop`, chapter 4.

    Every coordinate keeps its own step size :math:`\Delta_t`, which grows while the sign of
    its gradient stays the same and shrinks when it flips:

    .. math::
        \Delta_t = \begin{cases}
            \min(\eta^+ \Delta_{t-1}, \Delta_{\max}) & g_{t-1} g_t > 0 \\
            \max(\eta^- \Delta_{t-1}, \Delta_{\min}) & g_{t-1} g_t < 0
              \quad(\text{then } g_t \leftarrow 0) \\
            \Delta_{t-1} & g_{t-1} g_t = 0
        \end{cases}, \qquad
        \theta_{t+1} = \theta_t - \Delta_t\, \mathrm{sign}(g_t)

    with :math:`\Delta_0` = ``lr``, :math:`(\eta^-, \eta^+)` = ``etas`` (0.5, 1.2) and
    :math:`(\Delta_{\min}, \Delta_{\max})` = ``step_sizes`` (1e-6, 50). After a sign flip the
    coordinate does not move and its stored gradient is set to 0, so the next step keeps its
    (reduced) :math:`\Delta`. State ``"prev"`` (the stored :math:`g_{t-1}`), ``"delta"``
    (:math:`\Delta`) and ``"dw"`` (the last update). ``lr`` only sets :math:`\Delta_0`:
    changing it later has no effect, as in PyTorch.

    ``backtrack=True`` is the algorithm of Riedmiller & Braun's 1993 paper: on a sign flip it
    also *undoes* the coordinate's previous update (weight-backtracking,
    :math:`\theta_{t+1} = \theta_t - \Delta\theta_{t-1}`). The default ``False`` is the
    variant without backtracking that PyTorch implements (Igel & Hüsken call it iRprop−).
    The paper suggests :math:`\Delta_0 = 0.1`.

    PyTorch: ``torch.optim.Rprop(params, lr=lr, etas=etas, step_sizes=step_sizes)``, exactly
    (with ``backtrack=False``).
    """

    state_names = ("prev", "delta", "dw")

    def __init__(self, *, lr: float = 0.01, etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50.0), backtrack: bool = False) -> None:
        super().__init__(lr=lr)
        if len(etas) != 2 or len(step_sizes) != 2:
            raise ValueError(f"etas and step_sizes must be pairs, got {etas!r} and {step_sizes!r}")
        minus, plus = (check_real("etas", e) for e in etas)
        if not 0 < minus < 1 < plus:
            raise ValueError(f"etas must satisfy 0 < etaminus < 1 < etaplus, got {etas!r}")
        lo, hi = (check_real("step_sizes", s) for s in step_sizes)
        if not 0 <= lo <= hi:
            raise ValueError(f"step_sizes must satisfy 0 <= min <= max, got {step_sizes!r}")
        if not isinstance(backtrack, (bool, np.bool_)):
            raise TypeError(f"backtrack must be True or False, got {backtrack!r}")
        self.etas, self.step_sizes, self.backtrack = (minus, plus), (lo, hi), bool(backtrack)

    def _update(self, p: np.ndarray, g: np.ndarray, prev: np.ndarray, delta: np.ndarray,
                dw: np.ndarray) -> None:
        if self.t == 1:
            delta.fill(self.lr)
        minus, plus = self.etas
        same = g * prev
        factor = np.where(same > 0, plus, np.where(same < 0, minus, 1.0))
        np.clip(delta * factor, *self.step_sizes, out=delta)
        flipped = same < 0
        g[flipped] = 0.0
        step = -np.sign(g) * delta
        if self.backtrack:
            step[flipped] = -dw[flipped]
        p += step
        dw[...] = step
        prev[...] = g
