"""dlsg_utils.conv: convolution, pooling and ReLU, forward and backward, against torch (float64)."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from dlsg_utils.conv import (
    ConvCache,
    avg_pool2d,
    avg_pool2d_backward,
    col2im,
    conv2d_backward,
    conv2d_backward_naive,
    conv2d_einsum,
    conv2d_fft,
    conv2d_forward,
    conv2d_im2col,
    conv2d_naive,
    im2col,
    max_pool2d,
    max_pool2d_backward,
    numerical_gradient,
    relu_backward,
    relu_forward,
)

FORWARDS = [conv2d_naive, conv2d_im2col, conv2d_einsum, conv2d_fft]
BACKWARDS = [conv2d_backward, conv2d_backward_naive]
FAST = settings(max_examples=40, deadline=None)


def pairs(lo, hi):
    """(h, w) hyper-parameters, often equal on both axes."""
    same = st.integers(lo, hi).map(lambda v: (v, v))
    return st.one_of(same, st.tuples(st.integers(lo, hi), st.integers(lo, hi)))


def _as_param(pair):
    """Pass a hyper-parameter as an int when both axes agree, else as an (h, w) pair."""
    return pair[0] if pair[0] == pair[1] else pair


@st.composite
def conv_cases(draw, max_size=9):
    """A random valid configuration: arrays x, w, b and stride/padding/dilation (int or pair)."""
    N, C, Fo = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kernel, stride = draw(pairs(1, 4)), draw(pairs(1, 3))
    padding, dilation = draw(pairs(0, 2)), draw(pairs(1, 3))
    size = []
    for k, p, d in zip(kernel, padding, dilation, strict=True):  # height, then width
        smallest = max(1, d * (k - 1) + 1 - 2 * p)  # the dilated kernel must fit
        size.append(draw(st.integers(smallest, max(smallest, max_size))))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.normal(size=(N, C, *size))
    w = rng.normal(size=(Fo, C, *kernel))
    b = rng.normal(size=Fo) if draw(st.booleans()) else None
    hyper = {
        "stride": _as_param(stride),
        "padding": _as_param(padding),
        "dilation": _as_param(dilation),
    }
    return x, w, b, hyper


def _t(a, grad=False):
    return None if a is None else torch.tensor(a, requires_grad=grad)


@pytest.mark.parametrize("conv", FORWARDS, ids=lambda f: f.__name__)
@FAST
@given(case=conv_cases())
def test_forward_equals_torch_conv2d_in_float64(conv, case):
    x, w, b, hyper = case
    expected = F.conv2d(_t(x), _t(w), _t(b), **hyper).numpy()
    out = conv(x, w, b, **hyper)
    assert out.shape == expected.shape and out.dtype == np.float64
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-10)


@pytest.mark.parametrize("conv", FORWARDS, ids=lambda f: f.__name__)
def test_forward_keeps_float32_and_matches_torch_float32(conv):
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=(2, 3, 8, 7)).astype(np.float32), rng.normal(size=(4, 3, 3, 3))
    w, b = w.astype(np.float32), rng.normal(size=4).astype(np.float32)
    out = conv(x, w, b, stride=2, padding=1)
    assert out.dtype == np.float32
    expected = F.conv2d(_t(x), _t(w), _t(b), stride=2, padding=1).numpy()
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-4)  # oneDNN float32 rounding


@pytest.mark.parametrize("conv", FORWARDS, ids=lambda f: f.__name__)
def test_slide_example_gives_4_3_4_2_4_3_2_3_4(conv):
    image = np.array(
        [[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]]
    )
    kernel = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]])
    out = conv(image[None, None], kernel[None, None])
    np.testing.assert_allclose(out[0, 0], [[4, 3, 4], [2, 4, 3], [2, 3, 4]], atol=1e-12)
    assert out.dtype == np.float64  # integer inputs are computed in float64


def test_alexnet_conv1_gives_55x55x96_and_im2col_363x3025():
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(1, 3, 227, 227)), rng.normal(size=(96, 3, 11, 11)), np.zeros(96)
    cols = im2col(x, 11, 11, stride=4)
    assert cols.shape == (363, 3025)  # X_col: 11·11·3 rows, 55·55 columns
    assert w.reshape(96, -1).shape == (96, 363)  # W_row
    assert w.size + b.size == 34_944  # parameters with sharing
    out = conv2d_im2col(x, w, b, stride=4)
    assert out.shape == (1, 96, 55, 55)
    np.testing.assert_allclose(out, F.conv2d(_t(x), _t(w), stride=4).numpy(), atol=1e-10)


def test_im2col_column_holds_one_window_in_w_reshape_order():
    x = np.arange(2 * 3 * 6 * 7, dtype=float).reshape(2, 3, 6, 7)
    cols = im2col(x, 2, 3, stride=2, padding=1, dilation=(1, 2))  # OH = 4, OW = 3
    assert cols.shape == (3 * 2 * 3, 2 * 4 * 3)
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    n, y, z = 1, 2, 1
    window = xp[n, :, 2 * y : 2 * y + 2, 2 * z : 2 * z + 5 : 2]  # (C, KH, KW)
    np.testing.assert_array_equal(cols[:, (n * 4 + y) * 3 + z], window.ravel())


@FAST
@given(case=conv_cases(), seed=st.integers(0, 2**32 - 1))
def test_col2im_is_the_adjoint_of_im2col(case, seed):
    x, w, _, hyper = case
    cols = im2col(x, *w.shape[2:], **hyper)
    c = np.random.default_rng(seed).normal(size=cols.shape)
    back = col2im(c, x.shape, *w.shape[2:], **hyper)
    assert back.shape == x.shape
    assert np.sum(cols * c) == pytest.approx(np.sum(x * back), rel=1e-10, abs=1e-10)


def test_col2im_of_ones_counts_windows_and_misses_the_odd_last_row():
    # i = 6, k = 3, s = 2, p = 0: windows start at 0 and 2, so input row/column 5 is never read
    # (with p = 1, Dumoulin & Visin's odd case, it is the last padding row that is skipped).
    counts = col2im(np.ones((9, 4)), (1, 1, 6, 6), 3, 3, stride=2)[0, 0]
    assert np.all(counts[-1] == 0) and np.all(counts[:, -1] == 0)
    assert counts[2, 2] == 4 and counts[0, 0] == 1  # shared by 2x2 windows / by one window
    assert np.all(col2im(np.ones((9, 9)), (1, 1, 6, 6), 3, 3, stride=2, padding=1) > 0)


@pytest.mark.parametrize("backward", BACKWARDS, ids=lambda f: f.__name__)
@settings(max_examples=30, deadline=None)
@given(case=conv_cases(max_size=8), seed=st.integers(0, 2**32 - 1))
def test_backward_equals_torch_autograd_in_float64(backward, case, seed):
    x, w, b, hyper = case
    xt, wt = _t(x, grad=True), _t(w, grad=True)
    bt = (
        torch.zeros(w.shape[0], dtype=torch.float64, requires_grad=True)
        if b is None
        else _t(b, grad=True)
    )
    out = F.conv2d(xt, wt, bt, **hyper)
    dout = np.random.default_rng(seed).normal(size=out.shape)
    out.backward(torch.tensor(dout))
    dx, dw, db = backward(dout, ConvCache(x, w, **hyper))
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(dw, wt.grad.numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(db, bt.grad.numpy(), rtol=0, atol=1e-10)


@pytest.mark.parametrize("dilation", [1, 2])
def test_backward_passes_numerical_gradient_check(dilation):
    rng = np.random.default_rng(dilation)
    x, w, b = rng.normal(size=(2, 2, 5, 6)), rng.normal(size=(3, 2, 2, 3)), rng.normal(size=3)
    hyper = {"stride": 2, "padding": 1, "dilation": dilation}
    dout = rng.normal(size=conv2d_im2col(x, w, b, **hyper).shape)

    def loss(x_, w_, b_):  # L = Σ dout · conv(x, w, b), so ∂L/∂out = dout
        return np.sum(dout * conv2d_naive(x_, w_, b_, **hyper))

    dx, dw, db = conv2d_backward(dout, conv2d_forward(x, w, b, **hyper)[1])
    np.testing.assert_allclose(
        dx, numerical_gradient(lambda v: loss(v, w, b), x), rtol=1e-6, atol=1e-8
    )
    np.testing.assert_allclose(
        dw, numerical_gradient(lambda v: loss(x, v, b), w), rtol=1e-6, atol=1e-8
    )
    np.testing.assert_allclose(
        db, numerical_gradient(lambda v: loss(x, w, v), b), rtol=1e-6, atol=1e-8
    )


def test_numerical_gradient_of_a_cubic_is_accurate_and_leaves_x_alone():
    x = np.array([[0.5, -1.0], [2.0, 3.0]])
    copy = x.copy()
    grad = numerical_gradient(lambda v: np.sum(v**3), x)
    np.testing.assert_allclose(grad, 3 * x**2, rtol=1e-8)
    np.testing.assert_array_equal(x, copy)


def test_functions_do_not_modify_their_inputs():
    rng = np.random.default_rng(1)
    x, w, b = rng.normal(size=(2, 2, 6, 6)), rng.normal(size=(3, 2, 3, 3)), rng.normal(size=3)
    dout = rng.normal(size=(2, 3, 3, 3))
    copies = [a.copy() for a in (x, w, b, dout)]
    for conv in FORWARDS:
        conv(x, w, b, stride=2, padding=1)
    for backward in BACKWARDS:
        backward(dout, ConvCache(x, w, stride=2, padding=1))
    for a, c in zip((x, w, b, dout), copies, strict=True):
        np.testing.assert_array_equal(a, c)


POOL_CASES = [(2, None), (3, 2), (2, 3), (3, 1), ((2, 3), (1, 2))]


@pytest.mark.parametrize(("k", "s"), POOL_CASES)
@pytest.mark.parametrize(
    ("ours", "ours_backward", "theirs"),
    [
        (max_pool2d, max_pool2d_backward, F.max_pool2d),
        (avg_pool2d, avg_pool2d_backward, F.avg_pool2d),
    ],
    ids=["max", "avg"],
)
def test_pooling_forward_and_backward_equal_torch(ours, ours_backward, theirs, k, s):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3, 9, 8))
    xt = _t(x, grad=True)
    expected = theirs(xt, k, s)
    out, cache = ours(x, k, s)
    np.testing.assert_allclose(out, expected.detach().numpy(), rtol=0, atol=1e-12)
    dout = rng.normal(size=out.shape)
    expected.backward(torch.tensor(dout))
    np.testing.assert_allclose(ours_backward(dout, cache), xt.grad.numpy(), rtol=0, atol=1e-12)


def test_max_pool_routes_each_gradient_to_one_input_and_breaks_ties_like_torch():
    x = np.random.default_rng(2).integers(0, 2, size=(2, 2, 8, 8)).astype(float)  # many ties
    out, cache = max_pool2d(x, 2)
    dout = np.arange(1.0, out.size + 1).reshape(out.shape)
    dx = max_pool2d_backward(dout, cache)
    assert np.count_nonzero(dx) == out.size  # non-overlapping windows: one winner each
    assert dx.sum() == dout.sum()
    xt = _t(x, grad=True)
    F.max_pool2d(xt, 2).backward(torch.tensor(dout))
    np.testing.assert_array_equal(dx, xt.grad.numpy())
    out3, cache3 = max_pool2d(x, 3, 2)  # overlapping windows: a shared maximum collects both
    xt.grad = None
    F.max_pool2d(xt, 3, 2).backward(torch.ones(out3.shape, dtype=torch.float64))
    np.testing.assert_array_equal(max_pool2d_backward(np.ones(out3.shape), cache3), xt.grad.numpy())


def test_avg_pool_shares_the_gradient_equally():
    _, cache = avg_pool2d(np.zeros((1, 1, 4, 4)), 2)
    np.testing.assert_array_equal(
        avg_pool2d_backward(np.ones((1, 1, 2, 2)), cache), np.full((1, 1, 4, 4), 0.25)
    )


def test_relu_forward_and_backward_equal_torch():
    x = np.array([[-2.0, -0.0, 0.0, 0.5, 3.0]])
    xt = _t(x, grad=True)
    torch.relu(xt).backward(torch.ones_like(xt))
    np.testing.assert_array_equal(relu_forward(x)[0], torch.relu(xt).detach().numpy())
    np.testing.assert_array_equal(relu_backward(np.ones_like(x), relu_forward(x)[1]), xt.grad.numpy())


_X, _W = np.zeros((1, 3, 4, 4)), np.zeros((2, 3, 3, 3))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda f: f(_X, _W, stride=0), "stride must be a positive int, got 0"),
        (lambda f: f(_X, _W, stride=1.5), "stride must be a positive int, got 1.5"),
        (lambda f: f(_X, _W, stride=True), "stride must be a positive int, got True"),
        (
            lambda f: f(_X, _W, stride=(1, 2, 3)),
            r"stride must be an int or a pair of ints \(h, w\)",
        ),
        (lambda f: f(_X, _W, padding=-1), "padding must be a non-negative int, got -1"),
        (lambda f: f(_X, _W, dilation=0), "dilation must be a positive int, got 0"),
        (
            lambda f: f(_X, np.zeros((2, 3, 5, 5))),
            r"kernel \(5x5, dilated 5x5\) is larger than the padded input \(4x4\)",
        ),
        (
            lambda f: f(_X, _W, dilation=(1, 2)),
            r"kernel \(3x3, dilated 3x5\) is larger than the padded input \(4x4\)",
        ),
        (lambda f: f(_X, np.zeros((2, 4, 3, 3))), "x has 3 channels but w expects 4"),
        (lambda f: f(_X[0], _W), r"x must be 4-D \(N, C, H, W\), got shape \(3, 4, 4\)"),
        (lambda f: f(_X, _W[0]), r"w must be 4-D \(F, C, KH, KW\), got shape \(3, 3, 3\)"),
        (lambda f: f(_X, _W, np.zeros(3)), r"b must have shape \(F,\) = \(2,\), got \(3,\)"),
        (lambda f: f(_X.astype(complex), _W), "x must hold real numbers, got dtype complex128"),
    ],
)
@pytest.mark.parametrize("conv", FORWARDS, ids=lambda f: f.__name__)
def test_bad_configurations_raise_value_error_naming_expected_and_received(conv, call, message):
    with pytest.raises(ValueError, match=message):
        call(conv)


@pytest.mark.parametrize("backward", BACKWARDS, ids=lambda f: f.__name__)
def test_backward_rejects_dout_of_the_wrong_shape(backward):
    with pytest.raises(
        ValueError,
        match=r"dout must have the output's shape .* = \(1, 2, 2, 2\), "
        r"got \(1, 2, 3, 3\)",
    ):
        backward(np.zeros((1, 2, 3, 3)), ConvCache(_X, _W))


def test_im2col_col2im_and_pooling_reject_bad_arguments():
    with pytest.raises(ValueError, match="kh must be a positive int, got 0"):
        im2col(_X, 0, 3)
    with pytest.raises(ValueError, match=r"cols must have shape .* = \(27, 4\), got \(27, 5\)"):
        col2im(np.zeros((27, 5)), (1, 3, 4, 4), 3, 3)
    with pytest.raises(ValueError, match=r"pool window \(5x5\) is larger than the input \(4x4\)"):
        max_pool2d(_X, 5)
    with pytest.raises(ValueError, match=r"s \(the stride\) must be a positive int, got 0"):
        avg_pool2d(_X, 2, 0)
    with pytest.raises(ValueError, match=r"k \(the pool size\) must be a positive int, got 0"):
        max_pool2d(_X, 0)
    _, cache = max_pool2d(_X, 2)
    with pytest.raises(ValueError, match=r"dout must have the output's shape"):
        max_pool2d_backward(np.zeros((1, 3, 3, 3)), cache)


# --- issue 25: non-finite pixels, empty batches, no filters ---------------------------------------

@pytest.mark.parametrize(("stride", "padding", "dilation"),
                         [(1, 0, 1), (2, 1, 1), (1, 2, 2), ((2, 1), (1, 0), (1, 2))])
def test_fft_puts_nan_and_inf_only_where_torch_does(stride, padding, dilation):
    """One bad pixel must not spread through the whole FFT of its image."""
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(2, 3, 9, 10)), rng.normal(size=(4, 3, 3, 3)), rng.normal(size=4)
    x[0, 1, 4, 5] = np.nan
    x[1, 0, 0, 0] = np.inf
    x[1, 2, 8, 9], x[1, 1, 8, 9] = -np.inf, np.inf  # inf − inf in one window: NaN
    ours = conv2d_fft(x, w, b, stride, padding, dilation)
    ref = F.conv2d(*map(torch.tensor, (x, w, b)), stride, padding, dilation).numpy()
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(ref))
    np.testing.assert_array_equal(np.isposinf(ours), np.isposinf(ref))
    np.testing.assert_array_equal(np.isneginf(ours), np.isneginf(ref))
    assert 0 < np.isnan(ref).sum() < ref.size // 4  # a few outputs, not all of them
    finite = np.isfinite(ref)
    np.testing.assert_allclose(ours[finite], ref[finite], atol=1e-10)


@pytest.mark.parametrize("conv", FORWARDS)
def test_no_filters_is_an_error_as_in_torch(conv):
    with pytest.raises(RuntimeError):
        F.conv2d(torch.zeros(1, 1, 5, 5), torch.zeros(0, 1, 3, 3))
    with pytest.raises(ValueError, match=r"w must hold at least one filter \(F >= 1\)"):
        conv(np.zeros((1, 1, 5, 5)), np.zeros((0, 1, 3, 3)))


@pytest.mark.parametrize(("ours", "ours_backward", "theirs"),
                         [(max_pool2d, max_pool2d_backward, F.max_pool2d),
                          (avg_pool2d, avg_pool2d_backward, F.avg_pool2d)])
def test_pooling_an_empty_batch_gives_an_empty_output_as_torch(ours, ours_backward, theirs):
    out, cache = ours(np.zeros((0, 2, 4, 4)), 2)
    assert out.shape == tuple(theirs(torch.zeros(0, 2, 4, 4), 2).shape) == (0, 2, 2, 2)
    assert ours_backward(out, cache).shape == (0, 2, 4, 4)


def test_pooling_backward_names_a_cache_that_is_not_one():
    with pytest.raises(TypeError, match="cache must be the PoolCache that avg_pool2d returned"):
        avg_pool2d_backward(np.zeros((1, 1, 2, 2)), None)
    _, avg_cache = avg_pool2d(np.zeros((1, 1, 4, 4)), 2)
    with pytest.raises(ValueError, match="cache must come from max_pool2d"):
        max_pool2d_backward(np.zeros((1, 1, 2, 2)), avg_cache)
