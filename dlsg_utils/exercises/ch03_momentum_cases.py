"""The random cases of chapter 3's checkers (``momentum.py``): for each question, the cases
its mistakes are told apart on and the rest of the question's domain, boundaries included, at
sizes a loop cannot reach in time where the question asks for a prediction."""

from __future__ import annotations

import numpy as np


def _case_momentum(rng):
    d = int(rng.integers(1, 6))
    return (rng.normal(size=d), rng.normal(size=d), rng.normal(size=d),
            float(rng.uniform(0.01, 0.5)), float(rng.uniform(0.5, 0.95)))


def _case_nesterov(rng):
    d = int(rng.integers(1, 6))
    Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    A = (Q * rng.uniform(0.5, 10.0, size=d)) @ Q.T
    b = rng.normal(size=d)
    return (rng.normal(size=d), rng.normal(size=d), (lambda th: A @ th - b),
            float(rng.uniform(0.01, 0.2)), float(rng.uniform(0.5, 0.95)))


def _case_rate(rng):
    """Every kind of direction: complex eigenvalues (rate √γ), real ones; ηλ anywhere in the
    stable range; counts in the tens to thousands."""
    gamma = float(rng.uniform(0.0, 0.99))
    lam = float(rng.uniform(0.5, 50.0))
    a = float(rng.uniform(0.001, 2 + 2 * gamma))  # αλ inside the stable range
    return a / lam, gamma, lam, float(10 ** rng.uniform(-12, -1))


MOMENTUM_MIN_SLOW_COUNT = 10**9
"""The fewest steps of :func:`_case_rate_slow`'s cases: far more than a loop can take."""


def _case_rate_slow(rng):
    """Flat directions (ηλ from 1e-8 to 1e-7) and tiny factors: counts of 10⁹ steps and more,
    which only the rate predicts in time."""
    gamma = float(rng.uniform(0.0, 0.95))
    lam = float(rng.uniform(0.5, 50.0))
    return (float(10 ** rng.uniform(-8, -7)) / lam, gamma, lam,
            float(10 ** rng.uniform(-300, -150)))


def _case_rate_no_momentum(rng):
    """γ = 0: gradient descent, whose rate is |1 − ηλ| (0 at ηλ = 1: one step)."""
    lam = float(rng.uniform(0.5, 50.0))
    a = float(rng.choice([1.0, rng.uniform(0.001, 2.0)]))
    return a / lam, 0.0, lam, float(10 ** rng.uniform(-12, -1))


def _case_nesterov_edge(rng):
    return (float(rng.choice([rng.uniform(0.0, 0.99), rng.uniform(0.9, 0.999)])),)


def _case_nesterov_edge_ends(rng):
    """The ends of 0 ≤ γ < 1: no momentum (the edge is gradient descent's 2) and γ close to 1
    (the edge approaches 4/3)."""
    return (float(rng.choice([0.0, 0.9999, 1 - 10 ** rng.uniform(-6, -4)])),)


def _case_noise_floor(rng):
    gamma = float(rng.uniform(0.0, 0.95))
    lam = float(10 ** rng.uniform(-1, 1))
    a = float(rng.uniform(0.05, min(2.0, 2 + 2 * gamma - 0.3)))  # ηλ inside the stable range
    return a / lam, gamma, lam, float(10 ** rng.uniform(-1, 1))


def _case_noise_floor_edges(rng):
    """The rest of the domain: no momentum (γ = 0: chapter 2's floor), γ up to 0.999, ηλ close
    to the edge 2 + 2γ, where the floor grows without bound."""
    gamma = float(rng.choice([0.0, 0.999, rng.uniform(0.0, 0.999)]))
    lam = float(10 ** rng.uniform(-1, 1))
    a = float(rng.choice([1e-4, (2 + 2 * gamma) * (1 - 10 ** rng.uniform(-4, -1))]))
    return a / lam, gamma, lam, float(10 ** rng.uniform(-1, 1))


def _case_largest(rng):
    d = int(rng.integers(2, 5))
    Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    H = (Q * np.sort(10 ** rng.uniform(-1, 3, size=d))) @ Q.T
    return H, float(rng.uniform(0.05, 0.99)), bool(rng.integers(0, 2))
