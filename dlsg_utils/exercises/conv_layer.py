"""Checkers for chapter 10, "The convolution layer": the backward pass of conv, ReLU and max-pool."""

from __future__ import annotations

import numpy as np

from . import Mistake, Result, check_function

__all__ = ["check_conv_bias_grad", "check_conv_weight_grad", "check_maxpool_backward",
           "check_relu_grad"]


# --- exercise 1: the bias gradient --------------------------------------------------------------

def _bias_grad(dout):
    """db[f] = Σ_{n,y,z} dout[n, f, y, z]."""
    return dout.sum(axis=(0, 2, 3))


def _case_dout(rng):
    N = int(rng.integers(2, 5))
    F = N + int(rng.integers(1, 3))  # F ≠ N, so summing over the wrong axis shows in the shape
    H, W = int(rng.integers(2, 6)), int(rng.integers(2, 6))
    return (rng.normal(size=(N, F, H, W)),)


def check_conv_bias_grad(fn, *, verbose: bool = True) -> Result:
    """``conv_bias_grad(dout)``: ∂L/∂b of a conv layer, shape (F,), from dout (N, F, OH, OW)."""
    return check_function(
        fn, _bias_grad, _case_dout, name="conv_bias_grad", signature="conv_bias_grad(dout)",
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


# --- exercise 2: the weight gradient ------------------------------------------------------------

def _weight_grad(x, dout):
    """dw[f, c, i, j] = Σ_{n,y,z} dout[n, f, y, z] · x[n, c, y + i, z + j] (stride 1, no padding)."""
    N, C, H, W = x.shape
    OH, OW = dout.shape[2:]
    KH, KW = H - OH + 1, W - OW + 1
    dw = np.zeros((dout.shape[1], C, KH, KW))
    for i in range(KH):
        for j in range(KW):
            dw[:, :, i, j] = np.einsum("nfyz,ncyz->fc", dout, x[:, :, i : i + OH, j : j + OW])
    return dw


def _case_weight(rng):
    N, C = int(rng.integers(2, 4)), int(rng.integers(1, 3))
    F = C + int(rng.integers(1, 3))  # F ≠ C: a (C, F, ...) answer has the wrong shape
    KH, KW = int(rng.integers(2, 4)), int(rng.integers(2, 4))
    if KH == KW:
        KW += 1  # a non-square kernel, so swapping i and j shows
    H, W = KH + int(rng.integers(2, 5)), KW + int(rng.integers(2, 5))
    x = rng.normal(size=(N, C, H, W))
    return x, rng.normal(size=(N, F, H - KH + 1, W - KW + 1))


def check_conv_weight_grad(fn, *, verbose: bool = True) -> Result:
    """``conv_weight_grad(x, dout)``: ∂L/∂w, shape (F, C, KH, KW), of a stride-1, unpadded conv
    layer with input ``x: (N, C, H, W)`` and upstream gradient ``dout: (N, F, OH, OW)``."""
    return check_function(
        fn, _weight_grad, _case_weight, name="conv_weight_grad",
        signature="conv_weight_grad(x, dout)",
        mistakes=[
            Mistake(lambda x, d: _weight_grad(x, d)[:, :, ::-1, ::-1],
                    "your kernel gradient is flipped by 180°: the forward pass is a "
                    "cross-correlation, so dw[f, c, i, j] pairs dout[n, f, y, z] with "
                    "x[n, c, y + i, z + j] (no flip; the flip belongs to dx)."),
            Mistake(lambda x, d: _weight_grad(x, d).transpose(1, 0, 2, 3),
                    "filters and channels are swapped: dw must have w's shape (F, C, KH, KW), "
                    "filter first."),
            Mistake(lambda x, d: _weight_grad(x[:1], d[:1]),
                    "you used only the first example: the weights are shared by every image of "
                    "the batch, so sum the contributions over n."),
            Mistake(lambda x, d: _weight_grad(x, d) / x.shape[0],
                    "you averaged over the examples: sum them (any 1/N is already in dout)."),
            Mistake(lambda x, d: _weight_grad(x, d).sum(axis=1, keepdims=True).repeat(x.shape[1], 1),
                    "you summed over the input channels: each channel c has its own weight "
                    "w[f, c], so keep the channel axis."),
        ],
        verbose=verbose,
    )


# --- exercise 3: ReLU backward ------------------------------------------------------------------

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
        fn, _relu_grad, _case_relu, name="relu_grad", signature="relu_grad(dout, x)",
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


# --- exercise 4: max-pool backward --------------------------------------------------------------

def _windows(x):
    N, C, H, W = x.shape
    return x.reshape(N, C, H // 2, 2, W // 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(
        N, C, H // 2, W // 2, 4)


def _unwindow(win, shape):
    N, C, H, W = shape
    return win.reshape(N, C, H // 2, W // 2, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(shape)


def _route(dout, x, pick):
    win = _windows(x)
    idx = pick(win)
    dwin = np.zeros_like(win)
    np.put_along_axis(dwin, idx[..., None], dout[..., None], axis=-1)
    return _unwindow(dwin, x.shape)


def _maxpool_backward(dout, x):
    """dx of 2×2, stride-2 max pooling: dout goes to the argmax of each window, 0 elsewhere."""
    return _route(dout, x, lambda w: w.argmax(axis=-1))


def _case_pool(rng):
    N, C = int(rng.integers(1, 3)), int(rng.integers(1, 3))
    H, W = 2 * int(rng.integers(2, 4)), 2 * int(rng.integers(2, 4))
    x = rng.normal(size=(N, C, H, W))
    return rng.normal(size=(N, C, H // 2, W // 2)), x


def _upsample(d):
    return d.repeat(2, axis=2).repeat(2, axis=3)


def check_maxpool_backward(fn, *, verbose: bool = True) -> Result:
    """``maxpool_backward(dout, x)``: ∂L/∂x of 2×2 max pooling with stride 2, ``x: (N, C, H, W)``
    (H, W even), ``dout: (N, C, H/2, W/2)``."""
    return check_function(
        fn, _maxpool_backward, _case_pool, name="maxpool_backward",
        signature="maxpool_backward(dout, x)",
        mistakes=[
            Mistake(lambda d, x: _upsample(d) / 4,
                    "you shared dout equally over the window: that is *average* pooling's "
                    "gradient. Max pooling sends all of dout to the one input that was the "
                    "maximum, and 0 to the other three."),
            Mistake(lambda d, x: _upsample(d),
                    "you copied dout to all four inputs of each window; only the maximum "
                    "influenced the output, so only it receives the gradient."),
            Mistake(lambda d, x: _route(d, x, lambda w: w.argmin(axis=-1)),
                    "you routed the gradient to the minimum of each window: use the argmax."),
            Mistake(lambda d, x: _maxpool_backward(np.ones_like(d), x),
                    "you returned the 0/1 mask of the maxima only: multiply it by dout "
                    "(each maximum receives its window's dout)."),
            Mistake(lambda d, x: _route(d, np.abs(x), lambda w: w.argmax(axis=-1)),
                    "you picked the entry of largest *absolute* value: max pooling keeps the "
                    "largest value, sign included."),
        ],
        verbose=verbose,
    )
