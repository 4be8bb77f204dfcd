"""Chapter 10 checkers accept every correct convention (loops, the package, torch autograd) and
reject the classic mistakes of a backward pass with their hint."""

import numpy as np
import torch
import torch.nn.functional as F
from checker_harness import checker_tests, solution_cells_run
from hypothesis import given, settings
from hypothesis import strategies as st

from dlsg_utils.conv import (
    ConvCache,
    conv2d_backward,
    max_pool2d,
    max_pool2d_backward,
    relu_backward,
)
from dlsg_utils.exercises.ch10_conv_layer import (
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


# --- every checker: at least two more correct forms accepted ------------------------------------

def _autograd_bias(dout):
    b = torch.zeros(dout.shape[1], dtype=torch.float64, requires_grad=True)
    (b[None, :, None, None] * T(dout)).sum().backward()
    return b.grad


def _autograd_relu(dout, x):
    t = torch.tensor(x, requires_grad=True)
    (torch.relu(t) * T(dout)).sum().backward()  # torch's subgradient at 0 is 0 too
    return t.grad


ALTERNATIVES = {
    check_conv_bias_grad: [_autograd_bias, lambda d: np.einsum("nfyz->f", d).tolist()],
    check_conv_weight_grad: [_package_dw, _torch_dw],
    check_relu_grad: [_autograd_relu, lambda d, x: np.where(x > 0, d, 0).astype(np.float32),
                      relu_backward],
    check_maxpool_backward: [_package_pool, _torch_pool],
    check_conv_input_grad: [_package_dx, _transposed_dx, _reader_dx],
}


def test_checkers_accept_other_correct_forms():
    """Autograd, the package, torch's transposed convolution, einsum, lists, float32."""
    for checker, answers in ALTERNATIVES.items():
        for answer in answers:
            assert checker(answer, verbose=False), checker.__name__


def _spy(checker, reference):
    seen = []

    def spy(*args):
        seen.append(args)
        return reference(*args)

    assert checker(spy, verbose=False)
    return seen


def test_checkers_draw_the_boundaries_of_their_questions():
    """One example and 1 × 1 maps; k = 1, strides longer than the kernel, inputs smaller than
    the kernel, padding of k or more where the question allows it."""
    seen = _spy(check_conv_bias_grad, lambda d: d.sum(axis=(0, 2, 3)))
    assert any(d.shape[0] == 1 for d, in seen) and any(d.shape[2:] == (1, 1) for d, in seen)
    seen = _spy(check_conv_weight_grad, _torch_dw)
    assert any(k == 1 for _, _, k, _, _ in seen) and any(s > k for _, _, k, s, _ in seen)
    assert any(p >= k for _, _, k, _, p in seen) and any(x.shape[2] < k for x, _, k, _, _ in seen)
    seen = _spy(check_maxpool_backward, _torch_pool)
    assert any(k == 1 for *_, k, _ in seen) and any(s > k for *_, k, s in seen)
    seen = _spy(check_conv_input_grad, _torch_dx)
    assert any(w.shape[2] == 1 for _, w, _, _, _ in seen)
    assert any(s > w.shape[2] for _, w, _, s, _ in seen)
    assert all(p <= w.shape[2] - 1 for _, w, _, _, p in seen)


# --- the chapter's hidden solutions, run as they stand, on the whole domain of each question -----

def _solutions():
    from dlsg_utils.conv import conv2d_forward, conv2d_im2col, numerical_gradient

    namespace = {"np": np, "torch": torch, "F": F, "conv2d_im2col": conv2d_im2col,
                 "conv2d_forward": conv2d_forward, "conv2d_backward": conv2d_backward,
                 "numerical_gradient": numerical_gradient,
                 "rel_error": lambda a, b: np.linalg.norm(a - b) / max(
                     1e-300, np.linalg.norm(a) + np.linalg.norm(b))}
    return solution_cells_run("10", namespace, checkers=(
        "check_conv_bias_grad", "check_relu_grad", "check_conv_weight_grad",
        "check_maxpool_backward", "check_conv_input_grad"))


SOLUTIONS = _solutions()


def test_every_hidden_solution_passes_its_checker():
    for checker, name in [(check_conv_bias_grad, "conv_bias_grad"),
                          (check_relu_grad, "relu_grad"),
                          (check_conv_weight_grad, "conv_weight_grad"),
                          (check_maxpool_backward, "maxpool_backward"),
                          (check_conv_input_grad, "conv_input_grad")]:
        assert checker(SOLUTIONS[name], verbose=False), name


def _layer(data, padding_below_k):
    k, s = data.draw(st.integers(1, 5)), data.draw(st.integers(1, 6))
    p = data.draw(st.integers(0, k - 1 if padding_below_k else 5))
    H, W = (data.draw(st.integers(max(1, k - 2 * p), k + 8)) for _ in range(2))
    N, C, F_ = (data.draw(st.integers(1, 3)) for _ in range(3))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    return rng, k, s, p, (N, C, H, W), F_


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_solution_conv_weight_grad_is_autograds_for_any_stride_and_padding(data):
    rng, k, s, p, (N, C, H, W), F_ = _layer(data, padding_below_k=False)
    x = rng.normal(size=(N, C, H, W))
    dout = rng.normal(size=(N, F_, (H + 2 * p - k) // s + 1, (W + 2 * p - k) // s + 1))
    np.testing.assert_allclose(SOLUTIONS["conv_weight_grad"](x, dout, k, s, p),
                               _torch_dw(x, dout, k, s, p).numpy(), atol=1e-10)


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_solution_conv_input_grad_is_autograds_for_any_stride_and_padding_below_k(data):
    rng, k, s, p, x_shape, F_ = _layer(data, padding_below_k=True)
    N, C, H, W = x_shape
    w = rng.normal(size=(F_, C, k, k))
    dout = rng.normal(size=(N, F_, (H + 2 * p - k) // s + 1, (W + 2 * p - k) // s + 1))
    np.testing.assert_allclose(SOLUTIONS["conv_input_grad"](dout, w, x_shape, s, p),
                               _torch_dx(dout, w, x_shape, s, p).numpy(), atol=1e-10)


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_solution_maxpool_backward_is_torchs_for_any_window_and_stride_ties_included(data):
    k, s = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 5))
    N, C, OH, OW = (data.draw(st.integers(1, 3)) for _ in range(4))
    H, W = ((o - 1) * s + k + data.draw(st.integers(0, s - 1)) for o in (OH, OW))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    x = rng.integers(0, data.draw(st.sampled_from([2, 3, 1000])), size=(N, C, H, W)) * 1.0
    dout = rng.normal(size=(N, C, OH, OW))
    np.testing.assert_allclose(SOLUTIONS["maxpool_backward"](dout, x, k, s),
                               _torch_pool(dout, x, k, s).numpy(), atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=4), st.integers(0, 2**32 - 1))
def test_solutions_bias_and_relu_are_autograds_for_any_shape(shape, seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(-2, 3, size=shape) * 1.0  # exact zeros: the kink
    dout = rng.normal(size=shape)
    np.testing.assert_array_equal(SOLUTIONS["relu_grad"](dout, x), _autograd_relu(dout, x))
    d4 = rng.normal(size=(shape + [1, 1, 1])[:4])
    np.testing.assert_allclose(SOLUTIONS["conv_bias_grad"](d4), _autograd_bias(d4), atol=1e-12)


def test_investigate_solution_finds_the_step_that_balances_truncation_and_rounding():
    """The error falls as h² for large steps, grows as 1/h for small ones, and is smallest
    near eps^(1/3) ≈ 6e-6 (numerical_gradient's default step, 1e-6, is one decade away)."""
    import inspect

    from dlsg_utils.conv import numerical_gradient

    assert 1e-7 <= SOLUTIONS["best"] <= 1e-4
    assert abs(SOLUTIONS["big"] - 2) < 0.3 and abs(SOLUTIONS["small"] + 1) < 0.5
    assert inspect.signature(numerical_gradient).parameters["h"].default == 1e-6
