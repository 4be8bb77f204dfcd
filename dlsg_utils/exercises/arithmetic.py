"""Checkers for chapter 9, "Convolution arithmetic"."""

from __future__ import annotations

import math

from . import Mistake, Result, check_function

__all__ = ["check_conv_output_size", "check_conv_params", "check_receptive_field_of_stack",
           "check_same_padding"]


def _distinct_case(rng, draw, reference, mistakes):
    """A case from ``draw(rng)`` on which the reference and every mistake give different
    answers, so the first wrong case names the right mistake."""
    for _ in range(100_000):
        case = draw(rng)
        try:
            answers = [reference(*case)] + [m(*case) for m in mistakes]
        except (ValueError, ZeroDivisionError):
            continue
        if len(set(answers)) == len(answers):
            return case
    raise RuntimeError("no case separates the mistakes: widen the random ranges")


# --- exercise 1: output size with dilation -----------------------------------------------------

def _conv_output_size(i, k, s, p, d):
    """o = ⌊(i + 2p − d(k − 1) − 1)/s⌋ + 1."""
    return (i + 2 * p - d * (k - 1) - 1) // s + 1


_SIZE_MISTAKES = [
    Mistake(lambda i, k, s, p, d: math.ceil((i + 2 * p - d * (k - 1) - 1) / s) + 1,
            "you rounded up: a window that would stick out past the padded input is not used, "
            "so round (i + 2p − d(k − 1) − 1)/s *down* (floor division //)."),
    Mistake(lambda i, k, s, p, d: (i + 2 * p - k) // s + 1,
            "you forgot the dilation: a dilated kernel spans k̂ = k + (k − 1)(d − 1) = "
            "d(k − 1) + 1 input cells, so subtract d(k − 1) + 1, not k."),
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
    k, d = int(rng.integers(2, 6)), int(rng.integers(2, 5))
    s, p = int(rng.integers(2, 4)), int(rng.integers(1, 7))
    k_hat = d * (k - 1) + 1
    i = int(rng.integers(max(1, k_hat - 2 * p), 40))
    return i, k, s, p, d


def _case_size(rng):
    return _distinct_case(rng, _draw_size, _conv_output_size, [m.fn for m in _SIZE_MISTAKES])


def check_conv_output_size(fn, *, verbose: bool = True) -> Result:
    """``conv_output_size(i, k, s, p, d)`` = ⌊(i + 2p − d(k − 1) − 1)/s⌋ + 1, what
    ``torch.nn.Conv2d`` returns along one axis."""
    return check_function(
        fn, _conv_output_size, _case_size, name="conv_output_size",
        signature="conv_output_size(i, k, s, p, d)", mistakes=_SIZE_MISTAKES,
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


def check_same_padding(fn, *, verbose: bool = True) -> Result:
    """``same_padding(k, d)``: the padding p that keeps o = i for a stride-1 convolution with an
    odd kernel size k and dilation d, p = d(k − 1)/2."""
    return check_function(
        fn, _same_padding, _case_pad, name="same_padding", signature="same_padding(k, d)",
        mistakes=_PAD_MISTAKES, atol=0, rtol=0, n_cases=30, verbose=verbose,
    )


# --- exercise 3: parameters of a conv layer ----------------------------------------------------

def _conv_params(c_in, c_out, k, bias=True):
    """c_out · (k · k · c_in) weights, plus c_out biases when ``bias``."""
    return c_out * k * k * c_in + (c_out if bias else 0)


_PARAM_MISTAKES = [
    Mistake(lambda c_in, c_out, k, bias: c_out * k * k * c_in,
            "you forgot the bias: each of the c_out filters has one bias when bias=True."),
    Mistake(lambda c_in, c_out, k, bias: c_out * k * k + (c_out if bias else 0),
            "you forgot the input channels: each filter is k × k × c_in (a 5×5 filter on an "
            "RGB image has 5·5·3 weights)."),
    Mistake(lambda c_in, c_out, k, bias: c_out * k * k * c_in + c_out,
            "bias=False means no bias: add c_out only when bias is True."),
    Mistake(lambda c_in, c_out, k, bias: c_out * k * c_in + (c_out if bias else 0),
            "the kernel is k × k: k² weights per input channel, not k."),
    Mistake(lambda c_in, c_out, k, bias: c_out * k * k * c_in + (c_in if bias else 0),
            "one bias per *output* channel (filter), not per input channel."),
]


def _draw_params(rng):
    c_in, c_out = int(rng.integers(2, 65)), int(rng.integers(2, 129))
    return c_in, c_out, int(rng.integers(2, 8)), bool(rng.integers(0, 2))


def _case_params(rng):
    while True:
        case = _draw_params(rng)
        c_in, c_out, _, _ = case
        if c_in != c_out:
            return case


def check_conv_params(fn, *, verbose: bool = True) -> Result:
    """``conv_params(c_in, c_out, k, bias=True)``: the number of parameters of
    ``torch.nn.Conv2d(c_in, c_out, k, bias=bias)``, c_out · k² · c_in (+ c_out)."""
    return check_function(
        fn, _conv_params, _case_params, name="conv_params",
        signature="conv_params(c_in, c_out, k, bias=True)", mistakes=_PARAM_MISTAKES,
        atol=0, rtol=0, n_cases=40, verbose=verbose,
    )


# --- exercise 4: receptive field of a stack ----------------------------------------------------

def _receptive_field_of_stack(n_layers, k):
    """1 + n(k − 1): each stride-1 k × k layer widens the view by k − 1 cells."""
    return 1 + n_layers * (k - 1)


_RF_MISTAKES = [
    Mistake(lambda n, k: n * k,
            "the windows of neighbouring units overlap: each extra layer adds k − 1 cells, "
            "not k, so r = 1 + n(k − 1)."),
    Mistake(lambda n, k: n * (k - 1),
            "off by one: start from r = 1 (a unit sees itself) and add k − 1 per layer."),
    Mistake(lambda n, k: k**n,
            "receptive fields grow additively at stride 1, not multiplicatively: "
            "r = 1 + n(k − 1)."),
    Mistake(lambda n, k: k + n * (k - 1),
            "off by one: the first layer sees k = 1 + (k − 1) cells, so r = 1 + n(k − 1)."),
    Mistake(lambda n, k: 1 + (n - 1) * (k - 1),
            "off by one: every one of the n layers adds k − 1, including the first."),
]


def _draw_rf(rng):
    return int(rng.integers(2, 12)), 2 * int(rng.integers(1, 4)) + 1


def _case_rf(rng):
    return _distinct_case(rng, _draw_rf, _receptive_field_of_stack,
                          [m.fn for m in _RF_MISTAKES])


def check_receptive_field_of_stack(fn, *, verbose: bool = True) -> Result:
    """``receptive_field_of_stack(n_layers, k)``: the input cells (along one axis) seen by one
    unit after ``n_layers`` stride-1 k × k convolutions, 1 + n(k − 1)."""
    return check_function(
        fn, _receptive_field_of_stack, _case_rf, name="receptive_field_of_stack",
        signature="receptive_field_of_stack(n_layers, k)", mistakes=_RF_MISTAKES,
        atol=0, rtol=0, n_cases=30, verbose=verbose,
    )
