"""Checkers for chapter 1, "Gradient descent".

Where an exercise asks for something the package computes, the reference is the package's own
code: the update of :class:`~dlsg_utils.optim.SGD` (exercises 1 and 3, through
:func:`_package_step` and :func:`~dlsg_utils.optim.run`) and the stability edge of
:mod:`dlsg_utils.optim.theory`. The closed forms the reader derives are checked against the
package in ``tests/test_exercises_ch01.py``.
"""

from __future__ import annotations

import numpy as np

from ..optim import SGD, run
from ..optim.theory import stability_edge
from .ch01_gradient_descent_cases import (
    _case_limit,
    _case_limit_slow,
    _case_local,
    _case_local_other,
    _case_loop,
    _case_loop_edges,
    _case_quartic,
    _case_quartic_far,
    _case_saddle,
    _case_saddle_boundary,
    _case_saddle_slow,
    _case_step,
    _case_step_shapes,
    _case_weighted,
    _case_weighted_edges,
)
from .engine import Mistake, Result, check_function, cycle_cases, without_numpy_warnings

__all__ = [
    "check_gd_limit",
    "check_gd_step",
    "check_gradient_descent",
    "check_local_max_stable_lr",
    "check_quartic_gd_iterate",
    "check_saddle_escape_steps",
    "check_weighted_lstsq_gradient",
]


# --- exercise 1: one step --------------------------------------------------------------------

def _package_step(opt, theta, grad, *, t=0, **state):
    """One step of the package optimizer ``opt`` from ``theta``: the new θ, then the new state
    arrays in the order of ``opt.state_names``. ``grad`` is the gradient (an array) or a function
    θ -> ∇J(θ); ``state`` gives the state arrays by name and ``t`` the steps already taken (the
    step made is step t + 1), so one step of any update rule can be asked for from any point.
    The exercises of chapters 1 to 4 use it to make the package's update their reference."""
    theta = np.array(theta, dtype=float)
    opt.state = {name: [np.array(state[name], dtype=float)] for name in opt.state_names}
    opt.t = t
    opt.step(theta, grad if callable(grad) else (lambda _: grad))
    return (theta, *(opt.state[name][0] for name in opt.state_names))


def _gd_step(theta, grad, lr):
    """θ − η∇J: one step of the package's :class:`~dlsg_utils.optim.SGD`."""
    return _package_step(SGD(lr=lr), theta, grad)[0]


def check_gd_step(fn, *, verbose: bool = True) -> Result:
    """``gd_step(theta, grad, lr)`` returns θ − η∇J (the slide's update)."""
    return check_function(
        fn, _gd_step, cycle_cases(_case_step, _case_step_shapes),
        signature="gd_step(theta, grad, lr)",
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


# --- exercise 2: the gradient of weighted least squares ---------------------------------------

def _weighted_lstsq_gradient(X, y, w, theta):
    """∇J for J(θ) = Σᵢ wᵢ(xᵢᵀθ − yᵢ)² / (2 Σᵢ wᵢ): Xᵀ(w ⊙ (Xθ − y)) / Σw."""
    X, y, w, theta = (np.asarray(a, dtype=float) for a in (X, y, w, theta))
    return X.T @ (w * (X @ theta - y)) / w.sum()


def check_weighted_lstsq_gradient(fn, *, verbose: bool = True) -> Result:
    """``weighted_lstsq_gradient(X, y, w, theta)`` is ∇J for the weighted least-squares loss
    J(θ) = Σᵢ wᵢ(xᵢᵀθ − yᵢ)² / (2 Σᵢ wᵢ), weights wᵢ ≥ 0 not all zero:
    Xᵀ(w ⊙ (Xθ − y)) / Σw. The chapter's loss is the case of equal weights."""
    return check_function(
        fn, _weighted_lstsq_gradient, cycle_cases(_case_weighted, _case_weighted_edges),
        signature="weighted_lstsq_gradient(X, y, w, theta)",
        mistakes=[
            Mistake(lambda X, y, w, t: X.T @ (X @ t - y) / len(y),
                    "the weights are missing: that is the chapter's unweighted gradient. Each "
                    "residual xᵢᵀθ − yᵢ enters multiplied by its weight wᵢ."),
            Mistake(lambda X, y, w, t: X.T @ (w * (X @ t - y)) / len(y),
                    "J divides by Σw, the total weight, not by the number of examples n: "
                    "divide the gradient by w.sum()."),
            Mistake(lambda X, y, w, t: X.T @ (w**2 * (X @ t - y)) / w.sum(),
                    "wᵢ multiplies the *squared* residual, so the derivative of wᵢ rᵢ²/2 is "
                    "wᵢ rᵢ: the weight appears once, not squared."),
            Mistake(lambda X, y, w, t: X.T @ (w * (y - X @ t)) / w.sum(),
                    "wrong sign: the residual is Xθ − y, not y − Xθ."),
            Mistake(lambda X, y, w, t: 2 * X.T @ (w * (X @ t - y)) / w.sum(),
                    "a factor 2 too large: J has a ½ in front, which cancels the 2 of the "
                    "square."),
            Mistake(lambda X, y, w, t: X.T @ (np.sqrt(w) * (X @ t - y)) / w.sum(),
                    "you weighted the residual by √wᵢ: that is the residual of the loss "
                    "Σ(√wᵢ rᵢ)², but its gradient is Σ wᵢ rᵢ xᵢ (the √wᵢ appears twice)."),
        ],
        verbose=verbose,
    )


# --- exercise 3: the whole loop ----------------------------------------------------------------

def _gradient_descent(grad_fn, theta0, lr, num_steps):
    """The path θ₀, θ₁, …: the package's :func:`~dlsg_utils.optim.run` of
    :class:`~dlsg_utils.optim.SGD` (the package checks lr ≥ 0, so a mistake that climbs the
    gradient is modelled by negating the gradient instead)."""
    return run(SGD(lr=lr), grad_fn, theta0, num_steps)


def check_gradient_descent(fn, *, verbose: bool = True) -> Result:
    """``gradient_descent(grad_fn, theta0, lr, num_steps)`` returns the path, shape
    (num_steps + 1, d), starting with θ₀."""
    return check_function(
        fn, _gradient_descent, cycle_cases(_case_loop, _case_loop_edges),
        signature="gradient_descent(grad_fn, theta0, lr, num_steps)",
        mistakes=[
            Mistake(lambda g, t0, lr, n: _gradient_descent(g, t0, lr, n)[1:],
                    "off by one: the path should start with θ₀, so it has num_steps + 1 rows."),
            Mistake(lambda g, t0, lr, n: _gradient_descent(g, t0, lr, n - 1),
                    "off by one: you took num_steps − 1 steps."),
            Mistake(lambda g, t0, lr, n: _gradient_descent(lambda th: -g(th), t0, lr, n),
                    "wrong sign: each step must go against the gradient."),
            Mistake(lambda g, t0, lr, n: _gradient_descent(g, t0, lr, n)[-1],
                    "return the whole path (one row per step), not only the last point."),
        ],
        verbose=verbose,
    )


# --- exercise 4: which minimum, when there are many -------------------------------------------

def _gd_limit(X, y, theta0):
    P = np.linalg.pinv(X)
    return P @ y + theta0 - P @ (X @ theta0)


def check_gd_limit(fn, *, verbose: bool = True) -> Result:
    """``gd_limit(X, y, theta0)``: where gradient descent with a stable step, started at θ₀,
    converges on J(θ) = ‖Xθ − y‖²/(2n) when X has dependent columns: X⁺y + (I − X⁺X)θ₀.

    Every other case is a matrix whose nonzero curvatures span eight decades or more, on
    which running gradient descent to its limit would take more than 10⁹ steps: the question
    asks for the limit without running the loop, and only the formula answers it in time."""
    pinv = np.linalg.pinv
    return check_function(
        fn, _gd_limit, cycle_cases(_case_limit, _case_limit_slow),
        signature="gd_limit(X, y, theta0)",
        mistakes=[
            Mistake(lambda X, y, t: pinv(X) @ y,
                    "that is the minimum-norm least-squares solution X⁺y, where gradient descent "
                    "lands only from θ₀ = 0. Every gradient Xᵀ(Xθ − y)/n lies in the row space of "
                    "X, so the part of θ₀ orthogonal to it is never changed: add (I − X⁺X)θ₀."),
            Mistake(lambda X, y, t: t,
                    "θ₀ is not a minimum: gradient descent moves it within the row space of X "
                    "until the residual Xθ − y is as small as it can be."),
            Mistake(lambda X, y, t: pinv(X) @ y + pinv(X) @ (X @ t),
                    "you kept the wrong part of θ₀: X⁺Xθ₀ is its component in the row space, "
                    "which gradient descent changes; keep (I − X⁺X)θ₀, the part it cannot see."),
            Mistake(lambda X, y, t: pinv(X) @ y - t,
                    "wrong sign: the unchanged part of θ₀ is added, θ∞ = X⁺y + (I − X⁺X)θ₀."),
            Mistake(lambda X, y, t: pinv(X) @ y + t,
                    "you added all of θ₀; only its part outside the row space, (I − X⁺X)θ₀, "
                    "survives: subtract X⁺Xθ₀."),
        ],
        rtol=1e-6, atol=1e-8, verbose=verbose,
    )


# --- exercise 5: convex but not strongly convex --------------------------------------------------

QUARTIC_EXACT_STEPS = 10_000
"""How many steps :func:`_quartic_gd_iterate` runs one by one before it switches to the
asymptotic expansion of 1/θ_t²."""


def _quartic_gd_iterate(theta0, lr, t):
    """θ_t of gradient descent on J = θ⁴/4, θ ← θ − ηθ³: the first
    :data:`QUARTIC_EXACT_STEPS` steps one by one; beyond them u = 1/θ² grows by
    2η + 3η²/u + O(η³/u²) per step, summed in closed form, u_t ≈ u_s + 2η(t − s)
    + (3η/2) ln(u_t/u_s). After s steps ηθ_s² < 1/(2s), so what this leaves out changes
    θ_t by less than 1e-7 of itself (``tests/test_exercises_ch01.py`` compares it with the
    loop up to 10⁶ steps)."""
    theta = float(theta0)
    s = min(int(t), QUARTIC_EXACT_STEPS)
    for _ in range(s):
        theta -= lr * theta**3
    if int(t) == s:
        return theta
    u_s = 1.0 / theta**2
    u = u_s + 2 * lr * (int(t) - s)
    u += 1.5 * lr * np.log(u / u_s)
    return float(np.sign(theta) / np.sqrt(u))


def check_quartic_gd_iterate(fn, *, verbose: bool = True) -> Result:
    """``quartic_gd_iterate(theta0, lr, t)`` predicts θ_t of gradient descent on J = θ⁴/4 to
    within 3 % for ηθ₀² ≤ 0.1 and 20 ≤ t ≤ 10¹²; θ_t ≈ θ₀ / √(1 + 2ηθ₀²t). Every other case
    has t in the millions or more, where running the loop is not an answer."""
    return check_function(
        fn, _quartic_gd_iterate, cycle_cases(_case_quartic, _case_quartic_far),
        signature="quartic_gd_iterate(theta0, lr, t)",
        mistakes=[
            Mistake(lambda t0, lr, t: t0 * (1 - lr) ** t,
                    "a constant factor per step is linear convergence, which needs a curvature "
                    "bounded away from 0. Here J'' = 3θ² vanishes at the minimum: each step "
                    "multiplies θ by 1 − ηθ², a factor that creeps towards 1."),
            Mistake(lambda t0, lr, t: t0 * (1 - lr * t0**2) ** t,
                    "you froze the factor 1 − ηθ² at the start. As θ shrinks the factor "
                    "approaches 1 and the steps shrink much faster than θ: write the step for "
                    "1/θ² instead, which grows by about 2η per step."),
            Mistake(lambda t0, lr, t: np.sign(t0) / np.sqrt(2 * lr * t),
                    "that is the limit for very large t; for moderate t the start still "
                    "matters: 1/θ_t² ≈ 1/θ₀² + 2ηt."),
            Mistake(lambda t0, lr, t: t0 / np.sqrt(1 + lr * t0**2 * t),
                    "a factor 2: 1/θ² grows by about 2η per step (expand 1/(θ(1 − ηθ²))²)."),
            Mistake(lambda t0, lr, t: t0 / (1 + 2 * lr * t0**2 * t),
                    "the square root is missing: it is 1/θ², not 1/θ, that grows linearly in t."),
        ],
        rtol=0.03, atol=0.0, verbose=verbose,
    )


# --- exercise 6: how long gradient descent lingers at a saddle -----------------------------------

def _saddle_t_star(x0, lr, lam, radius):
    """The real-valued solution t* of x₀(1 + ηλ)^t = radius."""
    return np.log(radius / x0) / np.log1p(lr * lam)


def _saddle_escape_steps(x0, lr, lam, radius):
    """The first whole t with x₀(1 + ηλ)^t ≥ radius: ⌈t*⌉, where a t* that is a whole number
    up to rounding (x₀(1 + ηλ)^k = radius exactly) counts as that number."""
    return int(np.ceil(_saddle_t_star(x0, lr, lam, radius) - 1e-9))


def _steps_count(value) -> float:
    """The count an answer stands for: an integer as it is, a real-valued t* as ⌈t*⌉ (the
    first whole step at which x₀(1 + ηλ)^t ≥ radius). The 1e-9 keeps a count that is an integer
    up to rounding from being pushed to the next one."""
    return float(np.ceil(float(np.asarray(value, dtype=float)) - 1e-9))


def _same_count(got, want) -> bool:
    """The same count; beyond a million steps, the same to one part in a million (t* itself
    is only known to about that when ηλ is tiny: ln(1 + ηλ) computed as np.log(1 + lr * lam)
    loses digits)."""
    try:
        g, w = _steps_count(got), _steps_count(want)
    except (TypeError, ValueError):  # not a single number
        return False
    return g == w if w < 1e6 else bool(abs(g - w) <= 1e-6 * w)


def _ceil_at_boundary(x0, lr, lam, r):
    """⌈t*⌉ straight from floating point, or ⌊t*⌋ + 1: both one too many where t* = k."""
    t_star = _saddle_t_star(x0, lr, lam, r)
    k = _saddle_escape_steps(x0, lr, lam, r)
    if abs(t_star - k) > 1e-9:
        raise ValueError("not a boundary case")  # the engine skips this mistake here
    return k + 1


def check_saddle_escape_steps(fn, *, verbose: bool = True) -> Result:
    """``saddle_escape_steps(x0, lr, lam, radius)``: the number of gradient-descent steps until
    |x| ≥ radius on J = −λx²/2 from 0 < x₀ < radius, ⌈ln(radius/x₀) / ln(1 + ηλ)⌉. The
    real-valued t* = ln(radius/x₀) / ln(1 + ηλ) is accepted as the count ⌈t*⌉ it stands for;
    an answer rounded down (⌊t*⌋, ``int(t*)``, or ``round(t*)`` when it rounds down) is not:
    after that many steps |x| is still below the radius. The cases include starts from which
    x reaches the radius exactly after k steps (the count is k, not k + 1) and counts of 10⁹
    steps and more, which a loop cannot reach: there the count is compared to one part in a
    million."""
    return check_function(
        fn, _saddle_escape_steps, cycle_cases(_case_saddle, _case_saddle_boundary, _case_saddle_slow),
        signature="saddle_escape_steps(x0, lr, lam, radius)",
        mistakes=[
            Mistake(lambda x0, lr, lam, r: np.floor(np.log(r / x0) / np.log1p(lr * lam)),
                    "you rounded down (floor, int() or round()): after ⌊t*⌋ steps x₀(1 + ηλ)^t is "
                    "still *below* the radius. The count is the first whole t with "
                    "x₀(1 + ηλ)^t ≥ radius, ⌈ln(radius/x₀) / ln(1 + ηλ)⌉: round up."),
            Mistake(lambda x0, lr, lam, r: np.log(r / x0) / (lr * lam),
                    "ln(1 + ηλ) ≈ ηλ only when ηλ is small; each step multiplies x by exactly "
                    "1 + ηλ, so divide by ln(1 + ηλ)."),
            Mistake(without_numpy_warnings(lambda x0, lr, lam, r: np.log(r / x0) / np.log(1 - lr * lam)),
                    "along the escape direction the curvature is negative (J = −λx²/2, gradient "
                    "−λx), so a step multiplies x by 1 + ηλ, not 1 − ηλ."),
            Mistake(lambda x0, lr, lam, r: np.log10(r / x0) / np.log1p(lr * lam),
                    "mixed logarithms: log10 above and the natural log below the fraction. Any "
                    "base works, as long as it is the same in both."),
            Mistake(lambda x0, lr, lam, r: np.log(x0 / r) / np.log1p(lr * lam),
                    "upside down: the count is ln(radius/x₀)/ln(1 + ηλ), a positive number."),
            Mistake(lambda x0, lr, lam, r: (r - x0) / (lr * lam * x0),
                    "x grows geometrically, by the factor 1 + ηλ per step, not by a fixed amount "
                    "ηλx₀: take logarithms."),
            Mistake(_ceil_at_boundary,
                    "one step too many on a case where x₀(1 + ηλ)^k equals the radius exactly: "
                    "the count is k, the first t with |x_t| ≥ radius. If you used ⌊t*⌋ + 1, that "
                    "counts until |x| passes the radius strictly; if you took ⌈t*⌉ in floating "
                    "point, t* = k came out a hair above k (k + 4e-15, say): round up with a "
                    "tolerance, ⌈t* − 1e-9⌉."),
        ],
        compare=_same_count, verbose=verbose,
    )


# --- going further: the stability edge at a minimum of a non-quadratic function -----------------

def _local_max_stable_lr(d2J, theta_star):
    """The package's stability edge of gradient descent, ηλ < 2, with λ = J''(θ*)."""
    return stability_edge(0.0) / d2J(theta_star)


def check_local_max_stable_lr(fn, *, verbose: bool = True) -> Result:
    """``local_max_stable_lr(d2J, theta_star)``: near a minimum θ* a smooth J is almost the
    quadratic with curvature J''(θ*), so gradient descent can converge to θ* only for
    η < 2/J''(θ*)."""
    return check_function(
        fn, _local_max_stable_lr, cycle_cases(_case_local, _case_local_other),
        signature="local_max_stable_lr(d2J, theta_star)",
        mistakes=[
            Mistake(lambda f, t: 1.0 / f(t),
                    "1/J''(θ*) is where gradient descent starts *overshooting* θ* (its factor "
                    "1 − ηJ''(θ*) turns negative); it still converges up to twice that."),
            Mistake(lambda f, t: 2.0 / f(0.0),
                    "evaluate the curvature at the minimum θ*: near θ* the function is the "
                    "quadratic with curvature J''(θ*), not J''(0)."),
            Mistake(lambda f, t: 2.0 * f(t),
                    "divide by the curvature: the condition is ηJ''(θ*) < 2."),
        ],
        rtol=1e-6, verbose=verbose,
    )
