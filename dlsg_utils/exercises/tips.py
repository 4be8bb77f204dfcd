"""Checkers for chapter 6, "Choosing an optimizer, and tips for training"."""

from __future__ import annotations

import numpy as np

from . import Mistake, Result, check_function

__all__ = [
    "check_early_stopping_epoch",
    "check_ensemble_average",
    "check_noise_std",
    "check_step_lr",
]


# --- exercise 1: the gradient-noise standard deviation ----------------------------------------

def _noise_std(eta, t, gamma):
    return np.sqrt(eta / (1 + t) ** gamma)


def _case_noise(rng):
    # t >= 1 so that the "t instead of 1 + t" mistake gives a finite, recognisable answer
    return (float(rng.choice([0.01, 0.3, 1.0]) * rng.uniform(0.5, 2.0)),
            int(rng.integers(1, 5000)), float(rng.uniform(0.3, 1.0)))


def check_noise_std(fn, *, verbose: bool = True) -> Result:
    """``noise_std(eta, t, gamma)`` is σ_t = sqrt(η / (1 + t)^γ) (Neelakantan et al. 2015)."""
    return check_function(
        fn, _noise_std, _case_noise, name="noise_std", signature="noise_std(eta, t, gamma=0.55)",
        mistakes=[
            Mistake(lambda e, t, g: e / (1 + t) ** g,
                    "you returned the variance σ_t² = η/(1+t)^γ; the noise is scaled by its "
                    "square root, the standard deviation."),
            Mistake(lambda e, t, g: np.sqrt(e / t ** g),
                    "off by one: the denominator is (1 + t)^γ, so that step t = 0 gets "
                    "variance η instead of a division by zero."),
            Mistake(lambda e, t, g: np.sqrt(e / (1 + t)),
                    "the power γ is missing: σ_t² = η / (1 + t)^γ."),
            Mistake(lambda e, t, g: np.sqrt(e) / (1 + t) ** g,
                    "the square root must cover the whole variance: σ_t = sqrt(η) / (1+t)^(γ/2), "
                    "not sqrt(η) / (1+t)^γ."),
            Mistake(lambda e, t, g: np.sqrt(e * (1 + t) ** g),
                    "wrong sign of the exponent: the noise must *shrink* as t grows."),
        ],
        verbose=verbose,
    )


# --- exercise 2: when early stopping stops ----------------------------------------------------

def _early_stopping_epoch(val_losses, patience):
    best, wait = np.inf, 0
    for epoch, loss in enumerate(val_losses, start=1):
        if loss < best:
            best, wait = loss, 0
        else:
            wait += 1
            if wait >= patience:
                return epoch
    return len(val_losses)


def _first_increase(val_losses, patience):
    for epoch in range(2, len(val_losses) + 1):
        if val_losses[epoch - 1] > val_losses[epoch - 2]:
            return epoch
    return len(val_losses)


def _case_losses(rng):
    n = int(rng.integers(12, 40))
    # a falling trend, a rising tail (overfitting) and noise
    epochs = np.arange(n)
    turn = rng.integers(3, n - 3)
    losses = 1.0 / (1 + epochs) + 0.02 * np.maximum(0, epochs - turn) + rng.normal(0, 0.03, n)
    return [float(v) for v in losses], int(rng.integers(2, 6))


def check_early_stopping_epoch(fn, *, verbose: bool = True) -> Result:
    """``early_stopping_epoch(val_losses, patience)``: the epoch (counted from 1) after which
    training stops — the first epoch that ends ``patience`` epochs in a row without a new best
    validation loss — or ``len(val_losses)`` if that never happens."""
    return check_function(
        fn, _early_stopping_epoch, _case_losses, name="early_stopping_epoch",
        signature="early_stopping_epoch(val_losses, patience)",
        mistakes=[
            Mistake(lambda v, p: _early_stopping_epoch(v, p) - 1,
                    "off by one: epochs are counted from 1 (Python's index + 1)."),
            Mistake(lambda v, p: _early_stopping_epoch(v, p + 1),
                    "off by one: you waited patience + 1 epochs without improvement."),
            Mistake(lambda v, p: _early_stopping_epoch(v, p - 1),
                    "off by one: you stopped after patience − 1 epochs without improvement."),
            Mistake(lambda v, p: min(_early_stopping_epoch(v, p) + 1, len(v)),
                    "off by one: stop as soon as `patience` epochs in a row have not "
                    "improved, not one epoch later."),
            Mistake(_first_increase,
                    "you stopped at the first increase; patience means waiting for several "
                    "epochs without a new *best* loss (noise makes single increases common)."),
            Mistake(lambda v, p: int(np.argmin(v)) + 1,
                    "that is the best epoch (the one whose weights we restore), not the epoch "
                    "at which training stops."),
        ],
        verbose=verbose,
    )


# --- exercise 3: averaging an ensemble --------------------------------------------------------

def _ensemble_average(probs):
    return np.asarray(probs).mean(axis=0)


def _case_probs(rng):
    k, n, c = int(rng.integers(2, 6)), int(rng.integers(3, 9)), int(rng.integers(2, 6))
    logits = rng.normal(0, 2, size=(k, n, c))
    p = np.exp(logits)
    return (p / p.sum(axis=2, keepdims=True),)


def _one_hot_vote(probs):
    probs = np.asarray(probs)
    votes = np.eye(probs.shape[2])[probs.argmax(axis=2)]
    return votes.mean(axis=0)


def check_ensemble_average(fn, *, verbose: bool = True) -> Result:
    """``ensemble_average(probs)``: probs ``(K, N, C)`` of K models → the mean ``(N, C)``."""
    return check_function(
        fn, _ensemble_average, _case_probs, name="ensemble_average",
        signature="ensemble_average(probs)",
        mistakes=[
            Mistake(lambda p: np.asarray(p).sum(axis=0),
                    "you summed the models' probabilities; divide by K so the rows still "
                    "sum to 1."),
            Mistake(lambda p: np.asarray(p).mean(axis=1),
                    "wrong axis: average over the models (axis 0), not over the examples."),
            Mistake(lambda p: np.asarray(p).mean(axis=2),
                    "wrong axis: average over the models (axis 0), not over the classes."),
            Mistake(_one_hot_vote,
                    "you averaged the models' votes (one-hot of each argmax); average their "
                    "probabilities instead."),
            Mistake(lambda p: np.asarray(p)[0],
                    "you returned the first model's probabilities, not the average of all K."),
        ],
        verbose=verbose,
    )


# --- exercise 4: a step schedule --------------------------------------------------------------

def _step_lr(epoch, lr0, drop, every):
    return lr0 * drop ** (epoch // every)


def _case_step(rng):
    return (int(rng.integers(0, 60)), float(rng.choice([0.1, 0.05, 0.01, 1.0])),
            float(rng.choice([0.1, 0.5, 0.2])), int(rng.integers(2, 15)))


def check_step_lr(fn, *, verbose: bool = True) -> Result:
    """``step_lr(epoch, lr0, drop, every)`` = lr0 · drop^⌊epoch / every⌋ (epochs from 0)."""
    return check_function(
        fn, _step_lr, _case_step, name="step_lr", signature="step_lr(epoch, lr0, drop, every)",
        mistakes=[
            Mistake(lambda e, lr, d, k: lr * d ** (e / k),
                    "missing the floor: a *step* schedule stays constant for `every` epochs; "
                    "use integer division epoch // every (e / every gives an exponential "
                    "decay)."),
            Mistake(lambda e, lr, d, k: lr * d ** ((e + 1) // k),
                    "off by one: epochs count from 0, so the first drop happens at epoch "
                    "`every`, not `every` − 1."),
            Mistake(lambda e, lr, d, k: lr * d * (e // k),
                    "multiply by drop once per completed period — that is a power, "
                    "drop ** (epoch // every), not a product."),
            Mistake(lambda e, lr, d, k: lr * d ** e,
                    "you dropped the rate every epoch; drop only once every `every` epochs."),
        ],
        verbose=verbose,
    )
