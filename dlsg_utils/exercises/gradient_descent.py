"""Checkers for chapter 1, "Gradient descent"."""

from __future__ import annotations

import numpy as np

from . import Mistake, Result, check_function

__all__ = [
    "check_gd_step",
    "check_gradient_descent",
    "check_lstsq_gradient",
    "check_max_stable_lr",
]


# --- exercise 1: one step --------------------------------------------------------------------

def _gd_step(theta, grad, lr):
    return theta - lr * grad


def _case_step(rng):
    d = int(rng.integers(1, 6))
    return rng.normal(size=d), rng.normal(size=d), float(rng.uniform(0.01, 0.5))


def check_gd_step(fn, *, verbose: bool = True) -> Result:
    """``gd_step(theta, grad, lr)`` returns θ − η∇J (the slide's update)."""
    return check_function(
        fn, _gd_step, _case_step, name="gd_step", signature="gd_step(theta, grad, lr)",
        mistakes=[
            Mistake(lambda t, g, lr: t + lr * g,
                    "wrong sign: you stepped *up* the gradient. Descent moves against it."),
            Mistake(lambda t, g, lr: t - g,
                    "the learning rate is missing: scale the gradient by lr."),
            Mistake(lambda t, g, lr: -lr * g,
                    "you returned the step −η∇J, not the new parameters θ − η∇J."),
        ],
        verbose=verbose,
    )


# --- exercise 2: the least-squares gradient ---------------------------------------------------

def _lstsq_gradient(X, y, theta):
    return X.T @ (X @ theta - y) / len(y)


def _case_lstsq(rng):
    n, d = int(rng.integers(3, 30)), int(rng.integers(1, 5))
    return rng.normal(size=(n, d)), rng.normal(size=n), rng.normal(size=d)


def check_lstsq_gradient(fn, *, verbose: bool = True) -> Result:
    """``lstsq_gradient(X, y, theta)`` is ∇J for J(θ) = ‖Xθ − y‖² / (2n)."""
    return check_function(
        fn, _lstsq_gradient, _case_lstsq, name="lstsq_gradient",
        signature="lstsq_gradient(X, y, theta)",
        mistakes=[
            Mistake(lambda X, y, t: X.T @ (y - X @ t) / len(y),
                    "wrong sign: the residual is Xθ − y, not y − Xθ."),
            Mistake(lambda X, y, t: X.T @ (X @ t - y),
                    "missing the 1/n: J is a mean over the n examples, so is its gradient."),
            Mistake(lambda X, y, t: 2 * X.T @ (X @ t - y) / len(y),
                    "a factor 2 too large: J has a ½ in front, which cancels the 2 of the "
                    "square."),
            Mistake(lambda X, y, t: X.T @ (X @ t - y) / (len(y) - 1),
                    "off by one: divide by n, not n − 1."),
            Mistake(lambda X, y, t: X @ t - y,
                    "you returned the residual Xθ − y; multiply by Xᵀ (and divide by n)."),
        ],
        verbose=verbose,
    )


# --- exercise 3: the largest stable learning rate ---------------------------------------------

def _max_stable_lr(H):
    return 2.0 / np.linalg.eigvalsh(H).max()


def _case_hessian(rng):
    d = int(rng.integers(2, 5))
    Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    eig = np.sort(rng.uniform(0.1, 20.0, size=d))
    return ((Q * eig) @ Q.T,)


def check_max_stable_lr(fn, *, verbose: bool = True) -> Result:
    """``max_stable_lr(H)``: gradient descent on ½θᵀHθ converges iff η < 2/λ_max(H)."""
    return check_function(
        fn, _max_stable_lr, _case_hessian, name="max_stable_lr", signature="max_stable_lr(H)",
        mistakes=[
            Mistake(lambda H: 1.0 / np.linalg.eigvalsh(H).max(),
                    "1/λ_max is where the steepest direction stops *overshooting*; it still "
                    "converges up to twice that."),
            Mistake(lambda H: 2.0 / np.linalg.eigvalsh(H).min(),
                    "you used the smallest eigenvalue; the steepest direction (largest "
                    "curvature) is the one that diverges first."),
            Mistake(lambda H: 2.0 / np.linalg.eigvalsh(H).sum(),
                    "2/(sum of eigenvalues) is safe but not the largest stable rate."),
            Mistake(lambda H: 2.0 / np.abs(H).max(),
                    "the largest *entry* of H is not its largest eigenvalue: use "
                    "np.linalg.eigvalsh."),
        ],
        rtol=1e-6, verbose=verbose,
    )


# --- exercise 4: the whole loop ----------------------------------------------------------------

def _gradient_descent(grad_fn, theta0, lr, num_steps):
    path = [np.array(theta0, dtype=float)]
    for _ in range(num_steps):
        path.append(path[-1] - lr * grad_fn(path[-1]))
    return np.array(path)


def _case_loop(rng):
    d = int(rng.integers(1, 4))
    A = np.diag(rng.uniform(0.5, 3.0, size=d))
    b = rng.normal(size=d)
    return (lambda th: A @ th - b), rng.normal(size=d), float(rng.uniform(0.05, 0.3)), int(
        rng.integers(1, 15))


def check_gradient_descent(fn, *, verbose: bool = True) -> Result:
    """``gradient_descent(grad_fn, theta0, lr, num_steps)`` returns the path, shape
    (num_steps + 1, d), starting with θ₀."""
    return check_function(
        fn, _gradient_descent, _case_loop, name="gradient_descent",
        signature="gradient_descent(grad_fn, theta0, lr, num_steps)",
        mistakes=[
            Mistake(lambda g, t0, lr, n: _gradient_descent(g, t0, lr, n)[1:],
                    "off by one: the path should start with θ₀, so it has num_steps + 1 rows."),
            Mistake(lambda g, t0, lr, n: _gradient_descent(g, t0, lr, n - 1),
                    "off by one: you took num_steps − 1 steps."),
            Mistake(lambda g, t0, lr, n: _gradient_descent(g, t0, -lr, n),
                    "wrong sign: each step must go against the gradient."),
            Mistake(lambda g, t0, lr, n: _gradient_descent(g, t0, lr, n)[-1],
                    "return the whole path (one row per step), not only the last point."),
        ],
        verbose=verbose,
    )
