"""Checkers for chapter 9, "Convolution arithmetic".

Each checker alternates two kinds of random cases: cases on which every known mistake gives
a different answer (so the first failure names the right one), and cases that also use the
plain settings (stride 1, padding 0, dilation 1, a single layer), where several mistakes agree
with the right answer but a formula that special-cases them wrongly is caught. Exercise 1 needs
two kinds of separating cases, because two of its mistakes (rounding up, and forgetting the + 1
of the dilated kernel size) cannot both differ from the answer and from each other on one case.
"""

from __future__ import annotations

import math

import numpy as np

from ..conv.arithmetic import conv_output_size
from .engine import Mistake, Result, check_function, cycle_cases

__all__ = ["check_conv_macs", "check_conv_output_size", "check_input_sizes",
           "check_receptive_field_of_stack", "check_same_padding"]


def _either(rng, plain_value, low, high):
    """``plain_value`` half of the time, else an int drawn from [low, high)."""
    return plain_value if rng.random() < 0.5 else int(rng.integers(low, high))


def _distinct_case(rng, draw, reference, mistakes):
    """A case from ``draw(rng)`` on which the reference and every mistake give different
    answers, so the first wrong case names the right mistake."""
    for _ in range(100_000):
        case = draw(rng)
        try:
            answers = [_key(reference(*case))] + [_key(m(*case)) for m in mistakes]
        except (ValueError, ZeroDivisionError):
            continue
        if len(set(answers)) == len(answers):
            return case
    raise RuntimeError("no case separates the mistakes: widen the random ranges")


def _key(answer):
    """A hashable form of an answer (a number, or a sequence of numbers)."""
    return tuple(np.atleast_1d(answer).tolist())


# --- exercise 1: output size with dilation -----------------------------------------------------

def _conv_output_size(i, k, s, p, d):
    """o = ⌊(i + 2p − d(k − 1) − 1)/s⌋ + 1: the package's
    :func:`~dlsg_utils.conv.conv_output_size`."""
    return conv_output_size(i, k, s, p, d)


_SIZE_MISTAKES = [  # forgetting the + 1 first: see _case_size
    Mistake(lambda i, k, s, p, d: (i + 2 * p - d * (k - 1)) // s + 1,
            "you forgot the + 1 of the dilated kernel size: the k taps lie d cells apart, so "
            "they span d(k − 1) cells *between* the first and the last tap plus the last tap "
            "itself, k̂ = d(k − 1) + 1. Subtract all of k̂: ⌊(i + 2p − d(k − 1) − 1)/s⌋ + 1."),
    Mistake(lambda i, k, s, p, d: math.ceil((i + 2 * p - d * (k - 1) - 1) / s) + 1,
            "you rounded up: a window that would stick out past the padded input is not used, "
            "so round (i + 2p − d(k − 1) − 1)/s *down* (floor division //)."),
    Mistake(lambda i, k, s, p, d: (i + 2 * p - k) // s + 1,
            "you forgot the dilation: a dilated kernel spans k̂ = k + (k − 1)(d − 1) = "
            "d(k − 1) + 1 input cells, so subtract d(k − 1) + 1, not k."),
    Mistake(lambda i, k, s, p, d: (i + 2 * p - d * k) // s + 1,
            "you took the dilated kernel to span d·k cells: only the k − 1 gaps *between* the "
            "taps are stretched to d cells, so k̂ = d(k − 1) + 1, which is d − 1 cells less "
            "than d·k."),
    Mistake(lambda i, k, s, p, d: (i + p - d * (k - 1) - 1) // s + 1,
            "the padding is added on *both* sides: i + 2p."),
    Mistake(lambda i, k, s, p, d: (i + 2 * p - d * (k - 1) - 1) // s,
            "off by one: count the first window too, ⌊(i + 2p − d(k − 1) − 1)/s⌋ + 1."),
    Mistake(lambda i, k, s, p, d: i + 2 * p - d * (k - 1),
            "you ignored the stride: the window moves s cells at a time, divide by s."),
    Mistake(lambda i, k, s, p, d: (i + 2 * p - d * (k - 1) - 1) / s + 1,
            "return a whole number: use floor division //."),
]


def _draw_size(rng):
    # dilations up to 8 and strides up to 5: with smaller ones, taking k̂ = d·k always gives
    # the same number as the answer or as the off-by-one mistake on some cases that matter
    k, d = int(rng.integers(2, 6)), int(rng.integers(2, 9))
    s, p = int(rng.integers(2, 6)), int(rng.integers(1, 9))
    k_hat = d * (k - 1) + 1
    i = int(rng.integers(max(1, k_hat - 2 * p), 60))
    return i, k, s, p, d


_FORGOT_ONE, _ROUNDED_UP = _SIZE_MISTAKES[0], _SIZE_MISTAKES[1]


def _case_size(rng):
    """A case where x = i + 2p − d(k − 1) − 1 leaves a remainder other than 0 and s − 1 when
    divided by s (so s ≥ 3): rounding up is wrong there, forgetting the + 1 of d(k − 1) + 1 is
    right, and every other mistake differs from the answer and from each other."""
    def draw(rng):
        while True:
            case = _draw_size(rng)
            i, k, s, p, d = case
            if (i + 2 * p - d * (k - 1) - 1) % s not in (0, s - 1):
                return case

    others = [m.fn for m in _SIZE_MISTAKES if m is not _FORGOT_ONE]
    return _distinct_case(rng, draw, _conv_output_size, others)


def _case_size_forgot_one(rng):
    """A case where s divides x + 1, the only cases where forgetting the + 1 is wrong; there it
    gives exactly what rounding up gives, which is why it comes first in the list of mistakes
    and rounding up has been caught (by :func:`_case_size`) on an earlier case."""
    def draw(rng):
        while True:
            case = _draw_size(rng)
            i, k, s, p, d = case
            if (i + 2 * p - d * (k - 1)) % s == 0:
                return case

    others = [m.fn for m in _SIZE_MISTAKES if m is not _ROUNDED_UP]
    return _distinct_case(rng, draw, _conv_output_size, others)


def _plain_size(rng):
    """Stride 1, padding 0 and dilation 1 each half of the time."""
    k, s = int(rng.integers(1, 6)), _either(rng, 1, 2, 4)
    p, d = _either(rng, 0, 1, 4), _either(rng, 1, 2, 4)
    i = int(rng.integers(max(1, d * (k - 1) + 1 - 2 * p), 40))
    return i, k, s, p, d


def check_conv_output_size(fn, *, verbose: bool = True) -> Result:
    """``output_size(i, k, s, p, d)`` = ⌊(i + 2p − d(k − 1) − 1)/s⌋ + 1, what
    ``torch.nn.Conv2d`` returns along one axis."""
    return check_function(
        fn, _conv_output_size, cycle_cases(_case_size, _case_size_forgot_one, _plain_size),
        signature="output_size(i, k, s, p, d)", mistakes=_SIZE_MISTAKES,
        atol=0, rtol=0, n_cases=40, verbose=verbose,
    )


# --- exercise 2: "same" padding ------------------------------------------------------------------

def _same_padding(k, d):
    """p = d(k − 1)/2: half the dilated kernel's reach, so o = i at stride 1 (odd k)."""
    return d * (k - 1) // 2


_PAD_MISTAKES = [
    Mistake(lambda k, d: k // 2,
            "you forgot the dilation: the dilated kernel spans d(k − 1) + 1 cells, so it needs "
            "d(k − 1)/2 cells of padding on each side, not ⌊k/2⌋."),
    Mistake(lambda k, d: d * (k - 1),
            "that is *full* padding (o = i + k̂ − 1); the padding goes on both sides, so each "
            "side needs half of it: d(k − 1)/2."),
    Mistake(lambda k, d: d * k // 2,
            "off by one inside: the kernel reaches d(k − 1) cells beyond its first tap, so "
            "p = d(k − 1)/2, not ⌊dk/2⌋."),
]


def _draw_pad(rng):
    return 2 * int(rng.integers(1, 6)) + 1, int(rng.integers(2, 5))


def _case_pad(rng):
    return _distinct_case(rng, _draw_pad, _same_padding, [m.fn for m in _PAD_MISTAKES])


def _plain_pad(rng):
    return 2 * int(rng.integers(0, 6)) + 1, _either(rng, 1, 2, 5)


def check_same_padding(fn, *, verbose: bool = True) -> Result:
    """``same_padding(k, d)``: the padding p that keeps o = i for a stride-1 convolution with an
    odd kernel size k and dilation d, p = d(k − 1)/2."""
    return check_function(
        fn, _same_padding, cycle_cases(_case_pad, _plain_pad), signature="same_padding(k, d)", mistakes=_PAD_MISTAKES, atol=0, rtol=0, n_cases=30,
        verbose=verbose,
    )


# --- exercise 3: which input sizes give an output size ------------------------------------------

def _input_sizes(o, k, s, p, d):
    """Every i ≥ 1 with ⌊(i + 2p − k̂)/s⌋ + 1 = o: from s(o − 1) + k̂ − 2p, s of them."""
    first = s * (o - 1) + d * (k - 1) + 1 - 2 * p
    return np.arange(max(first, 1), first + s)


_SIZES_MISTAKES = [
    Mistake(lambda o, k, s, p, d: np.array([s * (o - 1) + d * (k - 1) + 1 - 2 * p]),
            "you returned only the smallest size: the floor throws away up to s − 1 leftover "
            "cells, so s consecutive input sizes give the same output size."),
    Mistake(lambda o, k, s, p, d: _input_sizes(o, k, s, p, d)[-1:],
            "you returned only the largest size: the floor throws away up to s − 1 leftover "
            "cells, so s consecutive input sizes give the same output size."),
    Mistake(lambda o, k, s, p, d: np.arange(s * (o - 1) + d * (k - 1) + 1 - 2 * p,
                                            s * (o - 1) + d * (k - 1) + 2 - 2 * p + s),
            "one size too many: the leftover cells number 0 to s − 1, so there are exactly s "
            "sizes; the next one fits one more window."),
    Mistake(lambda o, k, s, p, d: _input_sizes(o, k, s, p, 1),
            "you forgot the dilation: the window spans k̂ = d(k − 1) + 1 cells."),
    Mistake(lambda o, k, s, p, d: _input_sizes(o, k, s, 0, d) - p,
            "the padding is added on *both* sides: subtract 2p."),
    Mistake(lambda o, k, s, p, d: _input_sizes(o, k, s, p, d) + s,
            "off by one window: o windows need o − 1 steps of s cells, plus the k̂ cells of the "
            "last window."),
]


def _draw_sizes(rng):
    k, d = int(rng.integers(2, 6)), int(rng.integers(2, 4))
    s, p = int(rng.integers(2, 5)), int(rng.integers(1, 4))
    return int(rng.integers(2, 30)), k, s, p, d


def _case_sizes(rng):
    while True:
        case = _distinct_case(rng, _draw_sizes, _input_sizes, [m.fn for m in _SIZES_MISTAKES])
        if _sizes_valid(case):
            return case


def _sizes_valid(case):
    """All the sizes are ≥ 1, so no mistake is hidden by the clipping at 1."""
    o, k, s, p, d = case
    return s * (o - 1) + d * (k - 1) + 1 - 2 * p >= 1


def _plain_sizes(rng):
    while True:
        case = (int(rng.integers(1, 30)), int(rng.integers(1, 6)), _either(rng, 1, 2, 5),
                _either(rng, 0, 1, 4), _either(rng, 1, 2, 4))
        if _sizes_valid(case):
            return case


def _padded_sizes(rng):
    """Padding so large that s(o − 1) + k̂ − 2p < 1: the sizes start at i = 1, or there are none
    (o = 1 with p = 2, k = 3: every input gives at least 2 outputs)."""
    o, k, s, d = (int(rng.integers(1, 4)), int(rng.integers(1, 6)), int(rng.integers(1, 5)),
                  _either(rng, 1, 2, 3))
    low = -(-(s * (o - 1) + d * (k - 1) + 1) // 2)  # 2p ≥ s(o − 1) + k̂: no size above 0
    return o, k, s, int(rng.integers(low, low + 3)), d


def check_input_sizes(fn, *, verbose: bool = True) -> Result:
    """``input_sizes(o, k, s, p, d)``: every input size i, in increasing order, for which a
    convolution (kernel k, stride s, padding p, dilation d) gives the output size o; none
    below i = 1, so an empty list when the padding alone gives more than o outputs."""
    return check_function(
        fn, _input_sizes, cycle_cases(_case_sizes, _plain_sizes, _padded_sizes),
        signature="input_sizes(o, k, s, p, d)", mistakes=_SIZES_MISTAKES, atol=0, rtol=0,
        n_cases=45, verbose=verbose,
    )


# --- exercise 4: the multiply-adds of a conv layer ---------------------------------------------

def _out(n, k, s, p):
    return conv_output_size(n, k, s, p)


def _conv_macs(h, w, c_in, c_out, k, s, p):
    """OH · OW · c_out output values, each a dot product of c_in · k² products."""
    return _out(h, k, s, p) * _out(w, k, s, p) * c_out * c_in * k * k


_MACS_MISTAKES = [
    Mistake(lambda h, w, ci, co, k, s, p: co * ci * k * k,
            "that is the number of weights: each weight is used once at *every* output "
            "position, so multiply by the OH · OW positions of the output map."),
    Mistake(lambda h, w, ci, co, k, s, p: co * ci * k * k + co,
            "that is the number of parameters: each weight is used once at *every* output "
            "position, so multiply the weights by the OH · OW positions."),
    Mistake(lambda h, w, ci, co, k, s, p: h * w * co * ci * k * k,
            "you counted one window per *input* pixel: count the output positions, "
            "OH = ⌊(H + 2p − k)/s⌋ + 1 (and likewise OW)."),
    Mistake(lambda h, w, ci, co, k, s, p: _out(h, k, s, p) * _out(w, k, s, p) * co * k * k,
            "you forgot the input channels: every output value is a dot product over the "
            "whole k × k × c_in window."),
    Mistake(lambda h, w, ci, co, k, s, p: 2 * _conv_macs(h, w, ci, co, k, s, p),
            "that is FLOPs (a multiply and an add each): count multiply-adds, one per product."),
    Mistake(lambda h, w, ci, co, k, s, p: _conv_macs(h, w, ci, co, k, s, p)
            + _out(h, k, s, p) * _out(w, k, s, p) * co,
            "leave the bias out: adding it is one addition per output, not a multiply-add."),
    Mistake(lambda h, w, ci, co, k, s, p: _out(h, k, 1, p) * _out(w, k, 1, p) * co * ci * k * k,
            "you forgot the stride: with stride s the window visits only every s-th position."),
    Mistake(lambda h, w, ci, co, k, s, p: _out(h, k, s, 0) * _out(w, k, s, 0) * co * ci * k * k,
            "you forgot the padding: it adds 2p cells to each axis, so more positions."),
]


def _draw_macs(rng):
    k = int(rng.integers(2, 8))
    s, p = int(rng.integers(2, 4)), int(rng.integers(1, 4))
    h = int(rng.integers(k + 2, 64))
    return (h, h + int(rng.integers(1, 9)), int(rng.integers(2, 17)), int(rng.integers(2, 65)),
            k, s, p)


def _case_macs(rng):
    return _distinct_case(rng, _draw_macs, _conv_macs, [m.fn for m in _MACS_MISTAKES])


def _plain_macs(rng):
    k = int(rng.integers(1, 8))
    return (int(rng.integers(k, 64)), int(rng.integers(k, 64)), int(rng.integers(1, 17)),
            int(rng.integers(1, 65)), k, _either(rng, 1, 2, 4), _either(rng, 0, 1, 4))


def _small_macs(rng):
    """Images smaller than the kernel, which the padding makes fit (h + 2p ≥ k)."""
    k = int(rng.integers(2, 8))
    p = int(rng.integers(k // 2, k))
    h, w = (int(rng.integers(max(1, k - 2 * p), k)) for _ in range(2))
    return h, w, int(rng.integers(1, 9)), int(rng.integers(1, 9)), k, _either(rng, 1, 2, 4), p


def check_conv_macs(fn, *, verbose: bool = True) -> Result:
    """``conv_macs(h, w, c_in, c_out, k, s, p)``: the multiply-adds of one forward pass of
    ``Conv2d(c_in, c_out, k, stride=s, padding=p)`` on one h × w image, OH · OW · c_out · c_in · k²
    (the bias additions not counted)."""
    return check_function(
        fn, _conv_macs, cycle_cases(_case_macs, _plain_macs, _small_macs),
        signature="conv_macs(h, w, c_in, c_out, k, s, p)", mistakes=_MACS_MISTAKES, atol=0,
        rtol=0, n_cases=45, verbose=verbose,
    )


# --- exercise 5: receptive field of a strided stack --------------------------------------------

def _geometric(n, s):
    """1 + s + … + s^(n−1) without a loop."""
    return n if s == 1 else (s**n - 1) // (s - 1)


def _receptive_field_of_stack(n_layers, k, s):
    """r = 1 + (k − 1)(1 + s + … + s^(n−1)): layer l widens the view by (k − 1) · s^(l−1); the
    package's :func:`~dlsg_utils.conv.receptive_field` of n identical layers (a test checks),
    in closed form, so that stacks of 10¹² layers are answered at once."""
    return 1 + (k - 1) * _geometric(n_layers, s)


def _kernel_power(n, k, s):
    if n > 4096:  # k**n has n·log2(k) bits: this mistake is recognised on the smaller cases
        raise OverflowError("too deep to compare")
    return k**n


_RF_MISTAKES = [
    Mistake(lambda n, k, s: 1 + n * (k - 1),
            "you ignored the stride: above a stride-s layer, neighbouring units are s input "
            "cells apart (the jump), so the next layer's k − 1 extra units cover (k − 1)·s cells."),
    Mistake(lambda n, k, s: 1 + (k - 1) * s * _geometric(n, s),
            "one stride too many: layer l's kernel is spread by the jump of the layers *below* "
            "it, s^(l−1); the first layer's kernel touches adjacent pixels (jump 1)."),
    Mistake(lambda n, k, s: (k - 1) * _geometric(n, s),
            "off by one: start from r = 1 (a unit sees at least one pixel)."),
    Mistake(lambda n, k, s: k * s ** (n - 1),
            "the windows of neighbouring units overlap: add (k − 1)·(jump) per layer, "
            "r = 1 + (k − 1)(1 + s + … + s^(n−1))."),
    Mistake(_kernel_power,
            "multiplying the kernel sizes overcounts: neighbouring windows overlap; add "
            "(k − 1)·(jump) per layer."),
    Mistake(lambda n, k, s: 1 + (k - 1) * s ** (n - 1),
            "every layer adds to the view, not only the last: sum (k − 1)·s^(l−1) over the "
            "layers l = 1 … n."),
]


def _draw_rf(rng):
    return int(rng.integers(2, 7)), int(rng.integers(2, 8)), int(rng.integers(2, 4))


def _case_rf(rng):
    return _distinct_case(rng, _draw_rf, _receptive_field_of_stack, [m.fn for m in _RF_MISTAKES])


def _plain_rf(rng):
    return _either(rng, 1, 2, 7), int(rng.integers(1, 8)), _either(rng, 1, 2, 4)


def _deep_rf(rng):
    """Stacks a loop over the layers cannot go through in time: 10⁹ to 10¹² stride-1 layers."""
    return int(10 ** rng.uniform(9, 12)), int(rng.integers(1, 12)), 1


def _strided_deep_rf(rng):
    """Up to 30 strided layers: the answer is still below 2⁵³, so a float answer is exact."""
    return int(rng.integers(8, 31)), int(rng.integers(1, 12)), int(rng.integers(2, 4))


def check_receptive_field_of_stack(fn, *, verbose: bool = True) -> Result:
    """``receptive_field_of_stack(n_layers, k, s)``: the input cells (along one axis) seen by
    one unit after ``n_layers`` identical k × k convolutions of stride s (no dilation),
    1 + (k − 1)(1 + s + … + s^(n−1)). Some cases are stacks of 10⁹ to 10¹² stride-1 layers,
    which only a closed form answers in time; the first of them is case 3."""
    return check_function(
        fn, _receptive_field_of_stack,
        cycle_cases(_case_rf, _plain_rf, _deep_rf, _case_rf, _strided_deep_rf),
        signature="receptive_field_of_stack(n_layers, k, s)",
        mistakes=_RF_MISTAKES, atol=0, rtol=0, n_cases=40, verbose=verbose,
    )
