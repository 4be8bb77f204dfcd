"""Loss surfaces and optimizer paths: contours with log-spaced levels, trajectories, the loss
along each path (chapters 1-5).

A *surface* is any object like those in :mod:`dlsg_utils.functions`: callable on meshgrids
``f(X, Y)``, with ``bounds = ((x_lo, x_hi), (y_lo, y_hi))``, and optionally ``minima`` (a list of
points), ``min_value`` (f* or ``None``) and ``name``. A *path* is an array ``(T, 2)`` of points
θ₀, ..., θ_{T−1}, as :func:`dlsg_utils.optim.run` returns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import LogLocator, NullLocator

from ..checks import check_int

__all__ = ["contour", "contour_levels", "min_value_of", "path_bounds", "path_losses",
           "step_losses", "surface_grid", "trajectories"]


# --- surfaces ----------------------------------------------------------------------------------

def _bounds(surface, bounds=None) -> tuple[float, float, float, float]:
    """``(x_lo, x_hi, y_lo, y_hi)`` from ``bounds`` or ``surface.bounds``."""
    b = bounds if bounds is not None else getattr(surface, "bounds", None)
    if b is None:
        raise ValueError("the surface has no .bounds: pass bounds=((x_lo, x_hi), (y_lo, y_hi))")
    b = np.asarray(b, dtype=float)
    if b.shape == (2, 2):
        return b[0, 0], b[0, 1], b[1, 0], b[1, 1]
    if b.shape == (4,):
        return tuple(b)
    raise ValueError(f"bounds must be ((x_lo, x_hi), (y_lo, y_hi)), got shape {b.shape}")


def min_value_of(surface) -> float | None:
    """The surface's minimum value f*, or None when it has none (or it is not finite)."""
    value = getattr(surface, "min_value", None)
    if value is None:
        return None
    value = float(value)
    return value if np.isfinite(value) else None


def surface_grid(surface, resolution: int = 200, bounds=None):
    """``(X, Y, Z)``: a ``resolution × resolution`` meshgrid over the bounds and Z = f(X, Y)."""
    check_int("resolution", resolution, min=2)
    x_lo, x_hi, y_lo, y_hi = _bounds(surface, bounds)
    X, Y = np.meshgrid(np.linspace(x_lo, x_hi, resolution), np.linspace(y_lo, y_hi, resolution))
    return X, Y, np.asarray(surface(X, Y), dtype=float)


def contour_levels(Z: np.ndarray, n: int = 25, *, log: bool = True,
                   f_min: float | None = None) -> np.ndarray:
    """``n`` increasing contour levels for the values ``Z``.

    With ``log`` and a known minimum ``f_min`` the levels are f_min + g, with the gaps g
    log-spaced from the smallest positive gap on the grid (at least 10⁻⁸ of the largest) to
    the largest: equal ratios of f − f* get equally many lines, so both the floor of a valley
    and its steep walls show. This works when f* is 0 or negative. Otherwise (no f*, e.g. a
    saddle, or ``log=False``) the levels are evenly spaced between the 1st and 99th percentile.
    """
    check_int("n", n, min=1)
    Z = np.asarray(Z, dtype=float)
    finite = Z[np.isfinite(Z)]
    if finite.size == 0:
        raise ValueError("the surface has no finite values on the grid")
    if log and f_min is not None:
        gaps = finite - f_min
        hi = gaps.max()
        if hi > 0:
            lo = max(gaps[gaps > 0].min(), hi * 1e-8)
            return f_min + np.geomspace(lo, hi, n)
    lo, hi = np.percentile(finite, [1, 99])
    if hi <= lo:
        lo, hi = finite.min(), finite.max() + 1.0
    return np.linspace(lo, hi, n)


def contour(
    surface,
    ax: Axes | None = None,
    *,
    levels: int | Sequence[float] = 25,
    log: bool = True,
    resolution: int = 200,
    bounds=None,
    colors: str | None = "0.72",
    cmap: str | None = None,
    linewidths: float = 0.8,
    mark_minima: bool = True,
    title: str | None = None,
) -> Axes:
    """Contour lines of ``surface`` over its bounds, with its known minima marked ★.

    ``levels``: a number of levels (placed by :func:`contour_levels`: log-spaced in f − f*
    when ``log`` and f* is known) or the levels themselves. Lines are light grey so that paths
    drawn on top stand out; pass ``cmap`` for coloured lines instead. The title
    defaults to ``surface.name``. Returns the axes.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4.2))
    X, Y, Z = surface_grid(surface, resolution, bounds)
    if np.ndim(levels) == 0:
        levels = contour_levels(Z, int(levels), log=log, f_min=min_value_of(surface))
    ax.contour(X, Y, Z, levels=levels, colors=None if cmap else colors, cmap=cmap,
               linewidths=linewidths, negative_linestyles="solid")
    minima = getattr(surface, "minima", None) if mark_minima else None
    if minima is not None and len(minima):
        pts = np.asarray(minima, dtype=float).reshape(-1, 2)
        ax.plot(pts[:, 0], pts[:, 1], "*", color="k", ms=11, mec="w", mew=0.6, ls="none",
                label="minimum" if len(pts) == 1 else "minima", zorder=5)
    x_lo, x_hi, y_lo, y_hi = _bounds(surface, bounds)
    ax.set(xlim=(x_lo, x_hi), ylim=(y_lo, y_hi), xlabel="$x$", ylabel="$y$")
    title = getattr(surface, "name", "") if title is None else title
    if title:
        ax.set_title(title)
    return ax


# --- paths -------------------------------------------------------------------------------------

def _check_paths(paths: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    if not isinstance(paths, Mapping) or not paths:
        raise ValueError(f"paths must be a non-empty dict name -> array (T, 2), "
                         f"got {type(paths).__name__}")
    out = {}
    for name, path in paths.items():
        path = np.array(path, dtype=float)
        if path.ndim != 2 or path.shape[1] != 2 or len(path) == 0:
            raise ValueError(f"path {name!r} must have shape (T, 2) with T >= 1, "
                             f"got {path.shape}")
        path[~np.isfinite(path)] = np.nan  # a diverged run: matplotlib leaves a gap
        out[str(name)] = path
    return out


def _colors(names, colors) -> dict[str, str]:
    """Name → colour from a dict or a list (missing ones: the default cycle C0, C1, ...)."""
    if isinstance(colors, Mapping):
        return {name: colors.get(name, f"C{i % 10}") for i, name in enumerate(names)}
    colors = list(colors or [])
    return {name: colors[i] if i < len(colors) else f"C{i % 10}" for i, name in enumerate(names)}


def trajectories(
    ax: Axes,
    paths: Mapping[str, np.ndarray],
    *,
    colors=None,
    markersize: float = 2.5,
    linewidth: float = 1.5,
    legend: bool = True,
) -> Axes:
    """Draw each path ``(T, 2)`` as a line through its iterates, a ○ at the start and a ● at
    the end, labelled with its name. ``colors``: a list or a dict name → colour (default C0,
    C1, ...). Non-finite points (a diverged run) are left out. Returns the axes.
    """
    paths = _check_paths(paths)
    col = _colors(list(paths), colors)
    for i, (name, path) in enumerate(paths.items()):
        ax.plot(path[:, 0], path[:, 1], "-o", color=col[name], lw=linewidth, ms=markersize,
                label=name, zorder=3)
        ax.plot(*path[0], "o", ms=9, mfc="none", mec="k", mew=1.2, zorder=4,
                label="start" if i == 0 else None)
        last = path[np.isfinite(path).all(axis=1)]
        if len(last):
            ax.plot(*last[-1], "o", ms=6, color=col[name], mec="k", mew=0.6, zorder=4)
    if legend:
        ax.legend(fontsize="small", loc="best")
    return ax


def path_bounds(paths: Mapping[str, np.ndarray], surface=None, *,
                margin: float = 0.05) -> tuple[tuple[float, float], tuple[float, float]]:
    """A box ``((x_lo, x_hi), (y_lo, y_hi))`` that holds every finite point of every path
    (and the surface's own ``bounds`` when a surface is given), widened on each side by
    ``margin`` times its width (a direction in which every point is equal gets width 1). Pass it as ``bounds=`` to :func:`contour` or
    :func:`race_animation` so that no path leaves the picture.
    """
    paths = _check_paths(paths)
    points = [p[np.isfinite(p).all(axis=1)] for p in paths.values()]
    if surface is not None:
        x_lo, x_hi, y_lo, y_hi = _bounds(surface)
        points.append(np.array([[x_lo, y_lo], [x_hi, y_hi]]))
    pts = np.concatenate(points)
    if len(pts) == 0:
        raise ValueError("the paths have no finite point and no surface bounds were given")
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    flat = hi <= lo  # one point, or a path along a line: a box of width 1 around it
    lo, hi = np.where(flat, lo - 0.5, lo), np.where(flat, hi + 0.5, hi)
    pad = margin * (hi - lo)
    lo, hi = lo - pad, hi + pad
    return (float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1]))


def path_losses(surface, paths: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """f(θ_t) along every path: name → array ``(T,)`` (inf or NaN where a run diverged)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return {name: np.asarray(surface(p[:, 0], p[:, 1]), dtype=float)
                for name, p in _check_paths(paths).items()}


def _clip_positive(v: np.ndarray, floor: float) -> np.ndarray:
    """``v`` with values <= 0 raised to ``floor`` (NaN and inf stay)."""
    return np.where(np.isnan(v) | (v > 0), v, floor)


def _positive_floor(values: Sequence[np.ndarray]) -> float:
    pos = np.concatenate([v[np.isfinite(v) & (v > 0)] for v in values] or [np.empty(0)])
    return float(pos.min()) if pos.size else 1e-12


def _loss_limits(ax: Axes, values: Sequence[np.ndarray], log: bool) -> None:
    """y limits that hold every finite value, except that a run which blows up is cut off at
    10³ (log scale) or ±10 (linear) times the largest starting loss, so it does not flatten the
    others."""
    finite = np.concatenate([v[np.isfinite(v)] for v in values] or [np.empty(0)])
    if finite.size == 0:
        return
    lo, hi = finite.min(), finite.max()
    starts = [abs(v[0]) for v in values if len(v) and np.isfinite(v[0])]
    if starts:
        cap = max(starts) * (1e3 if log else 10) or 1.0
        hi = max(lo, min(hi, cap))
        if not log:  # a run escaping downhill forever (a saddle)
            lo = min(hi, max(lo, -cap))
    if log:
        ax.set_ylim(lo / 2, hi * 2)
        if hi / lo > 1e6:  # many decades: fewer ticks, no minor ones (and much faster frames)
            ax.yaxis.set_major_locator(LogLocator(base=10, numticks=8))
            ax.yaxis.set_minor_locator(NullLocator())
    else:
        pad = 0.05 * (hi - lo or 1.0)
        ax.set_ylim(lo - pad, hi + pad)


def _prepare_losses(losses: Mapping[str, np.ndarray], f_min: float | None,
                    log: bool) -> tuple[dict[str, np.ndarray], bool]:
    """The values to draw (f − f* when f* is known) and whether a log scale can show them:
    yes if f* is known (gaps of 0 are drawn at the smallest positive gap) or all are > 0."""
    shown = {str(n): np.asarray(v, dtype=float) - (f_min or 0.0) for n, v in losses.items()}
    finite = np.concatenate([v[np.isfinite(v)] for v in shown.values()] or [np.empty(0)])
    log = log and finite.size > 0 and (f_min is not None or finite.min() > 0)
    if log:
        floor = _positive_floor(list(shown.values()))
        shown = {n: _clip_positive(v, floor) for n, v in shown.items()}
    return shown, log


def step_losses(
    ax: Axes,
    losses: Mapping[str, np.ndarray],
    *,
    f_min: float | None = None,
    log: bool = True,
    colors=None,
    xlabel: str = "step $t$",
    ylabel: str | None = None,
    legend: bool = True,
) -> Axes:
    """Loss against step for each run (name → array ``(T,)``).

    With ``f_min`` it plots the gap f(θ_t) − f*. On the log scale, gaps of 0 (a run that hit
    the minimum exactly) are drawn at the smallest positive gap; losses that can be negative
    (no ``f_min``, e.g. a saddle) get a linear scale whatever ``log`` says. A run that blows
    up is cut off rather than squeezing the others. Returns the axes.
    """
    col = _colors(list(losses), colors)
    values, log = _prepare_losses(losses, f_min, log)
    if log:
        ax.set_yscale("log")
    for name, v in values.items():
        ax.plot(np.arange(len(v)), v, color=col[name], label=name)
    _loss_limits(ax, list(values.values()), log)
    if ylabel is None:
        ylabel = r"$f(\theta_t) - f^*$" if f_min is not None else r"$f(\theta_t)$"
    ax.set(xlabel=xlabel, ylabel=ylabel)
    if legend:
        ax.legend(fontsize="small")
    return ax
