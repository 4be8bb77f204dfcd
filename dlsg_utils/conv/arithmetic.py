"""Convolution arithmetic: output sizes, transposed sizes and receptive fields, one axis at a time.

Notation of Dumoulin & Visin (2016) and PyTorch: input size ``i``, kernel size ``k``, stride
``s``, zero padding ``p`` on each side, dilation ``d`` (``d = 1`` is an ordinary kernel;
cs231n's "dilation 0"). A dilated kernel covers k̂ = k + (k − 1)(d − 1) input positions, and

    o = ⌊(i + 2p − d(k − 1) − 1) / s⌋ + 1                    (Conv2d, each spatial axis)
    o = ⌊(i − k) / s⌋ + 1                                    (pooling without padding)
    o' = (i' − 1)s − 2p + d(k − 1) + a + 1                   (ConvTranspose2d, a = output_padding)

The functions here work on one axis with plain ints; the 2-D layers call them once per axis.
The private helpers ``_int`` and ``_pair`` validate hyper-parameters for the whole subpackage.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = [
    "conv_output_size",
    "conv_transpose_output_size",
    "dilated_kernel_size",
    "pool_output_size",
    "receptive_field",
    "transpose_output_padding",
]

IntOrPair = int | tuple[int, int]


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _int(value, name: str, minimum: int = 1) -> int:
    """``value`` as an int ≥ ``minimum`` (0 or 1), or a ValueError naming what was received."""
    if not _is_int(value) or value < minimum:
        kind = "a positive int" if minimum >= 1 else "a non-negative int"
        shown = int(value) if _is_int(value) else repr(value)
        raise ValueError(f"{name} must be {kind}, got {shown}")
    return int(value)


def _pair(value, name: str, minimum: int = 1) -> tuple[int, int]:
    """An int or an ``(h, w)`` pair of ints, returned as a pair (an int applies to both axes)."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a pair of ints (h, w), got {value!r}")
        return _int(value[0], name, minimum), _int(value[1], name, minimum)
    v = _int(value, name, minimum)
    return v, v


def dilated_kernel_size(k: int, d: int = 1) -> int:
    """Input positions spanned by a kernel of size ``k`` with dilation ``d``: k + (k−1)(d−1).

    The book: :eq:`eq-ch09-dilated-kernel`, chapter 9.
    """
    k, d = _int(k, "kernel size"), _int(d, "dilation")
    return k + (k - 1) * (d - 1)


def conv_output_size(i: int, k: int, s: int = 1, p: int = 0, d: int = 1) -> int:
    """Output size of a convolution along one axis: o = ⌊(i + 2p − d(k − 1) − 1)/s⌋ + 1.

    Special cases (unit stride): no padding o = i − k + 1, half padding (k = 2n + 1, p = n)
    o = i, full padding (p = k − 1) o = i + k − 1. Raises ValueError when the dilated kernel is
    larger than the padded input (PyTorch refuses these too).

    The book: :eq:`eq-ch09-output-size`, chapter 9.
    """
    i, s = _int(i, "input size"), _int(s, "stride")
    p = _int(p, "padding", minimum=0)
    k_hat = dilated_kernel_size(k, d)
    if k_hat > i + 2 * p:
        raise ValueError(
            f"kernel ({k}, dilated {k_hat}) is larger than the padded input ({i + 2 * p})"
        )
    return (i + 2 * p - k_hat) // s + 1


def pool_output_size(i: int, k: int, s: int | None = None) -> int:
    """Output size of max or average pooling (no padding) along one axis: o = ⌊(i − k)/s⌋ + 1.

    ``s`` defaults to ``k`` (non-overlapping windows), as in PyTorch's MaxPool2d/AvgPool2d.
    """
    i, k = _int(i, "i (the input size)"), _int(k, "k (the pool size)")
    s = k if s is None else _int(s, "s (the stride)")
    if k > i:
        raise ValueError(f"pool window ({k}) is larger than the input ({i})")
    return (i - k) // s + 1


def conv_transpose_output_size(
    i: int, k: int, s: int = 1, p: int = 0, d: int = 1, output_padding: int = 0
) -> int:
    """Output size of a transposed convolution (PyTorch ConvTranspose2d) along one axis.

    o' = (i − 1)s − 2p + d(k − 1) + output_padding + 1. The transposed convolution maps an
    ``o``-sized output of the convolution back to size ``i``; with s > 1 several ``i`` give the
    same ``o``, and ``output_padding`` (< max(s, d), as PyTorch requires) picks one of them (see
    :func:`transpose_output_padding`). Raises ValueError when o' < 1 (PyTorch returns an
    empty tensor for o' = 0 and raises for o' < 0).

    The book: :eq:`eq-ch09-transposed-size`, chapter 9.
    """
    i, k = _int(i, "input size"), _int(k, "kernel size")
    s, d = _int(s, "stride"), _int(d, "dilation")
    p = _int(p, "padding", minimum=0)
    a = _int(output_padding, "output_padding", minimum=0)
    if a >= max(s, d):
        raise ValueError(
            f"output_padding must be smaller than stride or dilation ({max(s, d)}), got {a}"
        )
    o = (i - 1) * s - 2 * p + d * (k - 1) + a + 1
    if o < 1:
        raise ValueError(
            f"transposed convolution output size would be {o}: padding {p} is too large for "
            f"input {i}, kernel {k}, stride {s}, dilation {d}"
        )
    return o


def transpose_output_padding(i: int, k: int, s: int = 1, p: int = 0, d: int = 1) -> int:
    """The ``output_padding`` that makes ConvTranspose2d return the convolution's input size ``i``.

    a = (i + 2p − d(k − 1) − 1) mod s, i.e. (i + 2p − k) mod s for d = 1 (Dumoulin & Visin,
    relationship 14): the rows the strided convolution skipped at the end.
    ``conv_transpose_output_size(conv_output_size(i, k, s, p, d), k, s, p, d, a) == i``.
    """
    conv_output_size(i, k, s, p, d)  # validates, and raises if the kernel does not fit
    return (i + 2 * p - dilated_kernel_size(k, d)) % s


def receptive_field(layers: Sequence[tuple[int, ...]]) -> int:
    """Receptive field on the input of one unit of the last layer of a stack of convolutions.

    ``layers`` lists ``(kernel, stride)`` or ``(kernel, stride, dilation)`` per layer, input
    first (pooling layers count as ``(k, s)``). With the jump j (distance in input pixels
    between neighbouring units, j₀ = 1) and r₀ = 1:

        r_l = r_{l−1} + (k̂_l − 1) j_{l−1},    j_l = j_{l−1} s_l,    k̂ = k + (k − 1)(d − 1).

    Three 3x3 stride-1 layers see 7x7; an empty list gives 1 (a pixel sees itself).

    The book: :eq:`eq-ch09-receptive-field`, chapter 9.
    """
    r, jump = 1, 1
    for n, layer in enumerate(layers):
        if not isinstance(layer, (tuple, list)) or len(layer) not in (2, 3):
            raise ValueError(
                f"layer {n} must be (kernel, stride) or (kernel, stride, dilation), got {layer!r}"
            )
        k, s = layer[0], _int(layer[1], "stride")
        d = layer[2] if len(layer) == 3 else 1
        r += (dilated_kernel_size(k, d) - 1) * jump
        jump *= s
    return r
