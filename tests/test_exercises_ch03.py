"""Chapter 3 checkers accept the reference and reject known-wrong answers with their hint;
the reference formulas reproduce the facts the chapter states."""

import numpy as np
import pytest
from checker_harness import checker_tests

from dlsg_utils.exercises.momentum import (
    _momentum_rate,
    _optimal_momentum,
    check_max_stable_lr_momentum,
    check_momentum_rate,
    check_momentum_step,
    check_nesterov_step,
    check_optimal_momentum,
)


def momentum(t, v, g, lr, gm):
    v = gm * v + lr * g
    return t - v, v


def nesterov(t, v, f, lr, gm):
    v = gm * v + lr * f(t - gm * v)
    return t - v, v


def rate(lr, gm, lam):
    a = lr * lam
    return float(np.abs(np.linalg.eigvals([[1 - a, -gm], [a, gm]])).max())


def rate_by_formula(lr, gm, lam):
    """The same rate from the roots of z² − (1 + γ − ηλ)z + γ."""
    tr = 1 + gm - lr * lam
    disc = tr**2 - 4 * gm
    if disc < 0:
        return float(np.sqrt(gm))
    return float(max(abs(tr + np.sqrt(disc)), abs(tr - np.sqrt(disc))) / 2)


def optimal(mu, L):
    k = np.sqrt(L / mu)
    return (2 / (np.sqrt(mu) + np.sqrt(L))) ** 2, ((k - 1) / (k + 1)) ** 2


CASES = {
    check_momentum_step: (
        momentum,
        [(lambda t, v, g, lr, gm: momentum(t, v, g, lr, gm)[0], "return both"),
         (lambda t, v, g, lr, gm: (t - v, gm * v + lr * g), "*old* velocity"),
         (lambda t, v, g, lr, gm: (t + gm * v + lr * g, gm * v + lr * g), "wrong sign"),
         (lambda t, v, g, lr, gm: (t - v - lr * g, v + lr * g), "γ is missing"),
         (lambda t, v, g, lr, gm: (t - lr * (gm * v + g), gm * v + g), "PyTorch's form"),
         (lambda t, v, g, lr, gm: (t - gm * v - g, gm * v + g), "learning rate is missing")],
    ),
    check_nesterov_step: (
        nesterov,
        [(lambda t, v, f, lr, gm: momentum(t, v, f(t), lr, gm), "plain momentum"),
         (lambda t, v, f, lr, gm: momentum(t, v, f(t + gm * v), lr, gm), "wrong way"),
         (lambda t, v, f, lr, gm: momentum(t, v, f(t - v), lr, gm), "γ is missing"),
         (lambda t, v, f, lr, gm: (t - v, gm * v + lr * f(t - gm * v)), "*old* velocity"),
         (lambda t, v, f, lr, gm: (nesterov(t, v, f, lr, gm)[0] - gm * nesterov(t, v, f, lr, gm)[1],
                                   nesterov(t, v, f, lr, gm)[1]), "look-ahead point")],
    ),
    check_momentum_rate: (
        rate_by_formula,
        [(lambda lr, gm, lam: abs(1 - lr * lam), "gradient descent's rate"),
         (lambda lr, gm, lam: 2 * np.sqrt(gm) if (1 + gm - lr * lam) ** 2 < 4 * gm
          else rate(lr, gm, lam), "erratum"),
         (lambda lr, gm, lam: float(np.sqrt(gm)), "only while the eigenvalues are complex"),
         (lambda lr, gm, lam: float(np.abs(np.linalg.eigvals(
             [[1 - lr * lam, -gm], [lr * lam, gm]])).min()), "*largest*")],
    ),
    check_optimal_momentum: (
        optimal,
        [(lambda mu, L: optimal(mu, L)[::-1], "wrong order"),
         (lambda mu, L: (optimal(mu, L)[0], np.sqrt(optimal(mu, L)[1])), "*rate* √β"),
         (lambda mu, L: (np.sqrt(optimal(mu, L)[0]), optimal(mu, L)[1]), "*square*"),
         (lambda mu, L: (2 / (mu + L), optimal(mu, L)[1]), "gradient descent's best step"),
         (lambda mu, L: (optimal(mu, L)[0], ((L / mu - 1) / (L / mu + 1)) ** 2), "use √κ")],
    ),
    check_max_stable_lr_momentum: (
        lambda lam, b: 2 * (1 + b) / lam,
        [(lambda lam, b: 2 / lam, "gradient descent's edge"),
         (lambda lam, b: (1 + b) / lam, "factor 2 too small"),
         (lambda lam, b: 2 * (1 + b) / ((1 + 2 * b) * lam), "Nesterov's edge"),
         (lambda lam, b: 2 * (1 - b) / lam, "wrong sign")],
    ),
}


(test_checker_accepts_the_reference,
 test_checker_rejects_a_known_mistake_with_its_hint,
 test_checker_reports_a_wrong_signature_without_raising,
 test_checker_reports_an_unattempted_stub) = checker_tests(CASES)






def test_momentum_step_does_not_depend_on_in_place_updates():
    def in_place(t, v, g, lr, gm):
        v *= gm
        v += lr * g
        t -= v
        return t, v

    assert check_momentum_step(in_place, verbose=False)


# --- the theory the chapter states (REFERENCE_FACTS: eigenvalues 1 and 10; the chapter: 1, 100) --

def test_optimal_momentum_for_kappa_10_matches_the_reference_facts():
    alpha, beta = _optimal_momentum(1.0, 10.0)
    assert alpha == pytest.approx(0.23089, abs=5e-6)
    assert beta == pytest.approx(0.26987, abs=5e-6)
    assert np.sqrt(beta) == pytest.approx(0.51949, abs=5e-6)


def test_optimal_momentum_rate_is_sqrt_beta_at_both_ends_of_the_spectrum():
    for mu, L in [(1.0, 10.0), (1.0, 100.0), (0.3, 2000.0)]:
        alpha, beta = _optimal_momentum(mu, L)
        for lam in (mu, L):
            assert _momentum_rate(alpha, beta, lam) == pytest.approx(np.sqrt(beta), rel=1e-6)


def test_momentum_stability_edge_is_two_plus_two_beta():
    for beta in (0.0, 0.5, 0.9):
        edge = 2 + 2 * beta
        assert _momentum_rate(0.999 * edge, beta, 1.0) < 1
        assert _momentum_rate(1.001 * edge, beta, 1.0) > 1


def test_complex_eigenvalues_have_modulus_sqrt_beta_not_two_sqrt_beta():
    lr, beta, lam = 0.5, 0.81, 1.0  # (1 + β − αλ)² = 1.31² < 4β = 3.24: complex
    assert _momentum_rate(lr, beta, lam) == pytest.approx(0.9, rel=1e-9)


def test_critical_damping_for_alpha_lambda_001_gives_rate_090_against_gd_099():
    a = 0.01
    beta = (1 - np.sqrt(a)) ** 2
    assert beta == pytest.approx(0.81)
    assert _momentum_rate(a, beta, 1.0) == pytest.approx(0.90, abs=1e-6)
    assert _momentum_rate(a, 0.0, 1.0) == pytest.approx(0.99)


def test_booth_optimal_momentum_rate_is_one_half():
    alpha, beta = _optimal_momentum(2.0, 18.0)
    assert np.sqrt(beta) == pytest.approx(0.5)
