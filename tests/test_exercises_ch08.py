"""Chapter 8 checkers accept the reference and reject known-wrong answers with their hint."""

import numpy as np
import torch
from checker_harness import checker_tests

from dlsg_utils.conv import conv_output_size
from dlsg_utils.exercises.convolution import (
    check_conv1d,
    check_conv2d_single,
    check_output_length,
)


def _loop_conv1d(f, g):
    out = np.zeros(len(f) + len(g) - 1)
    for n in range(len(out)):
        for m in range(len(f)):
            if 0 <= n - m < len(g):
                out[n] += f[m] * g[n - m]
    return out


def _xcorr(image, kernel):
    H, W = image.shape
    kh, kw = kernel.shape
    return np.array([[np.sum(image[y : y + kh, z : z + kw] * kernel) for z in range(W - kw + 1)]
                     for y in range(H - kh + 1)])


def _torch_xcorr(image, kernel):
    return torch.nn.functional.conv2d(torch.as_tensor(image)[None, None],
                                      torch.as_tensor(kernel)[None, None])[0, 0]


CASES = {
    check_conv1d: (
        _loop_conv1d,
        [(lambda f, g: _loop_conv1d(f, g[::-1]), "no flip"),
         (lambda f, g: np.correlate(f, g, mode="full"), "no flip"),
         (lambda f, g: np.convolve(f, g, mode="valid"), "'valid' part"),
         (lambda f, g: _loop_conv1d(f, g)[:-1], "last entry is missing")],
    ),
    check_conv2d_single: (
        _xcorr,
        [(lambda im, k: _xcorr(im, k[::-1, ::-1]), "you flipped the kernel"),
         (lambda im, k: _xcorr(im, k)[:-1, :-1], "off by one"),
         (lambda im, k: _xcorr(im, k).T, "transposed"),
         (lambda im, k: _xcorr(im, k.T), "you transposed the kernel")],
    ),
    check_output_length: (
        lambda n, k, s, p: conv_output_size(n, k, s, p),
        [(lambda n, k, s, p: -(-(n + 2 * p - k) // s) + 1, "rounded up"),
         (lambda n, k, s, p: (n + 2 * p - k) // s, "off by one"),
         (lambda n, k, s, p: (n + p - k) // s + 1, "both* sides"),
         (lambda n, k, s, p: n + 2 * p - k + 1, "ignored the stride")],
    ),
}


(test_checker_accepts_the_reference,
 test_checker_rejects_a_known_mistake_with_its_hint,
 test_checker_reports_a_wrong_signature_without_raising,
 test_checker_reports_an_unattempted_stub) = checker_tests(CASES)


def test_conv2d_single_reference_is_torch_cross_correlation():
    assert check_conv2d_single(lambda im, k: _torch_xcorr(im, k), verbose=False)


def test_conv1d_accepts_the_hand_loop_and_rejects_np_correlate():
    assert check_conv1d(_loop_conv1d, verbose=False)
    assert not check_conv1d(lambda f, g: np.correlate(f, g, mode="full"), verbose=False)
