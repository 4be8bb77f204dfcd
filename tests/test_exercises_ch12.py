"""Chapter 12 checkers accept the reference and reject known-wrong answers with their hint."""

import math

import numpy as np
import pytest
import torch
from checker_harness import checker_tests, solution_function
from torch import nn

from dlsg_utils.exercises.ch12_alexnet import (
    _case_cost,
    _conv_cost,
    check_activation_grads,
    check_conv_layer_cost,
    check_inverted_dropout,
    check_predict_with_mirror,
    check_receptive_field,
)
from dlsg_utils.exercises.receptive import _case_rf, _receptive_field
from dlsg_utils.models import AlexNet, count_parameters, summary


def _torch_cost(i, c_in, c_out, k, stride, padding, groups):
    conv = nn.Conv2d(c_in, c_out, k, stride, padding, groups=groups)
    o = conv(torch.zeros(1, c_in, i, i)).shape[-1]
    return o, count_parameters(conv), o * o * conv.weight.numel()


def _torchinfo_cost(i, c_in, c_out, k, stride, padding, groups):
    # the convention torchinfo prints: every parameter, biases included, once per position
    conv = nn.Conv2d(c_in, c_out, k, stride, padding, groups=groups)
    stats = summary(conv, (c_in, i, i))
    return stats.summary_list[0].output_size[-1], stats.total_params, stats.total_mult_adds


def _floor_out(i, k, s, p):
    return (i + 2 * p - k) // s + 1


def _rf(layers):
    r, jump = 1, 1
    for k, s in layers:
        r, jump = r + (k - 1) * jump, jump * s
    return r


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


def _mirror_in_one_batch(net, X):
    # a different but correct route: one forward pass over both views, probabilities averaged
    net.eval()
    with torch.no_grad():
        probs = torch.softmax(net(torch.cat([X, torch.flip(X, dims=[3])])), dim=1)
    return 0.5 * (probs[:len(X)] + probs[len(X):])


def _mirror_in_train_mode(net, X):
    return (torch.softmax(net(X), 1) + torch.softmax(net(X.flip(-1)), 1)) / 2


CASES = {
    check_conv_layer_cost: (
        _torch_cost,
        [(lambda i, ci, co, k, s, p, g: (-(-(i + 2 * p - k) // s) + 1,
                                         co * ci // g * k * k + co,
                                         (-(-(i + 2 * p - k) // s) + 1) ** 2 * co * ci // g * k * k),
          "cuda-convnet's rule"),
         (lambda i, ci, co, k, s, p, g: ((i - k) // s + 1, co * ci // g * k * k + co,
                                         ((i - k) // s + 1) ** 2 * co * ci // g * k * k),
          "you forgot the padding"),
         (lambda i, ci, co, k, s, p, g: (_floor_out(i, k, s, p), co * ci * k * k + co,
                                         _floor_out(i, k, s, p) ** 2 * co * ci * k * k),
          "you ignored the groups"),
         (lambda i, ci, co, k, s, p, g: (_floor_out(i, k, s, p), co * ci // g * k * k,
                                         _floor_out(i, k, s, p) ** 2 * co * ci // g * k * k),
          "one bias per filter"),
         (lambda i, ci, co, k, s, p, g: (_floor_out(i, k, s, p), co * ci // g * k * k + co,
                                         _floor_out(i, k, s, p) * co * ci // g * k * k),
          "multiply by o², not o")],
    ),
    check_receptive_field: (
        _rf,
        [(lambda layers: 1 + sum(k - 1 for k, _ in layers), "you ignored the strides"),
         (lambda layers: sum(k * math.prod(s for _, s in layers[:i])
                             for i, (k, _) in enumerate(layers)), "neighbouring windows overlap"),
         (lambda layers: 1 + sum((k - 1) * math.prod(s for _, s in layers[:i + 1])
                                 for i, (k, _) in enumerate(layers)),
          "a layer's own stride spaces its *outputs*")],
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
         (lambda x, p, u: x / (1 - p), "dropped none"),
         (lambda x, p, u: x * (u > p) / (1 - p), "u = p is kept")],
    ),
    check_predict_with_mirror: (
        _mirror_in_one_batch,
        [(lambda net, X: torch.softmax((net.eval()(X) + net(X.flip(-1))) / 2, 1),
          "averaged the scores (logits)"),
         (lambda net, X: (torch.softmax(net.eval()(X), 1)
                          + torch.softmax(net(X.flip(2)), 1)) / 2, "up-down flip"),
         (lambda net, X: torch.softmax(net.eval()(X.flip(3)), 1), "the original image *and*"),
         (_mirror_in_train_mode, "dropout is still on")],
    ),
}


(test_checker_accepts_the_reference,
 test_checker_rejects_a_known_mistake_with_its_hint,
 test_checker_reports_a_wrong_signature_without_raising,
 test_checker_reports_an_unattempted_stub) = checker_tests(CASES)


def test_conv_cost_reference_matches_torch_on_the_checker_cases():
    rng = np.random.default_rng(1)
    for _ in range(40):
        case = _case_cost(rng)
        assert _conv_cost(*case) == _torch_cost(*case), case


def test_conv_cost_checker_draws_stride_1_and_padding_0():
    rng = np.random.default_rng(0)  # the checker's own seed
    cases = [_case_cost(rng) for _ in range(40)]
    assert any(c[4] == 1 for c in cases) and any(c[5] == 0 for c in cases)


def test_conv_cost_checker_accepts_torchinfo_macs_with_biases():
    assert check_conv_layer_cost(_torchinfo_cost, verbose=False)


def test_alexnet_conv1_and_conv2_match_the_exercise_formula():
    # 227 -> 55 with 96 filters 11x11x3 stride 4: 34,944 parameters (cs231n); conv2 is grouped
    convs = [m for m in AlexNet(variant="paper").features if isinstance(m, nn.Conv2d)]
    assert _conv_cost(227, 3, 96, 11, 4, 0, 1)[:2] == (55, 34_944) == (
        _torch_cost(227, 3, 96, 11, 4, 0, 1)[0], count_parameters(convs[0]))
    assert _conv_cost(27, 96, 256, 5, 1, 2, 2)[:2] == (27, 307_456)
    assert count_parameters(convs[1]) == 307_456


@pytest.mark.parametrize("size", range(223, 232))
def test_conv1_gives_55_maps_for_inputs_227_to_230_or_223_to_226_with_padding_2(size):
    assert (_conv_cost(size, 3, 96, 11, 4, 0, 1)[0] == 55) == (227 <= size <= 230)
    assert (_conv_cost(size, 3, 64, 11, 4, 2, 1)[0] == 55) == (223 <= size <= 226)
    assert _torch_cost(size, 3, 2, 11, 4, 2, 1)[0] == _conv_cost(size, 3, 2, 11, 4, 2, 1)[0]


def _rf_from_gradient(layers):
    """Width of the input region that one central output unit depends on (1-D, via autograd)."""
    size = _rf(layers) + 4 * math.prod(s for _, s in layers)  # room for about five outputs
    x = torch.zeros(1, 1, size, requires_grad=True)
    out = x
    for k, s in layers:
        conv = nn.Conv1d(1, 1, k, s, bias=False)
        nn.init.constant_(conv.weight, 1.0)
        out = conv(out)
    out[0, 0, out.shape[-1] // 2].backward()
    nonzero = torch.nonzero(x.grad[0, 0]).flatten()
    return int(nonzero.max() - nonzero.min()) + 1


def test_receptive_field_reference_matches_the_gradient_support_in_torch():
    rng = np.random.default_rng(3)
    for _ in range(25):
        layers, = _case_rf(rng)
        assert _receptive_field(layers) == _rf_from_gradient(layers), layers


def test_alexnet_pool5_sees_195_pixels():
    # conv1 11/4, pool 3/2, conv2 5/1, pool 3/2, conv3-5 3/1, pool 3/2
    layers = [(11, 4), (3, 2), (5, 1), (3, 2), (3, 1), (3, 1), (3, 1), (3, 2)]
    assert _receptive_field(layers) == _rf_from_gradient(layers) == 195


def test_mirror_checker_leaves_the_global_random_state_alone():
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    check_predict_with_mirror(_mirror_in_one_batch, verbose=False)
    assert torch.equal(torch.rand(3), expected)


def test_torch_dropout_is_inverted_dropout():
    torch.manual_seed(0)
    x = torch.randn(10_000)
    out = nn.Dropout(0.3).train()(x)
    kept = out != 0
    assert torch.allclose(out[kept], x[kept] / 0.7)
    assert abs(kept.float().mean().item() - 0.7) < 0.02
    assert torch.equal(nn.Dropout(0.3).eval()(x), x)


def test_reference_activation_grads_equal_relu_backward_and_torch_autograd_of_tanh():
    """ReLU'(x) of the reference is the package's relu_backward of a gradient of ones (0 at the
    kink), tanh'(x) is torch's autograd, on 40 of the checker's cases with exact zeros."""
    from dlsg_utils.conv import relu_backward, relu_forward
    from dlsg_utils.exercises.ch12_alexnet import _act_grads, _case_act

    rng = np.random.default_rng(15)
    for _ in range(40):
        (x,) = _case_act(rng)
        relu, tanh = _act_grads(x)
        np.testing.assert_array_equal(relu, relu_backward(np.ones_like(x), relu_forward(x)[1]))
        t = torch.tensor(x, requires_grad=True)
        torch.tanh(t).sum().backward()
        np.testing.assert_allclose(tanh, t.grad.numpy(), rtol=1e-12, atol=1e-15)


# --- the hidden solutions, taken from the chapter, on the question's whole domain ---------------

def _solution(name):
    """The function ``name`` as the chapter's hidden solution cell defines it (only its ``def``
    runs here, not the measurements that follow it in the cell)."""
    return solution_function("12", name, {"np": np, "torch": torch, "nn": nn, "math": math})


SOLVED = {"conv_layer_cost": check_conv_layer_cost, "receptive_field": check_receptive_field,
          "activation_grads": check_activation_grads, "inverted_dropout": check_inverted_dropout,
          "predict_with_mirror": check_predict_with_mirror}


@pytest.mark.parametrize("name", SOLVED)
def test_hidden_solution_of_the_chapter_passes_its_checker(name):
    result = SOLVED[name](_solution(name), verbose=False)
    assert result, result.message


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 8), st.integers(1, 8), st.integers(1, 8), st.integers(1, 13),
       st.integers(1, 6), st.integers(0, 5), st.integers(0, 300))
def test_conv_layer_cost_solution_is_right_on_every_layer_that_fits(g, ci, co, k, s, p, extra):
    i = max(1, k - 2 * p) + extra
    case = (i, g * ci, g * co, k, s, p, g)
    assert _solution("conv_layer_cost")(*case) == _conv_cost(*case)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 13), st.integers(1, 6)), min_size=0, max_size=10))
def test_receptive_field_solution_is_right_on_every_stack(layers):
    assert _solution("receptive_field")(layers) == _receptive_field(layers)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(-50, 50) | st.just(0.0), min_size=0, max_size=12))
def test_activation_grads_solution_is_right_on_every_array(values):
    from dlsg_utils.exercises.ch12_alexnet import _act_grads

    x = np.array(values)
    for got, want in zip(_solution("activation_grads")(x), _act_grads(x), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


@settings(max_examples=200, deadline=None)
@given(st.floats(0.0, 0.999), st.integers(1, 20), st.integers(0, 2**32 - 1))
def test_inverted_dropout_solution_is_right_for_every_p_and_tie(p, n, seed):
    from dlsg_utils.exercises.ch12_alexnet import _inverted_dropout

    rng = np.random.default_rng(seed)
    x, u = rng.normal(size=n), rng.uniform(size=n)
    u[0] = p  # a tie: kept
    np.testing.assert_allclose(_solution("inverted_dropout")(x, p, u), _inverted_dropout(x, p, u),
                               rtol=1e-12, atol=0)


# --- alternative correct forms each checker accepts ---------------------------------------------

def _cost_by_loops(i, c_in, c_out, k, stride, padding, groups):
    o = len(range(0, i + 2 * padding - k + 1, stride))
    params = sum(c_in // groups * k * k + 1 for _ in range(c_out))
    return [float(o), float(params), float(o * o * (params - c_out))]


def _rf_from_output_down(layers):
    size = 1
    for k, s in reversed(layers):
        size = s * size + (k - s)
    return size


def _grads_by_finite_steps(x):
    x = np.asarray(x, dtype=float)
    relu = np.heaviside(x, 0.0)
    return relu, 1 / np.cosh(x) ** 2


def _dropout_torch(x, p, u):
    keep = torch.as_tensor(u) >= p
    return torch.as_tensor(x) * keep / (1 - p)


def _dropout_masked_copy(x, p, u):
    out = np.array(x, dtype=float, copy=True)
    out[u < p] = 0.0
    return out / (1.0 - p)


def _mirror_with_log_softmax(net, X):
    was = net.training
    net.eval()
    with torch.no_grad():
        logp = torch.stack([torch.log_softmax(net(v), 1) for v in (X, X.flip(3))])
    net.train(was)
    return logp.exp().mean(0)


ALTERNATIVES = {
    check_conv_layer_cost: [_cost_by_loops, _torchinfo_cost],
    check_receptive_field: [_rf_from_output_down, lambda layers: float(_rf(layers))],
    check_activation_grads: [_grads_by_finite_steps,
                             lambda x: [np.where(x > 0, 1, 0), 1 - np.tanh(x) * np.tanh(x)]],
    check_inverted_dropout: [_dropout_torch, _dropout_masked_copy],
    check_predict_with_mirror: [_mirror_with_log_softmax,
                                lambda net, X: _mirror_in_one_batch(net, X).numpy()],
}


@pytest.mark.parametrize("checker, answer",
                         [(c, a) for c, answers in ALTERNATIVES.items() for a in answers],
                         ids=lambda v: getattr(v, "__name__", "")[:30])
def test_checker_accepts_an_alternative_correct_form(checker, answer):
    result = checker(answer, verbose=False)
    assert result, result.message


def test_every_checker_has_three_named_mistakes_and_two_alternative_forms():
    assert all(len(CASES[c][1]) >= 3 and len(ALTERNATIVES[c]) >= 2 for c in CASES)
