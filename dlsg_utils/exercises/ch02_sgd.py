"""Checkers for chapter 2, "Stochastic and mini-batch gradient descent"."""

from __future__ import annotations

from functools import partial

import numpy as np

from ..linear import softmax, softmax_cross_entropy
from ..optim import SGD
from .ch01_gradient_descent import _package_step
from .ch02_sgd_cases import (
    _case_epoch,
    _case_epoch_edges,
    _case_expected,
    _case_expected_edges,
    _case_floor,
    _case_floor_edges,
    _case_noise,
    _case_noise_edges,
    _case_smoothing,
    _case_smoothing_edges,
)
from .engine import (
    Mistake,
    Result,
    bounded_list,
    call,
    check_function,
    cycle_cases,
    preamble,
    run_checker,
)

__all__ = [
    "check_expected_sq",
    "check_label_smoothing_grad",
    "check_loss_floor",
    "check_minibatch_indices",
    "check_noise_scale",
    "check_sgd_epoch",
]


# --- exercise 1: shuffled mini-batches of indices ---------------------------------------------

_BATCH_CASES = [(10, 3), (12, 4), (50, 50), (7, 10), (1, 1), (23, 1), (100, 7), (64, 16),
                (1000, 50), (101, 25)]


def _fail(message: str, case: int = 0) -> Result:
    return Result(False, "✗ minibatch_indices: " + message, case)


def _inspect_batches(out, n, batch_size) -> str | None:
    """None if ``out`` is a correct split of a permutation of range(n), else a hint."""
    try:
        batches = [np.asarray(b) for b in out]
    except TypeError:
        return f"return a list of index arrays, got {type(out).__name__}."
    if any(b.ndim != 1 for b in batches):
        return "each batch should be a 1-D array of indices, e.g. order[i : i + batch_size]."
    if any(b.size and not np.issubdtype(b.dtype, np.integer) for b in batches):
        return "the batches should hold integer indices (rng.permutation(n) gives them)."
    sizes = [len(b) for b in batches]
    want = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    flat = np.concatenate(batches) if batches else np.array([], dtype=int)
    if sum(sizes) == n - n % batch_size and n % batch_size and sizes == want[:-1]:
        return (f"the last, smaller batch is missing (n={n}, batch_size={batch_size}): "
                f"{n % batch_size} examples would never be used. Keep the partial batch.")
    if len(flat) == n and len(np.unique(flat)) < n:
        return ("some examples appear twice and others never: draw a permutation "
                "(sampling without replacement), not rng.integers or rng.choice(n, n).")
    if sum(sizes) > n:
        return (f"the batches overlap: they hold {sum(sizes)} indices for n={n} examples. "
                "Step the start of each slice by batch_size.")
    if len(flat) != n or not np.array_equal(np.sort(flat), np.arange(n)):
        return f"the batches must cover every index 0…{n - 1} exactly once."
    if sizes != want:
        return f"expected batch sizes {want}, got {sizes}."
    if n >= 10 and np.array_equal(flat, np.arange(n)):
        return "the indices are in order 0, 1, 2, …: shuffle them (rng.permutation)."
    return None


def check_minibatch_indices(fn, *, verbose: bool = True) -> Result:
    """``minibatch_indices(n, batch_size, rng)``: a random permutation of range(n), cut into
    consecutive batches of ``batch_size`` (the last one smaller if need be)."""
    return run_checker(_check_minibatch_indices, fn, name="minibatch_indices", verbose=verbose)


def _check_minibatch_indices(fn) -> Result:
    signature = "minibatch_indices(n, batch_size, rng)"
    problem = preamble(fn, signature, (1, 1, None))
    if problem is not None:
        return problem
    for case, (n, b) in enumerate(_BATCH_CASES, start=1):
        outs = []
        for seed in (case, case, case + 100):
            out, problem = call(fn, (n, b, np.random.default_rng(seed)),
                                name="minibatch_indices", case=case)
            if problem is not None:
                return problem
            outs.append(None if out is None else bounded_list(
                out, expected="a list of index arrays", limit=10 * n + 10))
        if outs[0] is None:
            return _fail("your function returned None — did you forget `return`?", case)
        hint = _inspect_batches(outs[0], n, b)
        if hint:
            return _fail(hint + f" (case n={n}, batch_size={b})", case)
        same = all(np.array_equal(np.asarray(u), np.asarray(v))
                   for u, v in zip(outs[0], outs[1], strict=False)) and len(outs[0]) == len(
            outs[1])
        if not same:
            return _fail("two calls with identically seeded generators gave different "
                         "batches: draw the permutation from the `rng` argument, not from "
                         "np.random.", case)
        if n >= 10 and np.array_equal(np.concatenate(outs[0]), np.concatenate(outs[2])):
            return _fail("different generators gave the same order: shuffle with the `rng` "
                         "you are given.", case)
    return Result(True, f"✓ minibatch_indices: correct on all {len(_BATCH_CASES)} cases "
                        "(each index once, shuffled by rng, last batch kept).",
                  len(_BATCH_CASES))


# --- exercise 2: the gradient with smoothed labels ------------------------------------------

def _one_hot(y, K):
    return np.eye(K)[y]


def _probs(W, X):
    return softmax(X @ W)


def _column_softmax(Z):
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)


def _softmax_grad(W, X, y):
    """The package's gradient of softmax regression, Xᵀ(P − Y)/b."""
    return softmax_cross_entropy(W, X, y)[1]


def _label_smoothing_grad(W, X, y, alpha):
    """∇_W of −(1/b) Σᵢ Σₖ Tᵢₖ log Pᵢₖ with T = (1 − α)Y + α/K: the package's gradient
    Xᵀ(P − Y)/b plus the smoothing's share, α Xᵀ(Y − 1/K)/b, i.e. Xᵀ(P − T)/b."""
    K = W.shape[1]
    return _softmax_grad(W, X, y) + alpha * X.T @ (_one_hot(y, K) - 1.0 / K) / len(y)


def check_label_smoothing_grad(fn, *, verbose: bool = True) -> Result:
    """``label_smoothing_grad(W, X, y, alpha)``: ∇_W of the mean cross-entropy against the
    smoothed targets T = (1 − α)·onehot(y) + α/K, which is Xᵀ(softmax(XW) − T)/b; 0 ≤ α ≤ 1."""
    def wrong(f):
        return lambda W, X, y, a: f(W, X, y, a, _probs(W, X), _one_hot(y, W.shape[1]), len(y),
                                    W.shape[1])

    return check_function(
        fn, _label_smoothing_grad,
        cycle_cases(_case_smoothing, partial(_case_smoothing_edges, alpha=0.0),
                    partial(_case_smoothing_edges, alpha=1.0), _case_smoothing_edges),
        signature="label_smoothing_grad(W, X, y, alpha)",
        mistakes=[
            Mistake(wrong(lambda W, X, y, a, P, Y, b, K: X.T @ (P - Y) / b),
                    "the smoothing is missing: that is the gradient for the one-hot labels. "
                    "With targets T the gradient is Xᵀ(P − T)/b."),
            Mistake(wrong(lambda W, X, y, a, P, Y, b, K: X.T @ (P - (Y + a / K)) / b),
                    "the targets must sum to 1 over the classes: T = (1 − α)Y + α/K, so the "
                    "one-hot part is scaled down by 1 − α."),
            Mistake(wrong(lambda W, X, y, a, P, Y, b, K: X.T @ (P - ((1 - a) * Y + a / (K - 1)
                                                                     * (1 - Y))) / b),
                    "you spread α over the K − 1 wrong classes; this exercise spreads it over "
                    "all K classes, T = (1 − α)Y + α/K (PyTorch's label_smoothing does the "
                    "same)."),
            Mistake(wrong(lambda W, X, y, a, P, Y, b, K: X.T @ ((1 - a) * (P - Y)) / b),
                    "the smoothing changes the targets, not the scale of the gradient: "
                    "the softmax part P keeps its full weight, since the targets sum to 1."),
            Mistake(wrong(lambda W, X, y, a, P, Y, b, K: X.T @ (P - (1 - a) * Y - a / K)),
                    "missing the 1/b: the loss is a mean over the batch, so is its gradient."),
            Mistake(wrong(lambda W, X, y, a, P, Y, b, K: X.T @ ((1 - a) * Y + a / K - P) / b),
                    "wrong sign: the gradient is Xᵀ(P − T)/b, probabilities minus targets."),
            Mistake(wrong(lambda W, X, y, a, P, Y, b, K: (P - (1 - a) * Y - a / K).T @ X / b),
                    "the gradient must have W's shape (d, K): compute Xᵀ(P − T), not "
                    "(P − T)ᵀX."),
            Mistake(wrong(lambda W, X, y, a, P, Y, b, K: X.T @ (_column_softmax(X @ W)
                                                                - (1 - a) * Y - a / K) / b),
                    "the softmax must normalise each row (over the K classes), not each "
                    "column (over the batch)."),
        ],
        rtol=1e-6, atol=1e-9, verbose=verbose,
    )


# --- exercise 3: one epoch of mini-batch SGD --------------------------------------------------

def _sgd_epoch(W, X, y, batches, lr, *, sign=1.0):
    """One step of the package's :class:`~dlsg_utils.optim.SGD` per batch (``sign=-1`` models
    the mistake of climbing the gradient)."""
    W, opt = np.array(W, dtype=float), SGD(lr=lr)
    for idx in batches:
        W = _package_step(opt, W, lambda w, idx=idx: sign * _softmax_grad(w, X[idx], y[idx]))[0]
    return W


def check_sgd_epoch(fn, *, verbose: bool = True) -> Result:
    """``sgd_epoch(W, X, y, batches, lr)``: one update W ← W − lr·∇J_batch(W) per batch, in
    order, each gradient taken at the current W."""
    def frozen(W, X, y, batches, lr):  # every gradient at the starting W
        return W - lr * sum(_softmax_grad(W, X[i], y[i]) for i in batches)

    return check_function(
        fn, _sgd_epoch, cycle_cases(_case_epoch, _case_epoch_edges),
        signature="sgd_epoch(W, X, y, batches, lr)",
        mistakes=[
            Mistake(lambda W, X, y, bs, lr: W - lr * _softmax_grad(W, X, y),
                    "that is one batch-gradient step on all the data; mini-batch SGD makes "
                    "one update per batch."),
            Mistake(frozen,
                    "you computed every batch's gradient at the starting W: update W after "
                    "each batch and take the next gradient at the new W."),
            Mistake(lambda W, X, y, bs, lr: _sgd_epoch(W, X, y, bs, lr, sign=-1.0),
                    "wrong sign: each update goes against the gradient."),
            Mistake(lambda W, X, y, bs, lr: _sgd_epoch(W, X, y, bs[:-1], lr),
                    "off by one: the last batch was skipped."),
            Mistake(lambda W, X, y, bs, lr: _sgd_epoch(W, X, y, bs[-1:], lr),
                    "only the last batch's update survived: keep updating the same W."),
            Mistake(lambda W, X, y, bs, lr: np.array(W, dtype=float),
                    "W did not change: return the updated weights."),
        ],
        rtol=1e-6, verbose=verbose,
    )


# --- exercise 4: the noise floor of mini-batch SGD ---------------------------------------------

def _loss_floor(lr, tr_sigma, batch_size):
    return lr * tr_sigma / (4.0 * batch_size)


def check_loss_floor(fn, *, verbose: bool = True) -> Result:
    """``loss_floor(lr, tr_sigma, batch_size)``: the small-η prediction of the mean training-loss
    gap of SGD with a constant step and independently drawn batches of b examples,
    E[J(θ) − J*] ≈ η tr Σ / (4b)."""
    return check_function(
        fn, _loss_floor, cycle_cases(_case_floor, _case_floor_edges),
        signature="loss_floor(lr, tr_sigma, batch_size)",
        mistakes=[
            Mistake(lambda lr, s, b: lr * s / (2 * b),
                    "a factor 2 too large: that is tr(HC), with C the covariance of θ − θ*. "
                    "The loss gap is half of it, J − J* ≈ ½(θ − θ*)ᵀH(θ − θ*)."),
            Mistake(lambda lr, s, b: lr * s / 4,
                    "the batch size is missing: the mean of b independent example gradients "
                    "has 1/b of their variance, so the floor falls like 1/b."),
            Mistake(lambda lr, s, b: lr * s / (4 * b**2),
                    "the variance of a mean of b independent examples falls like 1/b, not 1/b²: "
                    "their sum has b times the variance of one, and dividing the sum by b "
                    "divides that by b²."),
            Mistake(lambda lr, s, b: lr**2 * s / (4 * b),
                    "the floor is first order in η: the noise injected per step is η²·trΣ/b, but "
                    "the pull back to the minimum per step is also proportional to η, and the "
                    "balance leaves one power of η."),
        ],
        rtol=1e-6, verbose=verbose,
    )


# --- exercise 5: the expected square of SGD on a noisy quadratic, for any schedule --------------

def _expected_sq(x0, lrs, lam, sigma):
    m = float(x0) ** 2
    for eta in np.asarray(lrs, dtype=float):
        m = (1.0 - eta * lam) ** 2 * m + eta**2 * sigma**2
    return m


def _last(value):
    """A number, or the last entry of a returned sequence E[x_0²], …, E[x_T²]."""
    arr = np.asarray(value, dtype=float) if value is not None else None
    return arr if arr is None or arr.ndim == 0 else arr.reshape(-1)[-1]


def check_expected_sq(fn, *, verbose: bool = True) -> Result:
    """``expected_sq(x0, lrs, lam, sigma)``: E[x_T²] after the steps x ← x − η_t(λx + ξ_t),
    ξ_t ~ N(0, σ²), one per entry of ``lrs``, from x = x0. A number, or the whole sequence
    E[x_0²] … E[x_T²] (its last entry is checked)."""
    def adapt(fn):  # built by the engine, inside its guard
        def accepted(*args):
            out = fn(*args)
            try:
                return _last(out)
            except (TypeError, ValueError):  # not a number: let the checker show what came back
                return out
        return accepted

    return check_function(
        fn, _expected_sq, cycle_cases(_case_expected, _case_expected_edges),
        signature="expected_sq(x0, lrs, lam, sigma)", adapt=adapt,
        mistakes=[
            Mistake(lambda x0, lrs, lam, s: _rec(x0**2, lrs, lambda e: (1 - e * lam),
                                                 lambda e: e**2 * s**2),
                    "the mean square shrinks by the *square* of the factor: "
                    "E[x²] ← (1 − ηλ)² E[x²] + η²σ²."),
            Mistake(lambda x0, lrs, lam, s: _rec(x0**2, lrs, lambda e: (1 - e * lam) ** 2,
                                                 lambda e: e * s**2),
                    "the noise enters the step multiplied by η, so its variance by η²: "
                    "+ η²σ², not + ησ²."),
            Mistake(lambda x0, lrs, lam, s: _rec(x0**2, lrs, lambda e: (1 - e * lam) ** 2,
                                                 lambda e: 0.0),
                    "the noise term is missing: without it this is gradient descent and "
                    "E[x²] would fall to 0."),
            Mistake(lambda x0, lrs, lam, s: _rec(x0**2, lrs, lambda e: (1 - e * lam) ** 2,
                                                 lambda e: e**2 * s),
                    "σ is the standard deviation of the noise: its variance is σ²."),
            Mistake(lambda x0, lrs, lam, s: _rec(x0, lrs, lambda e: (1 - e * lam) ** 2,
                                                 lambda e: e**2 * s**2),
                    "start from E[x_0²] = x₀², the square of the start."),
            Mistake(lambda x0, lrs, lam, s: _expected_sq(x0, lrs[:-1], lam, s),
                    "off by one: take one step per entry of lrs."),
        ],
        rtol=1e-6, atol=1e-12, verbose=verbose,
    )


def _rec(m, lrs, factor, noise):
    for eta in np.asarray(lrs, dtype=float):
        m = factor(eta) * m + noise(eta)
    return m


# --- going further: the gradient noise scale ---------------------------------------------------

def _noise_scale(G, ddof=0):
    G = np.asarray(G, dtype=float)
    g = G.mean(axis=0)
    tr_sigma = np.sum((G - g) ** 2) / (len(G) - ddof)
    return tr_sigma / np.sum(g**2)


def check_noise_scale(fn, *, verbose: bool = True) -> Result:
    """``noise_scale(G)`` for per-example gradients ``G: (m, p)``: tr Σ / ‖ḡ‖², with ḡ the mean
    row and tr Σ the mean squared distance of the rows from it (dividing by m or by m − 1:
    both are accepted)."""
    def adapt(fn):  # built by the engine, inside its guard
        def accepted(G):
            out = fn(G)
            try:
                if np.isclose(float(out), _noise_scale(G, ddof=1), rtol=1e-6):
                    return _noise_scale(G)  # the unbiased variance: equally correct
            except (TypeError, ValueError):
                pass
            return out
        return accepted

    return check_function(
        fn, _noise_scale, cycle_cases(_case_noise, _case_noise_edges), signature="noise_scale(G)",
        adapt=adapt,
        mistakes=[
            Mistake(lambda G: np.mean(np.sum(G**2, 1)) / np.sum(G.mean(0) ** 2),
                    "subtract the mean gradient first: E‖gᵢ‖² = tr Σ + ‖ḡ‖², so without "
                    "centring you get the noise scale plus 1."),
            Mistake(lambda G: 1.0 / _noise_scale(G),
                    "upside down: the noise scale is tr Σ / ‖ḡ‖², large when the noise "
                    "dominates the signal."),
            Mistake(lambda G: np.sum((G - G.mean(0)) ** 2) / len(G),
                    "that is tr Σ alone; divide by ‖ḡ‖², the squared length of the mean "
                    "gradient."),
            Mistake(lambda G: _noise_scale(G) * np.linalg.norm(G.mean(0)),
                    "divide by the *squared* length of the mean gradient, ‖ḡ‖²."),
            Mistake(lambda G: np.sum((G - G.mean(0)) ** 2) / np.sum(G.mean(0) ** 2),
                    "tr Σ is the *mean* squared deviation of the rows (divide by m), not the "
                    "sum."),
        ],
        rtol=1e-6, verbose=verbose,
    )
