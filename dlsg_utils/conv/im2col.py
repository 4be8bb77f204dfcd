"""im2col and col2im: a convolution as one matrix product, and the adjoint that folds it back.

Shapes: ``x: (N, C, H, W)``, kernel ``KH x KW``, output ``OH x OW`` (see
:func:`~dlsg_utils.conv.conv_output_size`). With the zero-padded input x̃,

    X_col[(c, i, j), (n, y, z)] = x̃[n, c, y·s_h + i·d_h, z·s_w + j·d_w]

so ``X_col`` has shape ``(C·KH·KW, N·OH·OW)``: one column per output position (n slowest, then y,
then z), one row per weight of a filter, in the order of ``w.reshape(F, -1)``. This is cs231n's
layout (AlexNet's conv1 on one 227x227x3 image gives X_col 363 x 3025), except that cs231n's
``im2col_indices`` orders the columns with n fastest. ``col2im`` is its transpose:
it adds every column entry back to the input pixel it was copied from.

This module also holds the argument checks shared by all the convolution functions.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .arithmetic import IntOrPair, _int, _pair

__all__ = ["col2im", "im2col"]


class ConvGeometry(NamedTuple):
    """Hyper-parameters of one convolution, each an ``(h, w)`` pair."""

    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]
    dilation: tuple[int, int]
    out: tuple[int, int]


def _geometry(hw, kernel, stride, padding, dilation) -> ConvGeometry:
    """Validate the hyper-parameters for an input of spatial size ``hw`` and compute OH, OW."""
    s, p, d = _pair(stride, "stride"), _pair(padding, "padding", 0), _pair(dilation, "dilation")
    k = _pair(kernel, "kernel size")
    k_hat = [k[a] + (k[a] - 1) * (d[a] - 1) for a in (0, 1)]
    padded = [hw[a] + 2 * p[a] for a in (0, 1)]
    if k_hat[0] > padded[0] or k_hat[1] > padded[1]:
        raise ValueError(
            f"kernel ({k[0]}x{k[1]}, dilated {k_hat[0]}x{k_hat[1]}) is larger than the "
            f"padded input ({padded[0]}x{padded[1]})"
        )
    out = tuple((padded[a] - k_hat[a]) // s[a] + 1 for a in (0, 1))
    return ConvGeometry(k, s, p, d, out)


def _as_float(a, name: str) -> np.ndarray:
    a = np.asarray(a)
    if a.dtype.kind in "biu":
        return a.astype(np.float64)
    if a.dtype.kind != "f":
        raise ValueError(f"{name} must hold real numbers, got dtype {a.dtype}")
    return a


def _check_4d(a: np.ndarray, name: str, axes: str) -> None:
    if a.ndim != 4:
        raise ValueError(f"{name} must be 4-D {axes}, got shape {a.shape}")


def _check_conv(x, w, b, stride, padding, dilation):
    """Validate a convolution's arguments; return float ``x, w, b`` (b zeros if None), geometry."""
    x, w = _as_float(x, "x"), _as_float(w, "w")
    _check_4d(x, "x", "(N, C, H, W)")
    _check_4d(w, "w", "(F, C, KH, KW)")
    if x.shape[1] != w.shape[1]:
        raise ValueError(f"x has {x.shape[1]} channels but w expects {w.shape[1]}")
    F = w.shape[0]
    if F == 0:  # torch refuses it too; NumPy would fail later in a reshape
        raise ValueError(f"w must hold at least one filter (F >= 1), got shape {w.shape}")
    if b is None:
        b = np.zeros(F, dtype=np.result_type(x, w))
    b = _as_float(b, "b")
    if b.shape != (F,):
        raise ValueError(f"b must have shape (F,) = ({F},), got {b.shape}")
    dtype = np.result_type(x, w, b)
    g = _geometry(x.shape[2:], w.shape[2:], stride, padding, dilation)
    return x.astype(dtype, copy=False), w.astype(dtype, copy=False), b.astype(dtype, copy=False), g


def _pad(x: np.ndarray, padding: tuple[int, int]) -> np.ndarray:
    """Zero-pad the two spatial axes of ``x: (N, C, H, W)`` by ``(ph, pw)`` on each side."""
    ph, pw = padding
    if ph == pw == 0:
        return x
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))


def _windows(xp: np.ndarray, g: ConvGeometry) -> np.ndarray:
    """Read-only view ``(N, C, OH, OW, KH, KW)`` of the windows of the padded input ``xp``.

    ``view[n, c, y, z, i, j] = xp[n, c, y·s_h + i·d_h, z·s_w + j·d_w]``: no data is copied, the
    view only steps through memory with the strides of ``xp`` scaled by stride and dilation.
    """
    N, C = xp.shape[:2]
    sN, sC, sH, sW = xp.strides
    (sh, sw), (dh, dw) = g.stride, g.dilation
    shape = (N, C, *g.out, *g.kernel)
    strides = (sN, sC, sH * sh, sW * sw, sH * dh, sW * dw)
    return as_strided(xp, shape=shape, strides=strides, writeable=False)


def _fold(parts: np.ndarray, hw: tuple[int, int], g: ConvGeometry) -> np.ndarray:
    """Adjoint of ``_windows``: add every window entry back to the input pixel it was read from.

    ``parts: (KH, KW, A, B, OH, OW)`` holds, for each kernel offset (i, j), one value per output
    position; the result ``(A, B, H, W)`` (A, B = N, C or C, N) is their sum on the unpadded
    input. Overlapping windows (stride < kernel) add up; the padding is cut off at the end.
    """
    (KH, KW), (sh, sw), (ph, pw), (dh, dw), (OH, OW) = g
    H, W = hw
    dxp = np.zeros((*parts.shape[2:4], H + 2 * ph, W + 2 * pw), dtype=parts.dtype)
    for i in range(KH):  # one strided slice per kernel offset: KH·KW additions of whole maps
        for j in range(KW):
            r, c = i * dh, j * dw
            dxp[:, :, r : r + sh * (OH - 1) + 1 : sh, c : c + sw * (OW - 1) + 1 : sw] += parts[i, j]
    return dxp[:, :, ph : ph + H, pw : pw + W]


def im2col(
    x: np.ndarray,
    kh: int,
    kw: int,
    stride: IntOrPair = 1,
    padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
) -> np.ndarray:
    """Unfold ``x: (N, C, H, W)`` into ``X_col: (C·KH·KW, N·OH·OW)``, one column per window.

    ``X_col[(c, i, j), (n, y, z)] = x̃[n, c, y·s_h + i·d_h, z·s_w + j·d_w]`` with x̃ the
    zero-padded input; then ``w.reshape(F, -1) @ X_col`` is the whole convolution (one GEMM).
    """
    x = _as_float(x, "x")
    _check_4d(x, "x", "(N, C, H, W)")
    g = _geometry(x.shape[2:], (_int(kh, "kh"), _int(kw, "kw")), stride, padding, dilation)
    win = _windows(_pad(x, g.padding), g)  # (N, C, OH, OW, KH, KW), a view
    N, C = x.shape[:2]
    return win.transpose(1, 4, 5, 0, 2, 3).reshape(C * kh * kw, N * g.out[0] * g.out[1])


def col2im(
    cols: np.ndarray,
    x_shape: tuple[int, int, int, int],
    kh: int,
    kw: int,
    stride: IntOrPair = 1,
    padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
) -> np.ndarray:
    """Fold ``cols: (C·KH·KW, N·OH·OW)`` back onto an ``x_shape = (N, C, H, W)`` array.

    The transpose (adjoint) of :func:`im2col`: every entry is added to the input pixel it was
    copied from, so pixels shared by overlapping windows receive the sum. The backward pass of
    the convolution uses it: dx = col2im(W_rowᵀ · dY_row).
    """
    cols = _as_float(cols, "cols")
    if len(x_shape) != 4:
        raise ValueError(f"x_shape must be (N, C, H, W), got {tuple(x_shape)}")
    N, C = x_shape[:2]
    g = _geometry(x_shape[2:], (_int(kh, "kh"), _int(kw, "kw")), stride, padding, dilation)
    OH, OW = g.out
    expected = (C * kh * kw, N * OH * OW)
    if cols.shape != expected:
        raise ValueError(f"cols must have shape (C·KH·KW, N·OH·OW) = {expected}, got {cols.shape}")
    parts = cols.reshape(C, kh, kw, N, OH, OW).transpose(1, 2, 0, 3, 4, 5)  # (KH, KW, C, N, ..)
    return np.ascontiguousarray(_fold(parts, x_shape[2:], g).transpose(1, 0, 2, 3))
