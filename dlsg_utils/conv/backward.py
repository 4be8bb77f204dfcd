"""The convolution's backward pass, as loops (the chain rule written out) and with im2col.

Given the upstream gradient ``dout = ∂L/∂out: (N, F, OH, OW)`` of the forward pass in
:mod:`dlsg_utils.conv.forward`, the chain rule gives::

    ∂L/∂b[f]          = Σ_{n,y,z} dout[n, f, y, z]
    ∂L/∂w[f, c, i, j] = Σ_{n,y,z} dout[n, f, y, z] · x̃[n, c, y·s_h + i·d_h, z·s_w + j·d_w]
    ∂L/∂x̃[n, c, u, v] = Σ_{f,y,z,i,j} dout[n, f, y, z] · w[f, c, i, j]
                        over u = y·s_h + i·d_h, v = z·s_w + j·d_w

and ∂L/∂x is ∂L/∂x̃ without the padding. In matrix form (X_col = im2col(x), W_row =
w.reshape(F, −1), dY_row = dout as ``(F, N·OH·OW)``): db = dY_row·1, dW = dY_row X_colᵀ,
dx = col2im(W_rowᵀ dY_row). Also here: a central-difference gradient for checking them.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..checks import check_callable, check_real
from .forward import ConvCache
from .im2col import _as_float, _check_conv, _pad, col2im, im2col

__all__ = ["conv2d_backward", "conv2d_backward_naive", "numerical_gradient"]


def _check_dout(dout, x: np.ndarray, w: np.ndarray, g) -> np.ndarray:
    dout = _as_float(dout, "dout")
    expected = (x.shape[0], w.shape[0], *g.out)
    if dout.shape != expected:
        raise ValueError(
            f"dout must have the output's shape (N, F, OH, OW) = {expected}, got {dout.shape}"
        )
    return dout.astype(np.result_type(dout, x), copy=False)


def _unpack(cache) -> tuple:
    """The forward pass's ``(x, w, stride, padding, dilation)`` from a cache, checked."""
    if isinstance(cache, tuple) and not isinstance(cache, ConvCache) and 2 <= len(cache) <= 5:
        cache = ConvCache(*cache)  # (x, w[, stride[, padding[, dilation]]]) written by hand
    if not isinstance(cache, ConvCache):
        raise TypeError("cache must be what conv2d_forward returned (a ConvCache, or a tuple "
                        f"(x, w, stride, padding, dilation)), got {type(cache).__name__}")
    return _check_conv(cache.x, cache.w, None, cache.stride, cache.padding, cache.dilation)


def conv2d_backward_naive(dout: np.ndarray, cache: ConvCache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients ``(dx: (N, C, H, W), dw: (F, C, KH, KW), db: (F,))`` with the forward's loops.

    Each output value out[n, f, y, z] was window · w[f] + b[f], so it sends dout[n, f, y, z]·w[f]
    back to its window of x̃, dout[n, f, y, z]·window to w[f] and dout[n, f, y, z] to b[f].
    ``cache`` is the second value :func:`~dlsg_utils.conv.conv2d_forward` returns.

    The book: :eq:`eq-ch10-db`, :eq:`eq-ch10-dw` and :eq:`eq-ch10-dx`, chapter 10.
    """
    x, w, _, g = _unpack(cache)
    dout = _check_dout(dout, x, w, g)
    (KH, KW), (sh, sw), (ph, pw), (dh, dw), (OH, OW) = g
    xp = _pad(x, g.padding)
    dxp, dw_, db = np.zeros_like(xp), np.zeros_like(w), np.zeros(w.shape[0], dtype=w.dtype)
    N, F = x.shape[0], w.shape[0]
    for n in range(N):
        for f in range(F):
            for y in range(OH):
                for z in range(OW):
                    r, c = y * sh, z * sw
                    rows = slice(r, r + dh * (KH - 1) + 1, dh)
                    cols = slice(c, c + dw * (KW - 1) + 1, dw)
                    dxp[n, :, rows, cols] += dout[n, f, y, z] * w[f]
                    dw_[f] += dout[n, f, y, z] * xp[n, :, rows, cols]
                    db[f] += dout[n, f, y, z]
    H, W = x.shape[2:]
    return dxp[:, :, ph : ph + H, pw : pw + W].copy(), dw_, db


def conv2d_backward(dout: np.ndarray, cache: ConvCache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients ``(dx: (N, C, H, W), dw: (F, C, KH, KW), db: (F,))`` with two matrix products.

    db = Σ_{n,y,z} dout,  dW_row = dY_row · X_colᵀ,  dx = col2im(W_rowᵀ · dY_row), where
    ``dY_row: (F, N·OH·OW)`` is dout with the filter axis first. ``cache`` is the second value
    :func:`~dlsg_utils.conv.conv2d_forward` returns (the forward's x, w and hyper-parameters).

    The book: :eq:`eq-ch10-db`, :eq:`eq-ch10-dw` and :eq:`eq-ch10-dx`, chapter 10.
    """
    x, w, _, g = _unpack(cache)
    dout = _check_dout(dout, x, w, g)
    F = w.shape[0]
    db = dout.sum(axis=(0, 2, 3))
    dout_row = dout.transpose(1, 0, 2, 3).reshape(F, -1)  # (F, N·OH·OW)
    cols = im2col(x, *g.kernel, g.stride, g.padding, g.dilation)  # (C·KH·KW, N·OH·OW)
    dw = (dout_row @ cols.T).reshape(w.shape)
    dcols = w.reshape(F, -1).T @ dout_row  # (C·KH·KW, N·OH·OW)
    dx = col2im(dcols, x.shape, *g.kernel, g.stride, g.padding, g.dilation)
    return dx, dw, db


def numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-6
) -> np.ndarray:
    """Central-difference gradient of a scalar function: (f(x + h·eᵢ) − f(x − h·eᵢ)) / 2h.

    ``f`` is called twice per entry of ``x``, on a float64 copy of ``x`` with that one entry
    moved by ±h; the error is O(h²) plus rounding of order ε·abs(f)/h. Returns x's shape.
    """
    check_callable("f", f)
    h = check_real("h", h, min=0, min_open=True)
    x = np.array(x, dtype=np.float64)  # a copy: the caller's array is never touched
    grad = np.empty_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        f_plus = float(f(x))
        x[idx] = old - h
        f_minus = float(f(x))
        x[idx] = old
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad
