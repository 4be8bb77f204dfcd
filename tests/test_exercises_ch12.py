"""Chapter 12 checkers accept the reference and reject known-wrong answers with their hint."""


import numpy as np
import torch
from checker_harness import checker_tests
from torch import nn

from dlsg_utils.exercises.alexnet import (
    check_activation_grads,
    check_grouped_conv_params,
    check_inverted_dropout,
)
from dlsg_utils.models import AlexNet, count_parameters


def _torch_out_size(i, k, s, p):
    return nn.Conv2d(1, 1, k, stride=s, padding=p)(torch.zeros(1, 1, i, i)).shape[-1]


def _torch_grouped_params(c_in, c_out, k, groups):
    return count_parameters(nn.Conv2d(c_in, c_out, k, groups=groups))


def _torch_grads(x):
    t = torch.tensor(x, requires_grad=True)
    torch.relu(t).sum().backward()
    relu = t.grad.clone()
    t.grad = None
    torch.tanh(t).sum().backward()
    return relu.numpy(), t.grad.numpy()


def _dropout(x, p, u):
    keep = u >= p
    return x * keep / (1 - p)


CASES = {
    check_grouped_conv_params: (
        _torch_grouped_params,
        [(lambda ci, co, k, g: co * ci * k * k + co, "you ignored the groups"),
         (lambda ci, co, k, g: co * ci // g * k * k, "you forgot the biases"),
         (lambda ci, co, k, g: co * ci // g * k * k + co // g, "add c_out, not c_out/g"),
         (lambda ci, co, k, g: co * ci // g ** 2 * k * k + co, "one group only"),
         (lambda ci, co, k, g: co * ci // g * k + co, "k² weights per input channel")],
    ),
    check_activation_grads: (
        _torch_grads,
        [(lambda x: (1.0 * (x >= 0), 1 - np.tanh(x) ** 2), "subgradient 0"),
         (lambda x: (np.maximum(x, 0), 1 - np.tanh(x) ** 2), "returned ReLU itself"),
         (lambda x: (1.0 * (x > 0), 1 - x ** 2), "not 1 − x²"),
         (lambda x: (1.0 * (x > 0), 1 - np.tanh(x)), "you forgot the square"),
         (lambda x: (1.0 * (x > 0), np.exp(-x) / (1 + np.exp(-x)) ** 2), "logistic sigmoid"),
         (lambda x: (1 - np.tanh(x) ** 2, 1.0 * (x > 0)), "wrong order")],
    ),
    check_inverted_dropout: (
        _dropout,
        [(lambda x, p, u: x * (u >= p), "did not rescale"),
         (lambda x, p, u: x * (u >= p) * (1 - p), "at *test* time"),
         (lambda x, p, u: x * (u >= p) / p, "not by the drop probability p"),
         (lambda x, p, u: x * (u < p) / (1 - p), "kept with probability 1 − p"),
         (lambda x, p, u: x / (1 - p), "dropped none")],
    ),
}


(test_checker_accepts_the_reference,
 test_checker_rejects_a_known_mistake_with_its_hint,
 test_checker_reports_a_wrong_signature_without_raising,
 test_checker_reports_an_unattempted_stub) = checker_tests(CASES)


def test_alexnet_conv1_and_conv2_match_the_exercise_formulas():
    # 227 -> 55 with 96 filters 11x11x3 stride 4: 34,944 parameters (cs231n); conv2 is grouped
    convs = [m for m in AlexNet(variant="paper").features if isinstance(m, nn.Conv2d)]
    conv1, conv2 = convs[0], convs[1]
    assert _torch_out_size(227, 11, 4, 0) == 55
    assert count_parameters(conv1) == 96 * 11 * 11 * 3 + 96 == 34_944
    assert count_parameters(conv2) == _torch_grouped_params(96, 256, 5, 2) == 307_456


def test_torch_dropout_is_inverted_dropout():
    torch.manual_seed(0)
    x = torch.randn(10_000)
    out = nn.Dropout(0.3).train()(x)
    kept = out != 0
    assert torch.allclose(out[kept], x[kept] / 0.7)
    assert abs(kept.float().mean().item() - 0.7) < 0.02
    assert torch.equal(nn.Dropout(0.3).eval()(x), x)
