"""Chapter 13 checkers accept the reference and reject known-wrong answers with their hint."""

import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from checker_harness import checker_tests, solution_function
from torch import nn

from dlsg_utils.exercises.ch13_resnet import (
    check_block_forward,
    check_bottleneck_params,
    check_drop_block,
    check_resnet_params,
    check_shortcut_a,
)
from dlsg_utils.models import BasicBlock, Bottleneck, ResNetCIFAR, count_parameters


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


def _bottleneck(c, w, e):
    convs = c * w + 9 * w * w + w * e * w
    bns = 2 * (w + w + e * w)
    projection = (c * e * w + 2 * e * w) if c != e * w else 0
    return convs + bns + projection


def _drop(model, stage, index):
    new = copy.deepcopy(model)
    getattr(new, f"stage{stage}")[index] = nn.Identity()
    return new


def _drop_in_place(model, stage, index):
    getattr(model, f"stage{stage}")[index] = nn.Identity()
    return model


def _drop_shortcut(model, stage, index):
    new = copy.deepcopy(model)
    getattr(new, f"stage{stage}")[index].shortcut = None
    return new


def _drop_next_unless_last(model, stage, index):
    last = len(getattr(model, f"stage{stage}")) - 1
    return _drop(model, stage, min(index + 1, last))


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
    check_bottleneck_params: (
        _bottleneck,
        [(lambda c, w, e: _bottleneck(c, w, e) - ((c * e * w + 2 * e * w) if c != e * w else 0),
          "projection shortcut is missing"),
         (lambda c, w, e: _bottleneck(c, w, e) + (c * e * w + 2 * e * w if c == e * w else 0),
          "gave every block a projection"),
         (lambda c, w, e: _bottleneck(c, w, e) - 9 * w * w + 9 * c * w, "9 * width * width"),
         (lambda c, w, e: _bottleneck(c, w, e) - 2 * (2 * w + e * w)
          - (2 * e * w if c != e * w else 0), "batch-norm parameters are missing")],
    ),
    check_drop_block: (
        _drop,
        [(_drop_in_place, "the original model changed too"),
         (_drop_next_unless_last, "the block after"),
         (_drop_shortcut, "removed the shortcut and kept F")],
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


def test_counted_parameters_equal_the_reference_on_networks_small_enough_to_build():
    """count_parameters of the package's network is the reference on the checker's buildable
    cases; the checker also asks for up to 1,000 blocks per stage, which only a formula (or a
    sum over blocks) reaches in time."""
    from dlsg_utils.exercises.ch13_resnet import _case_params, _resnet_params

    rng = np.random.default_rng(0)
    for _ in range(8):
        n, width, k = _case_params(rng)
        assert _resnet_params(n, width, k) == count_parameters(
            ResNetCIFAR(6 * n + 2, width=width, num_classes=k))


@pytest.mark.parametrize("depth, expected", [(20, 269_722), (32, 464_154), (44, 658_586),
                                             (56, 853_018), (110, 1_727_962)])
def test_resnet_parameter_formula_matches_the_reference_facts(depth, expected):
    assert _params((depth - 2) // 6, 16, 10) == expected


def test_bottleneck_count_from_the_package_is_accepted():
    def counted(c, w, e):
        return count_parameters(Bottleneck(c, w, expansion=e))

    assert check_bottleneck_params(counted, verbose=False)


def test_bottleneck_formula_adds_up_to_torchvisions_resnet50_count_of_25557032():
    # ResNet-50 (He et al. 2015, Table 1): stem 7x7 conv + BN, blocks 3-4-6-3 of widths
    # 64-128-256-512, 1000-way fc; torchvision's resnet50 has 25,557,032 parameters
    blocks, c = 0, 64
    for width, count in ((64, 3), (128, 4), (256, 6), (512, 3)):
        for _ in range(count):
            blocks += _bottleneck(c, width, 4)
            c = 4 * width
    assert 7 * 7 * 3 * 64 + 2 * 64 + blocks + 2048 * 1000 + 1000 == 25_557_032


def test_zeroing_the_last_batch_norm_of_a_copy_is_accepted_as_skipping_the_block():
    # F = 0 leaves ReLU(x) = x for the non-negative input a block receives: the same function
    def zero_residual(model, stage, index):
        new = copy.deepcopy(model)
        block = getattr(new, f"stage{stage}")[index]
        with torch.no_grad():
            block.bn2.weight.zero_()
            block.bn2.bias.zero_()
        return new

    assert check_drop_block(zero_residual, verbose=False)


def test_drop_block_checker_leaves_a_readers_model_alone_and_reports_a_non_model():
    result = check_drop_block(lambda model, stage, index: 3, verbose=False)
    assert not result and "must return a model" in result.message


# --- the hidden solutions, taken from the chapter, on the question's whole domain ---------------

def _solution(name):
    """The function ``name`` as the chapter's hidden solution cell defines it (only its ``def``
    runs here, not the measurements that follow it in the cell)."""
    return solution_function("13", name, {"np": np, "torch": torch, "nn": nn, "F": F, "copy": copy})


SOLVED = {"block_forward": check_block_forward, "shortcut_a": check_shortcut_a,
          "resnet_params": check_resnet_params, "bottleneck_params": check_bottleneck_params,
          "drop_block": check_drop_block}


@pytest.mark.parametrize("name", SOLVED)
def test_hidden_solution_of_the_chapter_passes_its_checker(name):
    result = SOLVED[name](_solution(name), verbose=False)
    assert result, result.message


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from dlsg_utils.exercises.ch13_resnet import (  # noqa: E402
    _bottleneck_params,
    _resnet_params,
    _shortcut_a,
)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 10**6), st.integers(1, 1024), st.integers(1, 10**4))
def test_resnet_params_solution_is_right_for_every_depth_width_and_class_count(n, width, k):
    assert _solution("resnet_params")(n, width, k) == _resnet_params(n, width, k)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 5000), st.integers(1, 2048), st.integers(1, 8))
def test_bottleneck_solution_is_right_for_every_block(c, w, e):
    assert _solution("bottleneck_params")(c, w, e) == _bottleneck_params(c, w, e)
    assert _solution("bottleneck_params")(e * w, w, e) == _bottleneck_params(e * w, w, e)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 4), st.integers(0, 6), st.integers(1, 9), st.integers(1, 9),
       st.integers(1, 4))
def test_shortcut_a_solution_is_right_for_odd_sides_and_any_stride(c, extra, h, w, stride):
    x = np.random.default_rng(h * w).normal(size=(2, c, h, w))
    np.testing.assert_array_equal(_solution("shortcut_a")(x, c + extra, stride),
                                  _shortcut_a(x, c + extra, stride))


@pytest.mark.parametrize("net", ["resnet", "plain"])
def test_drop_block_solution_skips_a_block_of_resnets_and_plain_networks_alike(net):
    from dlsg_utils.models import PlainCIFAR

    torch.manual_seed(0)
    model = (ResNetCIFAR if net == "resnet" else PlainCIFAR)(14, width=4).eval()
    x = torch.randn(2, 3, 32, 32)
    before = model(x).detach()
    new = _solution("drop_block")(model, 2, 1)
    assert isinstance(new.stage2[1], nn.Identity) and not isinstance(model.stage2[1], nn.Identity)
    with torch.no_grad():
        assert torch.equal(model(x), before)
        torch.testing.assert_close(new(x), _drop(model, 2, 1)(x))


# --- alternative correct forms each checker accepts ---------------------------------------------

def _block_in_place_relu(x, c1, b1, c2, b2):
    h = torch.relu_(b1(c1(x)))
    return torch.clamp(b2(c2(h)) + x, min=0)


def _block_from_functional_calls(x, c1, b1, c2, b2):
    def bn(layer, v):
        return F.batch_norm(v, layer.running_mean, layer.running_var, layer.weight, layer.bias,
                            training=False, eps=layer.eps)
    h = F.relu(bn(b1, F.conv2d(x, c1.weight, None, 1, 1)))
    return F.relu(bn(b2, F.conv2d(h, c2.weight, None, 1, 1)) + x)


def _shortcut_concatenated(x, out_channels, stride):
    sub = x[:, :, ::stride, ::stride]
    extra = out_channels - x.shape[1]
    zeros = np.zeros((sub.shape[0], 1, *sub.shape[2:]))
    return np.concatenate([zeros] * (extra // 2) + [sub] + [zeros] * (extra - extra // 2), axis=1)


def _params_by_summing_blocks(n, width, num_classes):
    total, c_in = 27 * width + 2 * width, width
    for stage in range(3):
        c = width * 2**stage
        for _ in range(n):
            total += 9 * c_in * c + 9 * c * c + 4 * c
            c_in = c
    return total + 4 * width * num_classes + num_classes


def _bottleneck_by_layers(c, w, e):
    layers = [(c, w, 1), (w, w, 3), (w, e * w, 1)] + ([(c, e * w, 1)] if c != e * w else [])
    return sum(i * o * k * k + 2 * o for i, o, k in layers)


def _drop_by_rebuilding_the_stage(model, stage, index):
    new = copy.deepcopy(model)
    blocks = list(getattr(new, f"stage{stage}"))
    blocks[index] = nn.Identity()
    setattr(new, f"stage{stage}", nn.Sequential(*blocks))
    return new


ALTERNATIVES = {
    check_block_forward: [_block_in_place_relu, _block_from_functional_calls],
    check_shortcut_a: [_shortcut_concatenated,
                       lambda x, c, s: torch.from_numpy(_shortcut(x, c, s))],
    check_resnet_params: [_params_by_summing_blocks,
                          lambda n, w, k: float(_params(n, w, k))],
    check_bottleneck_params: [_bottleneck_by_layers, lambda c, w, e: np.int64(_bottleneck(c, w, e))],
    check_drop_block: [_drop_by_rebuilding_the_stage,
                       lambda m, s, i: _drop(m, s, i).train()],
}


@pytest.mark.parametrize("checker, answer",
                         [(c, a) for c, answers in ALTERNATIVES.items() for a in answers],
                         ids=lambda v: getattr(v, "__name__", "")[:30])
def test_checker_accepts_an_alternative_correct_form(checker, answer):
    result = checker(answer, verbose=False)
    assert result, result.message


def test_every_checker_has_three_named_mistakes_and_two_alternative_forms():
    assert all(len(CASES[c][1]) >= 3 and len(ALTERNATIVES[c]) >= 2 for c in CASES)
