"""Checkers for chapter 6, "Choosing an optimizer, and tips for training"."""

from __future__ import annotations

import inspect
import math

import numpy as np

from .engine import Mistake, Result, check_function, cycle_cases

__all__ = [
    "check_early_stopping_epoch",
    "check_goyal_lr",
    "check_lr_scaling_exponent",
    "check_majority_vote_error",
    "check_test_images_needed",
]


def _signature(fn):
    """fn's signature, so that a wrapper is checked against the reader's own arguments."""
    try:
        return inspect.signature(fn)
    except (TypeError, ValueError):  # a builtin without one
        return inspect.Signature([inspect.Parameter("args", inspect.Parameter.VAR_POSITIONAL)])


def _accepting(fn, reference, alternatives):
    """A stand-in for ``fn`` that reports ``reference``'s value whenever ``fn`` returned the
    value of one of the ``alternatives`` (other correct conventions), and ``fn``'s answer
    otherwise, so that the engine's mistake detection still sees wrong answers as they are."""
    if not callable(fn):
        return fn

    def accepted(*args):
        out = fn(*args)
        try:
            value = float(np.asarray(out, dtype=float))
        except (TypeError, ValueError):
            return out  # not a number: let the checker show what came back
        for alternative in alternatives:
            try:
                if math.isclose(value, float(alternative(*args)), rel_tol=1e-6, abs_tol=1e-12):
                    return reference(*args)
            except (ArithmeticError, ValueError):
                continue
        return out

    accepted.__signature__ = _signature(fn)
    return accepted


# --- exercise 1 (warm-up): when early stopping stops -------------------------------------------

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


def _any_losses(rng):
    """Short runs, patience 1 or longer than the run, and ties (an equal loss is no new best)."""
    n = int(rng.integers(1, 10))
    return ([round(float(v), 1) for v in rng.uniform(0.0, 0.5, n)],
            int(rng.choice([1, int(rng.integers(1, 12))])))


def check_early_stopping_epoch(fn, *, verbose: bool = True) -> Result:
    """``early_stopping_epoch(val_losses, patience)``: the epoch (counted from 1) after which
    training stops — the first epoch that ends ``patience`` epochs in a row without a new best
    validation loss — or ``len(val_losses)`` if that never happens."""
    return check_function(
        fn, _early_stopping_epoch, cycle_cases(_case_losses, _any_losses),
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


# --- exercise 2: the error of a majority vote of independent members ---------------------------

def _binomial_tail(error, K, first):
    return sum(math.comb(K, k) * error**k * (1 - error) ** (K - k) for k in range(first, K + 1))


def _majority_vote_error(error, K):
    return _binomial_tail(error, K, (K + 1) // 2)


def _case_vote(rng):
    error = float(rng.uniform(0.02, 0.45) if rng.random() < 0.85 else rng.uniform(0.55, 0.8))
    return error, int(rng.choice([3, 5, 7, 9, 11, 15, 21]))


def _any_vote(rng):
    """One member, errors of 0, 1/2 and 1, and large ensembles."""
    error = float(rng.choice([0.0, 0.5, 1.0, rng.uniform(0.0, 1.0)]))
    return error, 2 * int(rng.choice([0, 0, 1, int(rng.integers(2, 60))])) + 1


def check_majority_vote_error(fn, *, verbose: bool = True) -> Result:
    """``majority_vote_error(error, K)``: the probability that more than half of K members
    (K odd) are wrong, when each is wrong with probability ``error`` independently of the
    others: Σ_{k=(K+1)/2}^{K} C(K, k) e^k (1 − e)^(K−k)."""
    return check_function(
        fn, _majority_vote_error, cycle_cases(_case_vote, _any_vote),
        signature="majority_vote_error(error, K)",
        mistakes=[
            Mistake(lambda e, K: 1 - _majority_vote_error(e, K),
                    "that is the probability that the majority is *right*; the question asks "
                    "for its error."),
            Mistake(lambda e, K: _binomial_tail(e, K, K // 2),
                    "one term too many: with K odd a majority needs (K + 1)/2 wrong members; "
                    "K // 2 wrong members are a minority."),
            Mistake(lambda e, K: _binomial_tail(e, K, (K + 3) // 2),
                    "one term too few: exactly (K + 1)/2 wrong members already make a wrong "
                    "majority."),
            Mistake(lambda e, K: sum(e**k * (1 - e) ** (K - k) for k in range((K + 1) // 2, K + 1)),
                    "count the ways: k wrong members out of K can be chosen in C(K, k) ways "
                    "(math.comb(K, k)), and each way has probability e^k (1 − e)^(K−k)."),
            Mistake(lambda e, K: e ** ((K + 1) // 2),
                    "e^((K+1)/2) is the chance that one *particular* set of (K + 1)/2 members "
                    "errs; sum over every set of k ≥ (K + 1)/2 wrong members."),
            Mistake(lambda e, K: e**K,
                    "not all members must be wrong: a majority of wrong votes is enough."),
        ],
        verbose=verbose,
    )


# --- exercise 3: how many test images resolve a difference --------------------------------------

def _images_needed(d, q, z=1.96):
    return z**2 * (q - d**2) / d**2


def _images_needed_mcnemar(d, q, z=1.96):
    return z**2 * q / d**2


def _case_images(rng):
    if rng.random() < 0.3:  # the rest of the domain: large d, and q = |d| (one-sided)
        d = float(rng.uniform(0.001, 0.6)) * rng.choice([-1, 1])
        q = float(rng.choice([abs(d), rng.uniform(abs(d), 1.0)]))
        return d, q, float(rng.uniform(1.0, 4.0))
    d = float(rng.uniform(0.001, 0.04)) * rng.choice([-1, 1])
    q = float(abs(d) + rng.uniform(0.005, 0.1))  # disagreements include the difference
    return d, q, float(rng.choice([1.96, 2.0, 2.58, 3.0]))


def check_test_images_needed(fn, *, verbose: bool = True) -> Result:
    """``test_images_needed(d, q, z=1.96)``: the number n of test images for which a paired
    accuracy difference ``d`` between two networks that disagree on a fraction ``q`` of the
    images is ``z`` standard errors: n = z²(q − d²)/d².

    Accepted as well: McNemar's approximation z²q/d² (it drops d², small next to q), and
    either value rounded up to a whole number of images. The sign of d does not matter.
    """
    alternatives = [_images_needed_mcnemar,
                    lambda d, q, z=1.96: math.ceil(_images_needed(d, q, z)),
                    lambda d, q, z=1.96: math.ceil(_images_needed_mcnemar(d, q, z))]
    return check_function(
        fn, _images_needed, _case_images, signature="test_images_needed(d, q, z=1.96)",
        adapt=lambda fn: _accepting(fn, _images_needed, alternatives),
        mistakes=[
            Mistake(lambda d, q, z=1.96: z**2 * q * (1 - q) / d**2,
                    "q(1 − q) is the variance of a 0/1 variable; the per-image difference "
                    "δ takes the values −1, 0 and +1, with E[δ²] = q and E[δ] = d, so its "
                    "variance is q − d²."),
            Mistake(lambda d, q, z=1.96: z**2 * (q + d**2) / d**2,
                    "sign: Var δ = E[δ²] − (E δ)² = q − d², not q + d²."),
            Mistake(lambda d, q, z=1.96: z * (q - d**2) / d**2,
                    "z enters squared: d = z·sqrt(Var δ / n) gives n = z²·Var δ / d²."),
            Mistake(lambda d, q, z=1.96: z * q / d**2,
                    "z enters squared: d = z·sqrt(q / n) gives n = z²·q / d²."),
            Mistake(lambda d, q, z=1.96: z**2 * (q - d**2) / abs(d),
                    "d enters squared: n = z²·Var δ / d²."),
            Mistake(lambda d, q, z=1.96: z**2 * q / abs(d),
                    "d enters squared: n = z²·q / d²."),
            Mistake(lambda d, q, z=1.96: z * math.sqrt(q - d**2) / abs(d),
                    "that is sqrt(n): the standard error falls like 1/sqrt(n), so square it."),
            Mistake(lambda d, q, z=1.96: z * math.sqrt(q) / abs(d),
                    "that is sqrt(n): the standard error falls like 1/sqrt(n), so square it."),
        ],
        verbose=verbose,
    )


# --- exercise 4: how the best learning rate scales with the batch size --------------------------

def _slope(x, y):
    return float(np.polyfit(np.asarray(x, dtype=float), np.asarray(y, dtype=float), 1)[0])


def _scaling_exponent(batch_sizes, lrs):
    return _slope(np.log(batch_sizes), np.log(lrs))


def _case_scaling(rng):
    sizes = np.sort(rng.choice(2 ** np.arange(3, 12), size=int(rng.integers(3, 7)), replace=False))
    alpha, c = rng.uniform(0.2, 1.2), 10 ** rng.uniform(-3, -1)
    lrs = c * sizes.astype(float) ** alpha * np.exp(rng.normal(0, 0.3, size=len(sizes)))
    return sizes, lrs


def _any_scaling(rng):
    """Two points, batch sizes that are not powers of two, exponents of any sign."""
    sizes = np.sort(rng.choice(np.arange(1, 5000), size=int(rng.integers(2, 9)), replace=False))
    lrs = 10 ** rng.uniform(-4, 0) * sizes.astype(float) ** rng.uniform(-1, 2)
    return sizes, lrs * np.exp(rng.normal(0, 0.3, size=len(sizes)))


def check_lr_scaling_exponent(fn, *, verbose: bool = True) -> Result:
    """``lr_scaling_exponent(batch_sizes, lrs)``: the exponent α of lr ∝ b^α, the least-squares
    slope of log(lr) against log(b) over all points (any base of the logarithm gives the
    same slope)."""
    return check_function(
        fn, _scaling_exponent, cycle_cases(_case_scaling, _any_scaling),
        signature="lr_scaling_exponent(batch_sizes, lrs)",
        mistakes=[
            Mistake(lambda b, lr: _slope(b, lr),
                    "fit on log–log axes: a power law lr = c·b^α is a straight line of slope α "
                    "between log b and log lr, not between b and lr."),
            Mistake(lambda b, lr: _slope(np.log(b), lr),
                    "take the logarithm of the learning rates too (log lr = log c + α log b)."),
            Mistake(lambda b, lr: _slope(b, np.log(lr)),
                    "take the logarithm of the batch sizes too (log lr = log c + α log b)."),
            Mistake(lambda b, lr: _slope(np.log(lr), np.log(b)),
                    "you regressed log b on log lr; the exponent is the slope of log lr "
                    "against log b."),
            Mistake(lambda b, lr: float(np.polyfit(np.log(b), np.log(lr), 1)[1]),
                    "np.polyfit returns [slope, intercept]: you returned the intercept log c."),
            Mistake(lambda b, lr: float(np.log(lr[-1] / lr[0]) / np.log(b[-1] / b[0])),
                    "you used the two end points only; fit a least-squares line through all "
                    "of them (np.polyfit(np.log(b), np.log(lr), 1)), so that the middle "
                    "measurements count too."),
        ],
        verbose=verbose,
    )


# --- going further: Goyal et al.'s gradual warm-up ---------------------------------------------

def _goyal_lr(step, base_lr, k, warmup_steps):
    if step >= warmup_steps:
        return k * base_lr
    return base_lr * (1 + (k - 1) * step / warmup_steps)


def _goyal_lr_last_step(step, base_lr, k, warmup_steps):
    """The other reading: the ramp reaches k·η on the last warm-up step, warmup_steps − 1."""
    if step >= warmup_steps - 1:
        return k * base_lr
    return base_lr * (1 + (k - 1) * step / (warmup_steps - 1))


def _case_goyal(rng):
    if rng.random() < 0.5:  # the rest of the domain: one warm-up step, k = 1, the step itself
        warmup = int(rng.choice([1, 1, 2, 3]))
        step = max(0, warmup + int(rng.choice([-warmup, -1, 0, 0, 1, 10**6])))
        return step, float(rng.uniform(0.001, 1.0)), int(rng.integers(1, 64)), warmup
    warmup = int(rng.integers(5, 500))
    return (int(rng.integers(0, 2 * warmup)), float(rng.uniform(0.01, 0.2)),
            int(rng.choice([2, 4, 8, 32])), warmup)


def check_goyal_lr(fn, *, verbose: bool = True) -> Result:
    """``goyal_lr(step, base_lr, k, warmup_steps)``: the learning rate of step ``step`` (from 0)
    with Goyal et al.'s gradual warm-up for a batch k times the one ``base_lr`` = η was tuned
    for: from η at step 0, up by the same amount every step, to k·η at step ``warmup_steps``,
    and k·η from then on (the linear scaling rule). A ramp that already reaches k·η at step
    ``warmup_steps − 1`` is accepted too."""
    return check_function(
        fn, _goyal_lr, _case_goyal, signature="goyal_lr(step, base_lr, k, warmup_steps)",
        adapt=lambda fn: _accepting(fn, _goyal_lr, [_goyal_lr_last_step]),
        mistakes=[
            Mistake(lambda t, lr, k, w: lr * (1 + (k - 1) * t / w),
                    "after the warm-up the rate stays at k·η; yours keeps climbing."),
            Mistake(lambda t, lr, k, w: lr if t >= w else _goyal_lr(t, lr, k, w),
                    "after the warm-up comes the linear scaling rule's k·η, not η again."),
            Mistake(lambda t, lr, k, w: k * lr * min(t / w, 1.0),
                    "Goyal et al. start the ramp at η, the rate tuned for the small batch, not "
                    "at 0 (step 0 should use η)."),
            Mistake(lambda t, lr, k, w: _goyal_lr(t + 1, lr, k, w),
                    "off by one: steps count from 0, and step 0 uses η itself."),
            Mistake(lambda t, lr, k, w: lr * min(t / w, 1.0),
                    "the ramp runs from η up to k·η (the large batch's rate), not from 0 to η."),
        ],
        verbose=verbose,
    )
