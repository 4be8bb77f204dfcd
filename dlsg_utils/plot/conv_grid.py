"""Pictures of convolution arithmetic: the sliding kernel of Dumoulin & Visin (2016), drawn here
(chapter 9).

The idea and the colours (a blue input whose zero padding is dashed, a darker kernel "shadow"
sliding over it, a cyan output filling up) follow the animations of Dumoulin & Visin's *A guide
to convolution arithmetic for deep learning* (github.com/vdumoulin/conv_arithmetic, MIT
licence); the drawing code is our own.

- :func:`~dlsg_utils.plot.conv_layout`: where the input cells sit on the (padded) grid and where each kernel
  window lies, for a convolution or for the transposed convolution drawn, as in the guide, as a
  stride-1 convolution over the input with s - 1 zeros inserted between its cells.
- :func:`~dlsg_utils.plot.conv_figure`: one picture (kernel at output position ``step``).
- :func:`~dlsg_utils.plot.conv_animation`: a FuncAnimation over the output positions, for
  :func:`dlsg_utils.plot.animation_html`.
- :func:`~dlsg_utils.plot.conv_description`: what such an animation shows, in words (its alt text).

The ipywidgets calculator that redraws these pictures is :func:`dlsg_utils.widgets.conv_calculator`."""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..checks import check_int
from ..conv import conv_output_size, dilated_kernel_size, transpose_output_padding
from ._mpl import _Animation

BLUE, DARK_BLUE, CYAN, DARK_CYAN, PALE_CYAN = "#7fb2e5", "#1f4e99", "#7fe0e0", "#12807f", "#e6f7f7"

__all__ = ["ConvLayout", "conv_animation", "conv_description", "conv_figure", "conv_layout"]


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
                   size: float = 2.6, dpi: int = 66, interval: int = 400) -> FuncAnimation:
    """The kernel sliding over every output position of ``(i, k, s, p, d)``, or of its
    transpose, one frame per position (``max_frames``: at most that many, the first ones).
    At the default 66 dpi the 10-point titles show at 9.2 CSS px (60 dpi made them 8.3).

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
