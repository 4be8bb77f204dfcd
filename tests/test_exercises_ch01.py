"""Chapter 1 checkers accept the reference and reject known-wrong answers with their hint."""

import numpy as np
from checker_harness import checker_tests

from dlsg_utils.exercises import (
    check_gd_step,
    check_gradient_descent,
    check_lstsq_gradient,
    check_max_stable_lr,
)


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
    check_max_stable_lr: (
        lambda H: 2 / np.linalg.eigvalsh(H).max(),
        [(lambda H: 1 / np.linalg.eigvalsh(H).max(), "stops *overshooting*"),
         (lambda H: 2 / np.linalg.eigvalsh(H).min(), "smallest eigenvalue"),
         (lambda H: 2 / np.abs(H).max(), "largest *entry*")],
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


