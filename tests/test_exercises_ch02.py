"""Chapter 2 checkers accept the reference and reject known-wrong answers with their hint."""

import numpy as np
import pytest
from checker_harness import checker_tests

from dlsg_utils.exercises.sgd import (
    check_expected_sq,
    check_loss_floor,
    check_minibatch_indices,
    check_noise_scale,
    check_sgd_epoch,
    check_softmax_cross_entropy_grad,
)
from dlsg_utils.linear import softmax_cross_entropy


def _batches(n, b, rng):
    order = rng.permutation(n)
    return [order[i : i + b] for i in range(0, n, b)]


def _probs(W, X):
    Z = X @ W
    E = np.exp(Z - Z.max(1, keepdims=True))
    return E / E.sum(1, keepdims=True)


def _grad(W, X, y, sign=1.0, scale=None, onehot=True):
    P = _probs(W, X) - (np.eye(W.shape[1])[y] if onehot else 0)
    return sign * X.T @ P / (len(y) if scale is None else scale)


def _epoch(W, X, y, batches, lr):
    for idx in batches:
        W = W - lr * softmax_cross_entropy(W, X[idx], y[idx])[1]
    return W


CASES = {
    check_minibatch_indices: (
        _batches,
        [(lambda n, b, rng: [rng.permutation(n)[i : i + b] for i in range(0, n - b + 1, b)],
          "last, smaller batch is missing"),
         (lambda n, b, rng: [np.arange(n)[i : i + b] for i in range(0, n, b)],
          "shuffle them"),
         (lambda n, b, rng: [rng.permutation(n)[i : i + b] for i in range(0, n, max(1, b - 1))],
          "overlap"),
         (lambda n, b, rng: [rng.integers(0, n, size=n)[i : i + b] for i in range(0, n, b)],
          "appear twice"),
         (lambda n, b, rng: _batches(n, b, np.random.default_rng()),
          "from the `rng` argument"),
         (lambda n, b, rng: _batches(n, b, np.random.default_rng(0)),
          "shuffle with the `rng`")],
    ),
    check_softmax_cross_entropy_grad: (
        lambda W, X, y: softmax_cross_entropy(W, X, y)[1],
        [(lambda W, X, y: _grad(W, X, y, scale=1), "missing the 1/b"),
         (lambda W, X, y: _grad(W, X, y, sign=-1.0), "wrong sign"),
         (lambda W, X, y: _grad(W, X, y, onehot=False), "subtract the one-hot"),
         (lambda W, X, y: (_probs(W, X) - np.eye(W.shape[1])[y]).T @ X / len(y),
          "W's shape")],
    ),
    check_sgd_epoch: (
        _epoch,
        [(lambda W, X, y, bs, lr: W - lr * softmax_cross_entropy(W, X, y)[1],
          "one update per batch"),
         (lambda W, X, y, bs, lr: W - lr * sum(softmax_cross_entropy(W, X[i], y[i])[1]
                                               for i in bs),
          "at the starting W"),
         (lambda W, X, y, bs, lr: _epoch(W, X, y, bs, -lr), "wrong sign"),
         (lambda W, X, y, bs, lr: _epoch(W, X, y, bs[:-1], lr), "last batch was skipped"),
         (lambda W, X, y, bs, lr: W, "W did not change")],
    ),
}


(test_checker_accepts_the_reference,
 test_checker_rejects_a_known_mistake_with_its_hint,
 test_checker_reports_a_wrong_signature_without_raising,
 test_checker_reports_an_unattempted_stub) = checker_tests(CASES)






def test_minibatch_checker_accepts_a_generator_and_reports_exceptions():
    def gen(n, b, rng):
        order = rng.permutation(n)
        for i in range(0, n, b):
            yield order[i : i + b]

    assert check_minibatch_indices(gen, verbose=False)
    result = check_minibatch_indices(lambda n, b, rng: 1 / 0, verbose=False)
    assert not result and "ZeroDivisionError" in result.message


# --- the new exercises: noise floor, expected square, noise scale ------------------------------

def _floor(lr, s, b):
    return lr * s / (4 * b)


def _expected(x0, lrs, lam, sigma):
    m = x0**2
    for eta in lrs:
        m = (1 - eta * lam) ** 2 * m + eta**2 * sigma**2
    return m


def _expected_sequence(x0, lrs, lam, sigma):
    out = [x0**2]
    for eta in lrs:
        out.append((1 - eta * lam) ** 2 * out[-1] + eta**2 * sigma**2)
    return np.array(out)


def _scale(G):
    g = G.mean(0)
    return np.mean(np.sum((G - g) ** 2, 1)) / np.sum(g**2)


def _scale_unbiased(G):
    g = G.mean(0)
    return np.sum((G - g) ** 2) / (len(G) - 1) / np.sum(g**2)


NEW_CASES = {
    check_loss_floor: (
        _floor,
        [(lambda lr, s, b: lr * s / (2 * b), "half of it"),
         (lambda lr, s, b: lr * s / 4, "batch size is missing"),
         (lambda lr, s, b: lr * s / (4 * b**2), "not 1/b²"),
         (lambda lr, s, b: lr**2 * s / (4 * b), "first order in η")],
    ),
    check_expected_sq: (
        _expected,
        [(lambda x0, lrs, lam, s: _loop(x0**2, lrs, lambda e: 1 - e * lam, lambda e: e**2 * s**2),
          "*square* of the factor"),
         (lambda x0, lrs, lam, s: _loop(x0**2, lrs, lambda e: (1 - e * lam) ** 2,
                                        lambda e: e * s**2), "variance by η²"),
         (lambda x0, lrs, lam, s: _loop(x0**2, lrs, lambda e: (1 - e * lam) ** 2, lambda e: 0),
          "noise term is missing"),
         (lambda x0, lrs, lam, s: _loop(x0**2, lrs, lambda e: (1 - e * lam) ** 2,
                                        lambda e: e**2 * s), "its variance is σ²"),
         (lambda x0, lrs, lam, s: _loop(x0, lrs, lambda e: (1 - e * lam) ** 2,
                                        lambda e: e**2 * s**2), "the square of the start"),
         (lambda x0, lrs, lam, s: _expected(x0, lrs[:-1], lam, s), "one step per entry")],
    ),
    check_noise_scale: (
        _scale,
        [(lambda G: np.mean(np.sum(G**2, 1)) / np.sum(G.mean(0) ** 2), "plus 1"),
         (lambda G: 1 / _scale(G), "upside down"),
         (lambda G: np.mean(np.sum((G - G.mean(0)) ** 2, 1)), "tr Σ alone"),
         (lambda G: np.sum((G - G.mean(0)) ** 2) / np.sum(G.mean(0) ** 2), "*mean* squared")],
    ),
}


def _loop(m, lrs, factor, noise):
    for eta in lrs:
        m = factor(eta) * m + noise(eta)
    return m


(test_new_checker_accepts_the_reference,
 test_new_checker_rejects_a_known_mistake_with_its_hint,
 test_new_checker_reports_a_wrong_signature_without_raising,
 test_new_checker_reports_an_unattempted_stub) = checker_tests(NEW_CASES)


def test_expected_sq_checker_accepts_the_whole_sequence_and_a_monte_carlo_free_closed_form():
    assert check_expected_sq(_expected_sequence, verbose=False)
    assert check_expected_sq(lambda *a: float(_expected(*a)), verbose=False)


def test_expected_sq_reference_matches_a_simulation_of_many_runs():
    rng = np.random.default_rng(0)
    lrs, x = np.array([0.5, 0.3, 0.3, 0.1, 0.05]), np.full(200_000, 2.0)
    for eta in lrs:
        x = x - eta * (1.5 * x + 0.7 * rng.standard_normal(x.size))
    assert np.mean(x**2) == pytest.approx(_expected(2.0, lrs, 1.5, 0.7), rel=0.01)


def test_noise_scale_checker_accepts_both_variance_conventions():
    assert check_noise_scale(_scale_unbiased, verbose=False)
    assert check_noise_scale(lambda G: np.trace(np.cov(G.T, bias=True)) / np.sum(G.mean(0) ** 2),
                             verbose=False)


def test_loss_floor_predicts_sgd_on_a_noisy_quadratic_with_small_steps():
    """E[J − J*] ≈ η tr Σ/(4b) for independent batches: checked on a 3-D quadratic."""
    rng = np.random.default_rng(1)
    h, noise_sd, lr, b = np.array([0.5, 1.0, 2.0]), np.array([1.0, 2.0, 0.5]), 0.02, 5
    x = np.zeros((20_000, 3))
    gaps = []
    for t in range(600):
        xi = rng.standard_normal((x.shape[0], b, 3)).mean(1) * noise_sd
        x = x - lr * (h * x + xi)
        if t >= 300:
            gaps.append(np.mean(0.5 * np.sum(h * x**2, 1)))
    assert np.mean(gaps) == pytest.approx(_floor(lr, np.sum(noise_sd**2), b), rel=0.05)
