"""Chapter 2 checkers accept the reference and reject known-wrong answers with their hint."""

import numpy as np
from checker_harness import checker_tests

from dlsg_utils.exercises.sgd import (
    check_minibatch_indices,
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
