"""Chapter 1 checkers accept the reference and reject known-wrong answers with their hint."""

import numpy as np
import pytest
from checker_harness import checker_tests

from dlsg_utils.exercises import (
    check_gd_limit,
    check_gd_step,
    check_gradient_descent,
    check_local_max_stable_lr,
    check_lstsq_gradient,
    check_quartic_gd_iterate,
    check_saddle_escape_steps,
)


def _gd_limit_by_running(X, y, theta0):
    """The limit found the honest way: run gradient descent until it stops moving."""
    n = len(y)
    lr = 1.0 / np.linalg.eigvalsh(X.T @ X / n).max()
    theta = theta0.astype(float)
    for _ in range(200_000):
        step = lr * X.T @ (X @ theta - y) / n
        theta = theta - step
        if np.abs(step).max() < 1e-13:
            break
    return theta


def _quartic_loop(theta0, lr, t):
    theta = theta0
    for _ in range(t):
        theta = theta - lr * theta**3
    return theta


def _saddle_simulated(x0, lr, lam, radius):
    x, t = x0, 0
    while abs(x) < radius:
        x, t = x + lr * lam * x, t + 1
    return t


def _path(grad_fn, theta0, lr, num_steps):
    path = [np.asarray(theta0, dtype=float)]
    for _ in range(num_steps):
        path.append(path[-1] - lr * grad_fn(path[-1]))
    return np.array(path)


CASES = {
    check_gd_step: (
        lambda t, g, lr: t - lr * g,
        [(lambda t, g, lr: t + lr * g, "wrong sign"),
         (lambda t, g, lr: t - g, "learning rate is missing"),
         (lambda t, g, lr: -lr * g, "you returned the step")],
    ),
    check_lstsq_gradient: (
        lambda X, y, t: X.T @ (X @ t - y) / len(y),
        [(lambda X, y, t: X.T @ (y - X @ t) / len(y), "wrong sign"),
         (lambda X, y, t: X.T @ (X @ t - y), "missing the 1/n"),
         (lambda X, y, t: 2 * X.T @ (X @ t - y) / len(y), "factor 2"),
         (lambda X, y, t: X.T @ (X @ t - y) / (len(y) - 1), "off by one")],
    ),
    check_gd_limit: (
        lambda X, y, t: t + np.linalg.pinv(X) @ (y - X @ t),
        [(lambda X, y, t: np.linalg.pinv(X) @ y, "minimum-norm"),
         (lambda X, y, t: np.linalg.lstsq(X, y, rcond=None)[0], "minimum-norm"),
         (lambda X, y, t: t, "θ₀ is not a minimum"),
         (lambda X, y, t: np.linalg.pinv(X) @ y + np.linalg.pinv(X) @ X @ t, "wrong part of θ₀")],
    ),
    check_quartic_gd_iterate: (
        lambda t0, lr, t: t0 / np.sqrt(1 + 2 * lr * t0**2 * t),
        [(lambda t0, lr, t: t0 * (1 - lr) ** t, "linear convergence"),
         (lambda t0, lr, t: t0 * (1 - lr * t0**2) ** t, "froze the factor"),
         (lambda t0, lr, t: np.sign(t0) / np.sqrt(2 * lr * t), "start still"),
         (lambda t0, lr, t: t0 / np.sqrt(1 + lr * t0**2 * t), "a factor 2"),
         (lambda t0, lr, t: t0 / (1 + 2 * lr * t0**2 * t), "square root is missing")],
    ),
    check_saddle_escape_steps: (
        lambda x0, lr, lam, r: int(np.ceil(np.log(r / x0) / np.log(1 + lr * lam))),
        [(lambda x0, lr, lam, r: np.floor(np.log(r / x0) / np.log(1 + lr * lam)), "rounded down"),
         (lambda x0, lr, lam, r: np.log(r / x0) / (lr * lam), "only when ηλ is small"),
         (lambda x0, lr, lam, r: np.log(r / x0) / np.log(1 - lr * lam), "curvature is negative"),
         (lambda x0, lr, lam, r: np.log10(r / x0) / np.log(1 + lr * lam), "mixed logarithms"),
         (lambda x0, lr, lam, r: np.log(x0 / r) / np.log(1 + lr * lam), "upside down"),
         (lambda x0, lr, lam, r: (r - x0) / (lr * lam * x0), "geometrically")],
    ),
    check_local_max_stable_lr: (
        lambda d2J, t: 2 / d2J(t),
        [(lambda d2J, t: 1 / d2J(t), "*overshooting*"),
         (lambda d2J, t: 2 / d2J(0.0), "at the minimum"),
         (lambda d2J, t: 2 * d2J(t), "divide by the curvature")],
    ),
    check_gradient_descent: (
        _path,
        [(lambda g, t, lr, n: _path(g, t, lr, n)[1:], "path should start with θ₀"),
         (lambda g, t, lr, n: _path(g, t, lr, n - 1), "num_steps − 1"),
         (lambda g, t, lr, n: _path(g, t, -lr, n), "wrong sign"),
         (lambda g, t, lr, n: _path(g, t, lr, n)[-1], "whole path")],
    ),
}


(test_checker_accepts_the_reference,
 test_checker_rejects_a_known_mistake_with_its_hint,
 test_checker_reports_a_wrong_signature_without_raising,
 test_checker_reports_an_unattempted_stub) = checker_tests(CASES)


# --- every correct convention passes ------------------------------------------------------------

def test_gd_limit_checker_accepts_the_limit_found_by_running_gradient_descent():
    assert check_gd_limit(_gd_limit_by_running, verbose=False)


def test_gd_limit_checker_accepts_the_pseudo_inverse_formula():
    def formula(X, y, t):
        P = np.linalg.pinv(X)
        return P @ y + (np.eye(len(t)) - P @ X) @ t

    assert check_gd_limit(formula, verbose=False)


def test_quartic_checker_accepts_the_exact_loop_and_the_continuous_time_formula():
    assert check_quartic_gd_iterate(_quartic_loop, verbose=False)
    assert check_quartic_gd_iterate(lambda t0, lr, t: t0 / np.sqrt(1 + 2 * lr * t0**2 * t),
                                    verbose=False)


def test_saddle_checker_accepts_the_simulated_count_and_the_real_valued_formula():
    """The simulated count, and the real-valued t* whose ceiling is the count."""
    assert check_saddle_escape_steps(_saddle_simulated, verbose=False)
    assert check_saddle_escape_steps(
        lambda x0, lr, lam, r: np.log(r / x0) / np.log1p(lr * lam), verbose=False)
    assert check_saddle_escape_steps(  # any logarithm base, used consistently
        lambda x0, lr, lam, r: np.log2(r / x0) / np.log2(1 + lr * lam), verbose=False)


def test_saddle_checker_rejects_a_count_rounded_down_and_names_the_mistake():
    """⌊t*⌋ steps leave |x| below the radius: floor, int() and round() (which rounds down on
    about half of the cases) are each refused with the hint that names rounding down."""
    def t_star(x0, lr, lam, r):
        return np.log(r / x0) / np.log1p(lr * lam)

    for rounded_down in (lambda *a: int(t_star(*a)), lambda *a: int(np.floor(t_star(*a))),
                         lambda *a: round(t_star(*a))):
        result = check_saddle_escape_steps(rounded_down, verbose=False)
        assert not result and "rounded down" in result.message, result.message


def test_saddle_checker_accepts_the_count_as_an_int_or_a_float():
    def t_star(x0, lr, lam, r):
        return np.log(r / x0) / np.log1p(lr * lam)

    assert check_saddle_escape_steps(lambda *a: int(np.ceil(t_star(*a))), verbose=False)
    assert check_saddle_escape_steps(lambda *a: float(np.ceil(t_star(*a))), verbose=False)
    assert check_saddle_escape_steps(lambda *a: np.ceil(t_star(*a)), verbose=False)


def test_saddle_checker_rejects_an_answer_two_steps_off():
    result = check_saddle_escape_steps(
        lambda x0, lr, lam, r: np.ceil(np.log(r / x0) / np.log1p(lr * lam)) + 2, verbose=False)
    assert not result and "wrong answer" in result.message


def test_reference_quartic_iterate_equals_package_sgd_run_on_theta4_over_4():
    """The exercise's reference loop is exactly dlsg_utils.optim.run(SGD) on J = θ⁴/4, on the
    checker's own random cases (30 of them, up to 3000 steps)."""
    from dlsg_utils.exercises.gradient_descent import _case_quartic, _quartic_gd_iterate
    from dlsg_utils.optim import SGD, run

    rng = np.random.default_rng(5)
    for _ in range(30):
        theta0, lr, t = _case_quartic(rng)
        path = run(SGD(lr=lr), lambda th: th**3, [theta0], t)
        assert _quartic_gd_iterate(theta0, lr, t) == pytest.approx(path[-1, 0], rel=1e-12, abs=0)


def test_reference_gradient_descent_and_step_are_the_package_sgd():
    """gd_step and gradient_descent reproduce a hand-written θ − η∇J loop on random quadratics
    (the references call the package, so this checks the package against the formula)."""
    from dlsg_utils.exercises.gradient_descent import (
        _case_loop,
        _case_step,
        _gd_step,
        _gradient_descent,
    )

    rng = np.random.default_rng(6)
    for _ in range(40):
        theta, grad, lr = _case_step(rng)
        np.testing.assert_allclose(_gd_step(theta, grad, lr), theta - lr * grad, rtol=1e-14)
        grad_fn, theta0, lr, n = _case_loop(rng)
        path = [np.array(theta0, dtype=float)]
        for _ in range(n):
            path.append(path[-1] - lr * grad_fn(path[-1]))
        np.testing.assert_allclose(_gradient_descent(grad_fn, theta0, lr, n), path, rtol=1e-12)
