"""Checkers for chapter 11's measurements: digits shifted by a few pixels (exercise 6), and the
paired (McNemar) comparison of two classifiers on one test set (exercise 7)."""

from __future__ import annotations

import math

import numpy as np
import torch

from .engine import Mistake, Result, check_function, cycle_cases

__all__ = ["check_paired_z", "check_shift_digits"]


# --- exercise 6: shifting digits ----------------------------------------------------------------

def _shift_digits(X, dy, dx):
    """X (N, C, H, W) moved dy rows down and dx columns right (negative: up / left); the
    pixels that enter are 0 (the background)."""
    X = torch.as_tensor(X)
    H, W = X.shape[-2:]
    out = torch.zeros_like(X)
    if abs(dy) < H and abs(dx) < W:
        out[..., max(dy, 0):H + min(dy, 0), max(dx, 0):W + min(dx, 0)] = \
            X[..., max(-dy, 0):H + min(-dy, 0), max(-dx, 0):W + min(-dx, 0)]
    return out


def _case_shift(rng):
    h, w = int(rng.integers(5, 12)), int(rng.integers(5, 12))
    X = torch.from_numpy(rng.random((int(rng.integers(1, 4)), 1, h, w)).astype(np.float32))
    while True:
        dy, dx = int(rng.integers(-4, 5)), int(rng.integers(-4, 5))
        if dy != dx:  # a swap of the two must show
            return X, dy, dx


def _case_shift_any(rng):
    """Any batch and shift the question allows: several channels, float64 too, no shift, and
    shifts as large as the image or larger (every pixel leaves: all zeros)."""
    n, c = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    h, w = int(rng.integers(1, 13)), int(rng.integers(1, 13))
    dtype = np.float32 if rng.random() < 0.5 else np.float64
    X = torch.from_numpy(rng.random((n, c, h, w)).astype(dtype))
    dy, dx = (int(rng.integers(-h - 2, h + 3)), int(rng.integers(-w - 2, w + 3)))
    return X, dy, dx


def check_shift_digits(fn, *, verbose: bool = True) -> Result:
    """``shift_digits(X, dy, dx)`` -> the images X (N, C, H, W) moved ``dy`` rows down and
    ``dx`` columns right, with zeros (the background) where nothing moves in."""
    return check_function(
        fn, _shift_digits, cycle_cases(_case_shift, _case_shift_any),
        signature="shift_digits(X, dy, dx)", n_cases=30,
        mistakes=[
            Mistake(lambda X, dy, dx: torch.roll(torch.as_tensor(X), (dy, dx), dims=(-2, -1)),
                    "torch.roll wraps around: the ink that leaves on one side comes back on the "
                    "other. Fill the uncovered rows and columns with 0, the background."),
            Mistake(lambda X, dy, dx: _shift_digits(X, dx, dy),
                    "rows and columns swapped: dy moves the rows (the second-to-last axis), dx "
                    "the columns (the last axis)."),
            Mistake(lambda X, dy, dx: _shift_digits(X, -dy, -dx),
                    "wrong direction: with dx > 0 the digit moves right, so the pixel of column "
                    "j lands in column j + dx (and with dy > 0, down)."),
        ],
        verbose=verbose,
    )


# --- exercise 7: a paired comparison of two classifiers on one test set ------------------------

def _paired_z(correct_a, correct_b):
    """McNemar's z: (n_ab - n_ba) / sqrt(n_ab + n_ba), n_ab = images A gets right and B wrong;
    0 when the two never disagree."""
    a = np.asarray(correct_a).astype(bool)
    b = np.asarray(correct_b).astype(bool)
    n_ab, n_ba = int(np.sum(a & ~b)), int(np.sum(~a & b))
    return 0.0 if n_ab + n_ba == 0 else (n_ab - n_ba) / math.sqrt(n_ab + n_ba)


def _case_paired(rng):
    n = int(rng.integers(40, 3000))
    pa, pb, shared = rng.uniform(0.6, 0.99), rng.uniform(0.6, 0.99), rng.uniform(0.3, 0.95)
    a = rng.random(n) < pa
    b = np.where(rng.random(n) < shared, a, rng.random(n) < pb)
    b[0] = not a[0]  # at least one disagreement
    return a, b


def _case_paired_any(rng):
    """Any pair the question allows: a handful of images, classifiers that never disagree
    (z = 0), that disagree on every image, or that differ on a single image."""
    n = int(rng.choice([1, 2, 5, int(rng.integers(1, 3000))]))
    a = rng.random(n) < rng.uniform(0.0, 1.0)
    kind = rng.integers(0, 4)
    b = a.copy() if kind == 0 else ~a if kind == 1 else rng.random(n) < rng.uniform(0.0, 1.0)
    if kind == 3:
        b = a.copy()
        b[int(rng.integers(0, n))] ^= True
    return a, b


def check_paired_z(fn, *, verbose: bool = True) -> Result:
    """``paired_z(correct_a, correct_b)`` -> McNemar's z = (n_ab − n_ba) / sqrt(n_ab + n_ba)
    for two boolean arrays saying which test images classifiers A and B got right."""
    def counts(a, b):
        a, b = np.asarray(a).astype(bool), np.asarray(b).astype(bool)
        return int(np.sum(a & ~b)), int(np.sum(~a & b)), len(a)

    def unpaired(a, b):
        pa, pb = np.mean(a), np.mean(b)
        return (pa - pb) / math.sqrt((pa * (1 - pa) + pb * (1 - pb)) / len(a))

    def from_counts(f):
        return lambda a, b: f(*counts(a, b))

    return check_function(
        fn, _paired_z, cycle_cases(_case_paired, _case_paired_any),
        signature="paired_z(correct_a, correct_b)", rtol=1e-5, atol=1e-7, n_cases=30,
        mistakes=[
            Mistake(unpaired,
                    "that is the unpaired test, as if A and B had been measured on different "
                    "images. On one test set most images are right (or wrong) for both, and "
                    "only the disagreements say which classifier is better: use n_ab and n_ba."),
            Mistake(from_counts(lambda ab, ba, n: (ba - ab) / math.sqrt(ab + ba)),
                    "the sign is flipped: z must be positive when A is the better classifier "
                    "(n_ab, images only A gets right, minus n_ba)."),
            Mistake(from_counts(lambda ab, ba, n: (ab - ba) / (ab + ba)),
                    "divide by the standard deviation, sqrt(n_ab + n_ba), not by the number of "
                    "disagreements."),
            Mistake(from_counts(lambda ab, ba, n: (ab - ba) / math.sqrt(n)),
                    "the variance is the number of disagreements d = n_ab + n_ba, not the number "
                    "of images: the images both get right or both get wrong do not vary."),
            Mistake(from_counts(lambda ab, ba, n: 2 * (ab - ba) / math.sqrt(ab + ba)),
                    "n_ab is Binomial(d, 1/2) with variance d/4, but n_ab − n_ba = 2·n_ab − d "
                    "has four times that variance, d: divide by sqrt(d)."),
            Mistake(from_counts(lambda ab, ba, n: math.copysign(abs(ab - ba) - 1, ab - ba)
                         / math.sqrt(ab + ba)),
                    "that is the continuity-corrected statistic; the exercise asks for the plain "
                    "z, (n_ab − n_ba) / sqrt(n_ab + n_ba)."),
        ],
        verbose=verbose,
    )
