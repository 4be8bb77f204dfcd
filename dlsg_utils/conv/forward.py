"""Four ways to compute the same 2-D convolution forward pass, from the definition to the FFT.

All compute cross-correlation, as ``torch.nn.functional.conv2d`` does:

    out[n, f, y, z] = b[f] + Σ_c Σ_i Σ_j x̃[n, c, y·s_h + i·d_h, z·s_w + j·d_w] · w[f, c, i, j]

with ``x: (N, C, H, W)``, ``w: (F, C, KH, KW)``, ``b: (F,)`` or None, x̃ = x zero-padded by p on
each side, stride s and dilation d (ints for both axes, or ``(h, w)`` pairs), and the result
``out: (N, F, OH, OW)``, OH = ⌊(H + 2p_h − d_h(KH − 1) − 1)/s_h⌋ + 1 (likewise OW).
Integer inputs are computed in float64; float32 inputs stay float32.

As a layer, the convolution follows the convention of every layer in :mod:`dlsg_utils.conv`:
:func:`~dlsg_utils.conv.conv2d_forward` returns ``(out, cache)`` and ``conv2d_backward(dout, cache)`` the
gradients.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .arithmetic import IntOrPair
from .im2col import _check_conv, _pad, _windows, im2col

__all__ = ["ConvCache", "conv2d_einsum", "conv2d_fft", "conv2d_forward", "conv2d_im2col", "conv2d_naive"]


class ConvCache(NamedTuple):
    """What a convolution's backward pass needs from its forward pass: the input ``x``, the
    filters ``w`` and the hyper-parameters (the bias does not enter the gradients)."""

    x: np.ndarray
    w: np.ndarray
    stride: IntOrPair = 1
    padding: IntOrPair = 0
    dilation: IntOrPair = 1


def conv2d_naive(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray | None = None,
    stride: IntOrPair = 1,
    padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
) -> np.ndarray:
    """The definition, with four explicit loops over (n, f, y, z): ``(N, F, OH, OW)``.

    Each output is the sum of one window of the padded input times one filter, plus its bias.
    Slow (a Python loop per output value) but easy to check against the formula.

    The book: :eq:`eq-ch10-conv-forward`, chapter 10 (and the cross-correlation of chapter 8).
    """
    x, w, b, g = _check_conv(x, w, b, stride, padding, dilation)
    (KH, KW), (sh, sw), _, (dh, dw), (OH, OW) = g
    xp = _pad(x, g.padding)
    N, F = x.shape[0], w.shape[0]
    out = np.empty((N, F, OH, OW), dtype=x.dtype)
    for n in range(N):
        for f in range(F):
            for y in range(OH):
                for z in range(OW):
                    r, c = y * sh, z * sw  # top-left corner of the window
                    rows = slice(r, r + dh * (KH - 1) + 1, dh)  # KH taps, d_h apart
                    cols = slice(c, c + dw * (KW - 1) + 1, dw)
                    window = xp[n, :, rows, cols]  # (C, KH, KW)
                    out[n, f, y, z] = np.sum(window * w[f]) + b[f]
    return out


def conv2d_im2col(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray | None = None,
    stride: IntOrPair = 1,
    padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
) -> np.ndarray:
    """Convolution as one matrix product: ``W_row (F, C·KH·KW) @ X_col (C·KH·KW, N·OH·OW)``.

    ``X_col = im2col(x, ...)`` copies every window into a column (see :func:`im2col`); the
    product, plus ``b`` on every column, is ``(F, N·OH·OW)``: ``(N, F, OH, OW)`` once the image
    axis is moved to the front. The copy costs memory (each pixel appears in up to KH·KW
    columns) but the product runs in the BLAS library at full speed.

    The book: :eq:`eq-ch10-conv-forward`, chapter 10; im2col is chapter 8.
    """
    x, w, b, g = _check_conv(x, w, b, stride, padding, dilation)
    N, F = x.shape[0], w.shape[0]
    cols = im2col(x, *g.kernel, g.stride, g.padding, g.dilation)  # (C·KH·KW, N·OH·OW)
    out = w.reshape(F, -1) @ cols  # (F, N·OH·OW): the whole convolution in one GEMM
    out += b[:, None]
    return np.ascontiguousarray(out.reshape(F, N, *g.out).transpose(1, 0, 2, 3))


def conv2d_einsum(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray | None = None,
    stride: IntOrPair = 1,
    padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
) -> np.ndarray:
    """Convolution as a tensor contraction over a view of all windows: ``(N, F, OH, OW)``.

    ``sliding_window_view`` gives every (dilated) window of the padded input without copying;
    slicing it with ``::s`` keeps the strided positions and ``::d`` the dilated taps, giving
    ``(N, C, OH, OW, KH, KW)``. Then ``out = einsum('nchwij,fcij->nfhw', windows, w) + b``.
    """
    x, w, b, g = _check_conv(x, w, b, stride, padding, dilation)
    (KH, KW), (sh, sw), _, (dh, dw), _ = g
    span = (dh * (KH - 1) + 1, dw * (KW - 1) + 1)  # dilated kernel size
    windows = sliding_window_view(_pad(x, g.padding), span, axis=(2, 3))
    windows = windows[:, :, ::sh, ::sw, ::dh, ::dw]  # (N, C, OH, OW, KH, KW)
    out = np.einsum("nchwij,fcij->nfhw", windows, w, optimize=True)
    return out + b[None, :, None, None]


def conv2d_fft(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray | None = None,
    stride: IntOrPair = 1,
    padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
) -> np.ndarray:
    """Convolution through the convolution theorem: products of 2-D FFTs, ``(N, F, OH, OW)``.

    1. Dilate the kernel by inserting d − 1 zeros between taps: ``(F, C, K̂H, K̂W)``.
    2. Cross-correlation is convolution with the kernel flipped by 180°; zero-pad the flipped
       kernel to the padded input's size ``Hp x Wp`` and take both ``rfft2``.
    3. Multiply spectra and sum over channels: Ŷ[n, f] = Σ_c X̂[n, c] · K̂[f, c]; ``irfft2``.
    4. The FFT product is a *circular* convolution, but the positions
       (K̂H − 1 + y·s_h, K̂W − 1 + z·s_w) never wrap around: keep those, add ``b``.

    Every output position is computed before striding, so large strides waste work; the
    cost does not grow with the kernel size, which pays off only for large kernels.

    A NaN or infinite pixel would spread through the whole FFT of its image: such pixels are
    set to 0 for the FFT, and the outputs whose window holds one are computed directly, so
    (as in torch) only they are NaN or infinite.
    """
    x, w, b, g = _check_conv(x, w, b, stride, padding, dilation)
    (KH, KW), (sh, sw), _, (dh, dw), (OH, OW) = g
    F, C = w.shape[:2]
    span = (dh * (KH - 1) + 1, dw * (KW - 1) + 1)
    w_dilated = np.zeros((F, C, *span), dtype=w.dtype)
    w_dilated[:, :, ::dh, ::dw] = w
    xp = _pad(x, g.padding)
    finite = np.isfinite(xp)
    all_finite = bool(finite.all())
    size = xp.shape[2:]  # (Hp, Wp)
    X = np.fft.rfft2(xp if all_finite else np.where(finite, xp, 0), s=size)  # (N, C, Hp, ..)
    K = np.fft.rfft2(w_dilated[:, :, ::-1, ::-1], s=size)  # flipped, zero-padded kernel
    full = np.fft.irfft2(np.einsum("nchw,fchw->nfhw", X, K), s=size)  # (N, F, Hp, Wp)
    out = full[:, :, span[0] - 1 :: sh, span[1] - 1 :: sw][:, :, :OH, :OW]
    out = (out + b[None, :, None, None]).astype(x.dtype, copy=False)
    if not all_finite:  # the windows that hold a non-finite pixel, summed directly
        bad = _windows(~finite.all(axis=1, keepdims=True), g).any(axis=(1, 4, 5))  # (N, OH, OW)
        n, y, z = np.nonzero(bad)
        windows = _windows(xp, g)[n, :, y, z]  # (number of bad outputs, C, KH, KW)
        with np.errstate(invalid="ignore", over="ignore"):  # inf·0 and inf − inf: NaN, as torch
            out[n, :, y, z] = np.einsum("kcij,fcij->kf", windows, w) + b
    return out


def conv2d_forward(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray | None = None,
    stride: IntOrPair = 1,
    padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
) -> tuple[np.ndarray, ConvCache]:
    """The convolution as a layer: ``(out, cache)``.

    ``out`` is :func:`conv2d_im2col`'s ``(N, F, OH, OW)``; ``cache`` (a :class:`ConvCache`) is
    what :func:`~dlsg_utils.conv.conv2d_backward` takes with the upstream gradient:
    ``dx, dw, db = conv2d_backward(dout, cache)``.

    The book: :eq:`eq-ch10-conv-forward`, chapter 10.
    """
    out = conv2d_im2col(x, w, b, stride, padding, dilation)
    return out, ConvCache(np.asarray(x), np.asarray(w), stride, padding, dilation)
