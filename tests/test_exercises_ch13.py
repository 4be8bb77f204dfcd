"""Chapter 13 checkers accept the reference and reject known-wrong answers with their hint."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from checker_harness import checker_tests

from dlsg_utils.exercises.resnet import (
    check_block_forward,
    check_resnet_params,
    check_shortcut_a,
)
from dlsg_utils.models import BasicBlock, ResNetCIFAR, count_parameters


def _block(x, c1, b1, c2, b2):
    return F.relu(b2(c2(F.relu(b1(c1(x))))) + x)


def _shortcut(x, out_channels, stride):
    sub = x[:, :, ::stride, ::stride]
    out = np.zeros((sub.shape[0], out_channels, *sub.shape[2:]))
    start = (out_channels - x.shape[1]) // 2
    out[:, start:start + x.shape[1]] = sub
    return out


def _params(n, width, num_classes):
    w, k = width, num_classes
    stem = 27 * w + 2 * w
    stage1 = n * (2 * 9 * w * w + 2 * 2 * w)
    stage2 = (9 * w * 2 * w + 2 * 2 * w) + (2 * n - 1) * (9 * 4 * w * w + 2 * 2 * w)
    stage3 = (9 * 2 * w * 4 * w + 2 * 4 * w) + (2 * n - 1) * (9 * 16 * w * w + 2 * 4 * w)
    return stem + stage1 + stage2 + stage3 + 4 * w * k + k


CASES = {
    check_block_forward: (
        _block,
        [(lambda x, c1, b1, c2, b2: F.relu(b2(c2(F.relu(b1(c1(x)))))) + x, "last ReLU before"),
         (lambda x, c1, b1, c2, b2: b2(c2(F.relu(b1(c1(x))))) + x, "final ReLU is missing"),
         (lambda x, c1, b1, c2, b2: F.relu(b2(c2(F.relu(b1(c1(x)))))), "shortcut is missing"),
         (lambda x, c1, b1, c2, b2: F.relu(b2(c2(b1(c1(x)))) + x), "ReLU inside F is missing"),
         (lambda x, c1, b1, c2, b2: F.relu(c2(F.relu(c1(x))) + x), "skipped the batch-norm")],
    ),
    check_shortcut_a: (
        _shortcut,
        [(lambda x, c, s: np.pad(x[:, :, ::s, ::s], ((0, 0), (0, c - x.shape[1]), (0, 0), (0, 0))),
          "appended all the zero channels"),
         (lambda x, c, s: np.pad(x[:, :, ::s, ::s], ((0, 0), (c - x.shape[1], 0), (0, 0), (0, 0))),
          "all the zero channels before"),
         (lambda x, c, s: _shortcut(x, c, 1), "did not subsample"),
         (lambda x, c, s: _shortcut(x[:, :, s - 1:, s - 1:], c, s), "second row and column")],
    ),
    check_resnet_params: (
        _params,
        [(lambda n, w, k: _params(n, w, k) - k, "bias of the final fully connected"),
         (lambda n, w, k: _params(n, w, k) - 29 * w, "first 3x3 convolution"),
         (lambda n, w, k: _params(6 * n + 2, w, k), "treated the argument as the depth"),
         (lambda n, w, k: _params(n, w, k) + 10 * w * w + 12 * w, "projection shortcuts"),
         (lambda n, w, k: _params(n, w, k) - 2 * w - 28 * n * w, "batch-norm parameters")],
    ),
}


(test_checker_accepts_the_reference,
 test_checker_rejects_a_known_mistake_with_its_hint,
 test_checker_reports_a_wrong_signature_without_raising,
 test_checker_reports_an_unattempted_stub) = checker_tests(CASES)


def test_package_basic_block_is_accepted_as_block_forward():
    def via_package(x, c1, b1, c2, b2):
        block = BasicBlock(x.shape[1], x.shape[1], 1, shortcut="A").eval()
        block.conv1, block.bn1, block.conv2, block.bn2 = c1, b1, c2, b2
        with torch.no_grad():
            return block(x)

    assert check_block_forward(via_package, verbose=False)


def test_package_option_a_shortcut_is_accepted():
    def via_package(x, out_channels, stride):
        block = BasicBlock(x.shape[1], out_channels, stride, shortcut="A")
        return block.shortcut(torch.from_numpy(x)).numpy()

    assert check_shortcut_a(via_package, verbose=False)


def test_counted_parameters_are_accepted():
    def counted(n, width, num_classes):
        return count_parameters(ResNetCIFAR(6 * n + 2, width=width, num_classes=num_classes))

    assert check_resnet_params(counted, verbose=False)


@pytest.mark.parametrize("depth, expected", [(20, 269_722), (32, 464_154), (44, 658_586),
                                             (56, 853_018), (110, 1_727_962)])
def test_resnet_parameter_formula_matches_the_reference_facts(depth, expected):
    assert _params((depth - 2) // 6, 16, 10) == expected
