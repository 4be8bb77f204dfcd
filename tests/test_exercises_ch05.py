"""Chapter 5 checkers accept every correct answer and reject known-wrong ones with their hint,
cover the whole domain of their questions, and the chapter's hidden solutions pass them there."""

import json
from pathlib import Path

import numpy as np
import pytest
from checker_harness import checker_tests, solution_definitions
from hypothesis import given, settings
from hypothesis import strategies as st

from dlsg_utils.exercises import ch05_visual_demo as ch05
from dlsg_utils.exercises.ch05_visual_demo import (
    check_arrival_step,
    check_escape_steps,
    check_momentum_growth,
    check_sgd_escape_steps,
)
from dlsg_utils.functions import SADDLE
from dlsg_utils.optim import SGD, Momentum, run

CHAPTER = Path(__file__).resolve().parents[1] / "chapters" / "05_visual_demo.ipynb"


def _solutions():
    """The functions the chapter's hidden solution cells define, executed as written (only the
    definitions: the rest of a cell uses the chapter's variables)."""
    return solution_definitions("05", {"np": np})


SOLUTIONS = _solutions()


def _first(mask):
    idx = np.flatnonzero(mask)
    return int(idx[0]) if idx.size else -1


def escape_formula(y0, lr, threshold, factor=lambda lr: 1 + 2 * lr, plus=1, tol=1e-9):
    return int(np.floor(np.log(threshold / abs(y0)) / np.log(factor(lr)) + tol)) + plus


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


def _without_abs(y0, lr, threshold):
    with np.errstate(invalid="ignore"):  # the log of a negative ratio: nan, the mistake's answer
        return np.floor(np.log(threshold / y0) / np.log1p(2 * lr)) + 1


def arrival(losses, f_min, tol):
    return _first(np.asarray(losses) - f_min < tol)


CASES = {
    check_escape_steps: (
        lambda p, th: _first(np.abs(p[:, 1]) > th),
        [(lambda p, th: -1 if _first(np.abs(p[:, 1]) > th) < 0 else
          _first(np.abs(p[:, 1]) > th) + 1, "off by one"),
         (lambda p, th: _first(np.abs(p[:, 0]) > th), "you looked at x"),
         (lambda p, th: int(np.sum(np.abs(p[:, 1]) > th)) or -1, "counted the steps"),
         (lambda p, th: _first(p[:, 1] > th), "use |y|"),
         (lambda p, th: _first(np.abs(p[:, 1]) >= th), "use >, not >=")],
    ),
    check_sgd_escape_steps: (
        escape_formula,
        [(lambda y, lr, th: int(np.ceil(np.log(th / y) / (2 * lr))), "log(1 + 2η) ≈ 2η"),
         (lambda y, lr, th: escape_formula(y, lr, th, plus=0), "off by one"),
         (lambda y, lr, th: escape_formula(y, lr, 1.0), "use the threshold"),
         (lambda y, lr, th: escape_formula(y, lr, th, factor=lambda e: 1 + e), "1 + 2η (not 1 + η)"),
         (_without_abs, "use |y₀|"),
         (lambda y, lr, th: np.ceil(np.log(th / abs(y)) / np.log1p(2 * lr)), "one step too few"),
         (lambda y, lr, th: escape_formula(y, lr, th, factor=lambda e: 1 - 2 * e), "curves *down*")],
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
          "never arrives"),
         (lambda v, f, tol: _first(np.asarray(v) - f <= tol), "use <, not <="),
         (lambda v, f, tol: int(np.sum(np.asarray(v) - f < tol)) or -1, "counted the steps below"),
         (lambda v, f, tol: _first(np.abs(np.diff(v)) < tol), "small *change*")],
    ),
}


(test_checker_accepts_the_reference,
 test_checker_rejects_a_known_mistake_with_its_hint,
 test_checker_reports_a_wrong_signature_without_raising,
 test_checker_reports_an_unattempted_stub) = checker_tests(CASES)


def escapes_by_loop(path, threshold):
    for t, (_, y) in enumerate(path):
        if abs(y) > threshold:
            return t
    return -1


def arrival_by_loop(losses, f_min, tol):
    for t, loss in enumerate(losses):
        if loss - f_min < tol:
            return t
    return -1


@pytest.mark.parametrize(("checker", "answer"), [
    (check_escape_steps, escapes_by_loop),
    (check_escape_steps, lambda p, th: next(
        (t for t, y in enumerate(np.abs(np.asarray(p)[:, 1])) if y > th), -1)),
    (check_sgd_escape_steps,  # base 10, and the first t with t > t*, as ceil of a shifted t*
     lambda y, lr, th: np.floor(np.log10(th / abs(y)) / np.log10(1 + 2 * lr) + 1e-9) + 1.0),
    (check_sgd_escape_steps, lambda y, lr, th: escape_formula(y, lr, th, tol=1e-9)),
    (check_momentum_growth, lambda lr, g: max(abs(np.linalg.eigvals(
        np.array([[1 + g + 2 * lr, -g], [1.0, 0.0]]))))),
    (check_arrival_step, arrival_by_loop),
    (check_arrival_step, lambda v, f, tol: int(np.argmax(np.asarray(v) - f < tol))
     if np.any(np.asarray(v) - f < tol) else -1),
    (check_momentum_growth, growth_by_simulation),
    (check_momentum_growth, growth_torch_convention),
], ids=lambda x: getattr(x, "__name__", ""))
def test_checker_accepts_another_correct_route(checker, answer):
    assert checker(answer, verbose=False)


def test_escape_steps_reference_on_a_hand_made_path():
    from dlsg_utils.exercises.ch05_visual_demo import _escape_steps

    path = np.array([[1.0, 1e-3], [0.5, 0.5], [0.2, -1.5], [0.1, 3.0]])
    assert _escape_steps(path, 1.0) == 2
    assert _escape_steps(path, 10.0) == -1


def test_sgd_escape_prediction_matches_the_chapters_run():
    """Chapter 5 runs SGD with η = 0.05 from y₀ = 10⁻³: 73 steps to |y| > 1."""
    assert escape_formula(1e-3, 0.05, 1.0) == escape_by_simulation(1e-3, 0.05, 1.0) == 73


def test_arrival_checker_cases_include_a_nonzero_minimum_and_runs_that_never_arrive():
    from dlsg_utils.exercises.ch05_visual_demo import _case_arrival

    rng = np.random.default_rng(0)
    cases = [_case_arrival(rng) for _ in range(20)]
    assert any(f != 0 for _, f, _ in cases)
    assert any(arrival(v, f, tol) == -1 for v, f, tol in cases)


def test_sgd_escape_reference_is_the_simulated_count_where_a_loop_can_reach():
    """On the ordinary cases and the exact hits the reference formula is the count of the
    package's own gradient descent on the saddle (or of y ← y(1 + 2η) for the exact hits)."""
    rng = np.random.default_rng(2)
    for _ in range(15):
        args = ch05._case_sgd_escape(rng)
        assert ch05._sgd_escape_steps(*args) == escape_by_simulation(*args)
    y0, threshold = 3.0 / 2**40, 3.0  # y doubles (η = 0.5): |y_40| = threshold, not beyond
    y, t = y0, 0
    while abs(y) <= threshold:
        y, t = y * 2, t + 1
    assert t == 41 == ch05._sgd_escape_steps(y0, 0.5, threshold)
    assert ch05._sgd_escape_steps(-y0, 0.5, threshold) == 41


def test_sgd_escape_checker_needs_the_formula_a_loop_is_refused_on_a_billion_steps():
    rng = np.random.default_rng(0)
    counts = [ch05._sgd_escape_steps(*ch05._case_sgd_escape_far(rng)) for _ in range(40)]
    assert max(counts) >= ch05.SGD_ESCAPE_MIN_SLOW_COUNT
    result = check_sgd_escape_steps(escape_by_simulation, verbose=False)
    assert not result and "wrong answer" in result.message


def _spy(checker, reference):
    seen = []

    def spy(*args):
        seen.append(args)
        return reference(*args)

    assert checker(spy, verbose=False)
    return seen


def test_escape_checker_asks_for_one_row_an_escape_at_row_0_and_a_tie():
    seen = _spy(check_escape_steps, lambda p, th: _first(np.abs(p[:, 1]) > th))
    assert any(len(p) == 1 for p, _ in seen)
    assert any(abs(p[0, 1]) > th for p, th in seen)
    assert any(np.any(np.abs(p[:, 1]) == th) for p, th in seen)


def test_sgd_escape_checker_asks_for_negative_offsets_and_exact_hits():
    seen = _spy(check_sgd_escape_steps, escape_formula)
    assert any(y < 0 for y, _, _ in seen)
    assert any(lr in (0.5, 1.5) for _, lr, _ in seen)


def test_growth_checker_asks_for_no_momentum_and_gamma_near_1():
    seen = _spy(check_momentum_growth, growth)
    assert any(g == 0 for _, g in seen) and any(g >= 0.99 for _, g in seen)


def test_arrival_checker_asks_for_step_0_a_tie_and_one_loss():
    seen = _spy(check_arrival_step, arrival)
    assert any(len(v) == 1 for v, _, _ in seen)
    assert any(v[0] - f < tol for v, f, tol in seen)
    assert any(np.any(np.asarray(v) - f == tol) for v, f, tol in seen)


@pytest.mark.parametrize(("name", "checker"), [
    ("escape_steps", check_escape_steps),
    ("sgd_escape_steps", check_sgd_escape_steps),
    ("momentum_growth", check_momentum_growth),
    ("arrival_step", check_arrival_step),
])
def test_the_chapters_hidden_solution_passes_its_checker(name, checker):
    assert checker(SOLUTIONS[name], verbose=False)


@settings(max_examples=150, deadline=None)
@given(y_exp=st.floats(-300, -0.01), sign=st.sampled_from([-1.0, 1.0]), lr=st.floats(1e-9, 2.0),
       threshold=st.floats(0.1, 10.0))
def test_sgd_escape_solution_equals_the_reference_on_the_whole_domain(y_exp, sign, lr, threshold):
    y0 = sign * threshold * 10.0**y_exp
    got = SOLUTIONS["sgd_escape_steps"](y0, lr, threshold)
    assert ch05._same_escape_count(got, ch05._sgd_escape_steps(y0, lr, threshold))


@settings(max_examples=60, deadline=None)
@given(k=st.integers(1, 300), lr=st.sampled_from([0.5, 1.5, 3.5]), sign=st.sampled_from([-1, 1]))
def test_sgd_escape_solution_counts_k_plus_1_when_y_hits_the_threshold_exactly(k, lr, sign):
    y0 = sign * 1.0 / (1 + 2 * lr) ** k
    if y0 != 0:
        assert SOLUTIONS["sgd_escape_steps"](y0, lr, 1.0) == k + 1


@settings(max_examples=100, deadline=None)
@given(lr=st.floats(1e-6, 2.0), gamma=st.floats(0.0, 0.9999))
def test_growth_solution_equals_the_reference_for_any_rate_and_momentum(lr, gamma):
    assert SOLUTIONS["momentum_growth"](lr, gamma) == pytest.approx(
        ch05._momentum_growth(lr, gamma), rel=1e-9)


def test_investigate_exercise_is_last_and_its_solution_measures_noisy_escapes():
    """The exercises end with the open investigation; from y₀ = 0 exactly, where noiseless
    gradient descent never leaves, every noisy run escapes, later for smaller noise."""
    sources = ["".join(c["source"]) for c in json.loads(CHAPTER.read_text())["cells"]]
    heads = [s for s in sources if s.startswith("### Exercise")]
    assert "(investigate)" in heads[-1]
    steps = SOLUTIONS["noisy_escape_steps"]
    small, large = steps(1e-6), steps(1e-2)
    assert (small > 0).all() and (large > 0).all() and np.median(small) > np.median(large)
