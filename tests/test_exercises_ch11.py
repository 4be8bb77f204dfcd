"""Chapter 11 checkers accept the reference and reject known-wrong answers with their hint."""

import numpy as np
import torch
from checker_harness import checker_tests
from torch import nn

from dlsg_utils.exercises.lenet import (
    check_build_lenet,
    check_conv_counts,
    check_lenet_sizes,
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
         (lambda c, k: _lenet(c, k, last=True), "no ReLU after the last layer")],
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
