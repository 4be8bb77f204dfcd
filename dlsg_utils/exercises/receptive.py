"""The receptive-field exercise of chapters 11 (LeNet-5) and 12 (AlexNet): one checker, its
reference the package's :func:`~dlsg_utils.conv.receptive_field`."""

from __future__ import annotations

import math

from ..conv.arithmetic import receptive_field
from .ch09_arithmetic import _distinct_case
from .engine import Mistake, Result, check_function, cycle_cases

__all__ = ["check_receptive_field"]


def _receptive_field(layers):
    """The package's :func:`~dlsg_utils.conv.receptive_field`: r = 1 + Σ_l (k_l − 1)·j_l with
    j_l = s_1 s_2 ⋯ s_(l−1), the spacing (in input pixels) of neighbouring units of layer l − 1."""
    return receptive_field([tuple(layer) for layer in layers])


def _rf_ignoring_strides(layers):
    return 1 + sum(k - 1 for k, _ in layers)


def _rf_own_stride(layers):
    r, jump = 1, 1
    for k, s in layers:
        jump *= s
        r += (k - 1) * jump
    return r


def _rf_no_minus_one(layers):
    r, jump = 0, 1
    for k, s in layers:
        r += k * jump
        jump *= s
    return r


def _rf_additive_jump(layers):
    r, jump = 1, 1
    for k, s in layers:
        r += (k - 1) * jump
        jump += s - 1
    return r


def _rf_own_stride_only(layers):
    r = 1
    for k, s in layers:
        r += (k - 1) * s
    return r


_RF_MISTAKES = [
    Mistake(_rf_ignoring_strides,
            "you ignored the strides: after a stride-s layer neighbouring units sit s input "
            "pixels apart, so every later layer's k − 1 extra units cover (k − 1)·jump pixels, "
            "with jump = the product of the strides *before* it."),
    Mistake(_rf_own_stride,
            "a layer's own stride spaces its *outputs*, not the inputs its window covers: "
            "multiply k − 1 by the product of the earlier layers' strides, then update jump."),
    Mistake(_rf_no_minus_one,
            "neighbouring windows overlap: a layer adds (k − 1)·jump pixels to the field "
            "(start from r = 1 for one input pixel)."),
    Mistake(_rf_additive_jump,
            "strides multiply: after strides 2 and 2 units are 4 input pixels apart, not 3."),
    Mistake(_rf_own_stride_only,
            "use the product of all earlier strides (the jump), not each layer's own stride."),
    Mistake(lambda layers: math.prod(k for k, _ in layers),
            "windows do not multiply: stacking a 5×5 on a 5×5 convolution sees 9×9, not 25×25."),
]


def _draw_rf(rng):
    n = int(rng.integers(2, 7))
    return ([(int(rng.choice([1, 2, 3, 5, 7, 11])), int(rng.integers(1, 5))) for _ in range(n)],)


def _case_rf(rng):
    layers, = _distinct_case(rng, lambda r: (tuple(_draw_rf(r)[0]),),
                             lambda ls: _receptive_field(ls), [m.fn for m in _RF_MISTAKES])
    return (list(layers),)


def _case_rf_any(rng):
    """Any stack the question allows: a single layer, poolings whose window equals their
    stride, 1×1 kernels, all strides 1, up to eight layers."""
    n = int(rng.integers(1, 9))
    layers = []
    for _ in range(n):
        s = int(rng.integers(1, 5))
        k = s if rng.random() < 0.25 else int(rng.integers(1, 12))
        layers.append((k, s))
    return (layers,)


def check_receptive_field(fn, *, verbose: bool = True) -> Result:
    """``receptive_field(layers)``: the width (in input pixels) of the window one unit of the
    last layer sees, for a stack of ``layers`` = [(k, s), ...] (kernel size and stride of each
    convolution or pooling layer, first layer first; padding does not change it)."""
    return check_function(
        fn, _receptive_field, cycle_cases(_case_rf, _case_rf_any),
        signature="receptive_field(layers)", mistakes=_RF_MISTAKES, atol=0, rtol=0, n_cases=40, verbose=verbose,
    )
