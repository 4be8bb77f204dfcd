"""Chapter 5 checkers accept the reference and reject known-wrong answers with their hint."""

import numpy as np
from checker_harness import checker_tests

from dlsg_utils.exercises.visual import (
    check_escape_steps,
    check_final_distance,
    check_saddle_gradient,
)


def _first(mask):
    idx = np.flatnonzero(mask)
    return int(idx[0]) if idx.size else -1


CASES = {
    check_escape_steps: (
        lambda p, th: _first(np.abs(p[:, 1]) > th),
        [(lambda p, th: -1 if _first(np.abs(p[:, 1]) > th) < 0 else
          _first(np.abs(p[:, 1]) > th) + 1, "off by one"),
         (lambda p, th: _first(np.abs(p[:, 0]) > th), "you looked at x"),
         (lambda p, th: int(np.sum(np.abs(p[:, 1]) > th)) or -1, "counted the steps"),
         (lambda p, th: _first(p[:, 1] > th), "use |y|")],
    ),
    check_saddle_gradient: (
        lambda p: np.array([2 * p[0], -2 * p[1]]),
        [(lambda p: np.array([2 * p[0], 2 * p[1]]), "wrong sign on y"),
         (lambda p: np.array([-2 * p[0], 2 * p[1]]), "both signs flipped"),
         (lambda p: np.array([p[0], -p[1]]), "missing the factor 2"),
         (lambda p: np.array([-2 * p[1], 2 * p[0]]), "swapped")],
    ),
    check_final_distance: (
        lambda p, m: np.linalg.norm(p[-1] - m),
        [(lambda p, m: np.sum((p[-1] - m) ** 2), "squared distance"),
         (lambda p, m: np.linalg.norm(p[0] - m), "from the start"),
         (lambda p, m: np.abs(p[-1] - m).sum(), "L1 distance"),
         (lambda p, m: np.linalg.norm(p[-2] - m), "off by one"),
         (lambda p, m: np.linalg.norm(p - m, axis=1), "one number")],
    ),
}


(test_checker_accepts_the_reference,
 test_checker_rejects_a_known_mistake_with_its_hint,
 test_checker_reports_a_wrong_signature_without_raising,
 test_checker_reports_an_unattempted_stub) = checker_tests(CASES)


def test_escape_steps_reference_on_a_hand_made_path():
    from dlsg_utils.exercises.visual import _escape_steps

    path = np.array([[1.0, 1e-3], [0.5, 0.5], [0.2, -1.5], [0.1, 3.0]])
    assert _escape_steps(path, 1.0) == 2
    assert _escape_steps(path, 10.0) == -1
