"""dlsg_utils.conv arithmetic: output sizes and receptive fields, against torch's shapes."""

import itertools

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from dlsg_utils.conv import (
    conv_output_size,
    conv_transpose_output_size,
    dilated_kernel_size,
    pool_output_size,
    receptive_field,
    transpose_output_padding,
)

# The grid of REFERENCE_FACTS: i ≤ 13, k ≤ 5, s ≤ 3, p ≤ 3, d ≤ 3 (2,340 configurations).
GRID = list(itertools.product(range(1, 14), range(1, 6), range(1, 4), range(4), range(1, 4)))


def _zeros(*shape):
    return torch.zeros(shape, dtype=torch.float64)


def _torch_conv_size(i, k, s, p, d):
    """Output height of torch's Conv2d, or None where torch refuses the configuration."""
    try:
        return F.conv2d(
            _zeros(1, 1, i, i + 1), _zeros(1, 1, k, k), stride=s, padding=p, dilation=d
        ).shape[2]
    except RuntimeError:
        return None


def test_conv_output_size_equals_torch_conv2d_over_the_grid():
    valid = 0
    for i, k, s, p, d in GRID:
        expected = _torch_conv_size(i, k, s, p, d)
        if expected is None:
            with pytest.raises(ValueError, match="larger than the padded input"):
                conv_output_size(i, k, s, p, d)
        else:
            assert conv_output_size(i, k, s, p, d) == expected, (i, k, s, p, d)
            valid += 1
    assert valid == 1953  # the rest (387) both torch and we refuse: kernel larger than input


@pytest.mark.parametrize("pool", [F.max_pool2d, F.avg_pool2d], ids=["max", "avg"])
def test_pool_output_size_equals_torch_pooling(pool):
    for i, k, s in itertools.product(range(1, 14), range(1, 6), range(1, 4)):
        if k > i:
            with pytest.raises(ValueError, match="larger than the input"):
                pool_output_size(i, k, s)
            continue
        assert (
            pool_output_size(i, k, s)
            == pool(_zeros(1, 1, i, i), k, s).shape[2]
            == (conv_output_size(i, k, s))
        )
    assert pool_output_size(13, 2) == pool(_zeros(1, 1, 13, 13), 2).shape[2] == 6  # s = k


def test_transposed_conv_with_output_padding_recovers_the_input_size():
    for i, k, s, p, d in GRID:
        if _torch_conv_size(i, k, s, p, d) is None:
            continue
        o = conv_output_size(i, k, s, p, d)
        a = transpose_output_padding(i, k, s, p, d)
        assert 0 <= a < s
        out = F.conv_transpose2d(
            _zeros(1, 1, o, o),
            _zeros(1, 1, k, k),
            stride=s,
            padding=p,
            output_padding=a,
            dilation=d,
        )
        assert out.shape[2] == conv_transpose_output_size(o, k, s, p, d, a) == i, (i, k, s, p, d)


def test_conv_transpose_output_size_equals_torch_for_every_allowed_output_padding():
    for i, k, s, p, d in GRID:
        for a in range(max(s, d)):  # torch allows output_padding < stride or < dilation
            try:
                expected = F.conv_transpose2d(
                    _zeros(1, 1, i, i),
                    _zeros(1, 1, k, k),
                    stride=s,
                    padding=p,
                    output_padding=a,
                    dilation=d,
                ).shape[2]
            except RuntimeError:
                expected = None  # negative size
            if not expected:  # torch returns an empty tensor for size 0; we refuse it too
                with pytest.raises(ValueError, match="output size would be"):
                    conv_transpose_output_size(i, k, s, p, d, a)
            else:
                assert conv_transpose_output_size(i, k, s, p, d, a) == expected


def test_strided_convolution_maps_several_input_sizes_to_one_output_size():
    assert {conv_output_size(i, 3, 2) for i in (7, 8)} == {3}
    assert [transpose_output_padding(i, 3, 2) for i in (7, 8)] == [0, 1]
    assert [conv_transpose_output_size(3, 3, 2, output_padding=a) for a in (0, 1)] == [7, 8]


@pytest.mark.parametrize("k", [1, 3, 5, 7])
def test_special_cases_of_dumoulin_and_visin(k):
    i = 11
    assert conv_output_size(i, k) == i - k + 1  # no padding, unit stride
    assert conv_output_size(i, k, p=k // 2) == i  # half ("same") padding
    assert conv_output_size(i, k, p=k - 1) == i + k - 1  # full padding
    assert dilated_kernel_size(k, 2) == k + (k - 1)


def test_book_examples():
    assert conv_output_size(32, 5) == 28  # 32x32x3 image, 5x5x3 filter → 28x28
    assert conv_output_size(227, 11, s=4) == 55  # AlexNet conv1
    assert conv_output_size(6, 3, 2, 1) == 3  # Dumoulin & Visin's odd case
    assert conv_output_size(7, 3, d=2) == 3  # dilation: i = 7, k = 3, d = 2
    assert conv_output_size(5, 4, p=2) == 6  # arbitrary padding


def test_three_stacked_3x3_convolutions_see_7x7():
    assert receptive_field([(3, 1)] * 3) == 7
    assert receptive_field([(7, 1)]) == 7
    assert receptive_field([]) == 1
    assert receptive_field([(3, 1, 2), (3, 1, 4)]) == 13  # dilated stack: 1 + 4 + 8
    assert receptive_field([(11, 4), (3, 2), (5, 1)]) == 51  # AlexNet conv1, pool1, conv2


@st.composite
def stacks(draw):
    layers = draw(
        st.lists(
            st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(1, 2)),
            min_size=1,
            max_size=4,
        )
    )
    return [layer if layer[2] > 1 or draw(st.booleans()) else layer[:2] for layer in layers]


@settings(max_examples=40, deadline=None)
@given(layers=stacks())
def test_receptive_field_equals_the_input_region_that_moves_one_output_in_torch(layers):
    r = receptive_field(layers)
    size = r + 16  # large enough for at least one output unit after every layer
    x = torch.zeros(1, 1, size, size, dtype=torch.float64, requires_grad=True)
    h = x
    for layer in layers:
        k, s, d = (*layer, 1)[:3]
        h = F.conv2d(h, torch.ones(1, 1, k, k, dtype=torch.float64), stride=s, dilation=d)
    h[0, 0, 0, 0].backward()
    rows = torch.nonzero(x.grad[0, 0].abs().sum(1)).flatten()
    assert rows.max().item() - rows.min().item() + 1 == r


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: conv_output_size(5, 3, s=0), "stride must be a positive int, got 0"),
        (lambda: conv_output_size(5, 3, p=-1), "padding must be a non-negative int, got -1"),
        (lambda: conv_output_size(5, 3, d=0), "dilation must be a positive int, got 0"),
        (lambda: conv_output_size(0, 3), "input size must be a positive int, got 0"),
        (lambda: conv_output_size(5, 2.0), "kernel size must be a positive int, got 2.0"),
        (
            lambda: conv_output_size(4, 3, d=2),
            r"kernel \(3, dilated 5\) is larger than the padded input \(4\)",
        ),
        (lambda: pool_output_size(3, 4), r"pool window \(4\) is larger than the input \(3\)"),
        (
            lambda: conv_transpose_output_size(3, 3, s=2, output_padding=2),
            r"output_padding must be smaller than stride or dilation \(2\), got 2",
        ),
        (lambda: conv_transpose_output_size(1, 1, p=1), "output size would be -1"),
        (lambda: receptive_field([(3,)]), r"layer 0 must be \(kernel, stride\) or"),
        (lambda: receptive_field([(3, 1), (3, 0)]), "stride must be a positive int, got 0"),
    ],
)
def test_bad_arguments_raise_value_error_naming_expected_and_received(call, message):
    with pytest.raises(ValueError, match=message):
        call()
