r"""The convergence theory of chapters 1 and 3, for a quadratic with curvatures λ (the Hessian's
eigenvalues): one source for the chapter, its exercises, the live lab's tests and the unit tests.

Along one eigen-direction of curvature λ, with the error :math:`x_t = \theta_t - \theta^\star`
and the velocity :math:`v_t`, heavy-ball momentum (``Momentum(lr=η, gamma=γ)``:
:math:`v_{t+1} = \gamma v_t + \eta\lambda x_t`, :math:`x_{t+1} = x_t - v_{t+1}`) and Nesterov's
method (the gradient at :math:`x_t - \gamma v_t`) are the linear maps

.. math::

   \begin{pmatrix} x_{t+1} \\ v_{t+1} \end{pmatrix} = M \begin{pmatrix} x_t \\ v_t \end{pmatrix},
   \qquad M = \begin{pmatrix} 1 - \eta\lambda & -\gamma d \\ \eta\lambda & \gamma d \end{pmatrix},
   \qquad d = 1 \text{ (momentum)}, \; d = 1 - \eta\lambda \text{ (Nesterov)},

(chapter 3, :eq:`eq-ch03-iteration-matrix`), and the error shrinks like
:math:`\rho(M)^t`, :math:`\rho` the spectral radius. Gradient descent is γ = 0:
:math:`\rho = |1 - \eta\lambda|` (chapter 1).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..checks import check_bool, check_real

__all__ = ["critical_damping", "iteration_matrix", "measured_rate", "optimal_momentum", "rate",
           "spectral_radius", "stability_edge"]


def iteration_matrix(lr, gamma, lam, nesterov: bool = False) -> np.ndarray:
    """:math:`M` above, ``(..., 2, 2)``: ``lr``, ``gamma`` and ``lam`` broadcast against each
    other, so a grid of (η, γ) gives a stack of matrices. The book: :eq:`eq-ch03-iteration-matrix`."""
    check_bool("nesterov", nesterov)
    lr, gamma, lam = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (lr, gamma, lam)))
    a = lr * lam
    d = 1.0 - a if nesterov else np.ones_like(a)
    return np.stack([np.stack([1.0 - a, -gamma * d], -1), np.stack([a, gamma * d], -1)], -2)


def spectral_radius(lr, gamma, lam, nesterov: bool = False) -> np.ndarray:
    """:math:`\\rho(M)`, the factor by which the error along one direction shrinks per step
    (broadcasts like :func:`iteration_matrix`; a float for scalar arguments)."""
    out = np.abs(np.linalg.eigvals(iteration_matrix(lr, gamma, lam, nesterov))).max(-1)
    return out[()] if out.ndim == 0 else out


def rate(lr, gamma, lams: Iterable[float], nesterov: bool = False) -> np.ndarray:
    """The rate of the whole quadratic, :math:`\\max_i \\rho(M(\\lambda_i))`: its slowest
    direction sets it (broadcasts over ``lr`` and ``gamma``)."""
    worst = None
    for lam in lams:
        r = spectral_radius(lr, gamma, lam, nesterov)
        worst = r if worst is None else np.maximum(worst, r)
    if worst is None:
        raise ValueError("lams must hold at least one curvature, got none")
    return worst


def stability_edge(gamma: float, nesterov: bool = False) -> float:
    """The largest :math:`\\eta\\lambda` that converges: :math:`2 + 2\\gamma` for heavy-ball
    momentum (2 for gradient descent), :math:`(2 + 2\\gamma)/(1 + 2\\gamma)` for Nesterov, where
    an eigenvalue of :math:`M` reaches −1 (:eq:`eq-ch03-momentum-edge`; Nesterov's is chapter
    3's exercise 4)."""
    gamma = check_real("gamma", gamma, min=0, max=1, max_open=True)
    return (2 + 2 * gamma) / (1 + 2 * gamma) if check_bool("nesterov", nesterov) else 2 + 2 * gamma


def optimal_momentum(mu: float, L: float) -> tuple[float, float, float]:
    """``(alpha, beta, rate)``: the (η, γ) that minimise heavy-ball's worst rate on curvatures in
    [μ, L] (Polyak; Goh's "Why momentum really works"), :math:`\\alpha^\\star = (2/(\\sqrt\\mu +
    \\sqrt L))^2`, :math:`\\beta^\\star = ((\\sqrt\\kappa - 1)/(\\sqrt\\kappa + 1))^2`, and the rate
    :math:`\\sqrt{\\beta^\\star}` (:eq:`eq-ch03-optimal-momentum`)."""
    mu = check_real("mu", mu, min=0, min_open=True)
    L = check_real("L", L, min=mu)
    root = np.sqrt(L / mu)
    beta = ((root - 1) / (root + 1)) ** 2
    return float((2 / (np.sqrt(mu) + np.sqrt(L))) ** 2), float(beta), float(np.sqrt(beta))


def critical_damping(lr, lam):
    """The γ at which the eigenvalues of :math:`M` meet (the ball stops without swinging):
    :math:`(1 - \\sqrt{\\eta\\lambda})^2` (:eq:`eq-ch03-critical-damping`); smaller γ is
    overdamped, larger γ oscillates."""
    return (1 - np.sqrt(np.asarray(lr, dtype=float) * lam)) ** 2


def measured_rate(dist) -> float:
    """The rate measured from a run: exp of the slope of log(distance to the minimum) fitted
    over the second half of the distances (the fit averages out an oscillating run's swings)."""
    dist = np.asarray(dist, dtype=float)
    if dist.ndim != 1 or len(dist) < 4:
        raise ValueError(f"dist must be a 1-D array of at least 4 distances, got shape {dist.shape}")
    t = np.arange(len(dist))[len(dist) // 2:]
    return float(np.exp(np.polyfit(t, np.log(dist[len(dist) // 2:]), 1)[0]))
