"""Checkers for chapter 10, "The convolution layer": the backward pass of conv, ReLU and max-pool.

The references are written out with loops over the kernel offsets (independent of
:mod:`dlsg_utils.conv`, which the tests compare them with, and with torch autograd).
"""

from __future__ import annotations

import itertools

import numpy as np

from .engine import Mistake, Result, check_function, cycle_cases

__all__ = ["check_conv_bias_grad", "check_conv_input_grad", "check_conv_weight_grad",
           "check_maxpool_backward", "check_relu_grad"]


def _out_size(n, k, s, p):
    return (n + 2 * p - k) // s + 1


# --- exercise 1: the bias gradient --------------------------------------------------------------

def _bias_grad(dout):
    """db[f] = Σ_{n,y,z} dout[n, f, y, z]."""
    return dout.sum(axis=(0, 2, 3))


def _case_dout(rng):
    N = int(rng.integers(2, 5))
    F = N + int(rng.integers(1, 3))  # F ≠ N, so summing over the wrong axis shows in the shape
    H, W = int(rng.integers(2, 6)), int(rng.integers(2, 6))
    return (rng.normal(size=(N, F, H, W)),)


def _any_dout(rng):
    """Any shape the question allows: one example, one filter, a 1 × 1 output map."""
    return (rng.normal(size=tuple(int(n) for n in rng.integers(1, 5, size=4))),)


def check_conv_bias_grad(fn, *, verbose: bool = True) -> Result:
    """``conv_bias_grad(dout)``: ∂L/∂b of a conv layer, shape (F,), from dout (N, F, OH, OW)."""
    return check_function(
        fn, _bias_grad, cycle_cases(_case_dout, _any_dout), signature="conv_bias_grad(dout)",
        mistakes=[
            Mistake(lambda d: d.mean(axis=(0, 2, 3)),
                    "you averaged: every output value adds b[f] once, so b[f] receives the *sum* "
                    "of dout[n, f, y, z] over n, y and z (any 1/N is already inside dout)."),
            Mistake(lambda d: d.sum(axis=(1, 2, 3)),
                    "you summed over the filter axis: the result must have one entry per filter "
                    "(shape (F,)); sum over the examples and positions, axes (0, 2, 3)."),
            Mistake(lambda d: d.sum(axis=(2, 3)),
                    "you forgot to sum over the examples (axis 0): the bias is shared by every "
                    "image of the batch, so their gradients add up. Expected shape (F,)."),
            Mistake(lambda d: d.sum(axis=(0, 1)),
                    "you summed over examples and filters; sum over examples and positions, "
                    "axes (0, 2, 3), keeping one entry per filter."),
            Mistake(lambda d: d[0].sum(axis=(1, 2)),
                    "you used only the first example: sum over all N examples too."),
        ],
        verbose=verbose,
    )


# --- exercise 3: the weight gradient, any stride and padding ------------------------------------

def _weight_grad(x, dout, k, stride, padding):
    """dw[f, c, i, j] = Σ_{n,y,z} dout[n, f, y, z] · x̃[n, c, s·y + i, s·z + j], x̃ = x padded."""
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    OH, OW = dout.shape[2:]
    dw = np.zeros((dout.shape[1], x.shape[1], k, k))
    for i in range(k):
        for j in range(k):
            window = xp[:, :, i : i + stride * (OH - 1) + 1 : stride,
                        j : j + stride * (OW - 1) + 1 : stride]  # (N, C, OH, OW)
            dw[:, :, i, j] = np.einsum("nfyz,ncyz->fc", dout, window)
    return dw


def _case_weight(rng, stride=None, padding=None):
    N, C = int(rng.integers(2, 4)), int(rng.integers(1, 3))
    F = C + int(rng.integers(1, 3))  # F ≠ C: a (C, F, ...) answer has the wrong shape
    k = int(rng.integers(2, 5))
    s = int(rng.integers(2, 4)) if stride is None else stride
    p = int(rng.integers(1, k)) if padding is None else padding
    H, W = k + int(rng.integers(2, 7)), k + int(rng.integers(2, 7))
    if H == W:
        W += 1  # a non-square input, so swapping the axes shows
    dout = rng.normal(size=(N, F, _out_size(H, k, s, p), _out_size(W, k, s, p)))
    return rng.normal(size=(N, C, H, W)), dout, k, s, p


def _plain_weight(rng):
    return _case_weight(rng, stride=int(rng.choice([1, 1, 2])), padding=int(rng.choice([0, 0, 1])))


def _any_layer(rng, padding_below_k=False):
    """k, s, p and an input size from the whole domain: k = 1, strides longer than the kernel
    (inputs no window reads), padding of k or more, inputs smaller than the kernel."""
    k, s = int(rng.integers(1, 5)), int(rng.integers(1, 6))
    p = int(rng.integers(0, k)) if padding_below_k else int(rng.integers(0, 5))
    H, W = (int(rng.integers(max(1, k - 2 * p), k + 7)) for _ in range(2))
    return k, s, p, H, W


def _any_weight(rng):
    k, s, p, H, W = _any_layer(rng)
    N, C, F = (int(n) for n in rng.integers(1, 4, size=3))
    dout = rng.normal(size=(N, F, _out_size(H, k, s, p), _out_size(W, k, s, p)))
    return rng.normal(size=(N, C, H, W)), dout, k, s, p


def check_conv_weight_grad(fn, *, verbose: bool = True) -> Result:
    """``conv_weight_grad(x, dout, k, stride, padding)``: ∂L/∂w, shape (F, C, k, k), of a conv
    layer with k × k kernels, input ``x: (N, C, H, W)`` and upstream gradient
    ``dout: (N, F, OH, OW)``."""
    return check_function(
        fn, _weight_grad, cycle_cases(_case_weight, _plain_weight, _any_weight),
        signature="conv_weight_grad(x, dout, k, stride, padding)",
        mistakes=[
            Mistake(lambda x, d, k, s, p: _weight_grad(x, d, k, s, p)[:, :, ::-1, ::-1],
                    "your kernel gradient is flipped by 180°: the forward pass is a "
                    "cross-correlation, so dw[f, c, i, j] pairs dout[n, f, y, z] with "
                    "x̃[n, c, s·y + i, s·z + j] (no flip; the flip belongs to dx)."),
            Mistake(lambda x, d, k, s, p: _weight_grad(x, d, k, s, p).transpose(1, 0, 2, 3),
                    "filters and channels are swapped: dw must have w's shape (F, C, k, k), "
                    "filter first."),
            Mistake(lambda x, d, k, s, p: _weight_grad(x, d, k, 1, p),
                    "you ignored the stride: output (y, z) read the window that starts at "
                    "(s·y, s·z) of the padded input, not at (y, z)."),
            Mistake(lambda x, d, k, s, p: _weight_grad(np.pad(x, ((0, 0), (0, 0), (0, 2 * p),
                                                                  (0, 2 * p))), d, k, s, 0),
                    "your windows are shifted: pad x with p zeros on *each* side (top and "
                    "left too) before reading the window at (s·y + i, s·z + j)."),
            Mistake(lambda x, d, k, s, p: _weight_grad(x[:1], d[:1], k, s, p),
                    "you used only the first example: the weights are shared by every image of "
                    "the batch, so sum the contributions over n."),
            Mistake(lambda x, d, k, s, p: _weight_grad(x, d, k, s, p) / x.shape[0],
                    "you averaged over the examples: sum them (any 1/N is already in dout)."),
            Mistake(lambda x, d, k, s, p: _weight_grad(x, d, k, s, p).sum(
                        axis=1, keepdims=True).repeat(x.shape[1], 1),
                    "you summed over the input channels: each channel c has its own weight "
                    "w[f, c], so keep the channel axis."),
        ],
        verbose=verbose,
    )


# --- exercise 2: ReLU backward ------------------------------------------------------------------

def _relu_grad(dout, x):
    return np.where(x > 0, dout, 0.0)


def _case_relu(rng):
    shape = tuple(int(s) for s in rng.integers(2, 6, size=int(rng.integers(1, 4))))
    x = rng.normal(size=shape)
    x.flat[rng.integers(0, x.size, size=max(1, x.size // 4))] = 0.0  # exact zeros: the kink
    return rng.normal(size=shape), x


def check_relu_grad(fn, *, verbose: bool = True) -> Result:
    """``relu_grad(dout, x)``: ∂L/∂x of ReLU = dout where x > 0, else 0 (0 at x = 0)."""
    return check_function(
        fn, _relu_grad, _case_relu, signature="relu_grad(dout, x)",
        mistakes=[
            Mistake(lambda d, x: np.where(d > 0, d, 0.0),
                    "you gated by dout > 0 (or applied ReLU to dout): the gate is decided by the "
                    "forward input x (x > 0), not by the sign of the gradient."),
            Mistake(lambda d, x: np.where(x >= 0, d, 0.0),
                    "at x = 0 use the subgradient 0 (x > 0, not x >= 0), as PyTorch does."),
            Mistake(lambda d, x: (x > 0).astype(float),
                    "you returned the local derivative 1[x > 0] only: multiply it by dout "
                    "(chain rule)."),
            Mistake(lambda d, x: np.where(x > 0, d, 0.0) * x,
                    "the local derivative of ReLU is 1 (not x) where x > 0."),
        ],
        verbose=verbose,
    )


# --- exercise 4: max-pool backward, overlapping windows --------------------------------------------

def _pool_route(dout, x, k, stride, pick=np.argmax, add=True, values=None):
    """Send dout[n, c, y, z] to the entry ``pick`` chooses in window (y, z) of x (k × k, stride
    ``stride``); contributions to one input add up (``add``) or the last one wins."""
    N, C, OH, OW = dout.shape
    dx = np.zeros_like(x, dtype=float)
    for y, z in itertools.product(range(OH), range(OW)):
        win = x[:, :, stride * y : stride * y + k, stride * z : stride * z + k].reshape(N, C, -1)
        idx = pick(win, axis=-1)  # (N, C)
        u, v = stride * y + idx // k, stride * z + idx % k
        n, c = np.meshgrid(np.arange(N), np.arange(C), indexing="ij")
        g = dout[:, :, y, z] if values is None else values(dout[:, :, y, z])
        if add:
            np.add.at(dx, (n, c, u, v), g)
        else:
            dx[n, c, u, v] = g
    return dx


def _maxpool_backward(dout, x, k, stride):
    """dx of k × k max pooling with stride ``stride``: each dout goes to its window's argmax;
    an input that is the maximum of several overlapping windows receives the sum."""
    return _pool_route(dout, x, k, stride)


def _spread(dout, x, k, stride, scale):
    N, C, OH, OW = dout.shape
    dx = np.zeros_like(x, dtype=float)
    for y, z in itertools.product(range(OH), range(OW)):
        dx[:, :, stride * y : stride * y + k, stride * z : stride * z + k] += (
            scale * dout[:, :, y, z, None, None])
    return dx


def _case_pool(rng, k=None, stride=None):
    N, C = int(rng.integers(1, 3)), int(rng.integers(1, 3))
    k = int(rng.integers(2, 4)) if k is None else k
    s = int(rng.integers(1, k)) if stride is None else stride  # s < k: windows overlap
    OH, OW = int(rng.integers(2, 5)), int(rng.integers(2, 5))
    H = (OH - 1) * s + k + int(rng.integers(0, s))  # rows the last window does not reach too
    W = (OW - 1) * s + k + int(rng.integers(0, s))
    x = rng.normal(size=(N, C, H, W))
    x[..., 1::2, ::3] += 2.0  # taller entries that win several overlapping windows
    return rng.normal(size=(N, C, OH, OW)), x, k, s


def _tied_pool(rng):
    """Small integers: most windows hold their maximum twice or more (MNIST's flat background
    does too). The gradient goes to the first maximum in row-major order, as in PyTorch."""
    dout, x, k, s = _case_pool(rng)
    return dout, rng.integers(0, 3, size=x.shape).astype(float), k, s


def _all_maxima(dout, x, k, stride):
    """A reader's mask ``window == window.max()``: every tied maximum gets the whole dout."""
    dx = np.zeros_like(x, dtype=float)
    for y, z in itertools.product(range(dout.shape[2]), range(dout.shape[3])):
        rows, cols = slice(stride * y, stride * y + k), slice(stride * z, stride * z + k)
        win = x[:, :, rows, cols]
        dx[:, :, rows, cols] += (win == win.max(axis=(2, 3), keepdims=True)) * dout[:, :, y, z, None, None]
    return dx


def _plain_pool(rng):
    k = int(rng.integers(2, 4))
    return _case_pool(rng, k=k, stride=k)  # non-overlapping windows, as in LeNet and VGG


def _any_pool(rng):
    """k = 1 and strides longer than the window (inputs no window reads) too."""
    k, s = int(rng.integers(1, 4)), int(rng.integers(1, 5))
    N, C, OH, OW = (int(n) for n in rng.integers(1, 4, size=4))
    H, W = ((o - 1) * s + k + int(rng.integers(0, s)) for o in (OH, OW))
    return rng.normal(size=(N, C, OH, OW)), rng.normal(size=(N, C, H, W)), k, s


def check_maxpool_backward(fn, *, verbose: bool = True) -> Result:
    """``maxpool_backward(dout, x, k, stride)``: ∂L/∂x of k × k max pooling with stride
    ``stride`` (no padding), ``x: (N, C, H, W)``, ``dout: (N, C, OH, OW)``."""
    return check_function(
        fn, _maxpool_backward, cycle_cases(_case_pool, _plain_pool, _tied_pool, _any_pool),
        signature="maxpool_backward(dout, x, k, stride)",
        mistakes=[
            Mistake(_all_maxima,
                    "ties: when several inputs of a window share its maximum, only one of them "
                    "produced the output; send the window's dout to the first maximum in "
                    "row-major order (as PyTorch and the package do), not to every tied input, "
                    "which multiplies the gradient."),
            Mistake(lambda d, x, k, s: _pool_route(d, x, k, s, add=False),
                    "where windows overlap, one input can be the maximum of several windows: "
                    "it must receive the *sum* of their gradients (+=), not only the last one "
                    "(=)."),
            Mistake(lambda d, x, k, s: _spread(d, x, k, s, 1 / k**2),
                    "you shared dout equally over the window: that is *average* pooling's "
                    "gradient. Max pooling sends all of dout to the one input that was the "
                    "maximum, and 0 to the others."),
            Mistake(lambda d, x, k, s: _spread(d, x, k, s, 1.0),
                    "you copied dout to every input of the window; only the maximum "
                    "influenced the output, so only it receives the gradient."),
            Mistake(lambda d, x, k, s: _pool_route(d, x, k, s, pick=np.argmin),
                    "you routed the gradient to the minimum of each window: use the argmax."),
            Mistake(lambda d, x, k, s: _pool_route(d, x, k, s, values=np.ones_like),
                    "you returned the 0/1 mask of the maxima only: multiply it by dout "
                    "(each maximum receives its window's dout)."),
            Mistake(lambda d, x, k, s: _pool_route(d, np.abs(x), k, s),
                    "you picked the entry of largest *absolute* value: max pooling keeps the "
                    "largest value, sign included."),
            Mistake(lambda d, x, k, s: _pool_route(d, x, k, k) if d.shape[2] * k <= x.shape[2]
                    and d.shape[3] * k <= x.shape[3] else None,
                    "you moved the window by k instead of by the stride: window (y, z) starts "
                    "at (stride·y, stride·z)."),
        ],
        verbose=verbose,
    )


# --- exercise 5: the input gradient, dx --------------------------------------------------------

def _input_grad(dout, w, x_shape, stride, padding):
    """dx = the gradient of out = conv(x, w, stride, padding) with respect to x: every output
    (y, z) sends dout[n, f, y, z] · w[f, c, i, j] back to x̃[n, c, s·y + i, s·z + j]; then the
    padding is cut off."""
    N, C, H, W = x_shape
    k = w.shape[2]
    OH, OW = dout.shape[2:]
    dxp = np.zeros((N, C, H + 2 * padding, W + 2 * padding))
    for i in range(k):
        for j in range(k):
            dxp[:, :, i : i + stride * (OH - 1) + 1 : stride,
                j : j + stride * (OW - 1) + 1 : stride] += np.einsum("nfyz,fc->ncyz", dout,
                                                                     w[:, :, i, j])
    return dxp[:, :, padding : padding + H, padding : padding + W]


def _full_correlation(dout, w, x_shape, stride, padding, *, flip=True, zeros=True,
                      pad=None, crop_tail=False, tail=True):
    """dx computed as the chapter does: spread dout (s − 1 zeros between entries, or repeats
    when not ``zeros``), pad by k − 1 − p (or ``pad``), correlate with w flipped (if ``flip``)
    and with f and c swapped; ``tail``: add the rows the strided windows never reached."""
    N, C, H, W = x_shape
    F, _, k, _ = w.shape
    OH, OW = dout.shape[2:]
    if zeros:
        spread = np.zeros((N, F, stride * (OH - 1) + 1, stride * (OW - 1) + 1))
        spread[:, :, ::stride, ::stride] = dout
    else:
        spread = dout.repeat(stride, axis=2).repeat(stride, axis=3)
    q = k - 1 - padding if pad is None else pad
    a_h = (H + 2 * padding - k) % stride if tail else 0
    a_w = (W + 2 * padding - k) % stride if tail else 0
    spread = np.pad(spread, ((0, 0), (0, 0), (q, q + a_h), (q, q + a_w)))
    kern = w[:, :, ::-1, ::-1] if flip else w  # (F, C, k, k)
    out_h, out_w = spread.shape[2] - k + 1, spread.shape[3] - k + 1
    dx = np.zeros((N, C, out_h, out_w))
    for i in range(k):
        for j in range(k):
            dx += np.einsum("nfyz,fc->ncyz", spread[:, :, i : i + out_h, j : j + out_w],
                            kern[:, :, i, j])
    return dx


def _case_input(rng, stride=None, padding=None):
    N, C = int(rng.integers(1, 3)), int(rng.integers(1, 3))
    F = C + int(rng.integers(1, 3))  # F ≠ C: forgetting to swap them shows in the shape
    if padding is None:  # separating: p, k − 1 − p and k − 1 all differ
        k = int(rng.integers(4, 6))
        p = int(rng.choice([q for q in range(1, k - 1) if 2 * q != k - 1]))
    else:
        k, p = int(rng.integers(2, 5)), padding
    s = int(rng.integers(2, 4)) if stride is None else stride
    H = k + int(rng.integers(2, 8))
    W = H + int(rng.integers(1, 4))  # non-square
    if stride is None:  # the separating cases: rows the last window misses, on one axis
        while (H + 2 * p - k) % s == 0 or (W + 2 * p - k) % s != 0:
            H += 1
            if (W + 2 * p - k) % s != 0:
                W += 1
    w = rng.normal(size=(F, C, k, k))
    dout = rng.normal(size=(N, F, _out_size(H, k, s, p), _out_size(W, k, s, p)))
    return dout, w, (N, C, H, W), s, p


def _plain_input(rng):
    return _case_input(rng, stride=int(rng.choice([1, 1, 2, 3])),
                       padding=int(rng.choice([0, 0, 1])))


def _any_input(rng):
    """The whole domain of the question (p ≤ k − 1): k = 1, strides longer than the kernel,
    inputs smaller than the kernel."""
    k, s, p, H, W = _any_layer(rng, padding_below_k=True)
    N, C, F = (int(n) for n in rng.integers(1, 4, size=3))
    dout = rng.normal(size=(N, F, _out_size(H, k, s, p), _out_size(W, k, s, p)))
    return dout, rng.normal(size=(F, C, k, k)), (N, C, H, W), s, p


def check_conv_input_grad(fn, *, verbose: bool = True) -> Result:
    """``conv_input_grad(dout, w, x_shape, stride, padding)``: ∂L/∂x, shape ``x_shape`` =
    (N, C, H, W), of ``out = conv2d(x, w, stride=stride, padding=padding)`` (cross-correlation,
    as in PyTorch) with k × k kernels ``w: (F, C, k, k)`` and ``dout: (N, F, OH, OW)``."""
    return check_function(
        fn, _input_grad, cycle_cases(_case_input, _plain_input, _any_input),
        signature="conv_input_grad(dout, w, x_shape, stride, padding)",
        mistakes=[
            Mistake(lambda d, w, xs, s, p: _full_correlation(d, w, xs, s, p, flip=False),
                    "no flip: as a correlation over dout, dx needs the kernel flipped by 180° "
                    "(x[u] met w[i] in output y = u − i, so the kernel index runs against the "
                    "output index: a true convolution)."),
            Mistake(lambda d, w, xs, s, p: _full_correlation(d, w, xs, s, p, pad=p),
                    "wrong padding: pad the spread-out dout by k − 1 − p on each side (full "
                    "padding k − 1, less the p rows of the forward padding, which have no "
                    "gradient to return)."),
            Mistake(lambda d, w, xs, s, p: _full_correlation(d, w, xs, s, p, pad=w.shape[2] - 1),
                    "you returned the gradient of the *padded* input: cut the p padding rows "
                    "and columns off each side (pad dout by k − 1 − p, not k − 1)."),
            Mistake(lambda d, w, xs, s, p: _full_correlation(d, w, xs, s, p, zeros=False),
                    "stride: spread dout out with s − 1 *zeros* between neighbouring entries "
                    "(only every s-th position had a window), not with copies."),
            Mistake(lambda d, w, xs, s, p: _full_correlation(d, w, xs, 1, p)
                    if s > 1 else None,
                    "stride: before correlating, put s − 1 zeros between neighbouring entries "
                    "of dout, so that each lands where its window started (s·y, s·z)."),
            Mistake(lambda d, w, xs, s, p: _full_correlation(d, w, xs, s, p, tail=False),
                    "stride: when (H + 2p − k) is not a multiple of s, the last rows (columns) "
                    "were never inside a window; they still belong to x: append their zero "
                    "gradient so that dx has x's shape."),
        ],
        n_cases=30, verbose=verbose,
    )
