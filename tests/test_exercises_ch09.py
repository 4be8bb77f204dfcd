"""Chapter 9 checkers accept every correct convention and reject known-wrong answers with their
hint; the cases include the plain settings (stride 1, padding 0, dilation 1)."""

import math

import numpy as np
import torch
from checker_harness import checker_tests, solution_cells_run
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dlsg_utils.conv import conv_output_size, receptive_field
from dlsg_utils.exercises.ch09_arithmetic import (
    check_conv_macs,
    check_conv_output_size,
    check_input_sizes,
    check_receptive_field_of_stack,
    check_same_padding,
)


def _torch_size(i, k, s, p, d):
    conv = torch.nn.Conv2d(1, 1, k, stride=s, padding=p, dilation=d)
    return conv(torch.zeros(1, 1, i, i)).shape[-1]


def _brute_input_sizes(o, k, s, p, d):
    """Search: every i up to 200 whose output size is o."""
    sizes = []
    for i in range(1, 200):
        try:
            if conv_output_size(i, k, s, p, d) == o:
                sizes.append(i)
        except ValueError:  # the kernel does not fit
            continue
    return sizes


def _rf_closed_form(n, k, s):
    """1 + (k − 1)(sⁿ − 1)/(s − 1), or 1 + n(k − 1) for stride 1."""
    return 1 + (k - 1) * (n if s == 1 else (s**n - 1) // (s - 1))


def _counted_macs(h, w, c_in, c_out, k, s, p):
    """Count the products: every output position of every filter takes one window of c_in·k²."""
    oh, ow = conv_output_size(h, k, s, p), conv_output_size(w, k, s, p)
    return sum(c_in * k * k for _ in range(c_out) for _ in range(oh) for _ in range(ow))


CASES = {
    check_conv_output_size: (
        conv_output_size,
        [(lambda i, k, s, p, d: math.ceil((i + 2 * p - d * (k - 1) - 1) / s) + 1, "rounded up"),
         (lambda i, k, s, p, d: (i + 2 * p - k) // s + 1, "forgot the dilation"),
         (lambda i, k, s, p, d: (i + 2 * p - d * (k - 1)) // s + 1, "forgot the + 1"),
         (lambda i, k, s, p, d: (i + 2 * p - d * k) // s + 1, "span d·k cells"),
         (lambda i, k, s, p, d: (i + p - d * (k - 1) - 1) // s + 1, "both* sides"),
         (lambda i, k, s, p, d: (i + 2 * p - d * (k - 1) - 1) // s, "off by one"),
         (lambda i, k, s, p, d: i + 2 * p - d * (k - 1), "ignored the stride"),
         (lambda i, k, s, p, d: (i + 2 * p - d * (k - 1) - 1) / s + 1, "floor division")],
    ),
    check_same_padding: (
        lambda k, d: d * (k - 1) // 2,
        [(lambda k, d: k // 2, "forgot the dilation"),
         (lambda k, d: d * (k - 1), "*full* padding"),
         (lambda k, d: d * k // 2, "off by one inside")],
    ),
    check_input_sizes: (
        _brute_input_sizes,
        [(lambda o, k, s, p, d: [s * (o - 1) + d * (k - 1) + 1 - 2 * p], "only the smallest"),
         (lambda o, k, s, p, d: _brute_input_sizes(o, k, s, p, d)[-1:], "only the largest"),
         (lambda o, k, s, p, d: _brute_input_sizes(o, k, s, p, d)
          + [_brute_input_sizes(o, k, s, p, d)[-1] + 1], "one size too many"),
         (lambda o, k, s, p, d: _brute_input_sizes(o, k, s, p, 1), "forgot the dilation"),
         (lambda o, k, s, p, d: [i - p for i in _brute_input_sizes(o, k, s, 0, d)],
          "both* sides")],
    ),
    check_conv_macs: (
        _counted_macs,
        [(lambda h, w, ci, co, k, s, p: co * ci * k * k, "number of weights"),
         (lambda h, w, ci, co, k, s, p: co * ci * k * k + co, "number of parameters"),
         (lambda h, w, ci, co, k, s, p: h * w * co * ci * k * k, "per *input* pixel"),
         (lambda h, w, ci, co, k, s, p: 2 * _counted_macs(h, w, ci, co, k, s, p), "FLOPs"),
         (lambda h, w, ci, co, k, s, p: _counted_macs(h, w, ci, co, k, 1, p),
          "forgot the stride")],
    ),
    check_receptive_field_of_stack: (
        _rf_closed_form,
        [(lambda n, k, s: 1 + n * (k - 1), "ignored the stride"),
         (lambda n, k, s: _rf_closed_form(n + 1, k, s) - (k - 1), "one stride too many"),
         (lambda n, k, s: _rf_closed_form(n, k, s) - 1, "start from r = 1"),
         (lambda n, k, s: k**n, "overcounts"),
         (lambda n, k, s: k * s ** (n - 1), "windows of neighbouring units overlap"),
         (lambda n, k, s: 1 + (k - 1) * s ** (n - 1), "not only the last")],
    ),
}


(test_checker_accepts_the_reference,
 test_checker_rejects_a_known_mistake_with_its_hint,
 test_checker_reports_a_wrong_signature_without_raising,
 test_checker_reports_an_unattempted_stub) = checker_tests(CASES)


def _seen_cases(checker, reference):
    seen = []

    def spy(*args):
        seen.append(args)
        return reference(*args)

    assert checker(spy, verbose=False)
    return seen


def test_output_size_checker_draws_stride_1_padding_0_and_dilation_1():
    seen = _seen_cases(check_conv_output_size, conv_output_size)
    assert any(s == 1 for _, _, s, _, _ in seen) and any(p == 0 for _, _, _, p, _ in seen)
    assert any(d == 1 for *_, d in seen) and (1, 0, 1) in {c[2:] for c in seen}
    assert any(s > 1 and p > 0 and d > 1 for _, _, s, p, d in seen)


def test_output_size_checker_catches_a_formula_wrong_only_for_plain_settings():
    def special_cased(i, k, s, p, d):  # right with a stride, wrong without one
        return (i + 2 * p - d * (k - 1) - 1) // s + 1 if s > 1 else i - k + 1

    assert not check_conv_output_size(special_cased, verbose=False)


def test_output_size_hints_do_not_misname_the_dilated_kernel_size_mistakes():
    """Forgetting the + 1 of d(k − 1) + 1 equals rounding up whenever s = 2, and k̂ = d·k equals
    the off-by-one answer whenever d = s + 1; each is named for what it is, not for the
    mistake it happens to agree with on some inputs."""
    for wrong, right_hint, wrong_hints in [
            (lambda i, k, s, p, d: (i + 2 * p - d * (k - 1)) // s + 1, "forgot the + 1",
             ["rounded up", "off by one"]),
            (lambda i, k, s, p, d: (i + 2 * p - d * k) // s + 1, "span d·k cells",
             ["rounded up", "off by one"])]:
        result = check_conv_output_size(wrong, verbose=False)
        assert not result and result.cases <= 2 and right_hint in result.message
        assert not any(h in result.message for h in wrong_hints)
    # the coincidences the hints used to fall into
    assert math.ceil((9 + 2 - 2 * 2 - 1) / 2) + 1 == (9 + 2 - 2 * 2) // 2 + 1  # s = 2
    assert (9 + 2 - 3 * 2 - 1) // 2 == (9 + 2 - 3 * 3) // 2 + 1  # d = s + 1 = 3


def test_output_size_reference_equals_torch_on_the_checked_cases():
    for case in _seen_cases(check_conv_output_size, conv_output_size):
        assert conv_output_size(*case) == _torch_size(*case)


def test_same_padding_checker_draws_dilation_1_and_its_reference_keeps_the_size_in_torch():
    seen = _seen_cases(check_same_padding, lambda k, d: d * (k - 1) // 2)
    assert any(d == 1 for _, d in seen)
    x = torch.zeros(1, 1, 11, 11)
    for k, d in seen:
        conv = torch.nn.Conv2d(1, 1, k, padding=d * (k - 1) // 2, dilation=d)
        assert conv(x).shape[-1] == 11


def test_input_sizes_accepts_a_list_a_tuple_a_range_or_an_array():
    def as_range(o, k, s, p, d):
        first = s * (o - 1) + d * (k - 1) + 1 - 2 * p
        return range(max(first, 1), first + s)

    assert check_input_sizes(as_range, verbose=False)
    assert check_input_sizes(lambda *a: tuple(as_range(*a)), verbose=False)
    assert check_input_sizes(lambda *a: np.array(as_range(*a)), verbose=False)


def test_input_sizes_checker_draws_stride_1_where_one_size_is_the_answer():
    seen = _seen_cases(check_input_sizes, _brute_input_sizes)
    assert any(s == 1 for _, _, s, _, _ in seen) and any(s > 1 for _, _, s, _, _ in seen)


def test_conv_macs_reference_counts_the_multiplications_torch_would_do():
    """The slides' layer: 28·28 positions × 6 filters × 75 products = 352,800; checked against
    a count of multiplications through a torch conv whose inputs are all ones."""
    assert _counted_macs(32, 32, 3, 6, 5, 1, 0) == 28 * 28 * 6 * 75
    x, w = torch.ones(1, 3, 32, 32, dtype=torch.float64), torch.ones(6, 3, 5, 5,
                                                                      dtype=torch.float64)
    assert torch.nn.functional.conv2d(x, w).sum().item() == 28 * 28 * 6 * 75
    seen = _seen_cases(check_conv_macs, _counted_macs)
    assert any(s == 1 and p == 0 for *_, s, p in seen)


def test_receptive_field_checker_draws_single_layers_and_stride_1():
    seen = _seen_cases(check_receptive_field_of_stack, _rf_closed_form)
    assert any(n == 1 for n, _, _ in seen) and any(s == 1 for *_, s in seen)


def test_cycle_cases_takes_the_makers_in_turn_starting_with_the_first():
    from dlsg_utils.exercises.engine import cycle_cases

    maker = cycle_cases(lambda rng: ("separating",), lambda rng: ("plain",))
    rng = np.random.default_rng(0)
    assert [maker(rng)[0] for _ in range(5)] == ["separating", "plain"] * 2 + ["separating"]
    first_again = cycle_cases(lambda rng: ("separating",), lambda rng: ("plain",))
    assert first_again(rng) == ("separating",)


def _names_before_and_stubs(path):
    """Names the chapter's code uses or defines before its first exercise stub, and the names
    its stub cells define."""
    import ast
    import json
    from pathlib import Path

    cells = [("".join(c["source"]), c) for c in json.loads(Path(path).read_text())["cells"]
             if c["cell_type"] == "code"]
    first = next(i for i, (src, _) in enumerate(cells) if "raise NotImplementedError" in src)
    used = set()
    for src, _ in cells[:first]:
        for node in ast.walk(ast.parse(src)):
            if isinstance(node, ast.Name):
                used.add(node.id)
            elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                used.add(node.name)
            elif isinstance(node, ast.alias):
                used.add(node.asname or node.name.split(".")[0])
    stubs = {node.name for src, _ in cells[first:] if "raise NotImplementedError" in src
             for node in ast.walk(ast.parse(src)) if isinstance(node, ast.FunctionDef)}
    return used, stubs


def test_chapter_9_exercise_stubs_do_not_shadow_names_the_chapter_used_before():
    """Re-running an earlier cell after the exercises must still find the chapter's own names."""
    from pathlib import Path

    used, stubs = _names_before_and_stubs(
        Path(__file__).parents[1] / "chapters" / "09_convolution_arithmetic.ipynb")
    assert len(stubs) == 5 and not stubs & used, stubs & used


# --- every checker: at least two more correct forms accepted ------------------------------------

def _count_windows(i, k, s, p, d):
    """Slide the window: start at 0, step s, while its last tap stays in the padded input."""
    starts, start = 0, 0
    while start + d * (k - 1) < i + 2 * p:
        starts, start = starts + 1, start + s
    return starts


def _padding_that_keeps_the_size(k, d):
    return next(p for p in range(100)
                if 13 + 2 * p >= d * (k - 1) + 1 and _torch_size(13, k, 1, p, d) == 13)


ALTERNATIVES = {
    check_conv_output_size: [
        _torch_size, _count_windows,
        lambda i, k, s, p, d: float(math.floor((i + 2 * p - d * (k - 1) - 1) / s) + 1)],
    check_same_padding: [lambda k, d: d * (k - 1) / 2, _padding_that_keeps_the_size],
    check_input_sizes: [
        lambda o, k, s, p, d: [i for i in range(1, 400) if i + 2 * p >= d * (k - 1) + 1
                               and _count_windows(i, k, s, p, d) == o],
        lambda o, k, s, p, d: np.array(_brute_input_sizes(o, k, s, p, d), dtype=float)],
    check_conv_macs: [
        lambda h, w, ci, co, k, s, p: conv_output_size(h, k, s, p) * conv_output_size(w, k, s, p)
        * co * ci * k * k,
        lambda h, w, ci, co, k, s, p: torch.nn.functional.conv2d(  # count products with ones
            torch.ones(1, ci, h, w, dtype=torch.float64),
            torch.ones(co, ci, k, k, dtype=torch.float64), stride=s, padding=p).numel()
        * ci * k * k],
    check_receptive_field_of_stack: [
        lambda n, k, s: 1 + (k - 1) * (n if s == 1 else (s**n - 1) / (s - 1)),
        lambda n, k, s: np.int64(1) + np.int64(k - 1) * (np.int64(n) if s == 1 else
                                                         (np.int64(s) ** n - 1) // (s - 1))],
}


def test_checkers_accept_other_correct_forms():
    """torch's own shapes, sliding the window, floats for ints, arrays, counting with ones."""
    for checker, answers in ALTERNATIVES.items():
        for answer in answers:
            assert checker(answer, verbose=False), checker.__name__


def test_checkers_draw_the_boundaries_of_their_questions():
    """Input sizes whose padding alone gives more outputs (an empty answer included), images
    smaller than the kernel, stacks of 10⁹ layers and more."""
    seen = _seen_cases(check_input_sizes, _brute_input_sizes)
    assert any(s * (o - 1) + d * (k - 1) + 1 - 2 * p < 1 for o, k, s, p, d in seen)
    assert any(not _brute_input_sizes(*case) for case in seen)
    seen = _seen_cases(check_conv_macs, _counted_macs)
    assert any(h < k for h, _, _, _, k, _, _ in seen)
    seen = _seen_cases(check_receptive_field_of_stack, _rf_closed_form)
    assert seen[2][0] >= 10**9 and sum(n >= 10**9 for n, _, _ in seen) >= 5


def test_receptive_field_reference_is_the_packages_receptive_field_of_identical_layers():
    from dlsg_utils.exercises.ch09_arithmetic import _receptive_field_of_stack

    for n in range(1, 13):
        for k in range(1, 8):
            for s in range(1, 5):
                assert _receptive_field_of_stack(n, k, s) == receptive_field([(k, s)] * n)


def test_receptive_field_checker_rejects_a_loop_that_cannot_reach_the_deep_stacks():
    """A loop over the layers that gives up after a million layers stands in for one that
    would run for hours: it fails on case 3, the first stack of 10⁹ layers or more."""
    def looped(n, k, s):
        if n > 10**6:
            raise TimeoutError("still looping")
        r, jump = 1, 1
        for _ in range(n):
            r, jump = r + (k - 1) * jump, jump * s
        return r

    result = check_receptive_field_of_stack(looped, verbose=False)
    assert not result and result.cases == 3 and "still looping" in result.message


# --- the chapter's hidden solutions, run as they stand, on the whole domain of each question -----

def _solutions():
    from dlsg_utils.conv import transpose_output_padding

    namespace = {"np": np, "torch": torch, "F": torch.nn.functional, "math": math,
                 "conv_output_size": conv_output_size, "receptive_field": receptive_field,
                 "transpose_output_padding": transpose_output_padding}
    return solution_cells_run("09", namespace, checkers=(
        "check_conv_output_size", "check_same_padding", "check_input_sizes", "check_conv_macs",
        "check_receptive_field_of_stack"))


SOLUTIONS = _solutions()


def test_every_hidden_solution_passes_its_checker():
    for checker, name in [(check_conv_output_size, "output_size"),
                          (check_same_padding, "same_padding"),
                          (check_input_sizes, "input_sizes"), (check_conv_macs, "conv_macs"),
                          (check_receptive_field_of_stack, "receptive_field_of_stack")]:
        assert checker(SOLUTIONS[name], verbose=False), name


_layer = st.tuples(st.integers(1, 7), st.integers(1, 5), st.integers(0, 5), st.integers(1, 4))


@settings(max_examples=150, deadline=None)
@given(_layer, st.integers(1, 60))
def test_solution_output_size_is_torchs_wherever_the_kernel_fits(layer, i):
    k, s, p, d = layer
    assume(i + 2 * p >= d * (k - 1) + 1)
    assert SOLUTIONS["output_size"](i, k, s, p, d) == _torch_size(i, k, s, p, d)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 7), st.integers(1, 5), st.integers(1, 30))
def test_solution_same_padding_keeps_every_size_in_torch(half, d, i):
    k = 2 * half + 1
    p = SOLUTIONS["same_padding"](k, d)
    assert _torch_size(i, k, 1, p, d) == i


@settings(max_examples=200, deadline=None)
@given(_layer, st.integers(1, 40))
def test_solution_input_sizes_are_every_size_that_gives_o(layer, o):
    """Searched up to 400: padding large enough to leave no size, or sizes from 1, included."""
    k, s, p, d = layer
    want = [i for i in range(1, 400) if i + 2 * p >= d * (k - 1) + 1
            and conv_output_size(i, k, s, p, d) == o]
    assert list(SOLUTIONS["input_sizes"](o, k, s, p, d)) == want


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 40), st.integers(1, 40), st.integers(1, 4), st.integers(1, 4),
       st.integers(1, 6), st.integers(1, 3), st.integers(0, 4))
def test_solution_conv_macs_counts_the_products_of_any_layer_that_fits(h, w, ci, co, k, s, p):
    assume(min(h, w) + 2 * p >= k)
    assert SOLUTIONS["conv_macs"](h, w, ci, co, k, s, p) == _counted_macs(h, w, ci, co, k, s, p)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 14), st.integers(1, 9), st.integers(1, 5))
def test_solution_receptive_field_of_stack_is_the_packages(n, k, s):
    assert SOLUTIONS["receptive_field_of_stack"](n, k, s) == receptive_field([(k, s)] * n)


def test_solution_receptive_field_of_stack_answers_a_trillion_layers_at_once():
    assert SOLUTIONS["receptive_field_of_stack"](10**12, 3, 1) == 2 * 10**12 + 1
    assert SOLUTIONS["receptive_field_of_stack"](1000, 3, 2) == 2**1001 - 1


def test_investigate_solution_measures_that_a_2_first_needs_stride_3():
    assert SOLUTIONS["first"][0] == 3 and SOLUTIONS["largest"] == {1: 0, 2: 1, 3: 2, 4: 3}
    assert SOLUTIONS["agree"]
