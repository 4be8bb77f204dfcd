"""Chapter 10 checkers accept every correct convention (loops, the package, torch autograd) and
reject the classic mistakes of a backward pass with their hint."""

import numpy as np
import torch
import torch.nn.functional as F
from checker_harness import checker_tests

from dlsg_utils.conv import (
    ConvCache,
    conv2d_backward,
    max_pool2d,
    max_pool2d_backward,
    relu_backward,
)
from dlsg_utils.exercises.conv_layer import (
    check_conv_bias_grad,
    check_conv_input_grad,
    check_conv_weight_grad,
    check_maxpool_backward,
    check_relu_grad,
)

T = torch.from_numpy


def _package_dw(x, dout, k, s, p):
    return conv2d_backward(dout, ConvCache(x, np.zeros((dout.shape[1], x.shape[1], k, k)), s, p))[1]


def _torch_dw(x, dout, k, s, p):
    w = torch.zeros(dout.shape[1], x.shape[1], k, k, dtype=torch.float64, requires_grad=True)
    (F.conv2d(T(x), w, stride=s, padding=p) * T(dout)).sum().backward()
    return w.grad


def _loop_dw(x, dout, k, s, p, *, stride_used=None, flip=False):
    """A reader's loops: every output adds dout · its window to dw."""
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    st = s if stride_used is None else stride_used
    dw = np.zeros((dout.shape[1], x.shape[1], k, k))
    for n in range(x.shape[0]):
        for f in range(dout.shape[1]):
            for y in range(dout.shape[2]):
                for z in range(dout.shape[3]):
                    dw[f] += dout[n, f, y, z] * xp[n, :, st * y : st * y + k, st * z : st * z + k]
    return dw[:, :, ::-1, ::-1] if flip else dw


def _package_pool(dout, x, k, s):
    return max_pool2d_backward(dout, max_pool2d(x, k, s)[1])


def _torch_pool(dout, x, k, s):
    t = torch.tensor(x, requires_grad=True)
    (F.max_pool2d(t, k, s) * T(dout)).sum().backward()
    return t.grad


def _every_tied_maximum(dout, x, k, s):
    """A reader's mask `window == window.max()` with `+=`: right without ties, but a window whose
    maximum appears twice sends its gradient twice."""
    dx = np.zeros_like(x)
    for y in range(dout.shape[2]):
        for z in range(dout.shape[3]):
            win = x[:, :, s * y : s * y + k, s * z : s * z + k]
            dx[:, :, s * y : s * y + k, s * z : s * z + k] += (
                (win == win.max(axis=(2, 3), keepdims=True)) * dout[:, :, y, z, None, None])
    return dx


def _overwriting_pool(dout, x, k, s):
    """A reader's loops with `=` where overlapping windows need `+=`."""
    dx = np.zeros_like(x)
    for y in range(dout.shape[2]):
        for z in range(dout.shape[3]):
            win = x[:, :, s * y : s * y + k, s * z : s * z + k]
            mask = win == win.max(axis=(2, 3), keepdims=True)
            region = dx[:, :, s * y : s * y + k, s * z : s * z + k]
            region[mask] = (mask * dout[:, :, y, z, None, None])[mask]
    return dx


def _package_dx(dout, w, x_shape, s, p):
    return conv2d_backward(dout, ConvCache(np.zeros(x_shape), w, s, p))[0]


def _torch_dx(dout, w, x_shape, s, p):
    x = torch.zeros(x_shape, dtype=torch.float64, requires_grad=True)
    (F.conv2d(x, T(w), stride=s, padding=p) * T(dout)).sum().backward()
    return x.grad


def _transposed_dx(dout, w, x_shape, s, p):
    """dx is the transposed convolution (chapter 9), with output_padding for the lost rows."""
    a = [(n + 2 * p - w.shape[2]) % s for n in x_shape[2:]]
    return F.conv_transpose2d(T(dout), T(w), stride=s, padding=p, output_padding=tuple(a))


def _reader_dx(dout, w, x_shape, s, p, *, flip=True, zeros=True, pad=None, tail=True):
    """A reader's version with torch.conv2d: spread dout, pad it, correlate with the kernel
    flipped and transposed (F, C) -> (C, F)."""
    d = T(dout)
    k = w.shape[2]
    if zeros:
        spread = torch.zeros(*d.shape[:2], s * (d.shape[2] - 1) + 1, s * (d.shape[3] - 1) + 1,
                             dtype=d.dtype)
        spread[:, :, ::s, ::s] = d
    else:
        spread = d.repeat_interleave(s, 2).repeat_interleave(s, 3)
    q = k - 1 - p if pad is None else pad
    tails = [(n + 2 * p - k) % s if tail else 0 for n in x_shape[2:]]
    spread = F.pad(spread, (q, q + tails[1], q, q + tails[0]))
    kern = T(w).flip(2, 3) if flip else T(w)
    return F.conv2d(spread, kern.transpose(0, 1))


CASES = {
    check_conv_bias_grad: (
        lambda d: d.sum(axis=(0, 2, 3)),
        [(lambda d: d.mean(axis=(0, 2, 3)), "you averaged"),
         (lambda d: d.sum(axis=(1, 2, 3)), "summed over the filter axis"),
         (lambda d: d.sum(axis=(2, 3)), "forgot to sum over the examples"),
         (lambda d: d[0].sum(axis=(1, 2)), "only the first example")],
    ),
    check_conv_weight_grad: (
        _loop_dw,
        [(lambda x, d, k, s, p: _loop_dw(x, d, k, s, p, flip=True), "flipped by 180°"),
         (lambda x, d, k, s, p: _loop_dw(x, d, k, s, p).transpose(1, 0, 2, 3),
          "filters and channels are swapped"),
         (lambda x, d, k, s, p: _loop_dw(x, d, k, s, p, stride_used=1), "ignored the stride"),
         (lambda x, d, k, s, p: _loop_dw(x[:1], d[:1], k, s, p), "only the first example"),
         (lambda x, d, k, s, p: _loop_dw(x, d, k, s, p) / len(x), "averaged over the examples")],
    ),
    check_relu_grad: (
        lambda d, x: d * (x > 0),
        [(lambda d, x: d * (d > 0), "you gated by dout > 0"),
         (lambda d, x: d * (x >= 0), "subgradient 0"),
         (lambda d, x: (x > 0) * 1.0, "multiply it by dout"),
         (lambda d, x: d * (x > 0) * x, "local derivative of ReLU is 1")],
    ),
    check_maxpool_backward: (
        _torch_pool,
        [(_overwriting_pool, "*sum* of their gradients"),
         (lambda d, x, k, s: _package_pool(d, x, k, s) * 0 + sum(
             np.pad(d[:, :, y:y + 1, z:z + 1].repeat(k, 2).repeat(k, 3) / k**2,
                    ((0, 0), (0, 0), (s * y, x.shape[2] - s * y - k),
                     (s * z, x.shape[3] - s * z - k)))
             for y in range(d.shape[2]) for z in range(d.shape[3])), "*average* pooling"),
         (lambda d, x, k, s: -_package_pool(-d, -x, k, s), "minimum"),
         (lambda d, x, k, s: _package_pool(np.ones_like(d), x, k, s), "mask of the maxima only"),
         (_every_tied_maximum, "share its maximum")],
    ),
    check_conv_input_grad: (
        _torch_dx,
        [(lambda *a: _reader_dx(*a, flip=False), "no flip"),
         (lambda d, w, xs, s, p: _reader_dx(d, w, xs, s, p, pad=p), "wrong padding"),
         (lambda d, w, xs, s, p: _reader_dx(d, w, xs, s, p, pad=w.shape[2] - 1),
          "*padded* input"),
         (lambda *a: _reader_dx(*a, zeros=False), "not with copies"),
         (lambda *a: _reader_dx(*a, tail=False), "never inside a window")],
    ),
}


(test_checker_accepts_the_reference,
 test_checker_rejects_a_known_mistake_with_its_hint,
 test_checker_reports_a_wrong_signature_without_raising,
 test_checker_reports_an_unattempted_stub) = checker_tests(CASES)


def test_package_and_torch_backward_passes_are_accepted_by_the_checkers():
    assert check_conv_bias_grad(lambda d: conv2d_backward(d, ConvCache(
        np.zeros((d.shape[0], 1, d.shape[2] + 2, d.shape[3] + 2)),
        np.zeros((d.shape[1], 1, 3, 3))))[2], verbose=False)
    assert check_conv_weight_grad(_package_dw, verbose=False)
    assert check_conv_weight_grad(_torch_dw, verbose=False)
    assert check_relu_grad(relu_backward, verbose=False)
    assert check_maxpool_backward(_package_pool, verbose=False)
    assert check_conv_input_grad(_package_dx, verbose=False)


def test_dx_as_flipped_full_correlation_and_as_transposed_convolution_are_both_accepted():
    """The chapter's two descriptions of dx: correlate the spread, padded dout with the flipped
    kernel; or conv_transpose2d with the same kernel and output_padding."""
    assert check_conv_input_grad(_reader_dx, verbose=False)
    assert check_conv_input_grad(_transposed_dx, verbose=False)


def test_dx_without_zero_insertion_is_caught_with_a_stride_hint():
    def no_spread(dout, w, x_shape, s, p):  # stride forgotten: dout used as it is
        return _reader_dx(dout, w, x_shape, 1, p)

    result = check_conv_input_grad(no_spread, verbose=False)
    assert not result and "stride" in result.message


def test_checked_cases_include_stride_1_padding_0_and_rows_no_window_reaches():
    seen = []

    def spy(dout, w, x_shape, s, p):
        seen.append((w.shape[2], x_shape, s, p))
        return _torch_dx(dout, w, x_shape, s, p)

    assert check_conv_input_grad(spy, verbose=False)
    assert any(s == 1 and p == 0 for _, _, s, p in seen)
    assert any((xs[2] + 2 * p - k) % s for k, xs, s, p in seen)


def test_overlapping_pool_cases_have_inputs_that_win_several_windows():
    seen = []

    def spy(dout, x, k, s):
        seen.append((k, s))
        return _torch_pool(dout, x, k, s)

    assert check_maxpool_backward(spy, verbose=False)
    assert any(s < k for k, s in seen) and any(s == k for k, s in seen)
    assert not check_maxpool_backward(_overwriting_pool, verbose=False)


def test_chapter_10_exercise_stubs_do_not_shadow_names_the_chapter_used_before():
    """Re-running an earlier cell after the exercises must still find the chapter's own names."""
    from pathlib import Path

    from test_exercises_ch09 import _names_before_and_stubs

    used, stubs = _names_before_and_stubs(
        Path(__file__).parents[1] / "chapters" / "10_the_conv_layer.ipynb")
    assert len(stubs) == 5 and not stubs & used, stubs & used
