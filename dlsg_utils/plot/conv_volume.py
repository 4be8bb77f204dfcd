"""The multi-channel convolution drawn (chapter 10): the slides' 32x32x3 image and its 5x5x3
filters, cs231n's convolution demo. Every input channel with the window on it, the current
filter's slice for that channel and the channel's share of the dot product, and the output maps
filling in, one map per filter. Small inputs are drawn as numbers, large ones as images; every
number comes from :func:`dlsg_utils.conv.conv2d_im2col`."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..checks import check_bool, check_int
from ..conv import conv2d_im2col, conv_output_size
from ._mpl import _Animation
from .conv_grid import BLUE, CYAN, DARK_BLUE, DARK_CYAN, PALE_CYAN

__all__ = ["volume_animation", "volume_figure"]


PALE_ORANGE = "#fbe3c5"


def _real_array(a, name: str, ndim: int, axes: str) -> np.ndarray:
    try:
        arr = np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an array of real numbers, got {type(a).__name__}") from None
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D {axes}, got shape {arr.shape}")
    return arr


def _check_volume(x, w, b, stride, padding, numbers, channel_names):
    x = _real_array(x, "x", 3, "(C, H, W): one image")
    w = _real_array(w, "w", 4, "(F, C, KH, KW)")
    if w.shape[1] != x.shape[0]:
        raise ValueError(f"w must have x's {x.shape[0]} channels on axis 1 (F, C, KH, KW), got "
                         f"shape {w.shape}")
    b = np.zeros(w.shape[0]) if b is None else _real_array(b, "b", 1, "(F,)")
    if b.shape != (w.shape[0],):
        raise ValueError(f"b must have shape (F,) = ({w.shape[0]},), got {b.shape}")
    stride, padding = check_int("stride", stride, min=1), check_int("padding", padding, min=0)
    for n, k in zip(x.shape[1:], w.shape[2:], strict=True):
        conv_output_size(n, k, stride, padding)  # a kernel larger than the padded input: raise
    if numbers is not None:
        check_bool("numbers", numbers)
    if channel_names is None:
        channel_names = (["red", "green", "blue"] if x.shape[0] == 3 else
                         [f"channel {c}" for c in range(x.shape[0])])
    channel_names = [str(n) for n in channel_names]
    if len(channel_names) != x.shape[0]:
        raise ValueError(f"channel_names must name the {x.shape[0]} channels, got "
                         f"{len(channel_names)} names")
    return x, w, b, stride, padding, channel_names


class _VolumeDrawing:
    """Input channels (one row each) with the window, the current filter's slices, the output
    maps; ``update(step)`` moves to output ``step`` in the order (filter, row, column)."""

    def __init__(self, x, w, b, stride, padding, numbers, names, cell, dpi):
        C, H, W = x.shape
        F, _, KH, KW = w.shape
        self.x, self.w, self.b, self.s, self.names = x, w, b, stride, names
        self.xp = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
        self.out = conv2d_im2col(x[None], w, b, stride, padding)[0]  # (F, OH, OW)
        self.partial = np.stack([conv2d_im2col(x[None, c:c + 1], w[:, c:c + 1], None, stride,
                                               padding)[0] for c in range(C)])  # (C, F, OH, OW)
        Hp, Wp = self.xp.shape[1:]
        OH, OW = self.out.shape[1:]
        if numbers is None:
            numbers = max(Hp, Wp) <= 9 and max(KH, KW) <= 5
        self.numbers = numbers
        integral = all(np.array_equal(a, np.round(a)) for a in (x, w, b))
        self.fmt = "{:.0f}" if integral else "{:.2f}" if numbers else "{:.3f}"
        cell = (0.36 if numbers else 2.2 / max(Hp, Wp)) if cell is None else cell
        n_cols = -(-F // C)
        widths = [Wp * cell, max(KW * cell, 1.0), *[max(OW * cell, 1.0)] * n_cols]
        self.fig, axes = plt.subplots(
            C, 2 + n_cols, squeeze=False, dpi=dpi,
            figsize=(max(sum(widths) + 0.6 * (2 + n_cols), 6.5), C * (Hp * cell + 0.55) + 1.2),
            gridspec_kw={"width_ratios": widths})
        self.ax_in, self.ax_w = axes[:, 0], axes[:, 1]
        self.ax_out = [axes[f % C, 2 + f // C] for f in range(F)]
        for ax in axes[:, 2:].flat:
            if ax not in self.ax_out:
                ax.axis("off")  # the grid has more cells than filters
        self.font = max(6.0, min(11.0, cell * 72 * 0.42))
        self._draw_inputs(numbers, names, KH, KW)
        self._draw_filters(numbers, KH, KW)
        self._draw_outputs(numbers, OH, OW)
        self.equation = self.fig.text(0.5, 0.03, "", ha="center", va="bottom", fontsize=10)
        self.fig.suptitle(f"input {H}×{W}×{C}, {F} filters of {KH}×{KW}×{C} (+1 bias each)\n"
                          f"stride {stride}, padding {padding} → output {OH}×{OW}×{F}",
                          fontsize=11)
        self.fig.tight_layout(rect=(0, 0.09, 1, 0.95))

    # the panels --------------------------------------------------------------------------------
    @staticmethod
    def _frame(ax, rows, cols):
        ax.set(xlim=(-0.55, cols - 0.45), ylim=(rows - 0.45, -0.55), aspect="equal")
        ax.set_xticks([]), ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(False)

    def _cells(self, ax, values, colours, text=True, dashed=None):
        rects, texts = {}, {}
        for (r, c), v in np.ndenumerate(values):
            pad = dashed is not None and dashed[r, c]
            rect = Rectangle((c - 0.5, r - 0.5), 1, 1, facecolor=colours(r, c), lw=0.8,
                             edgecolor="0.55" if pad else "0.3", linestyle="--" if pad else "-")
            ax.add_patch(rect)
            rects[r, c] = rect
            if text and not pad:  # zero padding: empty dashed cells, as in Dumoulin & Visin
                texts[r, c] = ax.text(c, r, self.fmt.format(v), ha="center", va="center",
                                      fontsize=self.font)
        return rects, texts

    def _draw_inputs(self, numbers, names, KH, KW):
        Hp, Wp = self.xp.shape[1:]
        p = (Hp - self.x.shape[1]) // 2
        pad = np.ones((Hp, Wp), bool)
        pad[p:Hp - p, p:Wp - p] = False
        self.windows = []
        for c, ax in enumerate(self.ax_in):
            self._frame(ax, Hp, Wp)
            if numbers:
                self._cells(ax, self.xp[c], lambda r, q: "white" if pad[r, q] else BLUE,
                            dashed=pad)
            else:
                ax.imshow(self.xp[c], cmap="gray", vmin=self.x.min(), vmax=self.x.max())
            win = Rectangle((-0.5, -0.5), KW, KH, facecolor=DARK_BLUE, alpha=0.3,
                            edgecolor=DARK_BLUE, lw=2.2)
            ax.add_patch(win)
            self.windows.append(win)
            ax.set_ylabel(names[c], fontsize=10)
            ax.set_title(f"input, {names[c]}" + (" (zeros dashed)" if numbers and p else ""),
                         fontsize=9)

    def _draw_filters(self, numbers, KH, KW):
        self.w_texts, self.w_images, self.sums = [], [], []
        for c, ax in enumerate(self.ax_w):
            self._frame(ax, KH, KW)
            if numbers:
                self.w_texts.append(self._cells(ax, self.w[0, c], lambda r, q: PALE_ORANGE)[1])
            else:
                lim = max(np.abs(self.w[0]).max(), 1e-12)
                self.w_images.append(ax.imshow(self.w[0, c], cmap="RdBu_r", vmin=-lim, vmax=lim))
            self.sums.append(ax.set_xlabel("", fontsize=9))

    def _draw_outputs(self, numbers, OH, OW):
        self.out_rects, self.out_texts, self.out_images = [], [], []
        self.marker = []
        for f, ax in enumerate(self.ax_out):
            self._frame(ax, OH, OW)
            ax.set_label(f"output map {f}")
            ax.set_title(f"map {f}: {OH}×{OW}", fontsize=9)
            if numbers:
                rects, texts = self._cells(ax, self.out[f], lambda r, q: PALE_CYAN)
                self.out_rects.append(rects)
                self.out_texts.append(texts)
            else:
                lim = max(np.abs(self.out[f]).max(), 1e-12)
                ax.set_facecolor(PALE_CYAN)  # what is not computed yet
                self.out_images.append(ax.imshow(np.full((OH, OW), np.nan), cmap="RdBu_r",
                                                 vmin=-lim, vmax=lim))
                mark = Rectangle((-0.5, -0.5), 1, 1, fill=False, edgecolor="black", lw=1.5)
                ax.add_patch(mark)
                self.marker.append(mark)

    # one output position -----------------------------------------------------------------------
    def update(self, step: int):
        F, OH, OW = self.out.shape
        f, y, z = (int(v) for v in np.unravel_index(step, (F, OH, OW)))
        for win in self.windows:
            win.set_xy((z * self.s - 0.5, y * self.s - 0.5))
        for c in range(len(self.names)):
            if self.numbers:
                for (r, q), t in self.w_texts[c].items():
                    t.set_text(self.fmt.format(self.w[f, c, r, q]))
            else:
                lim = max(np.abs(self.w[f]).max(), 1e-12)
                self.w_images[c].set_data(self.w[f, c])
                self.w_images[c].set_clim(-lim, lim)
            self.ax_w[c].set_title(f"filter {f}, {self.names[c]}", fontsize=9)
            self.sums[c].set_text("channel sum " + self.fmt.format(self.partial[c, f, y, z]))
        done = step + 1  # outputs in (filter, row, column) order that are computed
        for g in range(F):
            filled = np.clip(done - g * OH * OW, 0, OH * OW)
            mask = (np.arange(OH * OW) < filled).reshape(OH, OW)
            if self.numbers:
                for (r, q), rect in self.out_rects[g].items():
                    current = (g, r, q) == (f, y, z)
                    rect.set_facecolor(DARK_CYAN if current else CYAN if mask[r, q] else
                                       PALE_CYAN)
                    text = self.out_texts[g][r, q]
                    text.set_text(self.fmt.format(self.out[g, r, q]) if mask[r, q] else "")
                    text.set_color("white" if current else "black")
            else:
                self.out_images[g].set_data(np.where(mask, self.out[g], np.nan))
                self.marker[g].set_visible(g == f)
                self.marker[g].set_xy((z - 0.5, y - 0.5))
        terms = [(self.partial[c, f, y, z], n) for c, n in enumerate(self.names)]
        terms.append((self.b[f], "bias"))
        text = "".join(("− " if v < 0 else "+ ") * bool(k) + ("−" if v < 0 and not k else "")
                       + f"{self.fmt.format(abs(v))} ({n}) " for k, (v, n) in enumerate(terms))
        self.equation.set_text(
            f"map {f} at ({y}, {z}) = {text}= {self.fmt.format(self.out[f, y, z])}"
            f"\n[{self.w[f].size} products + 1 bias]")
        return []


def volume_figure(x, w, b=None, stride: int = 1, padding: int = 0, *, step: int = 0,
                  numbers: bool | None = None, channel_names=None, cell: float | None = None,
                  dpi: int = 80) -> Figure:
    """One frame of the multi-channel convolution ``conv2d(x[None], w, b, stride, padding)``.

    ``x: (C, H, W)`` one image, ``w: (F, C, KH, KW)``, ``b: (F,)`` (zeros if None). Row c shows
    input channel c (padded) with the window of output ``step``, filter f's slice
    ``w[f, c]`` and that channel's sum Σ_ij w[f, c, i, j]·x̃[c, y·s + i, z·s + j]; the right
    columns hold the F output maps, filled in (filter, row, column) order up to ``step``; the
    line at the bottom adds the channel sums and the bias: one output value. ``numbers``: draw
    values in the cells (default: when the padded input is at most 9×9), else images.
    """
    x, w, b, stride, padding, names = _check_volume(x, w, b, stride, padding, numbers,
                                                    channel_names)
    drawing = _VolumeDrawing(x, w, b, stride, padding, numbers, names, cell, dpi)
    total = drawing.out.size
    step = check_int("step", step, min=-total, max=total - 1) % total
    drawing.update(step)
    return drawing.fig


def volume_animation(x, w, b=None, stride: int = 1, padding: int = 0, *,
                     steps=None, max_frames: int | None = None, numbers: bool | None = None,
                     channel_names=None, cell: float | None = None, dpi: int = 72,
                     interval: int = 700) -> FuncAnimation:
    """:func:`volume_figure` for every output position in turn, one frame each (``steps``: the
    output indices to show, in (filter, row, column) order, default all; ``max_frames``: at
    most that many, the first ones). Show it with ``dlsg_utils.plot.animation_html``. At the
    default 72 dpi its 9-point labels show at 9 CSS px (60 dpi made them 7.5).
    """
    x, w, b, stride, padding, names = _check_volume(x, w, b, stride, padding, numbers,
                                                    channel_names)
    drawing = _VolumeDrawing(x, w, b, stride, padding, numbers, names, cell, dpi)
    total = drawing.out.size
    frames = list(range(total)) if steps is None else [
        check_int("steps entries", int(v) if isinstance(v, np.integer) else v, min=0,
                  max=total - 1) for v in steps]
    if max_frames is not None:
        frames = frames[:check_int("max_frames", max_frames, min=1)]
    if not frames:
        raise ValueError("steps must hold at least one output index, got none")
    drawing.update(frames[0])
    return _Animation(drawing.fig, drawing.update, frames=frames,
                      interval=check_int("interval", interval, min=1), blit=False)
