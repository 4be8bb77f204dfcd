"""Figures for the book: loss surfaces, optimizer paths, animated races and training curves.

This module sits on top of the numeric ones (:mod:`dlsg_utils.functions`, :mod:`dlsg_utils.optim`,
:mod:`dlsg_utils.train`) and is never imported by them. Every function draws into axes it is
given (or makes a figure) and returns the axes, figure or animation; nothing prints.

A *surface* is any object like those in :mod:`dlsg_utils.functions`: callable on meshgrids
``f(X, Y)``, with ``bounds = ((x_lo, x_hi), (y_lo, y_hi))``, and optionally ``minima`` (a list of
points), ``min_value`` (f* or ``None``) and ``name``. A *path* is an array ``(T, 2)`` of points
θ₀, ..., θ_{T−1}, as :func:`dlsg_utils.optim.run` returns.

The animations are matplotlib ``FuncAnimation`` objects turned into a self-contained
JavaScript player by ``Animation.to_jshtml()`` (:func:`animation_html`): the frames are
embedded as images, so the player works in the static HTML book without a kernel.
"""

from __future__ import annotations

import html as _html
import re
from collections.abc import Mapping, Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation
from matplotlib.axes import Axes
from matplotlib.ticker import LogLocator, MaxNLocator, NullLocator

from .checks import check_int

__all__ = [
    "AnimationHTML",
    "animation_html",
    "contour",
    "contour_levels",
    "history",
    "loss_curves",
    "path_bounds",
    "path_losses",
    "race_animation",
    "race_html",
    "step_losses",
    "surface_grid",
    "trajectories",
]


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


def _f_star(surface) -> float | None:
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
        levels = contour_levels(Z, int(levels), log=log, f_min=_f_star(surface))
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


# --- animations --------------------------------------------------------------------------------

class AnimationHTML(str):
    """The HTML of an animation player: a ``str`` that Jupyter displays as the player.

    Its short ``repr`` keeps megabytes of base64 frames out of text outputs; ``n_frames`` is the
    number of frames embedded; ``png`` is one still frame (the last), which formats that cannot
    play an animation -- the book's PDF edition -- show instead, with a line saying so.
    """

    n_frames: int
    png: bytes | None = None

    def _repr_html_(self) -> str:
        return str(self)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        bundle = {"text/html": str(self), "text/plain": repr(self)}
        if self.png is not None:
            bundle["image/png"] = self.png
        return bundle

    def __repr__(self) -> str:
        return f"<animation player: {self.n_frames} frames, {len(self) / 1e6:.1f} MB of HTML>"

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(repr(self))


# The player of to_jshtml() loads Font Awesome 4 from a CDN for its button icons. The book must
# work offline, so the stylesheet link is dropped and each icon becomes a plain character.
_CDN_LINK = re.compile(r'<link\s+rel="stylesheet"\s+href="https?://[^"]*font-awesome[^"]*"\s*/?>')
_ICONS = {
    "fa fa-minus": "\u2212",                     # slower
    "fa fa-fast-backward": "\u21e4",             # first frame
    "fa fa-step-backward": "\u2039",             # previous frame
    "fa fa-play fa-flip-horizontal": "\u25c0",   # play backwards
    "fa fa-pause": "\u275a\u275a",                # pause
    "fa fa-play": "\u25b6",                      # play
    "fa fa-step-forward": "\u203a",              # next frame
    "fa fa-fast-forward": "\u21e5",              # last frame
    "fa fa-plus": "+",                           # faster
}
_ICON = re.compile(r'<i class="(fa [^"]*)"></i>')


def _offline_player(html: str, alt: str) -> str:
    """``html`` without the CDN stylesheet, its icons replaced by characters, and what a screen
    reader needs: the frame image's alt text and a label on the frame slider."""
    html = _CDN_LINK.sub("", html)
    html = _ICON.sub(lambda m: f'<span aria-hidden="true">{_ICONS.get(m.group(1), "?")}</span>',
                     html)
    html = re.sub(r'<img id="(_anim_img\w+)">',
                  lambda m: f'<img id="{m.group(1)}" alt="{_html.escape(alt, quote=True)}">', html)
    return re.sub(r'<input id="(_anim_slider\w+)" type="range"',
                  r'<input id="\1" type="range" aria-label="animation frame"', html)


_STILL_NOTE = "An animation in the web edition of this book; here, its last frame."


def _still_png(fig) -> bytes:
    """The figure as it stands (the last frame) as PNG, with a line saying it is a still."""
    import io

    note = fig.text(0.5, 0.005, _STILL_NOTE, ha="center", va="bottom", fontsize=8,
                    style="italic", color="0.3")
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=fig.dpi)
    finally:
        note.remove()
    return buf.getvalue()


def animation_html(
    anim: FuncAnimation,
    *,
    frame_format: str = "jpeg",
    default_mode: str = "once",
    embed_limit_mb: float | None = None,
    close: bool = True,
    alt: str = "animation frame",
) -> AnimationHTML:
    """The interactive JavaScript player of ``anim`` (``anim.to_jshtml()``) as HTML.

    Frames are embedded as ``frame_format`` images (JPEG pages are about 2.5x smaller than PNG
    ones for these figures); ``default_mode`` is what happens at the end: ``"once"``,
    ``"loop"`` or ``"reflect"``. ``embed_limit_mb`` raises matplotlib's limit on the embedded
    size (20 MB by default) for this call only. With ``close`` the figure is closed, so a
    notebook does not also show its last frame as a static image.

    The player needs nothing from the network: matplotlib's link to Font Awesome on a CDN is
    removed and the button icons are plain characters (▶, ❚❚, ‹, ›, ...). ``alt`` describes
    the animation for screen readers (the frame image's alt text). The result also carries the
    last frame as PNG (``.png``), for the PDF edition.
    """
    rc = {"animation.frame_format": frame_format}
    if embed_limit_mb is not None:
        rc["animation.embed_limit"] = embed_limit_mb
    with mpl.rc_context(rc):
        html = anim.to_jshtml(default_mode=default_mode)
    fig = anim._fig
    out = AnimationHTML(_offline_player(html, alt))
    out.n_frames = html.count('] = "data:image/')
    out.png = _still_png(fig)
    if close:
        plt.close(fig)
    return out


class _Animation(FuncAnimation):
    """A FuncAnimation that draws each frame once, not twice, while it is saved.

    ``Animation.save`` (which ``to_jshtml`` calls) updates the artists, lets ``_post_draw``
    redraw the whole canvas, and then renders the frame again for the writer. The first
    rendering is wasted; skipping it makes the embedded players about a third faster to
    build. Outside ``save`` (an interactive window) nothing changes.
    """

    _saving = False

    def save(self, *args, **kwargs):
        self._saving = True
        try:
            return super().save(*args, **kwargs)
        finally:
            self._saving = False

    def _post_draw(self, *args, **kwargs):
        if not self._saving:
            super()._post_draw(*args, **kwargs)


def _frame_steps(T: int, frames: int) -> np.ndarray:
    """``frames`` distinct steps from 0 to T − 1, evenly spread (both ends included)."""
    frames = max(1, min(frames, T))
    if frames == 1:
        return np.array([T - 1])
    return np.floor(np.linspace(0, T - 1, frames) + 0.5).astype(int)


def race_animation(
    surface,
    paths: Mapping[str, np.ndarray],
    losses: Mapping[str, np.ndarray] | None = None,
    *,
    frames: int | None = None,
    max_frames: int = 60,
    interval: int = 80,
    title: str | None = None,
    colors=None,
    levels: int | Sequence[float] = 25,
    figsize: tuple[float, float] = (10, 4),
    dpi: int = 72,
    bounds=None,
) -> FuncAnimation:
    """Optimizers racing on a surface: contours with growing paths (left), loss vs step (right).

    ``paths``: name → ``(T, 2)``; ``losses``: name → ``(T,)`` (default: the surface's value
    along each path). The loss panel shows f − f* on a log scale when f* is known and the loss
    otherwise. The animation has ``frames`` frames (default ``min(T, max_frames)``, at most T)
    showing steps evenly spread over 0, ..., T − 1 — long runs are subsampled so an embedded
    player stays small; ``anim.steps[k]`` is the last step frame k shows. Turn it into HTML
    with :func:`animation_html`, or use :func:`race_html`. ``bounds``: the contour panel's box
    (default the surface's; :func:`path_bounds` gives one that holds every path).
    """
    paths = _check_paths(paths)
    check_int("max_frames", max_frames, min=1)
    if frames is not None:
        check_int("frames", frames, min=1)
    losses = path_losses(surface, paths) if losses is None else {
        str(n): np.asarray(v, dtype=float) for n, v in losses.items()}
    if set(losses) != set(paths):
        raise ValueError(f"losses must have the same names as paths: {sorted(paths)}, "
                         f"got {sorted(losses)}")
    T = max(len(p) for p in paths.values())
    steps = _frame_steps(T, max_frames if frames is None else frames)
    col = _colors(list(paths), colors)

    fig, (ax, ax_loss) = plt.subplots(1, 2, figsize=figsize, dpi=dpi,
                                      gridspec_kw={"width_ratios": [1.1, 1]})
    contour(surface, ax, levels=levels, title="", bounds=bounds)
    start = next(iter(paths.values()))[0]
    ax.plot(*start, "o", ms=9, mfc="none", mec="k", mew=1.2, zorder=4, label="start")

    f_min = _f_star(surface)
    shown, log = _prepare_losses(losses, f_min, log=True)
    if log:
        ax_loss.set_yscale("log")
    _loss_limits(ax_loss, list(shown.values()), log)
    ax_loss.set_xlim(0, max(T - 1, 1))
    ax_loss.set(xlabel="step $t$",
                ylabel=r"$f(\theta_t) - f^*$" if f_min is not None else r"$f(\theta_t)$")

    path_lines, heads, loss_lines = {}, {}, {}
    for name in paths:
        (path_lines[name],) = ax.plot([], [], "-o", color=col[name], lw=1.5, ms=2, zorder=3)
        (heads[name],) = ax.plot([], [], "o", color=col[name], ms=7, mec="k", mew=0.6, zorder=4)
        (loss_lines[name],) = ax_loss.plot([], [], color=col[name], lw=1.5, label=name)
    # above the panel: inside it, the growing curves would run into the legend
    ax_loss.legend(fontsize="small", loc="lower center", bbox_to_anchor=(0.5, 1.0),
                   ncol=min(len(paths), 4), frameon=False)
    counter = ax.text(0.02, 0.97, "", transform=ax.transAxes, va="top", fontsize="small",
                      bbox={"fc": "w", "ec": "none", "alpha": 0.8})
    fig.suptitle(getattr(surface, "name", "") if title is None else title)
    fig.tight_layout()

    def update(k: int):
        s = int(steps[k])
        for name, path in paths.items():
            upto = min(s, len(path) - 1) + 1
            path_lines[name].set_data(path[:upto, 0], path[:upto, 1])
            heads[name].set_data(path[upto - 1:upto, 0], path[upto - 1:upto, 1])
            v = shown[name][: min(s, len(shown[name]) - 1) + 1]
            loss_lines[name].set_data(np.arange(len(v)), v)
        counter.set_text(f"step {s}")
        return [*path_lines.values(), *heads.values(), *loss_lines.values(), counter]

    anim = _Animation(fig, update, frames=len(steps), interval=interval, blit=False,
                      repeat=False)
    anim.steps = steps  # frame k shows steps 0..steps[k] of every path
    return anim


def race_html(surface, paths: Mapping[str, np.ndarray],
              losses: Mapping[str, np.ndarray] | None = None, **kw) -> AnimationHTML:
    """:func:`race_animation` as an embedded JavaScript player (the figure is closed).

    Keyword arguments go to :func:`race_animation`, except ``frame_format`` and
    ``default_mode``, which go to :func:`animation_html`. The last line of a notebook cell
    ``race_html(BEALE, paths)`` shows the player.
    """
    html_kw = {k: kw.pop(k) for k in ("frame_format", "default_mode", "embed_limit_mb", "alt")
               if k in kw}
    return animation_html(race_animation(surface, paths, losses, **kw), **html_kw)


# --- training curves ---------------------------------------------------------------------------

def _stack_runs(runs) -> np.ndarray:
    """``(seeds, epochs)`` from a 1-D array or a list of 1-D arrays of any lengths (NaN-padded)."""
    if isinstance(runs, np.ndarray) and runs.ndim == 2:
        return runs.astype(float)
    if np.ndim(runs[0]) == 0:
        return np.asarray(runs, dtype=float)[None, :]
    n = max(len(r) for r in runs)
    out = np.full((len(runs), n), np.nan)
    for i, r in enumerate(runs):
        out[i, : len(r)] = r
    return out


def loss_curves(
    ax: Axes,
    curves: Mapping[str, np.ndarray],
    *,
    x: np.ndarray | None = None,
    band: str | None = "std",
    log: bool = False,
    colors=None,
    xlabel: str = "epoch",
    ylabel: str = "loss",
    alpha: float = 0.2,
    legend: bool = True,
) -> Axes:
    """Mean curve of several runs per name, with a shaded band.

    ``curves``: name → array ``(seeds, epochs)`` (a 1-D array is one run; a list of runs of
    different lengths, e.g. early-stopped, is padded with NaN and averaged where present).
    ``band``: ``"std"`` (mean ± 1 sample standard deviation), ``"sem"`` (± 1 standard error of
    the mean, std/√seeds), ``"minmax"`` (lowest to highest run) or ``None``. ``x`` defaults to
    epochs 1, 2, ...; ``log`` puts the y axis on a log scale. Returns the axes.
    """
    if band not in ("std", "sem", "minmax", None):
        raise ValueError(f"band must be 'std', 'sem', 'minmax' or None, got {band!r}")
    col = _colors(list(curves), colors)
    for name, runs in curves.items():
        R = _stack_runs(runs)
        xs = np.arange(1, R.shape[1] + 1) if x is None else np.asarray(x)[: R.shape[1]]
        count = np.sum(np.isfinite(R), axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.nanmean(np.where(count > 0, R, 0.0), axis=0)
            mean[count == 0] = np.nan
            ax.plot(xs, mean, color=col[name], label=name)
            if band is not None and R.shape[0] > 1:
                if band == "minmax":
                    lo, hi = np.nanmin(R, axis=0), np.nanmax(R, axis=0)
                else:
                    sd = np.nanstd(R, axis=0, ddof=1)
                    sd = sd / np.sqrt(count) if band == "sem" else sd
                    lo, hi = mean - sd, mean + sd
                if log:
                    lo = _clip_positive(lo, _positive_floor([R]))
                ax.fill_between(xs, lo, hi, color=col[name], alpha=alpha, lw=0)
    if log:
        ax.set_yscale("log")
    if x is None:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(xlabel=xlabel, ylabel=ylabel)
    if legend:
        ax.legend(fontsize="small")
    return ax


def history(hist, axes: Sequence[Axes] | None = None, *, label: str = "") -> Sequence[Axes]:
    """Loss (left) and accuracy (right) per epoch of a :class:`dlsg_utils.train.History`.

    Training curves are solid, validation curves dashed; a dotted vertical line marks the best
    epoch when there is one. Pass the same ``axes`` and a ``label`` to compare runs.
    """
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    epochs = np.arange(1, len(hist.train_loss) + 1)
    prefix = f"{label} " if label else ""
    for ax, key, name in ((axes[0], "loss", "loss"), (axes[1], "acc", "accuracy")):
        (line,) = ax.plot(epochs, getattr(hist, f"train_{key}"), label=f"{prefix}train")
        val = getattr(hist, f"val_{key}")
        if len(val):
            ax.plot(epochs[: len(val)], val, "--", color=line.get_color(),
                    label=f"{prefix}validation")
        if hist.best_epoch is not None:
            ax.axvline(hist.best_epoch, color=line.get_color(), ls=":", lw=1)
        ax.set(xlabel="epoch", ylabel=name)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(fontsize="small")
    return axes
