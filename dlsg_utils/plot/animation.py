"""Animations as self-contained JavaScript players: races of optimizers over a surface
(chapter 5) and any matplotlib ``FuncAnimation`` (chapters 8-9).

``Animation.to_jshtml()`` embeds every frame as an image, so the player works in the static HTML
book without a kernel; :func:`~dlsg_utils.plot.animation_html` makes it work offline, describes it for screen
readers and keeps a still frame for the PDF edition.
"""

from __future__ import annotations

import html as _html
import re
from collections.abc import Mapping, Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation

from ..book import smallest_text_pt
from ..checks import check_int
from ._mpl import _Animation, figure_of
from .surfaces import (
    _check_paths,
    _colors,
    _loss_limits,
    _prepare_losses,
    contour,
    min_value_of,
    path_losses,
)

__all__ = ["AnimationHTML", "animation_html", "race_animation", "race_html"]


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


_LOOP_FORM = re.compile(r'<form title="Repetition mode" aria-label="Repetition mode"'
                        r'([^>]*class="anim-state">)(.*?)</form>', re.S)


def _offline_player(html: str, alt: str, attrs: str = "") -> str:
    """``html`` without the CDN stylesheet, its icons replaced by characters, and what a screen
    reader needs: the frame image's alt text and a label on the frame slider. ``attrs`` is
    added to the frame image's tag as it is.

    The player's named <form> of repetition modes is a form landmark, one per player, all
    called "Repetition mode" (axe-core: landmark-unique): the name moves to a radiogroup
    inside it, which is what the three radio buttons are."""
    html = _CDN_LINK.sub("", html)
    html = _LOOP_FORM.sub(r'<form\1<div role="radiogroup" aria-label="Repetition mode">\2</div>'
                          r'</form>', html)
    html = _ICON.sub(lambda m: f'<span aria-hidden="true">{_ICONS.get(m.group(1), "?")}</span>',
                     html)
    html = re.sub(r'<img id="(_anim_img\w+)">',
                  lambda m: f'<img id="{m.group(1)}" alt="{_html.escape(alt, quote=True)}"{attrs}>',
                  html)
    return re.sub(r'<input id="(_anim_slider\w+)" type="range"',
                  r'<input id="\1" type="range" aria-label="animation frame"', html)


_STILL_NOTE = "An animation in the web edition of this book; here, its last frame."


def _still_png(fig) -> bytes:
    """The figure as it stands (the last frame) as PNG, with a line saying it is a still."""
    import io

    # under everything the figure draws (an x-label may reach below the figure's own bottom
    # edge), not over its axis labels; the tight bounding box then grows to take it in
    bottom = fig.get_tightbbox().y0 / fig.get_figheight()
    note = fig.text(0.5, bottom - 0.01, _STILL_NOTE, ha="center", va="top", fontsize=8,
                    style="italic", color="0.3")
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=fig.dpi, bbox_inches="tight", pad_inches=0.08)
    finally:
        note.remove()
    return buf.getvalue()


def _text_size_attrs(fig, dpi) -> str:
    """The frame image's data-dlsg-smallest-text-pt and data-dlsg-dpi attributes: the smallest
    font size of the figure as its last frame left it, and the resolution of the frames (what
    an inline figure records in its PNG, :func:`dlsg_utils.book.record_figure_text_sizes`)."""
    dpi = fig.dpi if dpi == "figure" else float(dpi)
    smallest = smallest_text_pt(fig)
    size = "" if smallest is None else f' data-dlsg-smallest-text-pt="{smallest:g}"'
    return f'{size} data-dlsg-dpi="{dpi:g}"'


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
        dpi = mpl.rcParams["savefig.dpi"]
    fig = figure_of(anim)
    out = AnimationHTML(_offline_player(html, alt, _text_size_attrs(fig, dpi)))
    out.n_frames = html.count('] = "data:image/')
    out.png = _still_png(fig)
    if close:
        plt.close(fig)
    return out


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

    f_min = min_value_of(surface)
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
    # "medium", not "small": 10 points at 72 dpi in a 720-px player that the page shows at
    # 672 px are 9.3 CSS px (tests/browser/test_layout.py)
    ax_loss.legend(fontsize="medium", loc="lower center", bbox_to_anchor=(0.5, 1.0),
                   ncol=min(len(paths), 4), frameon=False)
    counter = ax.text(0.02, 0.97, "", transform=ax.transAxes, va="top", fontsize="medium",
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
