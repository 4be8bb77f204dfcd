"""Chapter 10 checkers accept the reference and reject known-wrong answers with their hint."""

import numpy as np
import torch
import torch.nn.functional as F
from checker_harness import checker_tests

from dlsg_utils.conv import conv2d_backward, max_pool2d, max_pool2d_backward, relu_backward
from dlsg_utils.exercises.conv_layer import (
    check_conv_bias_grad,
    check_conv_weight_grad,
    check_maxpool_backward,
    check_relu_grad,
)


def _package_dw(x, dout):
    KH, KW = x.shape[2] - dout.shape[2] + 1, x.shape[3] - dout.shape[3] + 1
    w = np.zeros((dout.shape[1], x.shape[1], KH, KW))
    return conv2d_backward(dout, x, w)[1]


def _loop_dw(x, dout):
    N, C, H, W = x.shape
    _, Fo, OH, OW = dout.shape
    dw = np.zeros((Fo, C, H - OH + 1, W - OW + 1))
    for n in range(N):
        for f in range(Fo):
            for y in range(OH):
                for z in range(OW):
                    dw[f] += dout[n, f, y, z] * x[n, :, y : y + dw.shape[2], z : z + dw.shape[3]]
    return dw


def _package_pool(dout, x):
    return max_pool2d_backward(dout, max_pool2d(x, 2)[1])


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
        [(lambda x, d: _loop_dw(x, d)[:, :, ::-1, ::-1], "flipped by 180°"),
         (lambda x, d: _loop_dw(x, d).transpose(1, 0, 2, 3), "filters and channels are swapped"),
         (lambda x, d: _loop_dw(x[:1], d[:1]), "only the first example"),
         (lambda x, d: _loop_dw(x, d) / len(x), "averaged over the examples")],
    ),
    check_relu_grad: (
        lambda d, x: d * (x > 0),
        [(lambda d, x: d * (d > 0), "you gated by dout > 0"),
         (lambda d, x: d * (x >= 0), "subgradient 0"),
         (lambda d, x: (x > 0) * 1.0, "multiply it by dout"),
         (lambda d, x: d * (x > 0) * x, "local derivative of ReLU is 1")],
    ),
    check_maxpool_backward: (
        _package_pool,
        [(lambda d, x: d.repeat(2, 2).repeat(2, 3) / 4, "*average* pooling"),
         (lambda d, x: d.repeat(2, 2).repeat(2, 3), "copied dout to all four"),
         (lambda d, x: -_package_pool(-d, -x), "minimum"),
         (lambda d, x: _package_pool(np.ones_like(d), x), "mask of the maxima only")],
    ),
}


(test_checker_accepts_the_reference,
 test_checker_rejects_a_known_mistake_with_its_hint,
 test_checker_reports_a_wrong_signature_without_raising,
 test_checker_reports_an_unattempted_stub) = checker_tests(CASES)


def test_package_backward_passes_are_accepted_by_the_checkers():
    assert check_conv_bias_grad(lambda d: conv2d_backward(
        d, np.zeros((d.shape[0], 1, d.shape[2] + 2, d.shape[3] + 2)),
        np.zeros((d.shape[1], 1, 3, 3)))[2], verbose=False)
    assert check_conv_weight_grad(_package_dw, verbose=False)
    assert check_relu_grad(relu_backward, verbose=False)


def test_weight_grad_reference_equals_torch_autograd():
    def torch_dw(x, dout):
        KH, KW = x.shape[2] - dout.shape[2] + 1, x.shape[3] - dout.shape[3] + 1
        w = torch.zeros(dout.shape[1], x.shape[1], KH, KW, dtype=torch.float64, requires_grad=True)
        (F.conv2d(torch.from_numpy(x), w) * torch.from_numpy(dout)).sum().backward()
        return w.grad

    assert check_conv_weight_grad(torch_dw, verbose=False)


def test_maxpool_reference_equals_torch_autograd():
    def torch_pool(dout, x):
        t = torch.tensor(x, requires_grad=True)
        (F.max_pool2d(t, 2) * torch.from_numpy(dout)).sum().backward()
        return t.grad

    assert check_maxpool_backward(torch_pool, verbose=False)
