"""Adam and its relatives: AdaMax, Nadam, AMSGrad and AdamW (chapter 4).

All keep two moving averages per coordinate: :math:`m` of the gradients (momentum) and
:math:`v` of their squares (RMSProp's statistic), both starting at zero.
"""

from __future__ import annotations

import numpy as np

from .base import Optimizer, check_nonnegative, check_positive, check_unit

__all__ = ["AdaMax", "Adam", "AdamW", "AMSGrad", "Nadam"]


class _AdamFamily(Optimizer):
    """The hyper-parameters shared by the family: ``lr``, ``beta1``, ``beta2``, ``eps``."""

    state_names = ("m", "v")

    def __init__(self, *, lr: float, beta1: float, beta2: float, eps: float) -> None:
        super().__init__(lr=lr)
        self.beta1 = check_unit("beta1", beta1)
        self.beta2 = check_unit("beta2", beta2)
        self.eps = check_positive("eps", eps)

    def _moments(self, g: np.ndarray, m: np.ndarray, v: np.ndarray) -> None:
        m[...] = self.beta1 * m + (1 - self.beta1) * g
        v[...] = self.beta2 * v + (1 - self.beta2) * g**2


class Adam(_AdamFamily):
    r"""Adam (Kingma & Ba 2014), as on the slides; chapter 4 "Adaptive learning rates".

    The book: :eq:`eq-ch04-adam-moments` and :eq:`eq-ch04-adam`, chapter 4.

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1)\, g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2,

        \hat m_t = \frac{m_t}{1-\beta_1^t}, \qquad \hat v_t = \frac{v_t}{1-\beta_2^t}, \qquad
        \theta_{t+1} = \theta_t - \frac{\eta}{\sqrt{\hat v_t} + \epsilon}\, \hat m_t

    State ``"m"`` and ``"v"`` (the raw moments; :math:`\hat m, \hat v` are recomputed from
    them and ``t``). With ``bias_correction=False`` the step uses :math:`m_t, v_t` directly;
    with ``beta1=0`` it is then exactly :class:`RMSProp` with ``rho=beta2``.

    PyTorch: ``torch.optim.Adam(params, lr=lr, betas=(beta1, beta2), eps=eps)``, exactly
    (with ``bias_correction=True``; PyTorch has no switch to turn the correction off).
    """

    def __init__(self, *, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, bias_correction: bool = True) -> None:
        super().__init__(lr=lr, beta1=beta1, beta2=beta2, eps=eps)
        if not isinstance(bias_correction, (bool, np.bool_)):
            raise TypeError(f"bias_correction must be True or False, got {bias_correction!r}")
        self.bias_correction = bool(bias_correction)

    def _update(self, p: np.ndarray, g: np.ndarray, m: np.ndarray, v: np.ndarray) -> None:
        self._moments(g, m, v)
        if self.bias_correction:
            m_hat, v_hat = m / (1 - self.beta1**self.t), v / (1 - self.beta2**self.t)
        else:
            m_hat, v_hat = m, v
        p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


class AdamW(Adam):
    r"""AdamW: Adam with decoupled weight decay (Loshchilov & Hutter 2019), as in PyTorch;
    chapter 4.

    The book: :eq:`eq-ch04-adamw-torch` (this form) and :eq:`eq-ch04-adamw-paper` (the
    paper's), chapter 4.

    .. math::
        \theta_t \leftarrow \theta_t\, (1 - \eta\lambda), \quad\text{then the Adam step:}\quad
        \theta_{t+1} = \theta_t - \frac{\eta}{\sqrt{\hat v_t} + \epsilon}\, \hat m_t

    with :math:`\lambda` = ``weight_decay`` and :math:`m, v, \hat m, \hat v` from the
    gradient alone, as in :class:`Adam` (bias-corrected). The decay shrinks every weight by the
    same factor, whatever its gradient statistics; an L2 penalty added to the gradient would
    be divided by :math:`\sqrt{\hat v}` like the rest. The decay is multiplied by the current
    ``lr`` (PyTorch's choice; the paper multiplies it by the schedule factor only).

    PyTorch: ``torch.optim.AdamW(params, lr=lr, betas=(beta1, beta2), eps=eps,
    weight_decay=weight_decay)``, exactly.
    """

    def __init__(self, *, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, weight_decay: float = 0.01) -> None:
        super().__init__(lr=lr, beta1=beta1, beta2=beta2, eps=eps, bias_correction=True)
        self.weight_decay = check_nonnegative("weight_decay", weight_decay)

    def _update(self, p: np.ndarray, g: np.ndarray, m: np.ndarray, v: np.ndarray) -> None:
        p *= 1 - self.lr * self.weight_decay
        super()._update(p, g, m, v)


class AdaMax(_AdamFamily):
    r"""AdaMax (Kingma & Ba 2014, section 7.1), with PyTorch's ε; chapter 4.

    The book: :eq:`eq-ch04-adamax`, chapter 4.

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1)\, g_t, \qquad
        u_t = \max(\beta_2 u_{t-1},\ |g_t| + \epsilon), \qquad
        \theta_{t+1} = \theta_t - \frac{\eta}{1-\beta_1^t}\, \frac{m_t}{u_t}

    :math:`u_t` is the limit :math:`p \to \infty` of Adam's :math:`L^2` statistic made an
    :math:`L^p` one: a discounted maximum of the past gradients' sizes. It needs no bias
    correction. State ``"m"`` and ``"u"``. The paper has no ε (:math:`u_t = \max(\beta_2
    u_{t-1}, |g_t|)`); PyTorch adds it inside the max, so a zero gradient cannot divide by 0.

    PyTorch: ``torch.optim.Adamax(params, lr=lr, betas=(beta1, beta2), eps=eps)``, exactly.
    """

    state_names = ("m", "u")

    def __init__(self, *, lr: float = 0.002, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8) -> None:
        super().__init__(lr=lr, beta1=beta1, beta2=beta2, eps=eps)

    def _update(self, p: np.ndarray, g: np.ndarray, m: np.ndarray, u: np.ndarray) -> None:
        m[...] = self.beta1 * m + (1 - self.beta1) * g
        u[...] = np.maximum(self.beta2 * u, np.abs(g) + self.eps)
        p -= self.lr / (1 - self.beta1**self.t) * m / u


class Nadam(_AdamFamily):
    r"""Nadam: Nesterov momentum inside Adam (Dozat 2016, in Ruder's 2016 form); chapter 4.

    The book: :eq:`eq-ch04-nadam`, chapter 4.

    .. math::
        m_t, v_t, \hat m_t, \hat v_t \text{ as in Adam}, \qquad
        \theta_{t+1} = \theta_t - \frac{\eta}{\sqrt{\hat v_t} + \epsilon}
            \left(\beta_1 \hat m_t + \frac{(1-\beta_1)\, g_t}{1-\beta_1^t}\right)

    Adam's step, written out, moves along :math:`\beta_1 \hat m_{t-1}` (old momentum) plus a
    gradient step; Nadam uses the momentum :math:`\hat m_t` of the next step instead, like
    Nesterov's look-ahead. State ``"m"`` and ``"v"``.

    PyTorch: ``torch.optim.NAdam`` differs. It warms the momentum coefficient up,
    :math:`\mu_t = \beta_1 (1 - \tfrac12\, 0.96^{t\psi})` with ``momentum_decay``
    :math:`\psi = 0.004`, and corrects the bias with the products :math:`\prod_{i \le t}
    \mu_i`; even as :math:`\psi \to \infty` (:math:`\mu_t = \beta_1`) it divides the
    momentum term by :math:`1-\beta_1^{t+1}` instead of :math:`1-\beta_1^t`. On Beale from
    (1, 1.5) with ``lr=0.01`` the two paths are 0.065 apart after 100 steps.
    """

    def __init__(self, *, lr: float = 0.002, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8) -> None:
        super().__init__(lr=lr, beta1=beta1, beta2=beta2, eps=eps)

    def _update(self, p: np.ndarray, g: np.ndarray, m: np.ndarray, v: np.ndarray) -> None:
        self._moments(g, m, v)
        bc1 = 1 - self.beta1**self.t
        m_hat, v_hat = m / bc1, v / (1 - self.beta2**self.t)
        p -= self.lr / (np.sqrt(v_hat) + self.eps) * (
            self.beta1 * m_hat + (1 - self.beta1) * g / bc1)


class AMSGrad(_AdamFamily):
    r"""AMSGrad (Reddi, Kale & Kumar 2018): Adam whose step never grows; chapter 4.

    The book: :eq:`eq-ch04-amsgrad`, chapter 4.

    .. math::
        m_t, v_t \text{ as in Adam}, \qquad
        \hat v_t = \max(\hat v_{t-1}, v_t), \qquad
        \theta_{t+1} = \theta_t - \frac{\eta}{\sqrt{\hat v_t} + \epsilon}\, m_t

    with no bias correction, as in the paper's algorithm (with constant β₁ and η; the paper's
    analysis lets both decay). Because :math:`\hat v` never decreases, one rare large
    gradient keeps the step small, where Adam forgets it and can step away from the optimum.
    State ``"m"``, ``"v"`` and ``"v_hat"``.

    PyTorch: ``torch.optim.Adam(params, amsgrad=True)`` differs: it takes the same maximum of
    the raw :math:`v_t`, then bias-corrects both moments,
    :math:`\theta \mathrel{-}= \eta\, \frac{m_t/(1-\beta_1^t)}
    {\sqrt{\hat v_t/(1-\beta_2^t)} + \epsilon}`. The first step, for example, is
    :math:`\eta\, \mathrm{sign}(g)` there and :math:`\eta (1-\beta_1)/\sqrt{1-\beta_2}\,
    \mathrm{sign}(g)` here (about 3.16 η with the defaults). On Beale from (1, 1.5) with
    ``lr=0.01`` the two paths are 1.4 apart after 100 steps.
    """

    state_names = ("m", "v", "v_hat")

    def __init__(self, *, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8) -> None:
        super().__init__(lr=lr, beta1=beta1, beta2=beta2, eps=eps)

    def _update(self, p: np.ndarray, g: np.ndarray, m: np.ndarray, v: np.ndarray,
                v_hat: np.ndarray) -> None:
        self._moments(g, m, v)
        v_hat[...] = np.maximum(v_hat, v)
        p -= self.lr * m / (np.sqrt(v_hat) + self.eps)
