"""Checkers for chapter 12, "AlexNet": the cost of a convolution layer, the receptive field
of a strided stack, the derivatives of ReLU and tanh, inverted dropout, and mirror averaging
at test time."""

from __future__ import annotations

import functools

import numpy as np

from ..conv.arithmetic import conv_output_size
from ..nets import eval_mode
from ..train import predict
from .ch09_arithmetic import _distinct_case
from .engine import AnswerError, Mistake, Result, check_function, cycle_cases
from .receptive import check_receptive_field

__all__ = ["check_activation_grads", "check_conv_layer_cost", "check_inverted_dropout",
           "check_predict_with_mirror", "check_receptive_field"]


# --- exercise 1: output size, parameters and MACs of a convolution layer ----------------------

def _out(i, k, s, p):
    return conv_output_size(i, k, s, p)


def _conv_cost(i, c_in, c_out, k, stride, padding, groups):
    """(o, parameters, MACs) of ``nn.Conv2d(c_in, c_out, k, stride, padding, groups=groups)``
    on an i × i input: o = ⌊(i + 2p − k)/s⌋ + 1, c_out·(c_in/g)·k² + c_out parameters, and
    o²·c_out·(c_in/g)·k² multiply-accumulates (one per weight and output position)."""
    o = _out(i, k, stride, padding)
    weights = c_out * (c_in // groups) * k * k
    return o, weights + c_out, o * o * weights


def _with_bias_macs(i, c_in, c_out, k, stride, padding, groups):
    """torchinfo's count: every parameter, biases included, once per output position."""
    o, params, _ = _conv_cost(i, c_in, c_out, k, stride, padding, groups)
    return o * o * params


def _cost_mistake(size=None, params=None, macs=None):
    """A wrong (o, params, MACs): replace one part of the reference by a wrong formula."""
    def wrong(i, c_in, c_out, k, s, p, g):
        o_ref, params_ref, _ = _conv_cost(i, c_in, c_out, k, s, p, g)
        o = size(i, k, s, p) if size else o_ref
        n_params = params(c_in, c_out, k, g) if params else params_ref
        n_macs = (macs(o, c_in, c_out, k, g) if macs
                  else o * o * c_out * (c_in // g) * k * k)
        return o, n_params, n_macs
    return wrong


_COST_MISTAKES = [
    Mistake(_cost_mistake(size=lambda i, k, s, p: -(-(i + 2 * p - k) // s) + 1),
            "you rounded the output size up. That is cuda-convnet's rule (it is how the paper's "
            "code got 55 from 224); PyTorch drops a window that would stick out of the padded "
            "input: o = ⌊(i + 2p − k)/s⌋ + 1."),
    Mistake(_cost_mistake(size=lambda i, k, s, p: (i - k) // s + 1),
            "you forgot the padding: the window slides over the padded input, i + 2p wide."),
    Mistake(_cost_mistake(size=lambda i, k, s, p: (i + p - k) // s + 1),
            "the padding is added on both sides: i + 2p."),
    Mistake(_cost_mistake(size=lambda i, k, s, p: (i + 2 * p - k) // s),
            "off by one in the output size: count the first window too, ⌊(i + 2p − k)/s⌋ + 1."),
    Mistake(_cost_mistake(params=lambda ci, co, k, g: co * ci * k * k + co,
                          macs=lambda o, ci, co, k, g: o * o * co * ci * k * k),
            "you ignored the groups: with groups = g each filter sees only c_in/g input "
            "channels, so it has (c_in/g)·k² weights (and does that many MACs per position)."),
    Mistake(_cost_mistake(params=lambda ci, co, k, g: co * (ci // g) * k * k),
            "the parameters include one bias per filter: add c_out."),
    Mistake(_cost_mistake(params=lambda ci, co, k, g: (co // g) * (ci // g) * k * k + co,
                          macs=lambda o, ci, co, k, g: o * o * (co // g) * (ci // g) * k * k),
            "you counted the filters of one group only: all c_out filters have (c_in/g)·k² "
            "weights each."),
    Mistake(_cost_mistake(macs=lambda o, ci, co, k, g: o * co * (ci // g) * k * k),
            "a filter is applied at every position of the o × o output map: multiply by o², "
            "not o."),
    Mistake(_cost_mistake(macs=lambda o, ci, co, k, g: co * (ci // g) * k * k),
            "MACs count the work at every output position: weights × o²."),
]


def _draw_cost(rng):
    groups = int(rng.choice([1, 1, 2, 3, 4]))
    c_in = groups * int(rng.integers(1, 9))
    c_out = groups * int(rng.integers(1, 9))
    k = int(rng.choice([1, 3, 5, 7, 11]))
    stride, padding = int(rng.integers(1, 5)), int(rng.integers(0, 7))
    i = int(rng.integers(max(1, k - 2 * padding), 60))
    return i, c_in, c_out, k, stride, padding, groups


def _draw_cost_any(rng):
    """Any layer the question allows: even kernels, a kernel as large as the padded input (a
    1×1 output), AlexNet-sized inputs, groups up to 8 (dividing c_in and c_out)."""
    groups = int(rng.choice([1, 2, 4, 8]))
    c_in, c_out = groups * int(rng.integers(1, 5)), groups * int(rng.integers(1, 5))
    k, stride, padding = int(rng.integers(1, 12)), int(rng.integers(1, 6)), int(rng.integers(0, 4))
    low = max(1, k - 2 * padding)
    i = low if rng.random() < 0.2 else int(rng.integers(low, 240))
    return i, c_in, c_out, k, stride, padding, groups


def _case_cost(rng):
    # most cases separate every mistake (so the first wrong one is named); the others are
    # plain draws, so stride 1 and padding 0 (where some mistakes coincide) are tested too
    if rng.random() < 0.6:
        return _distinct_case(rng, _draw_cost, _conv_cost, [m.fn for m in _COST_MISTAKES])
    return _draw_cost(rng) if rng.random() < 0.5 else _draw_cost_any(rng)


def _accept_bias_macs(fn):
    """Accept both MAC conventions: weights only, or (torchinfo's) biases counted too."""
    if not callable(fn):
        return fn

    @functools.wraps(fn)
    def wrapped(*args):
        got = fn(*args)
        try:
            o, params, macs = got
            if int(macs) == _with_bias_macs(*args) != _conv_cost(*args)[2]:
                return o, params, _conv_cost(*args)[2]
        except (TypeError, ValueError):
            pass
        return got
    return wrapped


def check_conv_layer_cost(fn, *, verbose: bool = True) -> Result:
    """``conv_layer_cost(i, c_in, c_out, k, stride, padding, groups)``: the tuple (output size,
    parameters, multiply-accumulates) of ``nn.Conv2d(c_in, c_out, k, stride, padding,
    groups=groups)`` on a c_in × i × i input. MACs may count the weights only (o²·c_out·
    (c_in/g)·k²) or the biases too (torchinfo's convention, o² × parameters)."""
    return check_function(
        _accept_bias_macs(fn), _conv_cost, _case_cost, signature="conv_layer_cost(i, c_in, c_out, k, stride, padding, groups)",
        mistakes=_COST_MISTAKES, atol=0, rtol=0, n_cases=40, verbose=verbose,
    )


# --- exercise 2: the receptive field of a strided stack (shared with chapter 11) -----------


# --- exercise 3: the derivatives of ReLU and tanh ---------------------------------------------

def _act_grads(x):
    """(ReLU'(x), tanh'(x)) = (1[x > 0], 1 − tanh²(x)), with ReLU'(0) = 0 as in PyTorch."""
    return (x > 0).astype(float), 1.0 - np.tanh(x) ** 2


def _case_act(rng):
    shape = tuple(int(s) for s in rng.integers(2, 6, size=int(rng.integers(1, 3))))
    x = rng.normal(scale=2.0, size=shape)
    x.flat[rng.integers(0, x.size, size=max(1, x.size // 5))] = 0.0  # exact zeros: the kink
    return (x,)


def _case_act_any(rng):
    """Any array the question allows: a 0-d array, whole numbers, large |x| (where tanh'
    underflows towards 0), all zeros."""
    kind = int(rng.integers(0, 4))
    if kind == 0:
        return (np.array(float(rng.choice([0.0, rng.normal()]))),)
    if kind == 1:
        return (rng.integers(-3, 4, size=int(rng.integers(1, 8))).astype(float),)
    if kind == 2:
        return (rng.normal(scale=30.0, size=(2, int(rng.integers(1, 5)))),)
    return (np.zeros(int(rng.integers(1, 5))),)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def check_activation_grads(fn, *, verbose: bool = True) -> Result:
    """``activation_grads(x)``: the pair (dReLU/dx, dtanh/dx), element by element, with the
    subgradient 0 for ReLU at x = 0."""
    return check_function(
        fn, _act_grads, cycle_cases(_case_act, _case_act_any), signature="activation_grads(x)",
        n_cases=30,
        mistakes=[
            Mistake(lambda x: ((x >= 0).astype(float), 1.0 - np.tanh(x) ** 2),
                    "at x = 0 use the subgradient 0 for ReLU (x > 0, not x >= 0), as PyTorch "
                    "does."),
            Mistake(lambda x: (np.maximum(x, 0.0), 1.0 - np.tanh(x) ** 2),
                    "you returned ReLU itself, max(0, x); its derivative is 1 where x > 0 and "
                    "0 elsewhere."),
            Mistake(lambda x: ((x > 0).astype(float), 1.0 - x ** 2),
                    "tanh'(x) = 1 − tanh(x)², not 1 − x²: square the *output* of tanh."),
            Mistake(lambda x: ((x > 0).astype(float), 1.0 - np.tanh(x)),
                    "tanh'(x) = 1 − tanh(x)²: you forgot the square."),
            Mistake(lambda x: ((x > 0).astype(float), _sigmoid(x) * (1.0 - _sigmoid(x))),
                    "σ(x)(1 − σ(x)) is the derivative of the logistic sigmoid; for tanh it is "
                    "1 − tanh(x)²."),
            Mistake(lambda x: ((x > 0).astype(float), np.tanh(x) * (1.0 - np.tanh(x))),
                    "tanh'(x) = 1 − tanh(x)² (the sigmoid-like form tanh·(1 − tanh) is wrong)."),
            Mistake(lambda x: (1.0 - np.tanh(x) ** 2, (x > 0).astype(float)),
                    "the pair is in the wrong order: return (ReLU'(x), tanh'(x))."),
        ],
        verbose=verbose,
    )


# --- exercise 4: inverted dropout -------------------------------------------------------------

def _inverted_dropout(x, p, u):
    """Drop unit j where u[j] < p, scale the kept ones by 1/(1 − p): E[output] = x."""
    return np.where(u >= p, x / (1.0 - p), 0.0)


def _case_dropout(rng):
    shape = tuple(int(s) for s in rng.integers(2, 7, size=int(rng.integers(1, 3))))
    p = float(rng.uniform(0.1, 0.9))
    while abs(p - 0.5) < 0.05:  # p = 1 − p would hide the 1/p mistake
        p = float(rng.uniform(0.1, 0.9))
    u = rng.uniform(size=shape)
    u.flat[0] = p  # a tie: u = p exactly is kept (dropped only where u < p)
    return rng.normal(size=shape), p, u


def _case_dropout_any(rng):
    """Any p the question allows, 0 ≤ p < 1: no dropout (p = 0), p = 0.5, p close to 1, and
    ties u = p."""
    shape = tuple(int(s) for s in rng.integers(1, 6, size=int(rng.integers(1, 3))))
    p = float(rng.choice([0.0, 0.5, 0.99, rng.uniform(0.0, 1.0)]))
    u = rng.uniform(size=shape)
    u.flat[rng.integers(0, u.size)] = p
    return rng.normal(size=shape), p, u


def check_inverted_dropout(fn, *, verbose: bool = True) -> Result:
    """``inverted_dropout(x, p, u)``: training-time dropout with drop probability ``p``, given
    uniform random numbers ``u`` of x's shape (unit j is dropped where u[j] < p)."""
    return check_function(
        fn, _inverted_dropout, cycle_cases(_case_dropout, _case_dropout_any),
        signature="inverted_dropout(x, p, u)", n_cases=30,
        mistakes=[
            Mistake(lambda x, p, u: np.where(u > p, x / (1.0 - p), 0.0),
                    "a unit whose u equals p exactly is dropped in your answer: the rule is "
                    "'dropped where u < p', so u = p is kept (keep where u >= p)."),
            Mistake(lambda x, p, u: np.where(u >= p, x, 0.0),
                    "you dropped the right units but did not rescale: inverted dropout divides "
                    "the kept units by 1 − p during training, so the expected output equals x "
                    "and nothing changes at test time."),
            Mistake(lambda x, p, u: np.where(u >= p, x * (1.0 - p), 0.0),
                    "multiplying by 1 − p is what the original dropout does at *test* time; "
                    "inverted dropout divides the kept units by 1 − p during training."),
            Mistake(lambda x, p, u: np.where(u >= p, x / p, 0.0),
                    "divide by the keep probability 1 − p, not by the drop probability p."),
            Mistake(lambda x, p, u: np.where(u < p, x / (1.0 - p), 0.0),
                    "you kept the units with u < p, i.e. with probability p: a unit is *dropped* "
                    "when u < p and kept with probability 1 − p."),
            Mistake(lambda x, p, u: np.where(u < p, x / p, 0.0),
                    "you kept the units with u < p (probability p): a unit is dropped when "
                    "u < p, kept otherwise, and the kept ones are divided by 1 − p."),
            Mistake(lambda x, p, u: x / (1.0 - p),
                    "you rescaled every unit but dropped none: set the units with u < p to 0."),
        ],
        verbose=verbose,
    )


# --- exercise 5: averaging over an image and its mirror image ---------------------------------

def _torch():
    import torch

    return torch


def _eval_probs(net, X):
    """softmax(net(X)) in eval mode without gradients: the package's
    :func:`~dlsg_utils.train.predict`, then the softmax."""
    return predict(net, X).softmax(dim=1)


def _predict_with_mirror(net, X):
    """(softmax(net(X)) + softmax(net(X mirrored left-right))) / 2, in eval mode."""
    return (_eval_probs(net, X) + _eval_probs(net, X.flip(-1))) / 2


def _mirror_logits_averaged(net, X):
    torch = _torch()
    with eval_mode(net), torch.no_grad():
        return torch.softmax((net(X) + net(X.flip(-1))) / 2, dim=1)


def _mirror_no_softmax(net, X):
    torch = _torch()
    with eval_mode(net), torch.no_grad():
        return (net(X) + net(X.flip(-1))) / 2


def _case_mirror(rng):
    torch = _torch()
    from torch import nn

    n, classes = int(rng.integers(3, 9)), int(rng.integers(3, 7))
    h, w = int(rng.integers(4, 8)), int(rng.integers(4, 8))
    g = torch.Generator().manual_seed(int(rng.integers(0, 2**31 - 1)))
    with torch.random.fork_rng(devices=[]):  # leave the reader's global random state alone
        net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Dropout(0.5), nn.Flatten(),
                            nn.Linear(4 * (h - 2) * (w - 2), classes)).double()
    with torch.no_grad():
        for p in net.parameters():  # logits of order 1-10: the conventions differ clearly
            p.normal_(0.0, 1.0, generator=g)
    net.train()  # as a network is left after training: dropout on until eval() is called
    X = torch.from_numpy(rng.normal(size=(n, 3, h, w)))
    return net, X


_MIRROR_MISTAKES = [
    Mistake(_mirror_logits_averaged,
            "you averaged the scores (logits) and then took the softmax; the paper averages the "
            "softmax *probabilities* of the views: (softmax(f(x)) + softmax(f(x')))/2."),
    Mistake(_mirror_no_softmax,
            "return probabilities: apply the softmax to each view's scores, then average."),
    Mistake(lambda net, X: (_eval_probs(net, X) + _eval_probs(net, X.flip(-2))) / 2,
            "that is an up-down flip (axis −2); a mirror image flips left-right, the last "
            "axis: X.flip(-1)."),
    Mistake(lambda net, X: (_eval_probs(net, X) + _eval_probs(net, X.flip(1))) / 2,
            "you reversed the colour channels (axis 1); a mirror image flips the width axis: "
            "X.flip(-1)."),
    Mistake(lambda net, X: _eval_probs(net, X.flip(-1)),
            "average the two views: the original image *and* its mirror image."),
    Mistake(lambda net, X: _eval_probs(net, X),
            "you returned the original image's probabilities only: average them with those of "
            "the mirrored image."),
]


def check_predict_with_mirror(fn, *, verbose: bool = True) -> Result:
    """``predict_with_mirror(net, X)``: class probabilities (N, C) averaged over each image of
    the batch ``X: (N, C_in, H, W)`` and its left-right mirror image, computed in eval mode
    (dropout off) without gradients."""
    def dropout_first(fn):  # run by the engine, inside its guard and time limit
        net, X = _case_mirror(np.random.default_rng(12))
        try:
            first, second = fn(net, X), fn(net, X)
        except Exception:  # noqa: BLE001 -- check_function reports the reader's error
            return fn
        torch = _torch()
        if (isinstance(first, torch.Tensor) and isinstance(second, torch.Tensor)
                and first.shape == second.shape and not torch.equal(first, second)):
            raise AnswerError("two calls on the same images gave different answers: dropout "
                              "is still on. Call net.eval() first (and net.train() afterwards "
                              "if you want to restore the mode).")
        return fn

    return check_function(
        fn, _predict_with_mirror, _case_mirror, signature="predict_with_mirror(net, X)", mistakes=_MIRROR_MISTAKES, rtol=1e-9,
        adapt=dropout_first,
        atol=1e-12, n_cases=10, verbose=verbose,
    )
