"""Checkers for chapter 5, "Visual demo: optimizers racing on 2-D surfaces".

Exercises: 1 when does a run escape the saddle (warm-up); 2 predict gradient descent's escape;
3 derive momentum's growth factor on the saddle; 4 when does a run arrive at the minimum;
5 does gradient noise free a run stuck on the saddle (investigate, no checker).
"""

from __future__ import annotations

from functools import partial

import numpy as np

from ..optim.theory import spectral_radius
from .engine import Mistake, Result, check_function, cycle_cases, without_numpy_warnings

__all__ = ["check_arrival_step", "check_escape_steps", "check_momentum_growth",
           "check_sgd_escape_steps"]


# --- exercise 1: when does a run leave the saddle? --------------------------------------------

def _escape_steps(path, threshold):
    beyond = np.flatnonzero(np.abs(np.asarray(path)[:, 1]) > threshold)
    return int(beyond[0]) if beyond.size else -1


def _case_escape(rng):
    """A path (T, 2): x shrinks, |y| grows geometrically from a tiny offset (or stays small)."""
    T = int(rng.integers(5, 40))
    t = np.arange(T)
    x = rng.uniform(0.5, 3.0) * rng.uniform(0.6, 0.95) ** t
    y = rng.choice([-1.0, 1.0]) * rng.uniform(1e-4, 1e-2) * rng.uniform(1.2, 2.0) ** t
    path = np.column_stack([x, y])
    if rng.random() < 0.2:  # a run that never escapes: the answer is -1
        return path, float(2 * np.abs(y).max() + 1)
    return path, float(rng.uniform(0.2, 2.0))


def _case_escape_edges(rng, kind):
    """The boundaries: a path of one row, an escape at row 0, and a |y| exactly equal to the
    threshold (not beyond it: the escape is the next row)."""
    path, threshold = _case_escape(rng)
    if kind == "one":
        path = path[:1]
    elif kind == "start":
        threshold = float(abs(path[0, 1]) / 2)
    else:
        threshold = float(abs(path[int(rng.integers(0, len(path) - 1)), 1]))
    return path, threshold


def _first(mask):
    idx = np.flatnonzero(mask)
    return int(idx[0]) if idx.size else -1


def check_escape_steps(fn, *, verbose: bool = True) -> Result:
    """``escape_steps(path, threshold)``: the first step t with |y_t| > threshold, or −1."""
    return check_function(
        fn, _escape_steps,
        cycle_cases(_case_escape, *(partial(_case_escape_edges, kind=k)
                                    for k in ("one", "start", "tie"))),
        signature="escape_steps(path, threshold)",
        mistakes=[
            Mistake(lambda p, th: _first(np.abs(p[:, 1]) > th) + 1
                    if _first(np.abs(p[:, 1]) > th) >= 0 else -1,
                    "off by one: row 0 of the path is the start θ₀ (step 0), so the step "
                    "index is the row index itself."),
            Mistake(lambda p, th: _first(np.abs(p[:, 0]) > th),
                    "you looked at x (column 0); the escape direction is y, column 1."),
            Mistake(lambda p, th: int(np.sum(np.abs(p[:, 1]) > th)) or -1,
                    "you counted the steps beyond the threshold; return the index of the "
                    "first one."),
            Mistake(lambda p, th: _first(p[:, 1] > th),
                    "use |y|: a run can escape downwards (y < −threshold) as well."),
            Mistake(lambda p, th: _first(np.abs(p[:, 1]) >= th),
                    "|y_t| must *exceed* the threshold: a row where |y| equals it exactly has "
                    "not escaped yet (use >, not >=)."),
        ],
        verbose=verbose,
    )


# --- exercise 2: predict SGD's escape from the saddle -----------------------------------------

def _sgd_escape_steps(y0, lr, threshold):
    """Gradient descent on x² − y² multiplies y by exactly 1 + 2η per step, y_t = y₀(1 + 2η)^t:
    the first whole t with |y_t| > threshold is ⌊t*⌋ + 1, t* = ln(threshold/|y₀|)/ln(1 + 2η),
    where a t* that is a whole number up to rounding (|y_k| = threshold exactly) counts as that
    number (|y_k| is not beyond the threshold yet: the count is k + 1)."""
    t_star = np.log(threshold / abs(float(y0))) / np.log1p(2 * lr)
    return int(np.floor(t_star + 1e-9)) + 1


def _case_sgd_escape(rng):
    return float(10 ** rng.uniform(-9, -1)), float(rng.uniform(0.005, 0.3)), float(rng.uniform(0.5, 5))


SGD_ESCAPE_MIN_SLOW_COUNT = 10**9
"""The fewest steps of the long cases of :func:`_case_sgd_escape_far`: no loop counts them."""


def _case_sgd_escape_far(rng):
    """The rest of the domain: y₀ of either sign; |y₀| hitting the threshold exactly after k steps
    (η = 0.5 or 1.5: y doubles or quadruples, exactly in floating point); and offsets as small
    as a float allows with tiny rates, counts of 10⁹ steps and more, which a loop cannot
    reach."""
    sign = float(rng.choice([-1.0, 1.0]))
    kind = int(rng.integers(2))
    if kind == 0:
        lr, threshold, k = float(rng.choice([0.5, 1.5])), float(rng.uniform(0.5, 5)), int(rng.integers(1, 60))
        return sign * threshold / (1 + 2 * lr) ** k, lr, threshold
    return (sign * float(10 ** rng.uniform(-300, -200)), float(10 ** rng.uniform(-9, -7)),
            float(rng.uniform(0.5, 5)))


def _same_escape_count(got, want) -> bool:
    """The same count (up to 0.5); beyond a million steps, to one part in a million."""
    try:
        g, w = float(np.asarray(got, dtype=float)), float(want)
    except (TypeError, ValueError):
        return False
    if np.isnan(g) and np.isnan(w):  # a mistake model's answer (want is never nan)
        return True
    return bool(abs(g - w) <= (0.5 if w < 1e6 else 1e-6 * w))


def _sgd_escape_formula(y0, lr, threshold, *, base, plus_one=True, use_threshold=True):
    ratio = (threshold if use_threshold else 1.0) / abs(y0)
    steps = np.log(ratio) / np.log(base(lr)) if base(lr) > 0 else np.nan
    return int(np.floor(steps)) + (1 if plus_one else 0)


def _sgd_escape_at_boundary(y0, lr, threshold):
    """⌈t*⌉, or ⌊t*⌋ + 1 computed without a tolerance: one too few where t* = k exactly."""
    t_star = np.log(threshold / abs(y0)) / np.log1p(2 * lr)
    k = int(round(t_star))
    if abs(t_star - k) > 1e-9:
        raise ValueError("not a boundary case")  # the engine skips this mistake here
    return k


def check_sgd_escape_steps(fn, *, verbose: bool = True) -> Result:
    """``sgd_escape_steps(y0, lr, threshold)``: the first step t at which gradient descent with
    learning rate η = ``lr`` on f = x² − y², started at (x₀, y0), has |y_t| > threshold.
    Since y_t = y0 (1 + 2η)^t, t = ⌊log(threshold/|y0|) / log(1 + 2η)⌋ + 1. Every other case is
    a negative y0, an exact hit of the threshold, or a count of 10⁹ steps and more, which only
    the formula reaches in time."""
    return check_function(
        fn, _sgd_escape_steps, cycle_cases(_case_sgd_escape, _case_sgd_escape_far),
        signature="sgd_escape_steps(y0, lr, threshold)", compare=_same_escape_count,
        mistakes=[
            Mistake(lambda y, lr, th: int(np.ceil(np.log(th / abs(y)) / (2 * lr))),
                    "log(1 + 2η) ≈ 2η only for small η: count the steps with the exact factor "
                    "per step, y_t = y₀(1 + 2η)^t, so t = log(threshold/|y₀|) / log(1 + 2η)."),
            Mistake(lambda y, lr, th: _sgd_escape_formula(y, lr, th, base=lambda e: 1 + 2 * e,
                                                          use_threshold=False),
                    "you counted the steps to |y| > 1: use the threshold, "
                    "log(threshold/|y₀|)."),
            Mistake(lambda y, lr, th: _sgd_escape_formula(y, lr, th, base=lambda e: 1 + e),
                    "∂f/∂y = −2y, so one step multiplies y by 1 + 2η (not 1 + η)."),
            Mistake(without_numpy_warnings(lambda y, lr, th: np.floor(np.log(th / y) / np.log1p(2 * lr)) + 1),
                    "y₀ can be negative (the run escapes downwards): use |y₀|."),
            Mistake(_sgd_escape_at_boundary,
                    "one step too few on a case where |y₀|(1 + 2η)^k equals the threshold "
                    "exactly: |y_k| is not *beyond* it yet, so the count is k + 1. If you took "
                    "⌈t*⌉, that is the first t with |y_t| ≥ threshold; if you took ⌊t*⌋ + 1 in "
                    "floating point, t* = k came out a hair below k: add a tolerance, "
                    "⌊t* + 1e-9⌋ + 1."),
            Mistake(lambda y, lr, th: _sgd_escape_formula(y, lr, th, base=lambda e: 1 + 2 * e,
                                                          plus_one=False),
                    "off by one: |y_t| must *exceed* the threshold, so take ⌊…⌋ + 1 (the first "
                    "whole step past the crossing)."),
            Mistake(lambda y, lr, th: _sgd_escape_formula(y, lr, th, base=lambda e: 1 - 2 * e),
                    "along y the surface curves *down* (f = −y²): the step y − η(−2y) multiplies "
                    "y by 1 + 2η; 1 − 2η is the factor along x, towards the saddle point."),
        ],
        verbose=verbose,
    )


# --- exercise 3: how fast does momentum leave the saddle? --------------------------------------

def _momentum_growth(lr, gamma):
    """The largest root of z² − (1 + γ + 2η) z + γ = 0: y_t grows like z^t. It is the package's
    spectral radius of momentum's iteration matrix for the curvature λ = −2 of f along y."""
    return float(spectral_radius(lr, gamma, -2.0))


def _case_growth(rng):
    return float(rng.uniform(0.005, 0.3)), float(rng.uniform(0.0, 0.99))


def _case_growth_edges(rng):
    """The rest of the domain: no momentum (γ = 0), γ up to 0.999, rates up to 1."""
    return (float(rng.choice([rng.uniform(1e-4, 0.005), rng.uniform(0.3, 1.0)])),
            float(rng.choice([0.0, 0.999, rng.uniform(0.99, 0.999)])))


def check_momentum_growth(fn, *, verbose: bool = True) -> Result:
    """``momentum_growth(lr, gamma)``: the factor by which |y| grows per step, in the long run,
    when momentum (v ← γv + η∇f, θ ← θ − v) runs on f = x² − y² away from y = 0. From
    y_t = (1 + γ + 2η) y_{t−1} − γ y_{t−2}: the largest root of z² − (1 + γ + 2η) z + γ."""
    return check_function(
        fn, _momentum_growth, cycle_cases(_case_growth, _case_growth_edges),
        signature="momentum_growth(lr, gamma)",
        mistakes=[
            Mistake(lambda lr, g: 1 + 2 * lr,
                    "that is plain gradient descent's factor 1 + 2η; momentum adds γ times the "
                    "last step: y_t = y_{t−1} + γ(y_{t−1} − y_{t−2}) + 2η y_{t−1}."),
            Mistake(lambda lr, g: 1 + 2 * lr / (1 - g),
                    "the 'effective learning rate η/(1 − γ)' holds for a gradient that stays "
                    "constant; here it grows step by step. Solve the recursion "
                    "y_t = (1 + γ + 2η) y_{t−1} − γ y_{t−2} instead."),
            Mistake(lambda lr, g: (1 + g + 2 * lr - np.sqrt((1 + g + 2 * lr) ** 2 - 4 * g)) / 2,
                    "that is the *smaller* root, a mode that dies out; the growth comes from "
                    "the larger one."),
            Mistake(lambda lr, g: abs(complex((1 + g - 2 * lr + np.sqrt(complex(
                        (1 + g - 2 * lr) ** 2 - 4 * g))) / 2)),
                    "that is the factor along a direction curving *up* (f = +y²), which "
                    "shrinks; along y the curvature is −2, so the recursion has +2η."),
        ],
        verbose=verbose,
    )


# --- exercise 4: when does a run arrive? -----------------------------------------------------

def _arrival_step(losses, f_min, tol):
    below = np.flatnonzero(np.asarray(losses, dtype=float) - f_min < tol)
    return int(below[0]) if below.size else -1


def _case_arrival(rng):
    """Losses that fall with noise (maybe never below tol), some nan after a blow-up, f* ≠ 0."""
    T = int(rng.integers(5, 60))
    f_min = float(rng.choice([0.0, rng.uniform(-5, 5)]))
    gaps = 10 ** (rng.uniform(0, 2) - rng.uniform(0.05, 0.3) * np.arange(T)
                  + 0.2 * rng.normal(size=T))
    if rng.random() < 0.2:
        gaps[int(rng.integers(1, T)):] = np.nan
    return f_min + gaps, f_min, float(10 ** rng.uniform(-3, 0.5))


def _case_arrival_telling(rng):
    """A case of :func:`_case_arrival` on which the run arrives and the known mistakes (the gap
    to 0 instead of f*, the index + 1, the count, a small change of the loss) all give different
    answers, so that the first failure names its own mistake."""
    for _ in range(200):
        losses, f_min, tol = _case_arrival(rng)
        gaps = np.asarray(losses) - f_min
        ref = _arrival_step(losses, f_min, tol)
        answers = [ref, _first(np.asarray(losses) < tol), ref + 1,
                   int(np.sum(gaps < tol)), _first(np.abs(np.diff(losses)) < tol)]
        if ref >= 0 and f_min != 0 and len(set(answers)) == len(answers):
            return losses, f_min, tol
    raise RuntimeError("no telling case in 200 draws")  # never seen; a bug of the checker


def _case_arrival_edges(rng, kind):
    """The boundaries: a run that starts inside (step 0), a gap exactly equal to tol at a new
    lowest loss (not below tol: the run arrives later, if ever), a single loss."""
    losses, f_min, tol = _case_arrival(rng)
    gaps = np.asarray(losses) - f_min
    if kind == "start":
        tol = float(gaps[0]) * 2
    elif kind == "tie":
        lowest = np.fmin.accumulate(np.where(np.isfinite(gaps), gaps, np.inf))
        records = np.flatnonzero(np.isfinite(gaps) & (gaps == lowest)
                                 & (np.r_[np.inf, lowest[:-1]] > gaps))
        tol = float(gaps[int(rng.choice(records))])
    else:
        losses = losses[:1]
    return losses, f_min, tol


def check_arrival_step(fn, *, verbose: bool = True) -> Result:
    """``arrival_step(losses, f_min, tol)``: the first step t (an index into ``losses``, the
    loss f(θ_t) at every step, t = 0 the start) with f(θ_t) − f* < tol, or −1 if never."""
    return check_function(
        fn, _arrival_step,
        cycle_cases(_case_arrival_telling, _case_arrival,
                    *(partial(_case_arrival_edges, kind=k) for k in ("start", "tie", "one"))),
        signature="arrival_step(losses, f_min, tol)",
        mistakes=[
            Mistake(lambda v, f, tol: _first(np.asarray(v) < tol),
                    "measure the gap to the minimum, f(θ_t) − f*: here f* is not 0."),
            Mistake(lambda v, f, tol: _first(np.asarray(v) - f < tol) + 1
                    if _first(np.asarray(v) - f < tol) >= 0 else -1,
                    "off by one: losses[0] is the loss at the start (step 0), so the step is "
                    "the index itself."),
            Mistake(lambda v, f, tol: int(np.sum(np.asarray(v) - f < tol)) or -1,
                    "you counted the steps below tol; return the index of the first one."),
            Mistake(lambda v, f, tol: (_first(np.asarray(v) - f < tol)
                                       if _first(np.asarray(v) - f < tol) >= 0 else len(v)),
                    "return −1 for a run that never arrives (not the number of steps)."),
            Mistake(lambda v, f, tol: _first(np.asarray(v) - f <= tol),
                    "the gap must be *below* tol: a loss exactly tol above the minimum has not "
                    "arrived yet (use <, not <=)."),
            Mistake(lambda v, f, tol: _first(np.abs(np.diff(v)) < tol),
                    "a small *change* of the loss is not arrival (a run can stall far from "
                    "the minimum): compare f(θ_t) − f* with tol."),
        ],
        verbose=verbose,
    )
