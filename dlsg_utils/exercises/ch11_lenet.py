"""Checkers for chapter 11, "LeNet-5": parameters, connections and shapes of LeNet's layers,
the modern LeNet-5 as a module, the receptive field of a stack of layers (exercises 1-5; the
measurements of exercises 6 and 7 are in ``ch11_lenet_measures``)."""

from __future__ import annotations

import math
import zlib

import numpy as np
import torch
from torch import nn

from ..conv.arithmetic import conv_output_size, pool_output_size
from ..models import LeNet5
from .ch11_lenet_measures import check_paired_z, check_shift_digits  # exercises 6 and 7
from .engine import Mistake, Result, check_function, cycle_cases
from .receptive import check_receptive_field  # exercise 5, shared with chapter 12

__all__ = ["check_build_lenet", "check_conv_counts", "check_lenet_sizes", "check_paired_z",
           "check_receptive_field", "check_shift_digits", "check_sparse_conv_counts"]


def _same_numbers(got, want) -> bool:
    """The same whole numbers in any sequence form: a list, a tuple, an array or a tensor, ints
    or whole floats."""
    try:
        g = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return False
    return g.shape == (len(want),) and bool(np.array_equal(g, np.asarray(want, dtype=float)))


# --- exercise 1: parameters and connections of a convolution layer -----------------------------

def _conv_counts(c_in, c_out, k, out_size):
    """(parameters, connections) of a conv layer with C_out k×k filters over C_in maps, with
    biases, producing C_out maps of out_size × out_size: every output value uses the
    C_in·k·k weights of its filter plus one bias."""
    params = c_out * (c_in * k * k + 1)
    return params, params * out_size * out_size


def _case_conv(rng):
    c_in = int(rng.integers(1, 9))
    c_out = c_in + int(rng.integers(1, 17))       # c_out ≠ c_in: swapping them shows
    k = int(rng.choice([3, 5, 7]))
    out_size = int(rng.integers(2, 33))
    return c_in, c_out, k, out_size


def _case_conv_any(rng):
    """Any layer the question allows, boundaries included: 1×1 kernels, a 1×1 output,
    c_out = c_in or fewer filters than input maps."""
    return (int(rng.integers(1, 17)), int(rng.integers(1, 33)), int(rng.integers(1, 12)),
            int(rng.choice([1, int(rng.integers(1, 65))])))


def check_conv_counts(fn, *, verbose: bool = True) -> Result:
    """``conv_counts(c_in, c_out, k, out_size)`` -> ``(parameters, connections)`` of a conv
    layer with biases (LeCun's counting: a connection is one weight or bias used once)."""
    return check_function(
        fn, _conv_counts, cycle_cases(_case_conv, _case_conv_any),
        signature="conv_counts(c_in, c_out, k, out_size)", n_cases=30, compare=_same_numbers,
        mistakes=[
            Mistake(lambda ci, co, k, o: (co * ci * k * k, co * ci * k * k * o * o),
                    "you left out the biases: each of the C_out filters has one bias, which is "
                    "a parameter and adds one connection to every output value."),
            Mistake(lambda ci, co, k, o: (co * (ci * k * k + 1), co * ci * k * k * o * o),
                    "the parameters are right, but the connections miss the bias: LeCun counts "
                    "the bias as one connection per output value, (C_in·k·k + 1) per output."),
            Mistake(lambda ci, co, k, o: (co * (ci * k * k + 1),) * 2,
                    "connections = parameters only for a 1×1 output: every weight is used once "
                    "at each of the out_size × out_size positions (weight sharing)."),
            Mistake(lambda ci, co, k, o: (co * (ci * k * k + 1), co * (ci * k * k + 1) * o),
                    "multiply by the number of output positions, out_size², not out_size."),
            Mistake(lambda ci, co, k, o: (co * (ci * k + 1), co * (ci * k + 1) * o * o),
                    "a k×k filter over C_in maps has C_in·k² weights, not C_in·k."),
            Mistake(lambda ci, co, k, o: (co * (k * k + 1), co * (k * k + 1) * o * o),
                    "each filter spans all C_in input maps: it has C_in·k·k weights, not k·k."),
            Mistake(lambda ci, co, k, o: (ci * co * k * k + ci, (ci * co * k * k + ci) * o * o),
                    "there is one bias per *output* map (C_out of them), not per input map."),
        ],
        verbose=verbose,
    )


# --- exercise 2: map sizes through LeNet --------------------------------------------------------

def _lenet_sizes(n, padding):
    """Side of the maps after C1 (5×5 conv, zero padding ``padding``), S2 (2×2 pooling, stride
    2), C3 (5×5 conv), S4 (2×2 pooling) and C5 (5×5 conv) for an n × n input, from the
    package's :func:`~dlsg_utils.conv.conv_output_size` and
    :func:`~dlsg_utils.conv.pool_output_size` (a ValueError when a layer does not fit)."""
    c1 = conv_output_size(n, 5, 1, padding)
    s2 = pool_output_size(c1, 2)
    c3 = conv_output_size(s2, 5)
    s4 = pool_output_size(c3, 2)
    return [c1, s2, c3, s4, conv_output_size(s4, 5)]


def _case_sizes(rng):
    while True:  # inputs for which C5 still has at least one pixel: n + 2p >= 32
        n, padding = int(rng.integers(24, 80)), int(rng.integers(0, 4))
        try:
            _lenet_sizes(n, padding)
        except ValueError:  # a layer does not fit: C5 would have no pixel left
            continue
        return n, padding


def _case_sizes_any(rng):
    """Any input on which C5 has a map (n + 2p ≥ 32), from the smallest, n + 2p = 32 or 33, to
    a line of digits 400 pixels wide, with paddings up to 12."""
    padding = int(rng.integers(0, 13))
    smallest = max(1, 32 - 2 * padding)
    n = smallest + int(rng.integers(0, 2)) if rng.random() < 0.5 else int(
        rng.integers(smallest, 401))
    return n, padding


def _sizes_with(conv, pool, pad_every=False):
    def sizes(n, padding):
        c1 = conv(n, padding)
        s2 = pool(c1)
        c3 = conv(s2, padding if pad_every else 0)
        s4 = pool(c3)
        return [c1, s2, c3, s4, conv(s4, padding if pad_every else 0)]
    return sizes


def check_lenet_sizes(fn, *, verbose: bool = True) -> Result:
    """``lenet_sizes(n, padding)`` -> the five map sides after C1, S2, C3, S4, C5."""
    valid = lambda n, p: n + 2 * p - 4  # noqa: E731
    half = lambda n: n // 2  # noqa: E731
    return check_function(
        fn, _lenet_sizes, cycle_cases(_case_sizes, _case_sizes_any),
        signature="lenet_sizes(n, padding)", n_cases=30, compare=_same_numbers,
        mistakes=[
            Mistake(_sizes_with(lambda n, p: n - 4, half),
                    "you ignored the padding of C1: a zero border of p pixels on each side makes "
                    "the input n + 2p wide before the 5×5 window slides over it."),
            Mistake(_sizes_with(lambda n, p: n + 2 * p - 5, half),
                    "off by one: a 5×5 window fits in n − 5 + 1 = n − 4 positions, not n − 5."),
            Mistake(_sizes_with(lambda n, p: n + p - 4, half),
                    "the padding goes on both sides: add 2p, not p."),
            Mistake(_sizes_with(valid, lambda n: -(-n // 2)),
                    "2×2 pooling with stride 2 drops an odd last row/column: round down "
                    "(n // 2), not up."),
            Mistake(_sizes_with(valid, half, pad_every=True),
                    "only C1 is padded; C3 and C5 are 'valid' convolutions (no padding)."),
            Mistake(lambda n, p: _lenet_sizes(n, p)[:4],
                    "return all five sizes: C1, S2, C3, S4 and C5."),
        ],
        verbose=verbose,
    )


# --- exercise 3: C3's parameters and connections from a connection table -----------------------

def _sparse_conv_counts(table, k, out_size):
    """(parameters, connections) of a conv layer whose input-output map pairs follow
    ``table`` (C_in × C_out, True = connected): each connected pair has a k×k kernel, each
    output map one bias."""
    table = np.asarray(table, dtype=bool)
    params = int(table.sum()) * k * k + table.shape[1]
    return params, params * out_size * out_size


def _case_table(rng):
    c_in = int(rng.integers(2, 8))
    c_out = c_in + int(rng.integers(1, 12))
    table = rng.random((c_in, c_out)) < rng.uniform(0.3, 0.8)
    table[rng.integers(0, c_in, size=c_out), np.arange(c_out)] = True  # every map has an input
    if table.all():
        table[0, 0] = False                                             # keep it sparse
    return table, int(rng.choice([3, 5])), int(rng.integers(2, 15))


def _case_table_any(rng):
    """Any table the question allows: one input or one output map, a full (dense) table, an
    output map that reads no input (it still has its bias), any kernel, a 1×1 output."""
    c_in, c_out = int(rng.integers(1, 9)), int(rng.integers(1, 17))
    table = rng.random((c_in, c_out)) < float(rng.choice([0.0, 0.5, 1.0, rng.uniform()]))
    return table, int(rng.integers(1, 8)), int(rng.choice([1, int(rng.integers(1, 33))]))


def check_sparse_conv_counts(fn, *, verbose: bool = True) -> Result:
    """``sparse_conv_counts(table, k, out_size)`` -> ``(parameters, connections)`` of a conv
    layer with connection table ``table`` (C_in × C_out booleans), like LeNet's C3."""
    def counts(per_pair, biases):
        def f(t, k, o):
            t = np.asarray(t, dtype=bool)
            p = per_pair(t) * k * k + biases(t)
            return p, p * o * o
        return f

    return check_function(
        fn, _sparse_conv_counts, cycle_cases(_case_table, _case_table_any),
        signature="sparse_conv_counts(table, k, out_size)", n_cases=30,
        compare=_same_numbers,
        mistakes=[
            Mistake(counts(lambda t: t.size, lambda t: t.shape[1]),
                    "you counted a kernel for every (input, output) pair, as in a dense layer: "
                    "only the pairs marked True in the table have a k×k kernel."),
            Mistake(counts(lambda t: t.sum(), lambda t: 0),
                    "you left out the biases: one per output map (C_out = table.shape[1])."),
            Mistake(counts(lambda t: t.sum(), lambda t: t.sum()),
                    "one bias per output map, not one per connected pair."),
            Mistake(counts(lambda t: t.sum(), lambda t: t.shape[0]),
                    "the biases belong to the output maps: count table.shape[1] of them (the "
                    "table is C_in × C_out)."),
            Mistake(lambda t, k, o: (_sparse_conv_counts(t, k, o)[0],) * 2,
                    "connections = parameters × out_size²: every weight is used at each output "
                    "position."),
        ],
        verbose=verbose,
    )


# --- exercise 4: the modern LeNet-5 as nn.Sequential -------------------------------------------

_SIGNATURE = "build_lenet(in_channels, num_classes)"


def _reference_lenet(in_channels, num_classes, *, pad=2, pool=nn.MaxPool2d, act=nn.ReLU,
                     fc_act=True, last_act=False, flat=16 * 5 * 5, softmax=False):
    """The modern LeNet-5 (and, with the keywords, the mistakes the checker knows)."""
    fc = [nn.Linear(flat, 120), act(), nn.Linear(120, 84), act()] if fc_act else \
         [nn.Linear(flat, 120), nn.Linear(120, 84)]
    return nn.Sequential(
        nn.Conv2d(in_channels, 6, 5, padding=pad), act(), pool(2),
        nn.Conv2d(6, 16, 5), act(), pool(2),
        nn.Flatten(), *fc, nn.Linear(84, num_classes), *([act()] if last_act else []),
        *([nn.Softmax(dim=1)] if softmax else []))


def _values_for(shape: tuple[int, ...]) -> torch.Tensor:
    """Fixed pseudo-random values for a parameter, chosen by its shape alone (so the order in
    which a model registers its parameters does not matter). A matrix stored transposed, (in,
    out) instead of (out, in), gets the transposed values, so ``x @ W`` with ``W`` of shape
    (in, out) computes the same map as ``nn.Linear``."""
    transposed = len(shape) == 2 and shape[0] > shape[1]
    canon = shape[::-1] if transposed else shape
    g = torch.Generator().manual_seed(zlib.crc32(repr(canon).encode()))
    fan_in = math.prod(canon[1:]) if len(canon) > 1 else 10
    values = torch.randn(canon, generator=g, dtype=torch.float64) / fan_in ** 0.5
    return values.T if transposed else values


def _fingerprint(model, in_channels):
    """(parameter count, output shape, output values) of ``model`` on a fixed (2, C, 28, 28)
    batch, after setting every parameter to fixed pseudo-random values that depend only on its
    shape: a correct network passes whatever order its layers are defined in, and whether its
    forward uses modules or functions (``F.conv2d``, ``x @ W.T``)."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"build_lenet must return an nn.Module, got {type(model).__name__}")
    model = model.double().eval()
    g = torch.Generator().manual_seed(11)
    x = torch.rand(2, in_channels, 28, 28, generator=g, dtype=torch.float64)
    with torch.no_grad():
        try:
            model(x)  # a first pass creates the weights of lazy modules (nn.LazyLinear, ...)
            for p in model.parameters():
                p.copy_(_values_for(tuple(p.shape)))
            out = model(x)
        except Exception as err:
            raise ValueError(f"the forward pass of a (2, {in_channels}, 28, 28) batch failed "
                             f"({err}); print x.shape after each layer to find where") from None
    if not isinstance(out, torch.Tensor):
        raise TypeError(f"the model must return a tensor of class scores, got "
                        f"{type(out).__name__}")
    n_params = sum(p.numel() for p in model.parameters())
    return n_params, tuple(out.shape), out.numpy()


def _case_build(rng):
    return int(rng.integers(1, 4)), int(rng.integers(2, 21))


def _via(builder):
    return lambda c, k: _fingerprint(builder(c, k), c)


def _package_lenet(in_channels, num_classes):
    """The reference: the package's modern :class:`~dlsg_utils.models.LeNet5`."""
    return LeNet5("modern", num_classes=num_classes, in_channels=in_channels)


def check_build_lenet(fn, *, verbose: bool = True) -> Result:
    """``build_lenet(in_channels, num_classes)`` -> the modern LeNet-5 as an ``nn.Module``
    (an ``nn.Sequential`` is simplest) for (N, in_channels, 28, 28) inputs: conv 5×5 (6,
    padding 2) - ReLU - max-pool 2 - conv 5×5 (16) - ReLU - max-pool 2 - flatten - 120 - ReLU -
    84 - ReLU - num_classes.

    Checked by the parameter count, the output shape and the outputs for fixed weights; each
    weight's values depend only on its shape, so any order of definition passes."""
    return check_function(
        fn, _via(_package_lenet), _case_build, name="build_lenet", signature=_SIGNATURE,
        n_cases=4, adapt=_via,
        mistakes=[
            Mistake(_via(lambda c, k: _reference_lenet(c, k, pad=0, flat=16 * 4 * 4)),
                    "you left out padding=2 in the first convolution: then the maps shrink "
                    "28 → 24 → 12 → 8 → 4 and only 16·4·4 = 256 features reach the first linear "
                    "layer. The modern LeNet pads so that 16·5·5 = 400 do, as in the paper's "
                    "32×32 input."),
            Mistake(_via(lambda c, k: _reference_lenet(c, k, pool=nn.AvgPool2d)),
                    "you used average pooling (closest to the 1998 subsampling); the modern "
                    "LeNet uses max-pooling, nn.MaxPool2d(2)."),
            Mistake(_via(lambda c, k: _reference_lenet(c, k, act=nn.Tanh)),
                    "you used tanh, the 1998 choice; the modern LeNet uses ReLU."),
            Mistake(_via(lambda c, k: _reference_lenet(c, k, fc_act=False)),
                    "the fully connected layers need a ReLU after the 120- and the 84-unit "
                    "layers; without them the three linear layers collapse into one linear map."),
            Mistake(_via(lambda c, k: _reference_lenet(c, k, last_act=True)),
                    "no ReLU after the last layer: its outputs are class scores (logits) for "
                    "the cross-entropy loss and must be able to be negative."),
            Mistake(_via(lambda c, k: _reference_lenet(c, k, softmax=True)),
                    "no softmax at the end: F.cross_entropy (what fit uses) applies log-softmax "
                    "itself and expects raw scores (logits); a softmax in the model would be "
                    "applied twice."),
        ],
        verbose=verbose,
    )
