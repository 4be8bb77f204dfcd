"""The other layers of a ConvNet, forward and backward side by side: pooling and ReLU.

Pooling slides a ``KH x KW`` window with stride s over each channel of ``x: (N, C, H, W)`` (no
padding) and keeps the maximum or the mean: ``out: (N, C, OH, OW)``, OH = ⌊(H − KH)/s_h⌋ + 1.
Forward functions return ``(out, cache)``; backward functions take ``(dout, cache)``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .arithmetic import IntOrPair, _pair
from .im2col import ConvGeometry, _as_float, _check_4d, _fold, _geometry, _windows

__all__ = [
    "PoolCache",
    "avg_pool2d",
    "avg_pool2d_backward",
    "max_pool2d",
    "max_pool2d_backward",
    "relu_backward",
    "relu_forward",
]


class PoolCache(NamedTuple):
    """What a pooling backward pass needs: the input shape, the geometry, the argmax (max only)."""

    x_shape: tuple[int, int, int, int]
    geometry: ConvGeometry
    argmax: np.ndarray | None  # (N, C, OH, OW): flat index i·KW + j of the maximum in its window


def _pool_windows(x, k, s) -> tuple[np.ndarray, np.ndarray, ConvGeometry]:
    x = _as_float(x, "x")
    _check_4d(x, "x", "(N, C, H, W)")
    kernel = _pair(k, "k (the pool size)")
    stride = kernel if s is None else _pair(s, "s (the stride)")
    H, W = x.shape[2:]
    if kernel[0] > H or kernel[1] > W:
        raise ValueError(
            f"pool window ({kernel[0]}x{kernel[1]}) is larger than the input ({H}x{W})"
        )
    g = _geometry((H, W), kernel, stride, 0, 1)
    return x, _windows(x, g), g  # windows: (N, C, OH, OW, KH, KW)


def _check_pool_dout(dout, cache: PoolCache, forward: str) -> np.ndarray:
    if not isinstance(cache, PoolCache):
        raise TypeError(f"cache must be the PoolCache that {forward} returned with its output, "
                        f"got {type(cache).__name__}")
    if forward == "max_pool2d" and cache.argmax is None:
        raise ValueError("cache must come from max_pool2d, got the cache of avg_pool2d "
                         "(it has no argmax)")
    dout = _as_float(dout, "dout")
    expected = (*cache.x_shape[:2], *cache.geometry.out)
    if dout.shape != expected:
        raise ValueError(
            f"dout must have the output's shape (N, C, OH, OW) = {expected}, got {dout.shape}"
        )
    return dout


def max_pool2d(
    x: np.ndarray, k: IntOrPair, s: IntOrPair | None = None
) -> tuple[np.ndarray, PoolCache]:
    """Max pooling: ``out[n, c, y, z] = max_{i,j} x[n, c, y·s_h + i, z·s_w + j]``, (N, C, OH, OW).

    ``s`` defaults to ``k`` (non-overlapping windows). Ties go to the first maximum in
    row-major order, as in PyTorch on the CPU.
    """
    x, win, g = _pool_windows(x, k, s)
    flat = win.reshape(*win.shape[:4], g.kernel[0] * g.kernel[1])  # (N, C, OH, OW, KH·KW)
    return flat.max(axis=-1), PoolCache(x.shape, g, flat.argmax(axis=-1))


def max_pool2d_backward(dout: np.ndarray, cache: PoolCache) -> np.ndarray:
    """dx of max pooling, ``(N, C, H, W)``: each dout goes to the one input that was the maximum.

    ∂out[n, c, y, z]/∂x[n, c, u, v] = 1 if (u, v) is the window's argmax, else 0; an input that
    is the maximum of several overlapping windows receives the sum of their gradients.
    """
    dout = _check_pool_dout(dout, cache, "max_pool2d")
    KH, KW = cache.geometry.kernel
    dwin = np.zeros((*dout.shape, KH * KW), dtype=dout.dtype)
    np.put_along_axis(dwin, cache.argmax[..., None], dout[..., None], axis=-1)
    parts = dwin.reshape(*dout.shape, KH, KW).transpose(4, 5, 0, 1, 2, 3)  # (KH, KW, N, C, ..)
    return np.ascontiguousarray(_fold(parts, cache.x_shape[2:], cache.geometry))


def avg_pool2d(
    x: np.ndarray, k: IntOrPair, s: IntOrPair | None = None
) -> tuple[np.ndarray, PoolCache]:
    """Average pooling: ``out[n, c, y, z] = (1/(KH·KW)) Σ_{i,j} x[n, c, y·s_h + i, z·s_w + j]``.

    ``s`` defaults to ``k``. Returns ``(out: (N, C, OH, OW), cache)``.
    """
    x, win, g = _pool_windows(x, k, s)
    return win.mean(axis=(-2, -1)), PoolCache(x.shape, g, None)


def avg_pool2d_backward(dout: np.ndarray, cache: PoolCache) -> np.ndarray:
    """dx of average pooling, ``(N, C, H, W)``: each dout is shared equally, 1/(KH·KW) per input."""
    dout = _check_pool_dout(dout, cache, "avg_pool2d")
    KH, KW = cache.geometry.kernel
    parts = np.broadcast_to(dout / (KH * KW), (KH, KW, *dout.shape))  # the same for each (i, j)
    return np.ascontiguousarray(_fold(parts, cache.x_shape[2:], cache.geometry))


def relu_forward(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ReLU, element-wise, any shape: ``(max(0, x), cache)``; the cache is ``x`` itself."""
    x = np.asarray(x)
    return np.maximum(x, 0), x


def relu_backward(dout: np.ndarray, cache: np.ndarray) -> np.ndarray:
    """dx of ReLU: dout where x > 0, else 0 (the subgradient 0 is used at x = 0, like PyTorch).

    ``cache`` is the forward's input x (what :func:`relu_forward` returns as its cache)."""
    dout, x = np.asarray(dout), np.asarray(cache)
    if dout.shape != x.shape:
        raise ValueError(f"dout and x must have the same shape, got {dout.shape} and {x.shape}")
    return np.where(x > 0, dout, 0)
