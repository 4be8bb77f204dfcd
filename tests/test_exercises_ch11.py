"""Chapter 11 checkers accept the reference and reject known-wrong answers with their hint."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from checker_harness import checker_tests, solution_function
from torch import nn

from dlsg_utils.exercises.ch11_lenet import (
    check_build_lenet,
    check_conv_counts,
    check_lenet_sizes,
    check_paired_z,
    check_receptive_field,
    check_shift_digits,
    check_sparse_conv_counts,
)
from dlsg_utils.models import (
    LECUN_C3_TABLE,
    LeNet5,
    count_connections,
    count_parameters,
    feature_layers,
)


def conv_counts(c_in, c_out, k, out_size):
    params = c_out * (c_in * k * k + 1)
    return params, params * out_size**2


def lenet_sizes(n, padding):
    sizes, side = [], n + 2 * padding
    for layer in ("C1", "S2", "C3", "S4", "C5"):
        side = side - 4 if layer[0] == "C" else side // 2
        sizes.append(side)
    return sizes


def sparse_conv_counts(table, k, out_size):
    params = int(np.sum(table)) * k * k + np.shape(table)[1]
    return params, params * out_size**2


def build_lenet(in_channels, num_classes):
    return nn.Sequential(
        nn.Conv2d(in_channels, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, num_classes))


def receptive_field(layers):
    size, jump = 1, 1
    for k, s in layers:
        size, jump = size + (k - 1) * jump, jump * s
    return size


def shift_digits(X, dy, dx):
    H, W = X.shape[-2:]
    padded = F.pad(X, (abs(dx), abs(dx), abs(dy), abs(dy)))  # zeros around, then a window
    top, left = abs(dy) - dy, abs(dx) - dx
    return padded[..., top:top + H, left:left + W]


def paired_z(correct_a, correct_b):
    a, b = np.asarray(correct_a, dtype=bool), np.asarray(correct_b, dtype=bool)
    only_a, only_b = np.sum(a > b), np.sum(b > a)
    return 0.0 if only_a + only_b == 0 else (only_a - only_b) / np.sqrt(only_a + only_b)


def _own_stride_rf(layers):
    size, jump = 1, 1
    for k, s in layers:
        jump *= s
        size += (k - 1) * jump
    return size


def _paired_counts(a, b):
    a, b = np.asarray(a, dtype=bool), np.asarray(b, dtype=bool)
    return int(np.sum(a & ~b)), int(np.sum(~a & b)), len(a)


def _ceil_pool_sizes(n, padding):
    c1 = n + 2 * padding - 4
    c3 = -(-c1 // 2) - 4
    return [c1, -(-c1 // 2), c3, -(-c3 // 2), -(-c3 // 2) - 4]


def _lenet(c, k, *, pad=2, pool=nn.MaxPool2d, act=nn.ReLU, flat=400, fc_act=True, last=False):
    fc_acts = [act(), act()] if fc_act else [nn.Identity(), nn.Identity()]
    return nn.Sequential(
        nn.Conv2d(c, 6, 5, padding=pad), act(), pool(2), nn.Conv2d(6, 16, 5), act(), pool(2),
        nn.Flatten(), nn.Linear(flat, 120), fc_acts[0], nn.Linear(120, 84), fc_acts[1],
        nn.Linear(84, k), *([act()] if last else []))


CASES = {
    check_conv_counts: (
        conv_counts,
        [(lambda ci, co, k, o: (co * ci * k * k, co * ci * k * k * o * o), "left out the biases"),
         (lambda ci, co, k, o: (co * (ci * k * k + 1), co * ci * k * k * o * o),
          "connections miss the bias"),
         (lambda ci, co, k, o: (co * (ci * k * k + 1),) * 2, "weight sharing"),
         (lambda ci, co, k, o: (co * (ci * k * k + 1), co * (ci * k * k + 1) * o), "out_size²"),
         (lambda ci, co, k, o: (co * (k * k + 1), co * (k * k + 1) * o * o), "all C_in input maps"),
         (lambda ci, co, k, o: (ci * co * k * k + ci, (ci * co * k * k + ci) * o * o),
          "one bias per *output* map")],
    ),
    check_lenet_sizes: (
        lenet_sizes,
        [(lambda n, p: lenet_sizes(n, 0), "ignored the padding"),
         (_ceil_pool_sizes, "round down"),
         (lambda n, p: lenet_sizes(n, p)[:4], "return all five sizes"),
         (lambda n, p: [n + 2 * p - 5, (n + 2 * p - 5) // 2, (n + 2 * p - 5) // 2 - 5,
                        ((n + 2 * p - 5) // 2 - 5) // 2, ((n + 2 * p - 5) // 2 - 5) // 2 - 5],
          "off by one"),
         (lambda n, p: lenet_sizes(n + p, 0), "add 2p, not p")],
    ),
    check_sparse_conv_counts: (
        sparse_conv_counts,
        [(lambda t, k, o: conv_counts(np.shape(t)[0], np.shape(t)[1], k, o), "as in a dense layer"),
         (lambda t, k, o: (int(np.sum(t)) * k * k, int(np.sum(t)) * k * k * o * o),
          "left out the biases"),
         (lambda t, k, o: (int(np.sum(t)) * (k * k + 1), int(np.sum(t)) * (k * k + 1) * o * o),
          "not one per connected pair"),
         (lambda t, k, o: (sparse_conv_counts(t, k, o)[0],) * 2, "connections = parameters")],
    ),
    check_build_lenet: (
        build_lenet,
        [(lambda c, k: _lenet(c, k, pad=0, flat=256), "left out padding=2"),
         (lambda c, k: _lenet(c, k, pool=nn.AvgPool2d), "average pooling"),
         (lambda c, k: _lenet(c, k, act=nn.Tanh), "you used tanh"),
         (lambda c, k: _lenet(c, k, fc_act=False), "collapse into one linear map"),
         (lambda c, k: _lenet(c, k, last=True), "no ReLU after the last layer"),
         (lambda c, k: nn.Sequential(_lenet(c, k), nn.Softmax(dim=1)), "no softmax at the end")],
    ),
    check_receptive_field: (
        receptive_field,
        [(lambda layers: 1 + sum(k - 1 for k, _ in layers), "you ignored the strides"),
         (_own_stride_rf, "a layer's own stride spaces its *outputs*"),
         (lambda layers: sum(k * math.prod(s for _, s in layers[:i])
                            for i, (k, _) in enumerate(layers)), "neighbouring windows overlap"),
         (lambda layers: math.prod(k for k, _ in layers), "windows do not multiply")],
    ),
    check_shift_digits: (
        shift_digits,
        [(lambda X, dy, dx: torch.roll(X, (dy, dx), dims=(2, 3)), "wraps around"),
         (lambda X, dy, dx: shift_digits(X, dx, dy), "rows and columns swapped"),
         (lambda X, dy, dx: shift_digits(X, -dy, -dx), "wrong direction")],
    ),
    check_paired_z: (
        paired_z,
        [(lambda a, b: (np.mean(a) - np.mean(b)) / np.sqrt(
            (np.mean(a) * (1 - np.mean(a)) + np.mean(b) * (1 - np.mean(b))) / len(a)),
          "unpaired test"),
         (lambda a, b: -paired_z(a, b), "sign is flipped"),
         (lambda a, b: (lambda ab, ba, n: (ab - ba) / (ab + ba))(*_paired_counts(a, b)),
          "not by the number of disagreements"),
         (lambda a, b: (lambda ab, ba, n: (ab - ba) / np.sqrt(n))(*_paired_counts(a, b)),
          "not the number of images"),
         (lambda a, b: 2 * paired_z(a, b), "variance d/4"),
         (lambda a, b: (lambda ab, ba, n: np.sign(ab - ba) * (abs(ab - ba) - 1) / np.sqrt(ab + ba))(
             *_paired_counts(a, b)), "continuity-corrected")],
    ),
}


(test_checker_accepts_the_reference,
 test_checker_rejects_a_known_mistake_with_its_hint,
 test_checker_reports_a_wrong_signature_without_raising,
 test_checker_reports_an_unattempted_stub) = checker_tests(CASES)


def test_conv_counts_reproduce_lecuns_c1_c5_and_the_package():
    classic = LeNet5("classic")
    counts = count_connections(classic, (1, 32, 32))
    assert conv_counts(1, 6, 5, 28) == (156, 122_304) == (156, counts["features.0"])
    assert conv_counts(16, 120, 5, 1) == (48_120, counts["features.8"])


def test_sparse_counts_of_the_c3_table_are_the_papers_1516_and_151600():
    classic = LeNet5("classic")
    assert sparse_conv_counts(LECUN_C3_TABLE, 5, 10) == (1_516, 151_600)
    assert count_connections(classic, (1, 32, 32))["features.4"] == 151_600
    assert classic.features[4].trainable_parameters() == 1_516
    assert check_sparse_conv_counts(sparse_conv_counts, verbose=False)


def test_lenet_sizes_match_both_variants_of_the_package():
    assert lenet_sizes(32, 0) == lenet_sizes(28, 2) == [28, 14, 10, 5, 1]
    shapes = [s for _, _, s in feature_layers(LeNet5("classic"), (1, 32, 32))]
    assert [s[1] for s in shapes[:5]] == [28, 14, 10, 5, 1]


def test_reference_lenet_has_the_packages_parameter_count_and_outputs():
    ours, package = build_lenet(1, 10), LeNet5("modern")
    assert count_parameters(ours) == count_parameters(package) == 61_706
    with torch.no_grad():
        for p, q in zip(ours.parameters(), package.parameters(), strict=True):
            p.copy_(q)
        x = torch.rand(3, 1, 28, 28)
        assert torch.allclose(ours(x), package(x))


def test_build_lenet_checker_names_a_forward_pass_that_fails():
    result = check_build_lenet(lambda c, k: _lenet(c, k, pad=0), verbose=False)
    assert not result and "forward pass" in result.message


class _DefinedBackwards(nn.Module):
    """The modern LeNet-5 with its layers defined last-to-first and a functional forward."""

    def __init__(self, c, k):
        super().__init__()
        self.out = nn.Linear(84, k)
        self.fc2 = nn.Linear(120, 84)
        self.fc1 = nn.Linear(400, 120)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.conv1 = nn.Conv2d(c, 6, 5, padding=2)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.fc1(x.flatten(1)))
        return self.out(F.relu(self.fc2(x)))


class _RawParameters(nn.Module):
    """The modern LeNet-5 from bare parameters: pooling before ReLU, linear weights stored
    (in, out) and applied as x @ W."""

    def __init__(self, c, k):
        super().__init__()
        self.w = nn.ParameterList([nn.Parameter(torch.randn(400, 120)),
                                   nn.Parameter(torch.randn(120, 84)),
                                   nn.Parameter(torch.randn(84, k))])
        self.b = nn.ParameterList([nn.Parameter(torch.randn(n)) for n in (120, 84, k)])
        self.k1, self.b1 = nn.Parameter(torch.randn(6, c, 5, 5)), nn.Parameter(torch.randn(6))
        self.k2, self.b2 = nn.Parameter(torch.randn(16, 6, 5, 5)), nn.Parameter(torch.randn(16))

    def forward(self, x):
        x = F.relu(F.max_pool2d(F.conv2d(x, self.k1, self.b1, padding=2), 2))
        x = F.relu(F.max_pool2d(F.conv2d(x, self.k2, self.b2), 2)).reshape(len(x), -1)
        x = F.relu(x @ self.w[0] + self.b[0])
        x = F.relu(x @ self.w[1] + self.b[1])
        return x @ self.w[2] + self.b[2]


def test_build_lenet_checker_accepts_layers_defined_in_another_order():
    assert check_build_lenet(_DefinedBackwards, verbose=False)


def test_build_lenet_checker_accepts_a_functional_forward_over_bare_parameters():
    assert check_build_lenet(_RawParameters, verbose=False)


def test_build_lenet_checker_accepts_lazy_linear_layers():
    def lazy(c, k):
        return nn.Sequential(nn.Conv2d(c, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                             nn.LazyLinear(120), nn.ReLU(), nn.LazyLinear(84), nn.ReLU(),
                             nn.LazyLinear(k))
    assert check_build_lenet(lazy, verbose=False)


def test_build_lenet_checker_still_rejects_a_reordered_but_wrong_network():
    class Wrong(_DefinedBackwards):
        def forward(self, x):  # average pooling in the first stage
            x = F.avg_pool2d(F.relu(self.conv1(x)), 2)
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = F.relu(self.fc1(x.flatten(1)))
            return self.out(F.relu(self.fc2(x)))

    assert not check_build_lenet(Wrong, verbose=False)


def test_receptive_field_of_lenet_c3_and_c5_is_14_and_32_and_matches_the_gradient():
    stack = [(5, 1), (2, 2), (5, 1), (2, 2), (5, 1)]
    assert receptive_field(stack[:3]) == 14 and receptive_field(stack) == 32
    net = LeNet5("classic").double()
    x = torch.rand(1, 1, 32, 32, dtype=torch.float64, requires_grad=True)
    net.features[:6](x)[0, 0, 5, 5].backward()   # one C3 unit (after its tanh)
    rows, cols = np.nonzero(x.grad[0, 0].abs().numpy() > 0)
    assert np.ptp(rows) + 1 == np.ptp(cols) + 1 == 14


def test_shift_digits_keeps_the_shape_and_moves_ink_without_wrapping():
    X = torch.zeros(1, 1, 6, 6)
    X[0, 0, 1, 4] = 1.0
    out = shift_digits(X, 2, 1)
    assert out.shape == X.shape and out[0, 0, 3, 5] == 1 and out.sum() == 1
    assert shift_digits(X, 0, 3).sum() == 0  # column 4 + 3 leaves a 6-wide image
    assert check_shift_digits(shift_digits, verbose=False)


def test_paired_z_is_zero_for_identical_classifiers_and_its_null_spread_is_one():
    rng = np.random.default_rng(0)
    a = rng.random(2000) < 0.98
    assert paired_z(a, a) == 0.0
    # Under the null (each disagreement a fair coin), z has mean 0 and sd 1.
    zs = []
    for _ in range(400):
        b = a.copy()
        flip = rng.choice(2000, 60, replace=False)
        b[flip] = rng.random(60) < 0.5
        a2 = a.copy()
        a2[flip] = rng.random(60) < 0.5
        zs.append(paired_z(a2, b))
    assert abs(np.mean(zs)) < 0.15 and 0.85 < np.std(zs) < 1.15


def test_reference_conv_counts_equal_count_parameters_and_count_connections_on_checker_cases():
    """(parameters, connections) of the reference are dlsg_utils.models.count_parameters and
    count_connections of the torch layer, on 40 of the checker's random layers (exact)."""
    from dlsg_utils.exercises.ch11_lenet import _case_conv, _conv_counts

    rng = np.random.default_rng(12)
    for _ in range(40):
        c_in, c_out, k, o = _case_conv(rng)
        conv = nn.Sequential(nn.Conv2d(c_in, c_out, k))
        counted = (count_parameters(conv), count_connections(conv, (c_in, o + k - 1, o + k - 1))["total"])
        assert _conv_counts(c_in, c_out, k, o) == counted, (c_in, c_out, k, o)


def test_reference_sparse_counts_equal_the_packages_sparse_conv2d_on_checker_tables():
    """The reference's count for a connection table is SparseConv2d's trainable_parameters and
    count_connections, on 40 of the checker's random tables (exact)."""
    from dlsg_utils.exercises.ch11_lenet import _case_table, _sparse_conv_counts
    from dlsg_utils.models.blocks import SparseConv2d

    rng = np.random.default_rng(13)
    for _ in range(40):
        table, k, o = _case_table(rng)
        layer = SparseConv2d(table, k)
        side = o + k - 1
        counted = (layer.trainable_parameters(),
                   count_connections(nn.Sequential(layer), (table.shape[0], side, side))["total"])
        assert _sparse_conv_counts(table, k, o) == counted


def test_mistake_models_start_from_the_packages_lenet():
    """The mistakes of build_lenet are _reference_lenet with one change; without a change it
    must be the checker's reference, the package's modern LeNet5, on the checker's cases."""
    from dlsg_utils.exercises.ch11_lenet import _case_build, _package_lenet, _reference_lenet, _via

    rng = np.random.default_rng(0)
    for _ in range(4):
        c, k = _case_build(rng)
        ours, package = _via(_reference_lenet)(c, k), _via(_package_lenet)(c, k)
        assert ours[:2] == package[:2]
        np.testing.assert_allclose(ours[2], package[2], rtol=1e-12, atol=1e-12)


def test_reference_paired_z_and_stats_paired_difference_differ_only_by_their_variance():
    """McNemar's z (variance under 'no difference': q) and dlsg_utils.stats.paired_difference's z
    (sample variance of the per-image differences, (q − d²)·n/(n − 1)) obey
    n / z_McNemar² − (n − 1) / z_paired² = 1 exactly; checked on 100 of the checker's cases."""
    from dlsg_utils.exercises.ch11_lenet_measures import _case_paired, _paired_z
    from dlsg_utils.stats import paired_difference

    rng = np.random.default_rng(14)
    checked = 0
    for _ in range(100):
        a, b = _case_paired(rng)
        if a.sum() == b.sum():
            continue  # d = 0: both z are 0
        z_pkg = paired_difference(np.stack([a, a]), np.stack([b, b])).z
        assert len(a) / _paired_z(a, b) ** 2 - (len(a) - 1) / z_pkg**2 == pytest.approx(1.0, rel=1e-9)
        checked += 1
    assert checked > 90


# --- the hidden solutions, taken from the chapter, on the question's whole domain ---------------

def _solution(name):
    """The function ``name`` as the chapter's hidden solution cell defines it (only its ``def``
    runs here, not the measurements that follow it in the cell)."""
    return solution_function("11", name, {"np": np, "torch": torch, "nn": nn, "F": F, "math": math})


SOLVED = {"conv_counts": check_conv_counts, "lenet_sizes": check_lenet_sizes,
          "sparse_conv_counts": check_sparse_conv_counts, "build_lenet": check_build_lenet,
          "receptive_field": check_receptive_field, "shift_digits": check_shift_digits,
          "paired_z": check_paired_z}


@pytest.mark.parametrize("name", SOLVED)
def test_hidden_solution_of_the_chapter_passes_its_checker(name):
    result = SOLVED[name](_solution(name), verbose=False)
    assert result, result.message


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from dlsg_utils.exercises.ch11_lenet import _conv_counts, _lenet_sizes, _sparse_conv_counts  # noqa: E402
from dlsg_utils.exercises.ch11_lenet_measures import _paired_z, _shift_digits  # noqa: E402
from dlsg_utils.exercises.receptive import _receptive_field  # noqa: E402


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 64), st.integers(1, 256), st.integers(1, 15), st.integers(1, 128))
def test_conv_counts_solution_is_right_on_every_layer(c_in, c_out, k, out_size):
    assert _solution("conv_counts")(c_in, c_out, k, out_size) == _conv_counts(c_in, c_out, k,
                                                                               out_size)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 20), st.integers(0, 500))
def test_lenet_sizes_solution_is_right_on_every_input_where_c5_has_a_map(padding, extra):
    n = max(1, 32 - 2 * padding) + extra
    assert _solution("lenet_sizes")(n, padding) == _lenet_sizes(n, padding)


def test_lenet_sizes_answers_of_the_exercise_smallest_input_32_and_a_line_gives_1_by_68():
    sizes = _solution("lenet_sizes")
    assert next(n for n in range(1, 100) if sizes(n, 0)[-1] >= 1) == 32
    assert (sizes(32, 0)[-1], sizes(300, 0)[-1]) == (1, 68) == (
        _lenet_sizes(32, 0)[-1], _lenet_sizes(300, 0)[-1])


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 10), st.integers(1, 20), st.integers(1, 9), st.integers(1, 40),
       st.integers(0, 2**32 - 1))
def test_sparse_conv_counts_solution_is_right_on_every_table(c_in, c_out, k, out_size, seed):
    table = np.random.default_rng(seed).random((c_in, c_out)) < 0.5
    assert _solution("sparse_conv_counts")(table, k, out_size) == _sparse_conv_counts(
        table, k, out_size)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 13), st.integers(1, 6)), min_size=0, max_size=10))
def test_receptive_field_solution_is_right_on_every_stack(layers):
    assert _solution("receptive_field")(layers) == _receptive_field(layers)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 9), st.integers(1, 9), st.integers(-12, 12), st.integers(-12, 12),
       st.integers(1, 3))
def test_shift_digits_solution_is_right_for_every_shift_even_past_the_border(h, w, dy, dx, c):
    X = torch.rand(2, c, h, w, dtype=torch.float64)
    assert torch.equal(_solution("shift_digits")(X, dy, dx), _shift_digits(X, dy, dx))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=60))
def test_paired_z_solution_is_right_on_every_pair_including_no_disagreement(pairs):
    a, b = (np.array(v, dtype=bool) for v in zip(*pairs, strict=True))
    assert _solution("paired_z")(a, b) == pytest.approx(_paired_z(a, b), abs=1e-12)


# --- alternative correct forms each checker accepts ---------------------------------------------

def _conv_counts_by_torch(c_in, c_out, k, out_size):
    conv = nn.Sequential(nn.Conv2d(c_in, c_out, k))
    side = out_size + k - 1
    return count_parameters(conv), count_connections(conv, (c_in, side, side))["total"]


def _sizes_as_floats(n, padding):
    side, out = float(n + 2 * padding), []
    for step in ("conv", "pool", "conv", "pool", "conv"):
        side = side - 4.0 if step == "conv" else math.floor(side / 2)
        out.append(side)
    return tuple(out)


def _sparse_counts_loop(table, k, out_size):
    params = 0
    for o in range(len(table[0])):
        params += 1 + sum(k * k for i in range(len(table)) if table[i][o])
    return float(params), float(params * out_size * out_size)


def _rf_from_output_down(layers):
    size = 1
    for k, s in reversed(layers):
        size = s * size + (k - s)
    return size


def _shift_by_loops(X, dy, dx):
    out = torch.zeros_like(X)
    H, W = X.shape[-2:]
    for i in range(H):
        for j in range(W):
            if 0 <= i - dy < H and 0 <= j - dx < W:
                out[..., i, j] = X[..., i - dy, j - dx]
    return out


def _shift_numpy(X, dy, dx):
    X = np.asarray(X)
    H, W = X.shape[-2:]
    P, Q = H + abs(dy), W + abs(dx)  # room for any shift, even past the border
    padded = np.pad(X, ((0, 0), (0, 0), (P, P), (Q, Q)))
    return padded[..., P - dy:P - dy + H, Q - dx:Q - dx + W]


def _paired_z_from_table(correct_a, correct_b):
    a, b = np.asarray(correct_a).astype(int), np.asarray(correct_b).astype(int)
    table = np.zeros((2, 2))
    np.add.at(table, (a, b), 1)
    d = table[1, 0] + table[0, 1]
    return 0 if d == 0 else (table[1, 0] - table[0, 1]) / d ** 0.5


def _paired_z_as_tensor(correct_a, correct_b):
    diff = torch.as_tensor(np.asarray(correct_a, dtype=float) - np.asarray(correct_b, dtype=float))
    d = diff.abs().sum()
    return torch.tensor(0.0) if d == 0 else diff.sum() / d.sqrt()


def _lenet_sequential_with_functional_relu(c, k):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(nn.Conv2d(c, 6, 5, padding=2), nn.ReLU(),
                                          nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                                          nn.MaxPool2d(2))
            self.fc = nn.ModuleList([nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, k)])

        def forward(self, x):
            x = torch.flatten(self.features(x), 1)
            return self.fc[2](F.relu(self.fc[1](F.relu(self.fc[0](x)))))
    return Net()


ALTERNATIVES = {
    check_conv_counts: [_conv_counts_by_torch,
                        lambda ci, co, k, o: [float(co * (ci * k * k + 1)),
                                              float(co * (ci * k * k + 1) * o * o)]],
    check_lenet_sizes: [_sizes_as_floats,
                        lambda n, p: np.array(_lenet_sizes(n, p), dtype=np.int64)],
    check_sparse_conv_counts: [_sparse_counts_loop,
                               lambda t, k, o: np.array(sparse_conv_counts(np.asarray(t).tolist(),
                                                                           k, o))],
    check_build_lenet: [_DefinedBackwards, _lenet_sequential_with_functional_relu],
    check_receptive_field: [_rf_from_output_down,
                            lambda layers: float(receptive_field(layers))],
    check_shift_digits: [_shift_by_loops, _shift_numpy],
    check_paired_z: [_paired_z_from_table, _paired_z_as_tensor],
}


@pytest.mark.parametrize("checker, answer",
                         [(c, a) for c, answers in ALTERNATIVES.items() for a in answers],
                         ids=lambda v: getattr(v, "__name__", "")[:30])
def test_checker_accepts_an_alternative_correct_form(checker, answer):
    result = checker(answer, verbose=False)
    assert result, result.message


def test_every_checker_has_three_named_mistakes_and_two_alternative_forms():
    assert all(len(CASES[c][1]) >= 3 and len(ALTERNATIVES[c]) >= 2 for c in CASES)
