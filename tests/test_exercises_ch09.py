"""Chapter 9 checkers accept the reference and reject known-wrong answers with their hint."""

import math

import torch
from checker_harness import checker_tests

from dlsg_utils.conv import conv_output_size, receptive_field
from dlsg_utils.exercises.arithmetic import (
    check_conv_output_size,
    check_conv_params,
    check_receptive_field_of_stack,
    check_same_padding,
)


def _torch_params(c_in, c_out, k, bias=True):
    return sum(p.numel() for p in torch.nn.Conv2d(c_in, c_out, k, bias=bias).parameters())


CASES = {
    check_conv_output_size: (
        conv_output_size,
        [(lambda i, k, s, p, d: math.ceil((i + 2 * p - d * (k - 1) - 1) / s) + 1, "rounded up"),
         (lambda i, k, s, p, d: (i + 2 * p - k) // s + 1, "forgot the dilation"),
         (lambda i, k, s, p, d: (i + p - d * (k - 1) - 1) // s + 1, "both* sides"),
         (lambda i, k, s, p, d: (i + 2 * p - d * (k - 1) - 1) // s, "off by one"),
         (lambda i, k, s, p, d: i + 2 * p - d * (k - 1), "ignored the stride")],
    ),
    check_same_padding: (
        lambda k, d: d * (k - 1) // 2,
        [(lambda k, d: k // 2, "forgot the dilation"),
         (lambda k, d: d * (k - 1), "*full* padding"),
         (lambda k, d: d * k // 2, "off by one inside")],
    ),
    check_conv_params: (
        _torch_params,
        [(lambda ci, co, k, b: co * k * k * ci, "forgot the bias"),
         (lambda ci, co, k, b: co * k * k + (co if b else 0), "forgot the input channels"),
         (lambda ci, co, k, b: co * k * k * ci + co, "bias=False means no bias"),
         (lambda ci, co, k, b: co * k * k * ci + (ci if b else 0), "per *output* channel")],
    ),
    check_receptive_field_of_stack: (
        lambda n, k: receptive_field([(k, 1)] * n),
        [(lambda n, k: n * k, "overlap"),
         (lambda n, k: n * (k - 1), "start from r = 1"),
         (lambda n, k: k**n, "additively"),
         (lambda n, k: 1 + (n - 1) * (k - 1), "including the first")],
    ),
}


(test_checker_accepts_the_reference,
 test_checker_rejects_a_known_mistake_with_its_hint,
 test_checker_reports_a_wrong_signature_without_raising,
 test_checker_reports_an_unattempted_stub) = checker_tests(CASES)


def test_same_padding_reference_keeps_the_size_in_torch():
    x = torch.zeros(1, 1, 11, 11)
    for k in (1, 3, 5, 7):
        for d in (1, 2, 3):
            conv = torch.nn.Conv2d(1, 1, k, padding=d * (k - 1) // 2, dilation=d)
            assert conv(x).shape[-1] == 11


def test_conv_params_reference_counts_torch_parameters_with_and_without_bias():
    assert check_conv_params(_torch_params, verbose=False)
    assert _torch_params(3, 6, 5) == 456
