"""Checkers for chapter 12, "AlexNet": grouped convolutions, the derivatives of
ReLU and tanh, and inverted dropout."""

from __future__ import annotations

import numpy as np

from . import Mistake, Result, check_function

__all__ = ["check_activation_grads", "check_grouped_conv_params",
           "check_inverted_dropout"]


# --- exercise 1: parameters of a grouped convolution ------------------------------------------

def _grouped_params(c_in, c_out, k, groups):
    """c_out filters of (c_in/groups)·k·k weights, plus one bias per filter."""
    return c_out * (c_in // groups) * k * k + c_out


def _case_grouped(rng):
    groups = int(rng.choice([1, 2, 2, 3, 4]))
    c_in = groups * int(rng.integers(1, 9))
    c_out = groups * int(rng.integers(1, 9))
    k = int(rng.choice([1, 3, 5, 7, 11]))
    return c_in, c_out, k, groups


def check_grouped_conv_params(fn, *, verbose: bool = True) -> Result:
    """``grouped_conv_params(c_in, c_out, k, groups)``: trainable parameters (weights and
    biases) of ``nn.Conv2d(c_in, c_out, k, groups=groups)``."""
    return check_function(
        fn, _grouped_params, _case_grouped, name="grouped_conv_params",
        signature="grouped_conv_params(c_in, c_out, k, groups)",
        mistakes=[
            Mistake(lambda ci, co, k, g: co * ci * k * k + co,
                    "you ignored the groups: with groups = g each filter sees only c_in/g of the "
                    "input channels (its own group), so it has (c_in/g)·k² weights."),
            Mistake(lambda ci, co, k, g: co * (ci // g) * k * k,
                    "you forgot the biases: every filter has one, c_out in all."),
            Mistake(lambda ci, co, k, g: co * (ci // g) * k * k + co // g,
                    "every one of the c_out filters has its own bias: add c_out, not c_out/g."),
            Mistake(lambda ci, co, k, g: (co // g) * (ci // g) * k * k + co,
                    "you counted the weights of one group only (or divided by g twice): all "
                    "c_out filters have (c_in/g)·k² weights each."),
            Mistake(lambda ci, co, k, g: co * (ci // g) * k + co,
                    "a k×k kernel has k² weights per input channel, not k."),
            Mistake(lambda ci, co, k, g: co * (ci // g) * k * k + co * (ci // g),
                    "one bias per filter, not one per input channel."),
        ],
        verbose=verbose,
    )


# --- exercise 2: the derivatives of ReLU and tanh ---------------------------------------------

def _act_grads(x):
    """(ReLU'(x), tanh'(x)) = (1[x > 0], 1 − tanh²(x)), with ReLU'(0) = 0 as in PyTorch."""
    return (x > 0).astype(float), 1.0 - np.tanh(x) ** 2


def _case_act(rng):
    shape = tuple(int(s) for s in rng.integers(2, 6, size=int(rng.integers(1, 3))))
    x = rng.normal(scale=2.0, size=shape)
    x.flat[rng.integers(0, x.size, size=max(1, x.size // 5))] = 0.0  # exact zeros: the kink
    return (x,)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def check_activation_grads(fn, *, verbose: bool = True) -> Result:
    """``activation_grads(x)``: the pair (dReLU/dx, dtanh/dx), element by element, with the
    subgradient 0 for ReLU at x = 0."""
    return check_function(
        fn, _act_grads, _case_act, name="activation_grads", signature="activation_grads(x)",
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


# --- exercise 3: inverted dropout -------------------------------------------------------------

def _inverted_dropout(x, p, u):
    """Drop unit j where u[j] < p, scale the kept ones by 1/(1 − p): E[output] = x."""
    return np.where(u >= p, x / (1.0 - p), 0.0)


def _case_dropout(rng):
    shape = tuple(int(s) for s in rng.integers(2, 7, size=int(rng.integers(1, 3))))
    p = float(rng.uniform(0.1, 0.9))
    while abs(p - 0.5) < 0.05:  # p = 1 − p would hide the 1/p mistake
        p = float(rng.uniform(0.1, 0.9))
    return rng.normal(size=shape), p, rng.uniform(size=shape)


def check_inverted_dropout(fn, *, verbose: bool = True) -> Result:
    """``inverted_dropout(x, p, u)``: training-time dropout with drop probability ``p``, given
    uniform random numbers ``u`` of x's shape (unit j is dropped where u[j] < p)."""
    return check_function(
        fn, _inverted_dropout, _case_dropout, name="inverted_dropout",
        signature="inverted_dropout(x, p, u)",
        mistakes=[
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
