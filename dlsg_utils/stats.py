"""Comparisons as experiments: the spread over seeds and the test set's sampling error.

A test accuracy is an estimate twice over. Another seed (initial weights, batch order) gives
another network, and the test set is one sample of n images from all the images the network
could meet: even for a fixed network its accuracy p is known only to about
:func:`accuracy_se` = sqrt(p(1 − p)/n).

Two methods trained with the same seeds and evaluated on the same images are compared
*paired* (:func:`paired_difference`). Per image i, δ_i is method A's correctness minus method
B's, averaged over the seeds; the mean difference d = mean_i δ_i has two sources of error:

* the seeds: the per-seed differences d_s scatter, se_seeds = sd_s(d_s) / sqrt(S);
* the images: se_test = sd_i(δ_i) / sqrt(n). Only images on which the two methods disagree
  contribute, so a paired difference is far more precise than two separate accuracies
  (for one seed, sd_i(δ_i)² ≈ q − d² with q the fraction of images they disagree on).

``se = sqrt(se_seeds² + se_test²)`` counts the seed-by-image noise in both terms, so it errs
on the safe (large) side. Chapter 6 calls a difference *real* when ``|d| > 2 se``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .checks import check_int, check_real

__all__ = ["Difference", "accuracy_se", "mean_sd", "paired_difference"]


def accuracy_se(p: float, n: int) -> float:
    """Sampling error sqrt(p(1 − p)/n) of an accuracy ``p`` measured on ``n`` independent
    examples (the binomial standard deviation of the fraction correct)."""
    p = check_real("p", p, min=0, max=1)
    n = check_int("n", n, min=1)
    return math.sqrt(p * (1 - p) / n)


def mean_sd(values) -> tuple[float, float]:
    """Mean and sample standard deviation (``ddof=1``) of ``values`` (at least two)."""
    x = np.asarray(values, dtype=float).ravel()
    if x.size < 2:
        raise ValueError(f"values must hold at least two numbers for a spread, got {x.size}")
    return float(x.mean()), float(x.std(ddof=1))


@dataclass(frozen=True)
class Difference:
    """A paired difference A − B of accuracies, with its standard errors (see the module)."""

    mean: float
    se_seeds: float
    se_test: float
    seeds: int
    items: int

    @property
    def se(self) -> float:
        """Total standard error, sqrt(se_seeds² + se_test²)."""
        return math.hypot(self.se_seeds, self.se_test)

    @property
    def z(self) -> float:
        """mean / se (0 when both are 0, ±inf when only se is 0)."""
        if self.se == 0:
            return 0.0 if self.mean == 0 else math.copysign(math.inf, self.mean)
        return self.mean / self.se

    def real(self, threshold: float = 2.0) -> bool:
        """True when the difference exceeds ``threshold`` standard errors."""
        return abs(self.z) > threshold

    def __str__(self) -> str:
        return f"{self.mean:+.4f} ± {self.se:.4f} (z = {self.z:+.1f})"


def _correctness(name: str, value) -> np.ndarray:
    try:
        x = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an array (seeds, items) of 0/1 correctness, got "
                        f"{type(value).__name__}") from None
    if x.ndim != 2:
        raise ValueError(f"{name} must have shape (seeds, items), got shape {x.shape}")
    if not np.all((x == 0) | (x == 1)):
        raise ValueError(f"{name} must hold only 0/1 (False/True) correctness values")
    return x


def paired_difference(correct_a, correct_b) -> Difference:
    """Accuracy of A minus accuracy of B, paired by seed and by test image.

    ``correct_a``, ``correct_b``: arrays ``(S, n)`` of 0/1 (or bools): whether method A's (B's)
    network of seed s classifies test image i correctly; row s of both must come from the same
    seed, column i from the same image. Needs S >= 2 seeds for the seed term.
    """
    a, b = _correctness("correct_a", correct_a), _correctness("correct_b", correct_b)
    if a.shape != b.shape:
        raise ValueError(f"correct_a and correct_b must have the same shape, got {a.shape} "
                         f"and {b.shape}")
    seeds, items = a.shape
    if seeds < 2:
        raise ValueError(f"correct_a needs at least 2 seeds (rows) for a spread, got {seeds}")
    if items < 2:
        raise ValueError(f"correct_a needs at least 2 test items (columns), got {items}")
    per_seed = (a - b).mean(axis=1)
    per_item = (a - b).mean(axis=0)
    return Difference(mean=float(per_seed.mean()),
                      se_seeds=float(per_seed.std(ddof=1) / math.sqrt(seeds)),
                      se_test=float(per_item.std(ddof=1) / math.sqrt(items)),
                      seeds=seeds, items=items)
