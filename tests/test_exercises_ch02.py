"""Chapter 2 checkers accept the reference and every correct form, reject known-wrong answers
with their hint, cover the whole domain of their questions, and the chapter's hidden solutions
pass them there."""

import json
from pathlib import Path

import numpy as np
import pytest
from checker_harness import checker_tests, solution_definitions
from hypothesis import given, settings
from hypothesis import strategies as st

from dlsg_utils.exercises.ch02_sgd import (
    check_expected_sq,
    check_label_smoothing_grad,
    check_loss_floor,
    check_minibatch_indices,
    check_noise_scale,
    check_sgd_epoch,
)
from dlsg_utils.linear import softmax_cross_entropy

CHAPTER = Path(__file__).resolve().parents[1] / "chapters" / "02_sgd_and_minibatch.ipynb"


def _solutions():
    """The functions the chapter's hidden solution cells define, executed as written (only the
    definitions: the rest of a cell uses the chapter's variables)."""
    return solution_definitions("02", {"np": np, "softmax_cross_entropy": softmax_cross_entropy})


SOLUTIONS = _solutions()


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


def _targets(W, y, alpha, over_others=False):
    K = W.shape[1]
    Y = np.eye(K)[y]
    return (1 - alpha) * Y + (alpha / (K - 1) * (1 - Y) if over_others else alpha / K)


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
    check_label_smoothing_grad: (
        lambda W, X, y, a: X.T @ (_probs(W, X) - _targets(W, y, a)) / len(y),
        [(lambda W, X, y, a: _grad(W, X, y), "the smoothing is missing"),
         (lambda W, X, y, a: X.T @ (_probs(W, X) - np.eye(W.shape[1])[y] - a / W.shape[1])
          / len(y), "must sum to 1"),
         (lambda W, X, y, a: X.T @ (_probs(W, X) - _targets(W, y, a, over_others=True))
          / len(y), "K − 1 wrong classes"),
         (lambda W, X, y, a: (1 - a) * _grad(W, X, y), "not the scale of the gradient"),
         (lambda W, X, y, a: X.T @ (_probs(W, X) - _targets(W, y, a)), "missing the 1/b"),
         (lambda W, X, y, a: X.T @ (_targets(W, y, a) - _probs(W, X)) / len(y), "wrong sign"),
         (lambda W, X, y, a: (_probs(W, X) - _targets(W, y, a)).T @ X / len(y), "W's shape")],
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


# --- more correct forms ------------------------------------------------------------------

def _smoothing_by_torch(W, X, y, alpha):
    """PyTorch's cross-entropy with label_smoothing=α uses the same targets (1 − α)Y + α/K."""
    import torch

    w = torch.tensor(W, requires_grad=True)
    torch.nn.functional.cross_entropy(torch.tensor(X) @ w, torch.tensor(y),
                                      label_smoothing=float(alpha)).backward()
    return w.grad


def _smoothing_by_loop(W, X, y, alpha):
    K, grad = W.shape[1], np.zeros_like(W, dtype=float)
    for xi, yi in zip(X, y, strict=True):
        z = xi @ W
        p = np.exp(z - z.max())
        p /= p.sum()
        t = np.full(K, alpha / K)
        t[yi] += 1 - alpha
        grad += np.outer(xi, p - t)
    return grad / len(y)


def _epoch_with_own_gradient(W, X, y, batches, lr):
    W = np.array(W, dtype=float)
    for idx in batches:
        W -= lr * _grad(W, X[idx], y[idx])
    return W


@pytest.mark.parametrize(("checker", "answer"), [
    (check_minibatch_indices, lambda n, b, rng: np.split(rng.permutation(n), range(b, n, b))),
    (check_label_smoothing_grad, _smoothing_by_torch),
    (check_label_smoothing_grad, _smoothing_by_loop),
    (check_sgd_epoch, _epoch_with_own_gradient),
    (check_sgd_epoch, lambda W, X, y, bs, lr: _epoch(W, X, y, list(bs), lr)),
    (check_loss_floor, lambda lr, s, b: 0.25 * lr * s / b),
    (check_loss_floor, lambda lr, s, b: np.float32(lr) * s / (4 * b)),
], ids=lambda x: getattr(x, "__name__", ""))
def test_checker_accepts_another_correct_form(checker, answer):
    assert checker(answer, verbose=False)


# --- the domain ---------------------------------------------------------------------------

def _spy(checker, reference):
    seen = []

    def spy(*args):
        seen.append(args)
        return reference(*args)

    assert checker(spy, verbose=False)
    return seen


def test_label_smoothing_checker_asks_for_alpha_0_and_1_and_one_example():
    seen = _spy(check_label_smoothing_grad,
                lambda W, X, y, a: X.T @ (_probs(W, X) - _targets(W, y, a)) / len(y))
    alphas = {a for *_, a in seen}
    assert {0.0, 1.0} <= alphas and any(len(y) == 1 for _, _, y, _ in seen)


def test_expected_sq_checker_asks_for_no_step_and_steps_past_the_edge():
    seen = _spy(check_expected_sq, _expected)
    assert any(len(lrs) == 0 for _, lrs, _, _ in seen)
    assert any(np.any(np.asarray(lrs) * lam > 2) for _, lrs, lam, _ in seen)


def test_sgd_epoch_checker_asks_for_batches_of_one_and_a_single_batch():
    seen = _spy(check_sgd_epoch, _epoch)
    assert any(all(len(i) == 1 for i in bs) for *_, bs, _ in seen)
    assert any(len(bs) == 1 for *_, bs, _ in seen)


def test_loss_floor_and_noise_scale_checkers_ask_for_no_noise():
    assert any(s == 0 for _, s, _ in _spy(check_loss_floor, _floor))
    assert any(np.allclose(G, G[0]) for (G,) in _spy(check_noise_scale, _scale))


# --- the hidden solutions -----------------------------------------------------------------

@pytest.mark.parametrize(("name", "checker"), [
    ("minibatch_indices", check_minibatch_indices),
    ("label_smoothing_grad", check_label_smoothing_grad),
    ("sgd_epoch", check_sgd_epoch),
    ("loss_floor", check_loss_floor),
    ("expected_sq", check_expected_sq),
    ("noise_scale", check_noise_scale),
])
def test_the_chapters_hidden_solution_passes_its_checker(name, checker):
    assert checker(SOLUTIONS[name], verbose=False)


@settings(max_examples=80, deadline=None)
@given(alpha=st.floats(0.0, 1.0), b=st.integers(1, 8), K=st.integers(2, 6),
       scale=st.sampled_from([1.0, 100.0, 1000.0]), seed=st.integers(0, 2**32 - 1))
def test_label_smoothing_solution_equals_the_reference_on_the_whole_domain(alpha, b, K, scale,
                                                                          seed):
    from dlsg_utils.exercises.ch02_sgd import _label_smoothing_grad

    rng = np.random.default_rng(seed)
    W, X, y = scale * rng.normal(size=(3, K)), rng.normal(size=(b, 3)), rng.integers(0, K, b)
    np.testing.assert_allclose(SOLUTIONS["label_smoothing_grad"](W, X, y, alpha),
                               _label_smoothing_grad(W, X, y, alpha), rtol=1e-9, atol=1e-12)


@settings(max_examples=80, deadline=None)
@given(x0=st.floats(-100, 100), lrs=st.lists(st.floats(0.0, 3.0), max_size=30),
       lam=st.floats(0.1, 3.0), sigma=st.floats(0.0, 3.0))
def test_expected_sq_solution_equals_the_reference_for_any_schedule(x0, lrs, lam, sigma):
    from dlsg_utils.exercises.ch02_sgd import _expected_sq

    got = np.asarray(SOLUTIONS["expected_sq"](x0, np.array(lrs) / lam, lam, sigma))
    assert got.reshape(-1)[-1] == pytest.approx(_expected_sq(x0, np.array(lrs) / lam, lam, sigma),
                                                rel=1e-9, abs=1e-12)


def test_investigate_exercise_is_last_and_its_solution_measures_the_floor():
    """The exercises end with the open investigation; its measured floor agrees with the
    one-dimensional formula ησ²/(bλ(2 − ηλ)) that its discussion uses."""
    sources = ["".join(c["source"]) for c in json.loads(CHAPTER.read_text())["cells"]]
    heads = [s for s in sources if s.startswith("### Exercise")]
    assert "(investigate)" in heads[-1]
    for lr, b in [(0.01, 1), (1.28, 128)]:
        assert SOLUTIONS["measured_floor"](lr, b) == pytest.approx(
            lr / (b * (2 - lr)), rel=0.1)
