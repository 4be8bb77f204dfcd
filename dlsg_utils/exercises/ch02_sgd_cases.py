"""The random cases of chapter 2's checkers (``sgd.py``): for each question, the cases its
mistakes are told apart on and the rest of the question's domain, boundaries included."""

from __future__ import annotations

import numpy as np


def _case_smoothing(rng):
    b, d, K = int(rng.integers(2, 20)), int(rng.integers(1, 6)), int(rng.integers(3, 6))
    return (rng.normal(size=(d, K)), rng.normal(size=(b, d)), rng.integers(0, K, size=b),
            float(rng.uniform(0.05, 0.5)))


def _case_smoothing_edges(rng, alpha=None):
    """The rest of the domain: α = 0 (plain labels) or 1 (uniform targets), one example, two
    classes, scores large enough to overflow a softmax taken without its maximum removed."""
    b, d, K = int(rng.choice([1, 1, 5])), int(rng.integers(1, 4)), int(rng.choice([2, 3]))
    scale = float(rng.choice([1.0, 400.0]))
    return (scale * rng.normal(size=(d, K)), rng.normal(size=(b, d)), rng.integers(0, K, size=b),
            float(rng.uniform(0, 1)) if alpha is None else alpha)


def _case_epoch(rng):
    n, d, K = int(rng.integers(4, 30)), int(rng.integers(1, 5)), int(rng.integers(2, 5))
    b = int(rng.integers(1, n))
    order = rng.permutation(n)
    batches = [order[i : i + b] for i in range(0, n, b)]
    return (rng.normal(size=(d, K)), rng.normal(size=(n, d)), rng.integers(0, K, size=n),
            batches, float(rng.uniform(0.1, 1.0)))


def _case_epoch_edges(rng):
    """The boundaries: batches of one example, one batch holding everything, an epoch of a
    single batch of a single example."""
    W, X, y, _, lr = _case_epoch(rng)
    n = len(y)
    kind = int(rng.integers(3))
    order = rng.permutation(n)
    batches = ([order[i : i + 1] for i in range(n)] if kind == 0 else [order] if kind == 1
               else [order[:1]])
    return W, X, y, batches, lr


def _case_floor(rng):
    return (float(10 ** rng.uniform(-3, 0)), float(10 ** rng.uniform(-1, 2)),
            int(rng.integers(1, 500)))


def _case_floor_edges(rng):
    """The boundaries: a single example per batch, no noise at all (floor 0), whole numbers."""
    return (float(rng.choice([1e-3, 1.0, rng.uniform(1e-3, 1)])), float(rng.choice([0.0, 3.0])),
            int(rng.choice([1, 2, 1000])))


def _case_expected(rng):
    T = int(rng.integers(1, 60))
    lam = float(rng.uniform(0.3, 3.0))
    lrs = rng.uniform(0.01, 1.5, size=T) / lam  # ηλ < 1.5: every step contracts
    return float(rng.normal(0, 5)), lrs, lam, float(rng.uniform(0.2, 2.0))


def _case_expected_edges(rng):
    """The rest of "any schedule": no step at all (E[x_T²] = x₀²), steps past the edge
    ηλ > 2 (E[x²] grows), rates of exactly 0 and 1/λ (one step to the minimum), x₀ = 0."""
    lam = float(rng.uniform(0.3, 3.0))
    T = int(rng.choice([0, 1, 5]))
    lrs = rng.choice([0.0, 1.0, 2.5, 0.3], size=T) / lam
    return float(rng.choice([0.0, 3.0])), lrs, lam, float(rng.uniform(0.2, 2.0))


def _case_noise(rng):
    m, p = int(rng.integers(20, 200)), int(rng.integers(2, 30))
    return (rng.normal(size=p) * rng.uniform(0.1, 2) + rng.normal(size=(m, p)),)


def _case_noise_edges(rng):
    """The boundaries: two examples, two parameters, identical rows (no noise: B = 0)."""
    m, p = int(rng.choice([2, 3, 50])), int(rng.choice([2, 3]))
    G = rng.normal(size=p) * rng.uniform(0.5, 2) + rng.normal(size=(m, p))
    return (np.tile(G[:1], (m, 1)) if rng.random() < 0.3 else G,)
