"""Softmax regression in NumPy: the convex model that chapter 2 trains with (stochastic) gradient
descent.

Shapes: ``X: (b, d)`` inputs (one row per example, a constant column for the bias if wanted),
``y: (b,)`` integer labels in ``[0, K)``, ``W: (d, K)`` weights. With ``P = softmax(X W)`` (row
by row) and ``Y`` the one-hot labels,

    J(W) = -(1/b) Σᵢ log P[i, yᵢ] + (λ/2)‖W‖²,      ∇J(W) = Xᵀ (P − Y) / b + λ W.
"""

from __future__ import annotations

import numpy as np

from .checks import check_labels, check_real

__all__ = ["accuracy", "design_matrix", "softmax", "softmax_cross_entropy", "softmax_loss"]


def softmax(Z: np.ndarray) -> np.ndarray:
    """Row-wise softmax of ``Z: (b, K)``, computed stably (the row maximum is subtracted)."""
    Z = np.asarray(Z)
    if Z.ndim < 1:
        raise ValueError(f"Z must hold scores along its last axis, got a scalar {Z!r}")
    E = np.exp(Z - Z.max(axis=-1, keepdims=True))
    return E / E.sum(axis=-1, keepdims=True)


def softmax_loss(scores: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean softmax cross-entropy of ``scores: (N, K)`` for labels ``y: (N,)`` in [0, K), and its
    gradient with respect to the scores: the package's one cross-entropy.

    L = −(1/N) Σ_n log p[n, y_n] with p = softmax(scores), computed as a log-softmax (each row's
    maximum subtracted first, which changes nothing but avoids overflow and log 0);
    ∂L/∂scores = (P − Y) / N. :func:`softmax_cross_entropy` (chapter 2) and
    :class:`~dlsg_utils.conv.TinyConvNet` (chapter 10) both use it.
    """
    scores = np.asarray(scores)
    if scores.ndim != 2:
        raise ValueError(f"scores must be (N, K), got shape {scores.shape}")
    y = check_labels("y", y, scores.shape[1])
    if y.shape != (scores.shape[0],):
        raise ValueError(f"y must be (N,) = ({scores.shape[0]},), got shape {y.shape}")
    rows = np.arange(len(y))
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    dscores = np.exp(log_p)
    dscores[rows, y] -= 1.0  # P − Y
    return float(-log_p[rows, y].mean()), dscores / len(y)


def _check_inputs(W, X, y) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    W, X, y = np.asarray(W), np.asarray(X), np.asarray(y)
    if X.ndim != 2 or W.ndim != 2 or y.ndim != 1:
        raise ValueError(f"expected X (b, d), W (d, K), y (b,), got X {X.shape}, "
                         f"W {W.shape}, y {y.shape}")
    if X.shape[1] != W.shape[0] or X.shape[0] != y.shape[0]:
        raise ValueError(f"shapes do not match: X {X.shape}, W {W.shape}, y {y.shape}")
    return W, X, check_labels("y", y, W.shape[1])


def softmax_cross_entropy(
    W: np.ndarray, X: np.ndarray, y: np.ndarray, weight_decay: float = 0.0
) -> tuple[float, np.ndarray]:
    """The mean cross-entropy of softmax regression plus (λ/2)‖W‖², and its gradient.

    The book: :eq:`eq-ch02-softmax-loss`, chapter 2.

    Returns ``(J, grad)`` with ``grad`` of W's shape: ∇J = Xᵀ(P − Y)/b + λW, where P are the
    predicted probabilities, Y the one-hot labels and λ = ``weight_decay``. Both come from one
    softmax, which is why they are computed together.
    """
    W, X, y = _check_inputs(W, X, y)
    weight_decay = check_real("weight_decay", weight_decay, min=0)
    loss, dscores = softmax_loss(X @ W, y)  # dscores = (P − Y) / b
    grad = X.T @ dscores
    if weight_decay:
        loss = loss + 0.5 * weight_decay * np.sum(W * W)
        grad = grad + weight_decay * W
    return float(loss), grad


def design_matrix(images, *, bias: bool = True) -> np.ndarray:
    """Images ``(N, ...)`` (a NumPy array or a CPU tensor) as ``(N, d)`` float32 rows, one per
    image, with a constant 1 appended for the bias unless ``bias=False``: MNIST's
    ``(N, 1, 28, 28)`` gives ``(N, 785)``.

    >>> design_matrix(np.zeros((2, 1, 28, 28))).shape
    (2, 785)
    """
    flat = np.asarray(images, dtype=np.float32)
    if flat.ndim < 2:
        raise ValueError(f"images must be (N, ...) with one image per row, got shape {flat.shape}")
    flat = flat.reshape(len(flat), -1)
    return np.hstack([flat, np.ones((len(flat), 1), np.float32)]) if bias else flat


def accuracy(W: np.ndarray, X: np.ndarray, y: np.ndarray) -> float:
    """Fraction of rows of ``X`` whose highest score in ``X @ W`` is the label ``y``."""
    W, X, y = _check_inputs(W, X, y)
    return float(np.mean(np.argmax(X @ W, axis=1) == y))
