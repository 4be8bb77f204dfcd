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
on the safe (large) side. :meth:`Difference.interval` turns it into a t interval on
Welch-Satterthwaite degrees of freedom.

Every verdict of the book is decided here: a difference counts as real when its 95% interval
(:func:`mean_interval`, :func:`paired_interval`, :func:`welch_interval`,
:func:`ratio_interval`, :meth:`Difference.interval`) excludes the null and, when a page makes
several comparisons, its :func:`holm`-adjusted p is below 0.05; :func:`verdict` words it, a
null result as the largest difference the data leave open. With three to five seeds a
two-standard-error rule is far from 95%: t(0.975) is 4.30 on 2 degrees of freedom, 2.78 on 4.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .checks import check_int, check_real

__all__ = ["Difference", "Interval", "accuracy_interval", "accuracy_se", "holm", "mean_interval",
           "mean_sd", "paired_difference", "paired_interval", "ratio_interval", "verdict",
           "welch_interval"]


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
        """True when the difference exceeds ``threshold`` standard errors. Prefer
        :meth:`interval`: with a handful of seeds two standard errors are far from 95%."""
        return abs(self.z) > threshold

    @property
    def df(self) -> float:
        """Welch-Satterthwaite degrees of freedom of ``se``: the seed term has S − 1, the test
        term n − 1, combined as se⁴ / (se_seeds⁴/(S − 1) + se_test⁴/(n − 1))."""
        parts = self.se_seeds ** 4 / (self.seeds - 1) + self.se_test ** 4 / (self.items - 1)
        return self.se ** 4 / parts if parts > 0 else float(self.seeds - 1)

    def interval(self, confidence: float = 0.95) -> Interval:
        """The difference with its t interval on :attr:`df` degrees of freedom (an
        :class:`Interval`, ready for :func:`verdict` and :func:`holm`)."""
        return _t_interval(self.mean, self.se, self.df, confidence)

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


# --------------------------------------------------------------------------------------------
# Confidence intervals with the right degrees of freedom, and verdicts worded from them
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Interval:
    """An estimate with its confidence interval [low, high], the degrees of freedom of the t
    distribution behind it, its two-sided p-value against ``null`` (0 for a difference, 1 for a
    ratio) and the confidence level."""

    estimate: float
    low: float
    high: float
    df: float
    p: float
    confidence: float = 0.95
    null: float = 0.0

    def excludes_null(self) -> bool:
        """True when the interval lies wholly on one side of ``null``: the effect is real at
        this confidence."""
        return self.low > self.null or self.high < self.null

    def bound(self) -> float:
        """The largest departure from ``null`` the interval allows (in either direction; for a
        ratio, the larger of high and 1/low)."""
        if self.null == 1.0:
            return max(self.high, 1 / self.low if self.low > 0 else math.inf)
        return max(abs(self.low - self.null), abs(self.high - self.null))

    def __str__(self) -> str:
        pct = f"{100 * self.confidence:g}%"
        return f"{self.estimate:.4g} ({pct} CI {self.low:.4g} to {self.high:.4g}, df {self.df:.3g})"


def _values(name: str, values, least: int = 2) -> np.ndarray:
    try:
        x = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a sequence of numbers, got {type(values).__name__}") \
            from None
    if x.size < least:
        raise ValueError(f"{name} needs at least {least} values, got {x.size}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must hold finite numbers, got {x.tolist()}")
    return x


def _t_interval(estimate: float, se: float, df: float, confidence: float,
                null: float = 0.0) -> Interval:
    from scipy import stats as st

    check_real("confidence", confidence, min=0, max=1, min_open=True, max_open=True)
    if se == 0:
        p = 1.0 if estimate == null else 0.0
        return Interval(estimate, estimate, estimate, df, p, confidence, null)
    q = float(st.t.ppf(0.5 + confidence / 2, df))
    p = float(2 * st.t.sf(abs(estimate - null) / se, df))
    return Interval(estimate, estimate - q * se, estimate + q * se, df, p, confidence, null)


def accuracy_interval(correct: int, n: int, confidence: float = 0.95) -> Interval:
    """The accuracy ``correct / n`` of one network on ``n`` test images with Wilson's score
    interval (scipy's ``binomtest``): the uncertainty of the test set's sampling only, not of
    the training run (another seed, or the same seed on another machine, gives another
    network). ``p`` is against chance 0, which is meaningless here: read the interval."""
    from scipy import stats as st

    correct, n = check_int("correct", correct, min=0), check_int("n", n, min=1)
    if correct > n:
        raise ValueError(f"correct must be at most n = {n}, got {correct}")
    ci = st.binomtest(correct, n).proportion_ci(confidence_level=confidence, method="wilson")
    return Interval(correct / n, float(ci.low), float(ci.high), float(n - 1), 0.0, confidence)


def mean_interval(values, confidence: float = 0.95) -> Interval:
    """The mean of ``values`` (one per seed, say) with its t interval on n − 1 degrees of
    freedom: mean ± t_{n−1} · sd / sqrt(n)."""
    x = _values("values", values)
    return _t_interval(float(x.mean()), float(x.std(ddof=1) / math.sqrt(x.size)), x.size - 1,
                       confidence)


def paired_interval(a, b, confidence: float = 0.95) -> Interval:
    """Mean of a − b over pairs (the same seed for both methods) with its t interval on
    n − 1 degrees of freedom."""
    x, y = _values("a", a), _values("b", b)
    if x.size != y.size:
        raise ValueError(f"a and b must pair up, got {x.size} and {y.size} values")
    return mean_interval(x - y, confidence)


def welch_interval(a, b, confidence: float = 0.95) -> Interval:
    """mean(a) − mean(b) for independent samples, with Welch's t interval (unequal variances;
    Welch-Satterthwaite degrees of freedom)."""
    x, y = _values("a", a), _values("b", b)
    va, vb = x.var(ddof=1) / x.size, y.var(ddof=1) / y.size
    se = math.sqrt(va + vb)
    df = ((va + vb) ** 2 / (va ** 2 / (x.size - 1) + vb ** 2 / (y.size - 1))
          if se > 0 else float(x.size + y.size - 2))
    return _t_interval(float(x.mean() - y.mean()), se, df, confidence)


def ratio_interval(a, b, confidence: float = 0.95) -> Interval:
    """The ratio of the geometric means of positive ``a`` and ``b`` with a Welch interval
    computed on their logarithms and mapped back (so it is never negative): "a takes r times as
    long as b". ``null`` is 1."""
    x, y = _values("a", a), _values("b", b)
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("a ratio interval needs positive values")
    d = welch_interval(np.log(x), np.log(y), confidence)
    return Interval(math.exp(d.estimate), math.exp(d.low), math.exp(d.high), d.df, d.p,
                    confidence, 1.0)


def holm(pvalues) -> list[float]:
    """Holm's step-down adjustment of ``pvalues`` for the comparisons a page makes together:
    the i-th smallest p is multiplied by (m − i + 1), made non-decreasing, capped at 1. A
    comparison is significant at level α when its adjusted p is below α."""
    p = _values("pvalues", pvalues, least=1)
    m = p.size
    order = np.argsort(p)
    adjusted = np.empty(m)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        adjusted[i] = running
    return adjusted.tolist()


def verdict(interval: Interval, *, higher: str = "higher", lower: str = "lower",
            fmt: str = "{:.1f}", scale: float = 1.0, unit: str = "",
            adjusted_p: float | None = None, alpha: float = 0.05) -> str:
    """A verdict worded from ``interval``, for prose.

    Real (the interval excludes the null and, with ``adjusted_p`` from :func:`holm`, that p is
    below ``alpha``): "higher by 3.1 points (95% CI 1.2 to 5.0)", or "lower by 3.1 points (95%
    CI 1.2 to 5.0)" (the interval of the size of the drop). An interval that excludes the null
    but does not survive the correction: "not distinguishable after Holm's correction for
    multiple comparisons (+3.1 points, 95% CI 1.2 to 5.0, Holm-adjusted p = 0.08)". Otherwise:
    "not distinguishable (+1.0 points, 95% CI -2.0 to 4.0): the data rule out a difference
    larger than 4.0 points" (the bound of this comparison's own 95% interval: a family of
    comparisons rules out each bound at that level one at a time, not all of them at once).
    ``scale`` multiplies the numbers (100 for percentage points), ``unit`` follows the estimate
    and the bound. For a ratio (null 1): "higher by a factor of 2.5 (95%
    CI 1.4 to 4.4)", a ratio of 0.4 as "lower by a factor of 2.5", and "the data rule out a
    factor above 1.7 either way" (above 1.7 or below 1/1.7).
    """
    ratio = interval.null == 1.0
    pct = f"{100 * interval.confidence:g}%"

    def num(v, signed=False):
        v = v if ratio else scale * v
        return (fmt.replace("{:", "{:+") if signed else fmt).format(v)

    excludes = interval.excludes_null()
    real = excludes and (adjusted_p is None or adjusted_p < alpha)
    up = interval.estimate > interval.null
    ci = f"{pct} CI {num(interval.low)} to {num(interval.high)}"
    if ratio:
        if real:
            if up:
                return f"{higher} by a factor of {num(interval.estimate)} ({ci})"
            return (f"{lower} by a factor of {num(1 / interval.estimate)} ({pct} CI "
                    f"{num(1 / interval.high)} to {num(1 / interval.low)})")
        if excludes:
            return (f"not distinguishable after Holm's correction for multiple comparisons (a "
                    f"factor of {num(interval.estimate)}, {ci}, Holm-adjusted p = {adjusted_p:.2g})")
        return (f"not distinguishable (a factor of {num(interval.estimate)}, {ci}): the data "
                f"rule out a factor above {num(interval.bound())} either way")
    if real:
        lo, hi = (interval.low, interval.high) if up else (-interval.high, -interval.low)
        return (f"{higher if up else lower} by {num(abs(interval.estimate))}{unit} "
                f"({pct} CI {num(lo)} to {num(hi)})")
    if excludes:
        return (f"not distinguishable after Holm's correction for multiple comparisons "
                f"({num(interval.estimate, signed=True)}{unit}, {ci}, Holm-adjusted p = "
                f"{adjusted_p:.2g})")
    return (f"not distinguishable ({num(interval.estimate, signed=True)}{unit}, {ci}): the data "
            f"rule out a difference larger than {num(interval.bound())}{unit}")
