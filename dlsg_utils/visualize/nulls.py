"""Random filters to measure trained ones against (chapter 14).

A statistic of a trained first-layer filter (how oriented it is, how much colour it carries)
means something only beside what chance gives. White Gaussian noise is the wrong chance: trained
filters are smooth, and a smooth random 5x5 patch is close to a ramp, whose gradients are all
parallel, so it looks oriented by chance; it also has few independent values, so its colour
share strays far from 2/3 by chance. The fair comparison is a **random twin**: Gaussian noise
blurred until it is as smooth as the trained filter (the same roughness, on average), with the
trained filter's split of energy between grey and colour (or the layer's average split).

* :func:`~dlsg_utils.visualize.smooth_random_filters` -- Gaussian noise blurred with a
  Gaussian of std ``sigma`` pixels;
* :func:`~dlsg_utils.visualize.roughness_to_sigma` -- the blur that gives random filters a
  chosen mean roughness;
* :func:`~dlsg_utils.visualize.mix_colour` -- re-weigh a filter's grey and colour parts to a
  chosen colour share;
* :func:`~dlsg_utils.visualize.random_twins` -- ``n`` twins for every filter of a layer;
* ``twin_percentile`` -- where each filter's statistic falls among its twins';
* ``oriented_twins`` -- the chance for *which* orientations oriented filters take: each
  filter's profile across its edge, turned to a random angle, plus smooth noise;
* :func:`~dlsg_utils.visualize.share_vs_chance` -- the share of filters with a property (more
  oriented than 95% of their twins, say) against the share chance gives, with an exact
  binomial interval.

Roughness and colour share are those of :func:`~dlsg_utils.visualize.filter_statistics`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np
import torch

from ..checks import check_int

__all__ = ["mix_colour", "oriented_twins", "random_twins", "roughness_to_sigma",
           "share_vs_chance", "smooth_random_filters", "twin_percentile"]

SIGMA_MAX = 4.0
"""The smoothest blur :func:`~dlsg_utils.visualize.roughness_to_sigma` returns (pixels): a 5x5
filter blurred this much is nearly a plane."""


def _shape(shape: Sequence[int]) -> tuple[int, int, int]:
    shape = tuple(int(s) for s in shape)
    if len(shape) != 3 or min(shape) < 1 or min(shape[1:]) < 2:
        raise ValueError(f"shape must be (C, kh, kw) with kh, kw >= 2, got {shape!r}")
    return shape


def _kernel(sigma: float) -> torch.Tensor:
    if sigma == 0:
        return torch.ones(1, dtype=torch.float64)
    radius = max(1, math.ceil(3 * sigma))
    t = torch.arange(-radius, radius + 1, dtype=torch.float64)
    g = torch.exp(-t**2 / (2 * sigma**2))
    return g / g.sum()


def _blur_valid(z: torch.Tensor, sigma: float) -> torch.Tensor:
    """Blur (..., H, W) with a separable Gaussian, keeping only the fully covered pixels: two
    banded (Toeplitz) matrix products, ``T_h @ z @ T_wᵀ``."""
    g = _kernel(sigma).to(z.dtype)
    if len(g) == 1:
        return z

    def band(size_in):
        t = torch.zeros(size_in - len(g) + 1, size_in, dtype=z.dtype)
        for i in range(len(t)):
            t[i, i:i + len(g)] = g
        return t

    return band(z.shape[-2]) @ z @ band(z.shape[-1]).T


def smooth_random_filters(n: int, shape: Sequence[int] = (3, 5, 5), sigma: float = 0.0, *,
                          generator: torch.Generator | None = None) -> torch.Tensor:
    """``n`` random filters of ``shape`` (C, kh, kw): independent Gaussian noise in every channel,
    blurred spatially with a Gaussian of std ``sigma`` pixels (0: white noise, roughness 1).

    The noise is drawn on a canvas larger than the filter by the kernel's radius on every side
    and only the fully blurred centre is kept, so the border is as smooth as the middle. The
    channels stay independent: the mean colour share is (C − 1)/C for any ``sigma``.
    Returns float64 (n, C, kh, kw).
    """
    n = check_int("n", n, min=1)
    c, kh, kw = _shape(shape)
    if isinstance(sigma, bool) or not isinstance(sigma, (int, float, np.floating)) \
            or not 0 <= sigma <= 50:
        raise ValueError(f"sigma must be a number in [0, 50] (pixels), got {sigma!r}")
    r = (len(_kernel(float(sigma))) - 1) // 2
    z = torch.randn(n, c, kh + 2 * r, kw + 2 * r, generator=generator, dtype=torch.float64)
    return _blur_valid(z, float(sigma))


@functools.lru_cache(maxsize=8)
def _roughness_table(shape: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(sigmas, mean roughness of 3,000 random filters blurred by each), seed fixed; the same
    noise for every sigma, so the curve is smooth and falls monotonically."""
    from .features import filter_statistics

    sigmas = np.linspace(0.0, SIGMA_MAX, 41)
    gen = torch.Generator().manual_seed(0)
    c, kh, kw = shape
    rmax = (len(_kernel(SIGMA_MAX)) - 1) // 2
    z = torch.randn(3000, c, kh + 2 * rmax, kw + 2 * rmax, generator=gen, dtype=torch.float64)
    rough = []
    for s in sigmas:
        r = (len(_kernel(float(s))) - 1) // 2
        crop = z[..., rmax - r:rmax + r + kh, rmax - r:rmax + r + kw]
        rough.append(float(filter_statistics(_blur_valid(crop, float(s)))["roughness"].mean()))
    return sigmas, np.minimum.accumulate(np.array(rough))


def roughness_to_sigma(roughness, shape: Sequence[int] = (3, 5, 5)) -> torch.Tensor:
    """For each value of ``roughness``, the blur ``sigma`` (pixels) whose
    :func:`~dlsg_utils.visualize.smooth_random_filters` of ``shape`` have that mean roughness:
    0 for values at or above white noise's (about 1), ``SIGMA_MAX`` for values below the
    smoothest the table reaches, interpolated in a table of 41 blurs in between. Returns
    float64, shaped like ``roughness``."""
    r = torch.as_tensor(roughness, dtype=torch.float64)
    if not torch.isfinite(r).all() or (r < 0).any():
        raise ValueError("roughness must hold finite numbers >= 0")
    sigmas, table = _roughness_table(_shape(shape))
    # the table falls with sigma: np.interp needs increasing x
    out = np.interp(r.numpy().ravel(), table[::-1], sigmas[::-1])
    return torch.from_numpy(out).reshape(r.shape)


def mix_colour(filters: torch.Tensor, colour_share) -> torch.Tensor:
    """``filters`` (N, C, kh, kw) with their grey part (the mean over channels at each pixel)
    and colour part (the rest) rescaled so that each filter's colour share is exactly
    ``colour_share`` (a number in [0, 1], or one per filter) and its energy is unchanged."""
    w = torch.as_tensor(filters, dtype=torch.float64)
    if w.ndim != 4 or w.shape[1] < 2:
        raise ValueError(f"filters must have shape (N, C, kh, kw) with C >= 2, got "
                         f"{tuple(w.shape)}")
    s = torch.as_tensor(colour_share, dtype=torch.float64).reshape(-1)
    if s.numel() not in (1, len(w)) or not ((s >= 0) & (s <= 1)).all():
        raise ValueError(f"colour_share must be one number in [0, 1] or one per filter "
                         f"({len(w)}), got {s.numel()} values")
    s = s.expand(len(w)).view(-1, 1, 1, 1)
    grey = w.mean(dim=1, keepdim=True).expand_as(w)
    colour = w - grey
    energy = w.pow(2).sum(dim=(1, 2, 3), keepdim=True)
    g2 = grey.pow(2).sum(dim=(1, 2, 3), keepdim=True).clamp_min(1e-300)
    c2 = colour.pow(2).sum(dim=(1, 2, 3), keepdim=True).clamp_min(1e-300)
    return grey * torch.sqrt((1 - s) * energy / g2) + colour * torch.sqrt(s * energy / c2)


def _layer_mix(z: torch.Tensor, target: float) -> torch.Tensor:
    """Weigh grey and colour parts of the raw twins z (F, n, C, kh, kw) by one common pair of
    factors so that the twins' mean colour share is ``target`` (bisection on the expected
    share; the realised shares still vary from twin to twin as chance makes them)."""
    c = z.shape[2]
    grey = z.mean(dim=2, keepdim=True).expand_as(z)
    colour = z - grey
    g2 = grey.pow(2).sum(dim=(2, 3, 4))
    c2 = colour.pow(2).sum(dim=(2, 3, 4))

    def mean_share(lam):
        a2, b2 = c * (1 - lam), c * lam / (c - 1)  # E|grey|² = E|z|²/C, E|colour|² = (C-1)/C
        return float((b2 * c2 / (a2 * g2 + b2 * c2)).mean())

    lo, hi = 0.0, 1.0
    for _ in range(50):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if mean_share(mid) < target else (lo, mid)
    lam = (lo + hi) / 2
    return grey * math.sqrt(c * (1 - lam)) + colour * math.sqrt(c * lam / (c - 1))


def random_twins(weight, n: int = 500, *, colour: str = "match", seed: int = 0) -> torch.Tensor:
    """``n`` random twins of every filter of ``weight`` (F, C, kh, kw): smooth random filters
    (:func:`~dlsg_utils.visualize.smooth_random_filters`) blurred by
    :func:`~dlsg_utils.visualize.roughness_to_sigma` of the filter's own roughness, so that the
    twins are as smooth as their filter on average.

    ``colour`` says how the twins split their energy between grey and colour:

    * ``"match"``: exactly the filter's own colour share
      (:func:`~dlsg_utils.visualize.mix_colour`): the null for statistics that depend on the
      split, such as orientation (a grey filter repeats one pattern in every channel, a colour
      filter mixes independent ones);
    * ``"layer"``: grey and colour parts weighed so that the mean colour share of all twins is
      the layer's mean; each twin's share varies as chance makes it: the null for "are there
      more clearly grey and clearly colourful filters than chance gives?";
    * ``"independent"``: independent channels, (C − 1)/C on average.

    Each twin is scaled to its filter's energy. Returns float64 (F, n, C, kh, kw); the same
    ``seed`` gives the same twins.
    """
    from .features import filter_statistics

    w = torch.as_tensor(weight).detach().cpu().double()
    if w.ndim != 4:
        raise ValueError(f"weight must have shape (F, C, kh, kw), got {tuple(w.shape)}")
    n = check_int("n", n, min=1)
    if colour not in ("match", "layer", "independent"):
        raise ValueError(f"colour must be 'match', 'layer' or 'independent', got {colour!r}")
    stats = filter_statistics(w)
    sigmas = roughness_to_sigma(stats["roughness"], w.shape[1:])
    gen = torch.Generator().manual_seed(seed)
    z = torch.stack([smooth_random_filters(n, w.shape[1:], float(s), generator=gen)
                     for s in sigmas])
    if colour == "match":
        z = mix_colour(z.flatten(0, 1), stats["colour"].repeat_interleave(n)).view_as(z)
    elif colour == "layer":
        z = _layer_mix(z, float(stats["colour"].mean()))
    energy = w.pow(2).sum(dim=(1, 2, 3)).view(-1, 1, 1, 1, 1)
    return z * torch.sqrt(energy / z.pow(2).sum(dim=(2, 3, 4), keepdim=True))


def twin_percentile(weight, stat: str, n: int = 500, *, colour: str = "match", seed: int = 0):
    """Where each filter's statistic ``stat`` (a key of
    :func:`~dlsg_utils.visualize.filter_statistics`) falls among its ``n``
    :func:`~dlsg_utils.visualize.random_twins` (``colour`` as there): the share of its twins
    whose value is below the filter's. A filter "beats 95% of its twins" when this exceeds 0.95,
    which happens to 5% of random filters if the twins are the right chance.

    Returns ``(percentile, twin_stats)``: float64 (F,), and the twins' statistics, each (F, n).
    """
    from .features import filter_statistics

    if stat not in ("colour", "coherence", "angle", "roughness"):
        raise ValueError(f"stat must be a key of filter_statistics, got {stat!r}")
    w = torch.as_tensor(weight).detach().cpu().double()
    twins = random_twins(w, n, colour=colour, seed=seed)
    stats = {k: v.view(len(w), n) for k, v in filter_statistics(twins.flatten(0, 1)).items()}
    own = filter_statistics(w)[stat]
    return (stats[stat] < own[:, None]).double().mean(dim=1), stats


def _grid_coordinates(kh: int, kw: int) -> tuple[torch.Tensor, torch.Tensor]:
    """x (to the right) and y (up) of every pixel, from the filter's centre, flattened."""
    rows, cols = torch.meshgrid(torch.arange(kh, dtype=torch.float64),
                                torch.arange(kw, dtype=torch.float64), indexing="ij")
    return (cols - (kw - 1) / 2).reshape(-1), ((kh - 1) / 2 - rows).reshape(-1)


def oriented_twins(weight, n: int = 500, *, seed: int = 0, bandwidth: float = 0.5):
    """``n`` oriented twins of every filter of ``weight`` (F, C, kh, kw): the filter as it would
    be with its edge turned to an angle drawn uniformly from [0°, 180°): the chance for "which
    orientations do oriented filters take?", measured exactly as the filters are.

    A twin is the filter's **profile** across its edge, turned, plus **noise**:

    * the profile: the filter's weights as a function of u, the pixel's coordinate along the
      filter's gradient direction (from the ``angle`` of
      :func:`~dlsg_utils.visualize.filter_statistics`), smoothed by a Gaussian kernel of width
      ``bandwidth`` pixels (a Nadaraya-Watson average of the pixels with nearby u, per
      channel); a twin at angle θ evaluates it at every pixel's coordinate along θ's gradient
      direction (beyond the filter's own range of u it stays at the edge value);
    * the noise: a :func:`~dlsg_utils.visualize.random_twins` of what the profile leaves out
      (the filter minus its own profile), so it has that residual's energy, roughness and
      colour share.

    A straight ramp turned this way is measured at its new angle with coherence 1; finer
    patterns and noise make a 5x5 grid lean towards horizontal and vertical, and the twins
    carry that lean, which is the point. Returns ``(twins, angles)``: float64
    (F, n, C, kh, kw), and the drawn edge angles in degrees (F, n), in the convention of
    ``filter_statistics`` (0: horizontal, 90: vertical). The same ``seed`` gives the same twins.
    """
    from .features import filter_statistics

    w = torch.as_tensor(weight).detach().cpu().double()
    if w.ndim != 4 or w.shape[2] < 2 or w.shape[3] < 2:
        raise ValueError(f"weight must have shape (F, C, kh, kw) with kh, kw >= 2, got "
                         f"{tuple(w.shape)}")
    n = check_int("n", n, min=1)
    if isinstance(bandwidth, bool) or not isinstance(bandwidth, (int, float)) or bandwidth <= 0:
        raise ValueError(f"bandwidth must be a number > 0 (pixels), got {bandwidth!r}")
    f, c, kh, kw = w.shape
    x, y = _grid_coordinates(kh, kw)

    def across(edge_deg):  # (...,) edge angles -> (..., P): u along the gradient direction
        g = torch.deg2rad(edge_deg - 90.0)[..., None]
        return x * torch.cos(g) + y * torch.sin(g)

    u0 = across(filter_statistics(w)["angle"])  # (F, P)
    values = w.reshape(f, c, -1)

    def profile(u):  # (F, m, P) -> (F, m, C, P)
        k = torch.exp(-(u[..., :, None] - u0[:, None, None, :]) ** 2 / (2 * bandwidth**2))
        return torch.einsum("fmpq,fcq->fmcp", k / k.sum(-1, keepdim=True), values)

    residual = w - profile(u0[:, None]).reshape(f, c, kh, kw)
    gen = torch.Generator().manual_seed(seed)
    angles = 180.0 * torch.rand(f, n, generator=gen, dtype=torch.float64)
    turned = profile(across(angles)).reshape(f, n, c, kh, kw)
    return turned + random_twins(residual, n, colour="match", seed=seed + 1), angles


def share_vs_chance(hits, chance: float, confidence: float = 0.95):
    """The share of items with a property minus the share ``chance`` would give, as a
    :class:`dlsg_utils.stats.Interval`: the exact (Clopper-Pearson) interval of the binomial
    share, shifted by ``chance``, and the p-value of the central exact binomial test,
    min(1, 2 min(P(X <= k), P(X >= k))), the test this interval inverts (so the interval
    excludes the chance level exactly when p < 1 − ``confidence``).

    ``hits``: one bool per item (a filter is more oriented than 95% of its twins, say; chance
    0.05). With a few dozen filters and shares near 0 or 1, a t interval on 0/1 values is
    wrong (all-zero data give an interval of width 0); the exact interval is not. ``df`` is
    n − 1, for the record. Where the chance differs from item to item, pass their mean: the
    count is then less variable than a binomial one, and the test errs on the safe side.
    """
    from scipy.stats import binom, binomtest

    from ..stats import Interval

    h = torch.as_tensor(hits).reshape(-1)
    if h.numel() == 0 or not ((h == 0) | (h == 1)).all():
        raise ValueError("hits must be a non-empty sequence of bools (or 0/1)")
    if not 0 < chance < 1:
        raise ValueError(f"chance must lie in (0, 1), got {chance!r}")
    k, n = int(h.sum()), h.numel()
    ci = binomtest(k, n, float(chance)).proportion_ci(confidence_level=confidence,
                                                       method="exact")
    p = min(1.0, 2 * min(float(binom.cdf(k, n, chance)), float(binom.sf(k - 1, n, chance))))
    return Interval(k / n - chance, ci.low - chance, ci.high - chance, n - 1, p, confidence, 0.0)
