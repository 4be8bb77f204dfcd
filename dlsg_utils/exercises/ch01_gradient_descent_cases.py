"""The random cases of chapter 1's checkers (``gradient_descent.py``): for each question, a
maker of cases on which every known mistake gives another answer, and makers of the rest of the
question's domain, boundaries included, at sizes a loop cannot reach in time where the question
asks for a prediction."""

from __future__ import annotations

import numpy as np


def _case_step(rng):
    d = int(rng.integers(1, 6))
    return rng.normal(size=d), rng.normal(size=d), float(rng.uniform(0.01, 0.5))


def _case_step_shapes(rng):
    """θ of any shape the question allows: a plain number, a vector, a matrix; a whole-number
    learning rate too."""
    shape = [(), (int(rng.integers(1, 6)),), tuple(int(k) for k in rng.integers(1, 4, size=2))][
        int(rng.integers(3))]
    theta, grad = rng.normal(size=shape), rng.normal(size=shape)
    if shape == ():
        theta, grad = float(theta), float(grad)
    return theta, grad, float(rng.uniform(0.01, 0.5)) if rng.random() < 0.5 else 1


def _case_weighted(rng):
    """Distinct positive weights, so that every known mistake gives another answer."""
    n, d = int(rng.integers(3, 30)), int(rng.integers(1, 5))
    return (rng.normal(size=(n, d)), rng.normal(size=n), rng.uniform(0.2, 5.0, size=n),
            rng.normal(size=d))


def _case_weighted_edges(rng):
    """The rest of the question's domain: one example, whole-number weights, zero weights
    (an example that does not count), a single feature."""
    n, d = int(rng.choice([1, 1, 2, 5])), int(rng.integers(1, 4))
    w = rng.integers(0, 4, size=n).astype(float)
    w[int(rng.integers(n))] = float(rng.integers(1, 4))  # at least one example counts
    return rng.normal(size=(n, d)), rng.normal(size=n), w, rng.normal(size=d)


def _case_loop(rng):
    d = int(rng.integers(1, 4))
    A = np.diag(rng.uniform(0.5, 3.0, size=d))
    b = rng.normal(size=d)
    return (lambda th: A @ th - b), rng.normal(size=d), float(rng.uniform(0.05, 0.3)), int(
        rng.integers(1, 15))


def _case_loop_edges(rng):
    """The boundaries: no step at all (the path is θ₀ alone, one row), one step, one
    parameter."""
    d = int(rng.integers(1, 3))
    A = np.diag(rng.uniform(0.5, 3.0, size=d))
    return ((lambda th: A @ th), rng.normal(size=d), float(rng.uniform(0.05, 0.3)),
            int(rng.choice([0, 1])))


def _case_limit(rng):
    n, d = int(rng.integers(4, 20)), int(rng.integers(3, 7))
    r = int(rng.integers(1, min(n, d)))  # rank r < d: a whole affine set of minimisers
    X = rng.normal(size=(n, r)) @ rng.normal(size=(r, d))
    return X, rng.normal(size=n), rng.normal(size=d)


LIMIT_MIN_CONDITION = 1e8
"""The smallest condition number L/μ (over the curvatures that are not zero) of the matrices of
:func:`_case_limit_slow`: gradient descent with η = 1/L shrinks the slowest part of the error by
1 − μ/L per step, so reaching its limit to 1e-8 takes about 18·L/μ > 10⁹ steps there."""


def _case_limit_slow(rng):
    """Rank-deficient X (rank 2 ≤ r < d) whose nonzero singular values span four to five
    decades, so L/μ is between 10⁸ and 10¹⁰: the limit is a formula away, but more than 10⁹
    steps of gradient descent away. Half of them wide (fewer examples than features)."""
    d = int(rng.integers(3, 9))
    n = int(rng.integers(2, d)) if rng.random() < 0.5 else int(rng.integers(d, 20))
    r = int(rng.integers(2, min(n, d - 1) + 1))
    U = np.linalg.qr(rng.normal(size=(n, r)))[0]
    V = np.linalg.qr(rng.normal(size=(d, r)))[0]
    s = np.sort(10.0 ** -rng.uniform(0, 5, size=r))[::-1]
    s[0], s[-1] = 1.0, 10.0 ** -rng.uniform(4, 5)  # L/μ of H = XᵀX/n is (s[0]/s[-1])²
    X = float(rng.uniform(0.5, 3.0)) * (U * s) @ V.T
    return X, rng.normal(size=n), rng.normal(size=d)


QUARTIC_MAX_STEPS = 10**12
"""The largest t the quartic checker asks for: a loop of that many steps would run for days."""


def _case_quartic(rng):
    """The cases where every known mistake is off by more than 3 %: ηθ₀² from 0.005 to 0.1,
    20 ≤ t < 3000."""
    theta0 = float(rng.uniform(0.2, 1.5) * rng.choice([-1.0, 1.0]))
    lr = float(rng.uniform(0.005, 0.1)) / theta0**2  # η θ₀² ≤ 0.1: no overshoot
    return theta0, lr, int(rng.integers(20, 3000))


def _case_quartic_far(rng):
    """The rest of the question's domain: θ₀ of any size and sign, ηθ₀² from 10⁻⁶ up to its
    bound 0.1, t from 20 up to 10¹²: far beyond what a loop can run."""
    theta0 = float(10 ** rng.uniform(-3, 3) * rng.choice([-1.0, 1.0]))
    lr = float(rng.choice([0.1, 10 ** rng.uniform(-6, -1)])) / theta0**2
    t = int(rng.choice([20, int(10 ** rng.uniform(6, 12)), QUARTIC_MAX_STEPS]))
    return theta0, lr, t


def _case_saddle(rng):
    """The cases where every known mistake gives another count: ηλ from 0.02 to 0.5."""
    lam = float(10 ** rng.uniform(-1, 1))
    lr = float(rng.uniform(0.02, 0.5)) / lam  # ηλ between 0.02 and 0.5
    return float(10 ** rng.uniform(-12, -2.5)), lr, lam, float(rng.uniform(0.05, 1.0))


def _case_saddle_boundary(rng):
    """A start from which x reaches the radius *exactly* after k steps: ηλ = 1 or 3 (x doubles
    or quadruples, exactly in floating point) and x₀ = radius / (1 + ηλ)^k. The count is k:
    the question asks for |x_t| ≥ radius, and t* = k is a whole number."""
    lam = float(rng.choice([0.5, 1.0, 2.0, 4.0]))
    lr = float(rng.choice([1.0, 3.0])) / lam
    radius, k = float(rng.uniform(0.05, 1.0)), int(rng.integers(1, 60))
    return radius / (1.0 + lr * lam) ** k, lr, lam, radius


SADDLE_MIN_SLOW_COUNT = 10**9
"""The fewest steps of :func:`_case_saddle_slow`'s cases: far more than a loop can take."""


def _case_saddle_slow(rng):
    """The rest of the domain: starts as close to the saddle as a float allows and tiny steps,
    counts of 10⁹ steps and more, which only the formula reaches in time; or large steps
    (ηλ up to 1000), counts of one or a few."""
    lam = float(10 ** rng.uniform(-1, 1))
    if rng.random() < 0.75:
        return (float(10 ** rng.uniform(-300, -200)), float(10 ** rng.uniform(-9, -7)) / lam,
                lam, float(rng.uniform(0.05, 1.0)))
    return (float(10 ** rng.uniform(-12, -1)), float(10 ** rng.uniform(0, 3)) / lam, lam,
            float(rng.uniform(0.2, 1.0)))


def _case_local(rng):
    a, b = float(rng.uniform(0.2, 2.0)), float(rng.uniform(-4.0, -0.5))
    c = float(rng.uniform(-1.0, 1.0))
    # J = aθ⁴ + bθ² + cθ: take its right-hand minimum, where J'' = 12aθ² + 2b > 0
    roots = np.roots([4 * a, 0.0, 2 * b, c])
    theta_star = float(np.max(roots.real[np.abs(roots.imag) < 1e-9]))
    return (lambda th: 12 * a * th**2 + 2 * b), theta_star


def _case_local_other(rng):
    """Other smooth functions: J = a(θ − c)²/2 + b(θ − c)⁴ + e·cosh(θ − c), minimum at c (of
    either sign, never 0), curvature a + e there but larger elsewhere."""
    a, b, e = (float(v) for v in rng.uniform(0.1, 5.0, size=3))
    c = float(rng.uniform(0.3, 3.0) * rng.choice([-1.0, 1.0]))
    return (lambda th: a + 12 * b * (th - c) ** 2 + e * np.cosh(th - c)), c
