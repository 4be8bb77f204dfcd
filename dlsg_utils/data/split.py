"""What every loader returns (:class:`DataSplit`) and how ``source="auto"`` chooses."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable

import torch

from ..checks import check_bool

__all__ = ["DataFallbackWarning", "DataSplit", "check_split", "resolve"]

SOURCES = ("auto", "full", "offline")


class DataFallbackWarning(UserWarning):
    """``source="auto"`` could not load the full data set and used the offline one."""


class DataSplit(tuple):
    """``(X, y)`` that also says which data set it came from.

    * ``.name``: the data set actually loaded, e.g. ``"CIFAR-10, JPEG copy: 10,000 test
      images (the whole test set)"``;
    * ``.classes``: what the labels mean (``"airplane"`` for label 0 of CIFAR-10);
    * ``.note``: why this is not the data set that was asked for (``source="auto"`` fell back
      to the offline set), with every mirror's error, else ``None``;
    * ``.describe()``: one line with the name and, after a fallback, the short reason, for a
      notebook to print (``.note`` has the details).

    Unpacks like a tuple: ``X, y = load_mnist("train")``.
    """

    name: str
    classes: tuple[str, ...]
    note: str | None

    def __new__(cls, X: torch.Tensor, y: torch.Tensor, name: str,
                classes: tuple[str, ...] = tuple(str(d) for d in range(10)),
                note: str | None = None) -> DataSplit:
        if len(X) != len(y):
            raise ValueError(f"X and y must have the same length, got {len(X)} and {len(y)}")
        obj = super().__new__(cls, (X, y))
        obj.name, obj.classes, obj.note = name, tuple(classes), note
        obj._short_note = note
        return obj

    @property
    def X(self) -> torch.Tensor:
        return self[0]

    @property
    def y(self) -> torch.Tensor:
        return self[1]

    def describe(self) -> str:
        """``"<name>"``, plus the short reason when the loader fell back to the offline set."""
        return f"{self.name} ({self._short_note})" if self.note else self.name

    def __repr__(self) -> str:
        return (f"DataSplit({self.describe()!r}, X={tuple(self.X.shape)}, "
                f"y={tuple(self.y.shape)})")


def check_split(split: str) -> None:
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")


def resolve(split: str, source: str, full: Callable[[], DataSplit],
            offline: Callable[[], DataSplit], *, what: str, warn: bool) -> DataSplit:
    """Check the arguments, then load ``full()``, ``offline()`` or -- for ``source="auto"`` --
    try ``full()`` and fall back to ``offline()``, recording why in ``.note`` and, if ``warn``,
    in a :class:`DataFallbackWarning`. ``DLSG_OFFLINE=1`` makes "auto" skip the download."""
    check_split(split)
    check_bool("warn", warn)
    if source not in SOURCES:
        raise ValueError(f"source must be 'auto', 'full' or 'offline', got {source!r}")
    if source == "offline":
        return offline()
    if source == "full":
        return full()
    if os.environ.get("DLSG_OFFLINE", "").strip() not in ("", "0"):
        reason = short = "DLSG_OFFLINE is set"
    else:
        from .download import DownloadError

        try:
            return full()
        except (DownloadError, ValueError, OSError) as err:
            reason = "the download failed: " + " ".join(str(err).split())  # every mirror's error
            short = "the download failed"
    fallback = offline()
    fallback.note = f"the full {what} is not available: {reason}"
    fallback._short_note = f"the full {what} is not available: {short}"
    if warn:
        warnings.warn(f"{fallback.note}; using {fallback.name} instead.", DataFallbackWarning,
                      stacklevel=3)
    return fallback
