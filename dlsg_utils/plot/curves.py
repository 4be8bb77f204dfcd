"""Training curves: losses and accuracies over epochs, runs of several seeds with their spread
(chapters 2, 6, 11-13)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from .surfaces import _clip_positive, _colors, _positive_floor

__all__ = ["history", "loss_curves"]


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
