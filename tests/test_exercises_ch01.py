"""Chapter 1 checkers accept the reference and every correct form, reject known-wrong answers
with their hint, cover the whole domain of their questions, and the chapter's hidden solutions
pass them there."""

import json
from pathlib import Path

import numpy as np
import pytest
from checker_harness import checker_tests, solution_definitions
from hypothesis import given, settings
from hypothesis import strategies as st

from dlsg_utils.exercises import ch01_gradient_descent as ch01
from dlsg_utils.exercises.ch01_gradient_descent import (
    check_gd_limit,
    check_gd_step,
    check_gradient_descent,
    check_local_max_stable_lr,
    check_quartic_gd_iterate,
    check_saddle_escape_steps,
    check_weighted_lstsq_gradient,
)

CHAPTER = Path(__file__).resolve().parents[1] / "chapters" / "01_gradient_descent.ipynb"


def _solutions():
    """The functions the chapter's hidden solution cells define, executed as written (only the
    definitions: the rest of a cell uses the chapter's variables)."""
    return solution_definitions("01", {"np": np})


SOLUTIONS = _solutions()


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
    check_weighted_lstsq_gradient: (
        lambda X, y, w, t: X.T @ (w * (X @ t - y)) / w.sum(),
        [(lambda X, y, w, t: X.T @ (X @ t - y) / len(y), "the weights are missing"),
         (lambda X, y, w, t: X.T @ (w * (X @ t - y)) / len(y), "not by the number of examples"),
         (lambda X, y, w, t: X.T @ (w**2 * (X @ t - y)) / w.sum(), "not squared"),
         (lambda X, y, w, t: X.T @ (w * (y - X @ t)) / w.sum(), "wrong sign"),
         (lambda X, y, w, t: 2 * X.T @ (w * (X @ t - y)) / w.sum(), "factor 2"),
         (lambda X, y, w, t: X.T @ (np.sqrt(w) * (X @ t - y)) / w.sum(), "√wᵢ appears twice")],
    ),
    check_gd_limit: (
        lambda X, y, t: t + np.linalg.pinv(X) @ (y - X @ t),
        [(lambda X, y, t: np.linalg.pinv(X) @ y, "minimum-norm"),
         (lambda X, y, t: np.linalg.lstsq(X, y, rcond=None)[0], "minimum-norm"),
         (lambda X, y, t: t, "θ₀ is not a minimum"),
         (lambda X, y, t: np.linalg.pinv(X) @ y + np.linalg.pinv(X) @ X @ t, "wrong part of θ₀"),
         (lambda X, y, t: np.linalg.pinv(X) @ y - t, "wrong sign"),
         (lambda X, y, t: np.linalg.pinv(X) @ y + t, "you added all of θ₀")],
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
        lambda x0, lr, lam, r: int(np.ceil(np.log(r / x0) / np.log(1 + lr * lam) - 1e-9)),
        [(lambda x0, lr, lam, r: np.floor(np.log(r / x0) / np.log(1 + lr * lam)), "rounded down"),
         (lambda x0, lr, lam, r: np.log(r / x0) / (lr * lam), "only when ηλ is small"),
         (lambda x0, lr, lam, r: np.log(r / x0) / np.log(1 - lr * lam), "curvature is negative"),
         (lambda x0, lr, lam, r: np.log10(r / x0) / np.log(1 + lr * lam), "mixed logarithms"),
         (lambda x0, lr, lam, r: np.log(x0 / r) / np.log(1 + lr * lam), "upside down"),
         (lambda x0, lr, lam, r: (r - x0) / (lr * lam * x0), "geometrically"),
         (lambda x0, lr, lam, r: np.floor(np.log(r / x0) / np.log1p(lr * lam)) + 1,
          "exactly: the count is k"),
         (lambda x0, lr, lam, r: np.ceil(np.log(r / x0) / np.log1p(lr * lam)), "a hair above k")],
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

def test_gd_limit_reference_is_the_limit_found_by_running_gradient_descent():
    """On the well-conditioned cases, where running is feasible, the reference formula is where
    gradient descent actually stops."""
    from dlsg_utils.exercises.ch01_gradient_descent import _case_limit, _gd_limit

    rng = np.random.default_rng(3)
    for _ in range(10):
        X, y, theta0 = _case_limit(rng)
        np.testing.assert_allclose(_gd_limit_by_running(X, y, theta0), _gd_limit(X, y, theta0),
                                   rtol=1e-6, atol=1e-8)


def test_gd_limit_checker_needs_the_formula_a_loop_of_200000_steps_is_refused():
    """Every other case has L/μ ≥ 10⁸: running gradient descent (200,000 steps, about a second)
    is still far from its limit there, so "predict without running the loop" is enforced."""
    from dlsg_utils.exercises.ch01_gradient_descent_cases import (
        LIMIT_MIN_CONDITION,
        _case_limit_slow,
    )

    rng = np.random.default_rng(0)
    for _ in range(20):
        X, _, _ = _case_limit_slow(rng)
        curv = np.linalg.eigvalsh(X.T @ X / len(X))
        curv = curv[curv > 1e-12 * curv.max()]
        assert curv.max() / curv.min() >= LIMIT_MIN_CONDITION
        assert np.linalg.matrix_rank(X) < X.shape[1]  # dependent columns, as the question says
    result = check_gd_limit(_gd_limit_by_running, verbose=False)
    assert not result and result.cases == 2 and "wrong answer" in result.message


def test_gd_limit_checker_accepts_the_pseudo_inverse_formula():
    def formula(X, y, t):
        P = np.linalg.pinv(X)
        return P @ y + (np.eye(len(t)) - P @ X) @ t

    assert check_gd_limit(formula, verbose=False)


def test_quartic_checker_accepts_the_continuous_time_formula_in_several_forms():
    assert check_quartic_gd_iterate(lambda t0, lr, t: t0 / np.sqrt(1 + 2 * lr * t0**2 * t),
                                    verbose=False)
    assert check_quartic_gd_iterate(  # written through 1/θ², with math instead of numpy
        lambda t0, lr, t: np.copysign((1 / t0**2 + 2 * lr * t) ** -0.5, t0), verbose=False)
    # with the second-order term of 1/θ², (3η/2) ln(...), too: more accurate, also accepted
    assert check_quartic_gd_iterate(
        lambda t0, lr, t: np.sign(t0) / np.sqrt(1 / t0**2 + 2 * lr * t
                                                + 1.5 * lr * np.log1p(2 * lr * t0**2 * t)),
        verbose=False)


def test_quartic_checker_asks_for_horizons_no_loop_reaches():
    """Every other case has t of a million or more, up to 10¹²: a loop answers the first case
    and is refused on the second (capped here at 10⁵ steps to keep the test short)."""
    from dlsg_utils.exercises.ch01_gradient_descent_cases import (
        QUARTIC_MAX_STEPS,
        _case_quartic_far,
    )

    rng = np.random.default_rng(0)
    ts = [_case_quartic_far(rng)[2] for _ in range(50)]
    assert max(ts) == QUARTIC_MAX_STEPS and min(ts) == 20

    def capped_loop(t0, lr, t):
        return _quartic_loop(t0, lr, min(t, 10**5))

    result = check_quartic_gd_iterate(capped_loop, verbose=False)
    assert not result and result.cases == 2


@pytest.mark.parametrize("t", [1, 2, 999, 10_000, 10_001, 30_000, 10**6])
def test_quartic_reference_equals_the_loop_step_by_step(t):
    """Up to 10⁴ steps the reference is the loop; beyond, its expansion of 1/θ² stays within
    1e-7 of the loop (checked to a million steps) at the largest ηθ₀² the question allows."""
    from dlsg_utils.exercises.ch01_gradient_descent import _quartic_gd_iterate

    for theta0, lr in [(1.0, 0.1), (-0.5, 0.1 / 0.25), (30.0, 1e-4 / 900)]:
        want = _quartic_loop(theta0, lr, t)
        assert _quartic_gd_iterate(theta0, lr, t) == pytest.approx(want, rel=1e-7, abs=0)


def test_saddle_reference_is_the_simulated_count_where_a_loop_can_reach():
    """On the ordinary and the boundary cases the reference count is the number of steps of
    the loop x ← x + ηλx until x ≥ radius (on the boundary cases x hits the radius exactly)."""
    from dlsg_utils.exercises.ch01_gradient_descent import (
        _case_saddle,
        _case_saddle_boundary,
        _saddle_escape_steps,
    )

    rng = np.random.default_rng(4)
    for maker in (_case_saddle, _case_saddle_boundary) * 20:
        args = maker(rng)
        assert _saddle_escape_steps(*args) == _saddle_simulated(*args), args


def test_saddle_checker_accepts_the_real_valued_formula_in_any_base():
    """The real-valued t*, whose ceiling is the count, in any logarithm base used
    consistently, and with np.log(1 + ηλ) instead of np.log1p."""
    assert check_saddle_escape_steps(
        lambda x0, lr, lam, r: np.log(r / x0) / np.log1p(lr * lam), verbose=False)
    assert check_saddle_escape_steps(
        lambda x0, lr, lam, r: np.log2(r / x0) / np.log2(1 + lr * lam), verbose=False)


def test_saddle_checker_needs_the_formula_a_loop_cannot_count_a_billion_steps():
    """Cases of 10⁹ steps and more come every third case: a loop (capped here) is refused there,
    after passing the ordinary and the boundary case."""
    from dlsg_utils.exercises.ch01_gradient_descent import _saddle_escape_steps
    from dlsg_utils.exercises.ch01_gradient_descent_cases import (
        SADDLE_MIN_SLOW_COUNT,
        _case_saddle_slow,
    )

    rng = np.random.default_rng(0)
    counts = [_saddle_escape_steps(*_case_saddle_slow(rng)) for _ in range(40)]
    assert sum(c >= SADDLE_MIN_SLOW_COUNT for c in counts) >= 20 and min(counts) <= 3

    def capped_loop(x0, lr, lam, r):
        x, t = x0, 0
        while abs(x) < r and t < 10**6:
            x, t = x + lr * lam * x, t + 1
        return t

    result = check_saddle_escape_steps(capped_loop, verbose=False)
    assert not result and result.cases == 3


def test_saddle_checker_counts_k_steps_when_x_reaches_the_radius_exactly():
    """x₀ = radius/2^k with ηλ = 1: the count is k (|x_k| = radius), and the checker's boundary
    cases ask exactly that; ⌊t*⌋ + 1 answers k + 1 there and is refused with its hint."""
    assert _saddle_simulated(0.5 / 2**29, 1.0, 1.0, 0.5) == 29
    assert ch01._saddle_escape_steps(0.5 / 2**29, 1.0, 1.0, 0.5) == 29
    result = check_saddle_escape_steps(
        lambda x0, lr, lam, r: np.floor(np.log(r / x0) / np.log1p(lr * lam)) + 1, verbose=False)
    assert not result and result.cases == 2 and "exactly" in result.message


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

    assert check_saddle_escape_steps(lambda *a: int(np.ceil(t_star(*a) - 1e-9)), verbose=False)
    assert check_saddle_escape_steps(lambda *a: float(np.ceil(t_star(*a) - 1e-9)), verbose=False)
    assert check_saddle_escape_steps(lambda *a: np.ceil(t_star(*a) - 1e-12 * t_star(*a)),
                                     verbose=False)


def test_saddle_checker_rejects_an_answer_two_steps_off():
    result = check_saddle_escape_steps(
        lambda x0, lr, lam, r: np.ceil(np.log(r / x0) / np.log1p(lr * lam)) + 2, verbose=False)
    assert not result and "wrong answer" in result.message


def test_reference_quartic_iterate_equals_package_sgd_run_on_theta4_over_4():
    """The exercise's reference loop is exactly dlsg_utils.optim.run(SGD) on J = θ⁴/4, on the
    checker's own random cases (30 of them, up to 3000 steps)."""
    from dlsg_utils.exercises.ch01_gradient_descent import _case_quartic, _quartic_gd_iterate
    from dlsg_utils.optim import SGD, run

    rng = np.random.default_rng(5)
    for _ in range(30):
        theta0, lr, t = _case_quartic(rng)
        path = run(SGD(lr=lr), lambda th: th**3, [theta0], t)
        assert _quartic_gd_iterate(theta0, lr, t) == pytest.approx(path[-1, 0], rel=1e-12, abs=0)


def test_reference_gradient_descent_and_step_are_the_package_sgd():
    """gd_step and gradient_descent reproduce a hand-written θ − η∇J loop on random quadratics
    (the references call the package, so this checks the package against the formula)."""
    from dlsg_utils.exercises.ch01_gradient_descent import (
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


# --- more correct forms: each checker accepts at least two besides its reference ---------------

def _gd_step_by_coordinate(theta, grad, lr):
    out = np.array(theta, dtype=float)
    for i in np.ndindex(out.shape):
        out[i] -= lr * np.asarray(grad)[i]
    return out if out.shape else float(out)


def _gd_step_in_torch(theta, grad, lr):
    import torch

    return torch.as_tensor(theta, dtype=torch.float64) - lr * torch.as_tensor(grad)


def _weighted_gradient_by_autograd(X, y, w, theta):
    import torch

    t = torch.tensor(theta, requires_grad=True)
    X, y, w = (torch.as_tensor(a) for a in (X, y, w))
    ((w * (X @ t - y) ** 2).sum() / (2 * w.sum())).backward()
    return t.grad


def _weighted_gradient_by_loop(X, y, w, theta):
    total = np.zeros(len(theta))
    for xi, yi, wi in zip(X, y, w, strict=True):
        total += wi * (xi @ theta - yi) * xi
    return total / sum(w)


def _path_preallocated(grad_fn, theta0, lr, num_steps):
    path = np.empty((num_steps + 1, len(theta0)))
    path[0] = theta0
    for k in range(num_steps):
        path[k + 1] = path[k] - lr * grad_fn(path[k])
    return path


def _local_edge_by_bisection(d2J, theta_star):
    """The largest η with |1 − ηJ''(θ*)| < 1, found by bisection rather than the formula."""
    lam, lo, hi = d2J(theta_star), 0.0, 1.0
    while abs(1 - hi * lam) < 1:
        hi *= 2
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if abs(1 - mid * lam) < 1 else (lo, mid)
    return lo


@pytest.mark.parametrize(("checker", "answer"), [
    (check_gd_step, _gd_step_by_coordinate),
    (check_gd_step, _gd_step_in_torch),
    (check_gd_step, lambda theta, grad, lr: np.subtract(theta, np.multiply(lr, grad))),
    (check_weighted_lstsq_gradient, _weighted_gradient_by_autograd),
    (check_weighted_lstsq_gradient, _weighted_gradient_by_loop),
    (check_weighted_lstsq_gradient,  # through √w: the unweighted gradient of rescaled rows
     lambda X, y, w, t: (np.sqrt(w)[:, None] * X).T @ (np.sqrt(w) * (X @ t - y)) / w.sum()),
    (check_gradient_descent, _path_preallocated),
    (check_gradient_descent, lambda g, t0, lr, n: np.array(
        [t0 := np.asarray(t0, float)] + [t0 := t0 - lr * g(t0) for _ in range(n)])),
    (check_gd_limit, lambda X, y, t: t + np.linalg.lstsq(X, y - X @ t, rcond=None)[0]),
    (check_local_max_stable_lr, _local_edge_by_bisection),
    (check_local_max_stable_lr, lambda d2J, t: 2 * (1 / d2J(np.float64(t)))),
], ids=lambda x: getattr(x, "__name__", ""))
def test_checker_accepts_another_correct_form(checker, answer):
    assert checker(answer, verbose=False)


def test_gd_step_checker_asks_for_numbers_vectors_and_matrices():
    seen = []

    def spy(theta, grad, lr):
        seen.append(np.ndim(theta))
        return np.asarray(theta) - lr * np.asarray(grad)

    assert check_gd_step(spy, verbose=False)
    assert {0, 1, 2} <= set(seen)


def test_weighted_gradient_checker_asks_for_zero_weights_one_example_and_integers():
    seen = []

    def spy(X, y, w, theta):
        seen.append((len(y), bool((w == 0).any()), bool(np.all(w == np.round(w)))))
        return X.T @ (w * (X @ theta - y)) / w.sum()

    assert check_weighted_lstsq_gradient(spy, verbose=False)
    assert any(n == 1 for n, _, _ in seen) and any(z for _, z, _ in seen)
    assert any(i for _, _, i in seen)


def test_gradient_descent_checker_asks_for_zero_steps():
    seen = []

    def spy(grad_fn, theta0, lr, num_steps):
        seen.append(num_steps)
        return _path(grad_fn, theta0, lr, num_steps)

    assert check_gradient_descent(spy, verbose=False)
    assert 0 in seen


# --- the hidden solutions, on the whole domain of their questions ---------------------------

@pytest.mark.parametrize(("name", "checker"), [
    ("gd_step", check_gd_step),
    ("weighted_lstsq_gradient", check_weighted_lstsq_gradient),
    ("gradient_descent", check_gradient_descent),
    ("gd_limit", check_gd_limit),
    ("quartic_gd_iterate", check_quartic_gd_iterate),
    ("saddle_escape_steps", check_saddle_escape_steps),
    ("local_max_stable_lr", check_local_max_stable_lr),
])
def test_the_chapters_hidden_solution_passes_its_checker(name, checker):
    assert checker(SOLUTIONS[name], verbose=False)


@settings(max_examples=200, deadline=None)
@given(x0_exp=st.floats(-300, -0.01), a=st.floats(1e-9, 1e3), lam=st.floats(0.01, 100.0),
       radius=st.floats(0.01, 1.0))
def test_saddle_solution_equals_the_reference_on_the_whole_domain(x0_exp, a, lam, radius):
    """Any 0 < x₀ < radius, any ηλ > 0: the same count, exactly below a million steps."""
    x0 = radius * 10.0**x0_exp
    got = SOLUTIONS["saddle_escape_steps"](x0, a / lam, lam, radius)
    want = ch01._saddle_escape_steps(x0, a / lam, lam, radius)
    assert ch01._same_count(got, want), (got, want)


@settings(max_examples=60, deadline=None)
@given(k=st.integers(1, 300), factor=st.sampled_from([2.0, 4.0, 8.0]),
       radius=st.floats(0.01, 1.0))
def test_saddle_solution_counts_k_when_x_reaches_the_radius_exactly(k, factor, radius):
    x0 = radius / factor**k
    if x0 == 0.0:
        return
    assert SOLUTIONS["saddle_escape_steps"](x0, factor - 1.0, 1.0, radius) == k


@settings(max_examples=150, deadline=None)
@given(theta0=st.floats(1e-3, 1e3), sign=st.sampled_from([-1.0, 1.0]),
       a=st.floats(1e-6, 0.1), t=st.integers(20, 10**12))
def test_quartic_solution_is_within_3_percent_on_the_whole_domain(theta0, sign, a, t):
    """ηθ₀² ≤ 0.1 and 20 ≤ t ≤ 10¹²: the first-order formula is within the promised 3 %."""
    lr = a / theta0**2
    got = SOLUTIONS["quartic_gd_iterate"](sign * theta0, lr, t)
    want = ch01._quartic_gd_iterate(sign * theta0, lr, t)
    assert got == pytest.approx(want, rel=0.03, abs=0)


def test_quartic_formula_is_within_3_percent_at_the_worst_corner_of_the_domain():
    """ηθ₀² = 0.1 exactly and t = 20, the least favourable corner (the error is largest near
    t = 10 and falls after it)."""
    want = _quartic_loop(1.0, 0.1, 20)
    assert SOLUTIONS["quartic_gd_iterate"](1.0, 0.1, 20) == pytest.approx(want, rel=0.03)
    assert SOLUTIONS["quartic_gd_iterate"](1.0, 0.1, 10) != pytest.approx(
        _quartic_loop(1.0, 0.1, 10), rel=0.03)  # why the question starts at t = 20


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_gd_limit_solution_matches_the_reference_on_wide_and_ill_conditioned_matrices(seed):
    rng = np.random.default_rng(seed)
    for maker in (ch01._case_limit, ch01._case_limit_slow):
        X, y, theta0 = maker(rng)
        np.testing.assert_allclose(SOLUTIONS["gd_limit"](X, y, theta0),
                                   ch01._gd_limit(X, y, theta0), rtol=1e-6, atol=1e-8)


def test_investigate_exercise_is_last_and_its_solution_measures_steps_against_kappa():
    """The chapter's exercises end with the open investigation, whose hidden solution defines
    the measurement it discusses."""
    cells = json.loads(CHAPTER.read_text())["cells"]
    sources = ["".join(c["source"]) for c in cells]
    heads = [s for s in sources if s.startswith("### Exercise")]
    assert "(investigate)" in heads[-1]
    steps = SOLUTIONS["steps_to_tolerance"]
    assert steps(1.0, 10.0, 1e-6) == _steps_by_formula(10.0, 1e-6)


def _steps_by_formula(kappa, tol):
    """With η = 1/L the steep direction is solved in one step and the slow one shrinks by
    1 − 1/κ per step, so ‖θ_t‖ = (1 − 1/κ)^t ≤ tol·‖θ₀‖ = tol·√2."""
    return int(np.ceil(np.log(tol * np.sqrt(2)) / np.log1p(-1 / kappa) - 1e-9))


def test_a_brute_force_loop_is_stopped_by_the_time_limit_not_accepted(monkeypatch):
    """The uncapped loops that answer exercises 5 and 6 by running gradient descent never reach
    the counts of 10⁹ steps or the horizons of 10¹² the checkers ask for: the engine's time limit
    (shortened here to 2 s) stops them, and they are not accepted."""
    from dlsg_utils.exercises import engine

    monkeypatch.setattr(engine, "TIME_LIMIT_S", 2.0)
    for checker, loop in [(check_saddle_escape_steps, _saddle_simulated),
                          (check_quartic_gd_iterate, _quartic_loop)]:
        result = checker(loop, verbose=False)
        assert not result and "stopped after" in result.message, result.message
