"""Pictures of convolution arithmetic: the sliding kernel of Dumoulin & Visin (2016), drawn here.

The idea and the colours (a blue input whose zero padding is dashed, a darker kernel "shadow"
sliding over it, a cyan output filling up) follow the animations of Dumoulin & Visin's *A guide
to convolution arithmetic for deep learning* (github.com/vdumoulin/conv_arithmetic, MIT
licence); the drawing code is our own.

- :func:`conv_layout`: where the input cells sit on the (padded) grid and where each kernel
  window lies, for a convolution or for the transposed convolution drawn, as in the guide, as a
  stride-1 convolution over the input with s − 1 zeros inserted between its cells.
- :func:`conv_figure`: one picture (kernel at output position ``step``).
- :func:`conv_animation`: a FuncAnimation over the output positions, for
  :func:`dlsg_utils.plot.animation_html`.
- :func:`conv_description`: what such an animation shows, in words (its alt text).
- :func:`conv_calculator`: ipywidgets sliders for i, k, s, p, d (needs a running kernel).
- :func:`volume_figure`, :func:`volume_animation`: the multi-channel case (the slides' 32×32×3
  image and its 5×5×3 filters; cs231n's convolution demo): every input channel with the window
  on it, the current filter's slice for that channel and the channel's share of the dot product,
  and the output maps filling in, one map per filter. Small inputs are drawn as numbers, large
  ones as images; every number comes from :func:`dlsg_utils.conv.conv2d_im2col`.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from dlsg_utils.checks import check_bool, check_int
from dlsg_utils.conv import (
    conv2d_im2col,
    conv_output_size,
    dilated_kernel_size,
    transpose_output_padding,
)
from dlsg_utils.plot import _Animation  # a FuncAnimation that renders each frame once when saved

__all__ = ["ConvLayout", "conv_animation", "conv_calculator", "conv_description", "conv_figure",
           "conv_layout", "volume_animation", "volume_figure"]

BLUE, DARK_BLUE, CYAN, DARK_CYAN, PALE_CYAN = "#7fb2e5", "#1f4e99", "#7fe0e0", "#12807f", "#e6f7f7"


@dataclass(frozen=True)
class ConvLayout:
    """Geometry of one drawing (one spatial axis; the pictures are square).

    ``grid``: cells of the padded (and, when transposed, zero-stretched) input; ``real``: the
    grid indices holding actual input values (the rest are zeros: padding or inserted);
    ``stride``, ``dilation``, ``k``: how the kernel moves over the grid; ``out``: the output
    size, so the windows start at ``stride * j`` for ``j < out``.
    """

    grid: int
    real: tuple[int, ...]
    k: int
    stride: int
    dilation: int
    out: int
    n_in: int
    pad_lo: int
    transposed: bool

    def taps(self, j: int) -> np.ndarray:
        """Grid indices the kernel's taps touch at output position ``j`` (one axis)."""
        return self.stride * j + self.dilation * np.arange(self.k)


def conv_layout(i: int, k: int, s: int = 1, p: int = 0, d: int = 1,
                transposed: bool = False) -> ConvLayout:
    """The layout of a convolution ``(i, k, s, p, d)``, or of its transpose.

    Direct: a grid of i + 2p cells, the input at [p, p + i), windows every ``s`` cells,
    o = ``conv_output_size(i, k, s, p, d)`` of them.

    Transposed (Dumoulin & Visin, section 4): the transposed convolution takes the o-sized
    output back to size i. It equals a stride-1 convolution with the same kernel over the o
    inputs spread s cells apart, padded by p' = d(k − 1) − p on each side and by
    a = (i + 2p − k̂) mod s more cells at the end (PyTorch's ``output_padding``); it has i
    windows. Raises ValueError when p > d(k − 1) (the transpose would crop, not pad).
    """
    o = conv_output_size(i, k, s, p, d)
    if not transposed:
        return ConvLayout(grid=i + 2 * p, real=tuple(range(p, p + i)), k=k, stride=s,
                          dilation=d, out=o, n_in=i, pad_lo=p, transposed=False)
    p_t = d * (k - 1) - p
    if p_t < 0:
        raise ValueError(f"padding {p} is larger than d(k − 1) = {d * (k - 1)}: the transposed "
                         "convolution would crop its input; not drawn")
    a = transpose_output_padding(i, k, s, p, d)
    grid = (o - 1) * s + 1 + 2 * p_t + a
    real = tuple(p_t + s * j for j in range(o))
    return ConvLayout(grid=grid, real=real, k=k, stride=1, dilation=d, out=i, n_in=o,
                      pad_lo=p_t, transposed=True)


def _title(i, k, s, p, d, transposed) -> str:
    parts = [f"i={i}", f"k={k}"] + [f"{n}={v}" for n, v, dflt in
                                    (("s", s, 1), ("p", p, 0), ("d", d, 1)) if v != dflt]
    return ("transposed of " if transposed else "") + "convolution " + ", ".join(parts)


class _Drawing:
    """The patches of one figure, recoloured for each output position."""

    def __init__(self, lay: ConvLayout, title: str, figsize: float, dpi: int):
        self.lay = lay
        n, m = lay.grid, lay.out
        width = figsize * (n + m + 2) / max(n, m)
        self.fig, (self.ax_in, self.ax_out) = plt.subplots(
            1, 2, figsize=(width, figsize + 0.6), dpi=dpi,
            gridspec_kw={"width_ratios": [n, m]})
        self.fig.suptitle(title, fontsize=11)
        real = set(lay.real)
        covered = set()
        for j in range(lay.out):
            covered.update(int(t) for t in lay.taps(j))
        self.inp = {}
        for r in range(n):
            for c in range(n):
                is_real = r in real and c in real
                rect = Rectangle((c, n - 1 - r), 1, 1, facecolor=BLUE if is_real else "white",
                                 edgecolor="0.25" if is_real else "0.55", lw=1,
                                 linestyle="-" if is_real else "--",
                                 hatch=None if r in covered and c in covered else "//")
                self.ax_in.add_patch(rect)
                self.inp[r, c] = (rect, BLUE if is_real else "white")
        self.shadow = [Rectangle((0, 0), 1, 1, facecolor=DARK_BLUE, alpha=0.75, lw=0)
                       for _ in range(lay.k * lay.k)]
        for sh in self.shadow:
            self.ax_in.add_patch(sh)
        k_hat = dilated_kernel_size(lay.k, lay.dilation)
        self.frame = Rectangle((0, 0), k_hat, k_hat, fill=False, edgecolor=DARK_BLUE, lw=2)
        self.ax_in.add_patch(self.frame)
        self.out = {}
        for r in range(m):
            for c in range(m):
                rect = Rectangle((c, m - 1 - r), 1, 1, facecolor=PALE_CYAN, edgecolor="0.25",
                                 lw=1)
                self.ax_out.add_patch(rect)
                self.out[r, c] = rect
        what = "stretched input" if lay.transposed else "input"
        self.ax_in.set_title(f"{what}: {lay.n_in}×{lay.n_in} blue, zeros dashed", fontsize=10)
        self.ax_out.set_title(f"output: {m}×{m}", fontsize=10)
        for ax, size in ((self.ax_in, n), (self.ax_out, m)):
            ax.set(xlim=(-0.1, size + 0.1), ylim=(-0.1, size + 0.1), aspect="equal")
            ax.axis("off")
        self.fig.tight_layout()

    def update(self, step: int):
        lay, n, m = self.lay, self.lay.grid, self.lay.out
        r, c = divmod(step, m)
        rows, cols = lay.taps(r), lay.taps(c)
        for idx, (tr, tc) in enumerate((a, b) for a in rows for b in cols):
            self.shadow[idx].set_xy((tc, n - 1 - tr))
        self.frame.set_xy((cols[0], n - rows[-1] - 1))
        for (orow, ocol), rect in self.out.items():
            pos = orow * m + ocol
            rect.set_facecolor(DARK_CYAN if pos == step else CYAN if pos < step else PALE_CYAN)
        return [*self.shadow, self.frame, *self.out.values()]


def conv_figure(i: int, k: int, s: int = 1, p: int = 0, d: int = 1, transposed: bool = False,
                *, step: int = 0, size: float = 2.6, dpi: int = 80) -> Figure:
    """One picture of the convolution ``(i, k, s, p, d)`` (or its transpose) with the kernel at
    output position ``step`` (row-major). Cells that no window ever touches are hatched."""
    layout = conv_layout(i, k, s, p, d, transposed)
    check_int("step", step, min=0, max=layout.out * layout.out - 1)
    drawing = _Drawing(layout, _title(i, k, s, p, d, transposed), size, dpi)
    drawing.update(step)
    return drawing.fig


def conv_animation(i: int, k: int, s: int = 1, p: int = 0, d: int = 1,
                   transposed: bool = False, *, max_frames: int | None = None,
                   size: float = 2.6, dpi: int = 60, interval: int = 400) -> FuncAnimation:
    """The kernel sliding over every output position of ``(i, k, s, p, d)``, or of its
    transpose, one frame per position (``max_frames``: at most that many, the first ones).

    Show it in a notebook with ``dlsg_utils.plot.animation_html(conv_animation(...))``.
    """
    lay = conv_layout(i, k, s, p, d, transposed)
    drawing = _Drawing(lay, _title(i, k, s, p, d, transposed), size, dpi)
    n_frames = lay.out * lay.out if max_frames is None else min(max_frames, lay.out * lay.out)
    if n_frames < 1:
        raise ValueError(f"max_frames must be a positive int, got {max_frames}")
    return _Animation(drawing.fig, drawing.update, frames=n_frames, interval=interval,
                      blit=False)


def conv_description(i: int, k: int, s: int = 1, p: int = 0, d: int = 1,
                     transposed: bool = False) -> str:
    """What :func:`conv_animation` ``(i, k, s, p, d, transposed)`` shows, in one sentence: the
    alt text of its player for readers who cannot see it."""
    lay = conv_layout(i, k, s, p, d, transposed)
    o, n = lay.out, lay.n_in
    unused = lay.grid - 1 - int(lay.taps(lay.out - 1).max())
    k_hat = dilated_kernel_size(k, d)
    kernel = f"a {k}×{k} kernel (dark blue)" + (
        f" with dilation {d} (taps {d} cells apart, spanning {k_hat}×{k_hat} cells)" if d > 1
        else "")
    if transposed:
        spread = f", spread {s} cells apart," if s > 1 else ""
        text = (f"Animation of the transposed convolution that takes a {n}×{n} input back to "
                f"{o}×{o}, drawn as a stride-1 convolution: the {n}×{n} input cells (blue){spread} "
                f"sit in a grid of zeros (dashed) of {lay.grid}×{lay.grid} cells, and {kernel} slides over "
                f"it, filling the {o}×{o} output (cyan) one cell per frame")
    else:
        pad = f", bordered by {p} ring{'s' * (p > 1)} of zero padding (dashed)" if p else ""
        text = (f"Animation: {kernel} slides with stride {s} over a {i}×{i} input (blue){pad}, "
                f"filling the {o}×{o} output (cyan) one cell per frame")
    if unused > 0:
        rows = "row and column" if unused == 1 else f"{unused} rows and columns"
        text += f"; the last {rows} of the grid are never covered by the kernel (hatched)"
    return text + "."


def _png(fig: Figure) -> dict:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=fig.dpi)
    plt.close(fig)
    return {"output_type": "display_data",
            "data": {"image/png": base64.b64encode(buf.getvalue()).decode("ascii"),
                     "text/plain": "<convolution picture>"}, "metadata": {}}


def conv_calculator(i: int = 5, k: int = 3, s: int = 1, p: int = 0, d: int = 1):
    """Sliders for i, k, s, p, d and a "transposed" box: prints the output size and draws the
    grid (kernel at the first position). Needs a running kernel to react to the sliders.

    Returns an ``ipywidgets.VBox`` whose ``out`` attribute is the Output area and whose
    ``redraw()`` method recomputes it.
    """
    import ipywidgets as w

    sliders = {name: w.IntSlider(value=v, min=lo, max=hi, description=name,
                                 continuous_update=False)
               for name, v, lo, hi in (("i", i, 1, 12), ("k", k, 1, 7), ("s", s, 1, 4),
                                       ("p", p, 0, 4), ("d", d, 1, 4))}
    box = w.Checkbox(value=False, description="transposed")
    out = w.Output()

    def redraw(_change=None):
        args = {n: sl.value for n, sl in sliders.items()}
        try:
            o = conv_output_size(**args)
            text = (f"o = ⌊({args['i']} + 2·{args['p']} − {args['d']}·({args['k']} − 1) − 1)"
                    f"/{args['s']}⌋ + 1 = {o}\n")
            fig = conv_figure(**args, transposed=box.value, dpi=70)
            outputs = [{"output_type": "stream", "name": "stdout", "text": text}, _png(fig)]
        except ValueError as err:
            outputs = [{"output_type": "stream", "name": "stdout", "text": f"{err}\n"}]
        out.outputs = tuple(outputs)

    for widget in (*sliders.values(), box):
        widget.observe(redraw, names="value")
    ui = w.VBox([w.HBox(list(sliders.values())[:3]),
                 w.HBox([*list(sliders.values())[3:], box]), out])
    ui.out, ui.redraw, ui.sliders, ui.transposed = out, redraw, sliders, box
    redraw()
    return ui


# --- the multi-channel case: a volume in, one map per filter out --------------------------------

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
                     channel_names=None, cell: float | None = None, dpi: int = 60,
                     interval: int = 700) -> FuncAnimation:
    """:func:`volume_figure` for every output position in turn, one frame each (``steps``: the
    output indices to show, in (filter, row, column) order, default all; ``max_frames``: at
    most that many, the first ones). Show it with ``dlsg_utils.plot.animation_html``.
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
