"""Chapter 5 checkers accept every correct answer and reject known-wrong ones with their hint."""

import numpy as np
import pytest
from checker_harness import checker_tests

from dlsg_utils.exercises.visual import (
    check_arrival_step,
    check_escape_steps,
    check_momentum_growth,
    check_sgd_escape_steps,
)
from dlsg_utils.functions import SADDLE
from dlsg_utils.optim import SGD, Momentum, run


def _first(mask):
    idx = np.flatnonzero(mask)
    return int(idx[0]) if idx.size else -1


def escape_formula(y0, lr, threshold, factor=lambda lr: 1 + 2 * lr, plus=1):
    return int(np.floor(np.log(threshold / abs(y0)) / np.log(factor(lr)))) + plus


def escape_by_simulation(y0, lr, threshold):
    """Another correct route: run the package's SGD on the saddle and look."""
    with np.errstate(over="ignore", invalid="ignore"):  # y runs off to infinity, on purpose
        path = run(SGD(lr=lr), SADDLE.grad, (1.0, y0), 5000)
    return _first(np.abs(path[:, 1]) > threshold)


def growth(lr, gamma):
    return max(np.roots([1.0, -(1 + gamma + 2 * lr), gamma]).real)


def growth_by_simulation(lr, gamma):
    """Another correct route: the ratio of successive |y| after many steps of Momentum."""
    path = run(Momentum(lr=lr, gamma=gamma), SADDLE.grad, (1.0, 1e-200), 400)
    return abs(path[-1, 1] / path[-2, 1])


def growth_torch_convention(lr, gamma):
    """PyTorch's momentum (b ← γb + g, θ ← θ − lr·b) takes the same steps: the same factor."""
    y, b, ys = 1e-200, 0.0, []
    for _ in range(400):
        b = gamma * b + (-2 * y)
        y = y - lr * b
        ys.append(y)
    return ys[-1] / ys[-2]


def arrival(losses, f_min, tol):
    return _first(np.asarray(losses) - f_min < tol)


CASES = {
    check_escape_steps: (
        lambda p, th: _first(np.abs(p[:, 1]) > th),
        [(lambda p, th: -1 if _first(np.abs(p[:, 1]) > th) < 0 else
          _first(np.abs(p[:, 1]) > th) + 1, "off by one"),
         (lambda p, th: _first(np.abs(p[:, 0]) > th), "you looked at x"),
         (lambda p, th: int(np.sum(np.abs(p[:, 1]) > th)) or -1, "counted the steps"),
         (lambda p, th: _first(p[:, 1] > th), "use |y|")],
    ),
    check_sgd_escape_steps: (
        escape_formula,
        [(lambda y, lr, th: int(np.ceil(np.log(th / y) / (2 * lr))), "log(1 + 2η) ≈ 2η"),
         (lambda y, lr, th: escape_formula(y, lr, th, plus=0), "off by one"),
         (lambda y, lr, th: escape_formula(y, lr, 1.0), "use the threshold"),
         (lambda y, lr, th: escape_formula(y, lr, th, factor=lambda e: 1 + e), "1 + 2η (not 1 + η)")],
    ),
    check_momentum_growth: (
        growth,
        [(lambda lr, g: 1 + 2 * lr, "plain gradient descent's factor"),
         (lambda lr, g: 1 + 2 * lr / (1 - g), "effective learning rate"),
         (lambda lr, g: min(np.roots([1.0, -(1 + g + 2 * lr), g]).real), "*smaller* root"),
         (lambda lr, g: max(abs(np.roots([1.0, -(1 + g - 2 * lr), g]))), "curving *up*")],
    ),
    check_arrival_step: (
        arrival,
        [(lambda v, f, tol: _first(np.asarray(v) < tol), "f* is not 0"),
         (lambda v, f, tol: -1 if arrival(v, f, tol) < 0 else arrival(v, f, tol) + 1, "off by one"),
         (lambda v, f, tol: len(v) if arrival(v, f, tol) < 0 else arrival(v, f, tol),
          "never arrives")],
    ),
}


(test_checker_accepts_the_reference,
 test_checker_rejects_a_known_mistake_with_its_hint,
 test_checker_reports_a_wrong_signature_without_raising,
 test_checker_reports_an_unattempted_stub) = checker_tests(CASES)


@pytest.mark.parametrize(("checker", "answer"), [
    (check_sgd_escape_steps, escape_by_simulation),
    (check_momentum_growth, growth_by_simulation),
    (check_momentum_growth, growth_torch_convention),
], ids=lambda x: getattr(x, "__name__", ""))
def test_checker_accepts_another_correct_route(checker, answer):
    assert checker(answer, verbose=False)


def test_escape_steps_reference_on_a_hand_made_path():
    from dlsg_utils.exercises.visual import _escape_steps

    path = np.array([[1.0, 1e-3], [0.5, 0.5], [0.2, -1.5], [0.1, 3.0]])
    assert _escape_steps(path, 1.0) == 2
    assert _escape_steps(path, 10.0) == -1


def test_sgd_escape_prediction_matches_the_chapters_run():
    """Chapter 5 runs SGD with η = 0.05 from y₀ = 10⁻³: 73 steps to |y| > 1."""
    assert escape_formula(1e-3, 0.05, 1.0) == escape_by_simulation(1e-3, 0.05, 1.0) == 73


def test_arrival_checker_cases_include_a_nonzero_minimum_and_runs_that_never_arrive():
    from dlsg_utils.exercises.visual import _case_arrival

    rng = np.random.default_rng(0)
    cases = [_case_arrival(rng) for _ in range(20)]
    assert any(f != 0 for _, f, _ in cases)
    assert any(arrival(v, f, tol) == -1 for v, f, tol in cases)
