"""Choosing a learning rate fairly: a grid that is extended while the best rate sits at its edge
(chapter 6)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..checks import check_callable, check_int, check_real

__all__ = ["LRSweep", "sweep_lr"]


@dataclass
class LRSweep:
    """What :func:`sweep_lr` tried and found.

    ``lrs``: every rate tried, ascending; ``scores``: the score of each (lower is better;
    ``inf`` for a run that diverged); ``best_lr``: the rate with the lowest score (the smaller
    rate on a tie); ``grid``: the rates asked for; ``added``: the rates added beyond that grid,
    in the order tried; ``at_edge``: the best rate is still the smallest or largest rate tried
    (the extension budget ran out), so the optimum may lie outside.
    """

    lrs: list[float]
    scores: list[float]
    best_lr: float
    grid: list[float]
    added: list[float]
    at_edge: bool

    @property
    def best_index(self) -> int:
        """Position of ``best_lr`` in ``lrs``."""
        return self.lrs.index(self.best_lr)

    @property
    def best_score(self) -> float:
        return self.scores[self.best_index]

    @property
    def was_at_edge(self) -> bool:
        """The best rate of the grid asked for lay at its edge (so the grid was extended)."""
        return bool(self.added)


def _score_value(value) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"score(lr) must return a real number, got {type(value).__name__} "
                        f"{value!r:.60}") from None
    return x if math.isfinite(x) else math.inf  # nan (a diverged run) counts as the worst


def sweep_lr(
    score: Callable[[float], float],
    lrs: Sequence[float],
    *,
    factor: float | None = None,
    max_extra: int = 3,
) -> LRSweep:
    """Tune a learning rate: score every rate of ``lrs``, then extend the grid while the best
    rate sits at its edge.

    ``score(lr)`` trains (e.g. over a few seeds) and returns a number to minimise, such as the
    mean final validation loss; ``nan`` or ``inf`` marks a run that diverged and is never
    chosen. When the best rate is the smallest (largest) one tried, the next rate down (up) by
    ``factor`` is scored, at most ``max_extra`` times in all; ``factor`` defaults to the ratio
    of the two smallest rates of ``lrs`` (a geometric grid's step). Raises ``ValueError`` when
    every rate tried diverged.
    """
    check_callable("score", score)
    if isinstance(lrs, (str, bytes)) or not hasattr(lrs, "__iter__"):
        raise TypeError(f"lrs must be a sequence of learning rates, got {type(lrs).__name__}")
    grid = sorted({check_real("lrs", lr, min=0, min_open=True) for lr in lrs})
    if len(grid) < 2:
        raise ValueError(f"lrs must hold at least two different rates, got {list(lrs)}")
    factor = grid[1] / grid[0] if factor is None else factor
    factor = check_real("factor", factor, min=1, min_open=True)
    max_extra = check_int("max_extra", max_extra, min=0)

    def rounded(lr: float) -> float:  # 0.1 * 10**0.5 * 10**0.5 is 1.0000000000000002
        return float(f"{lr:.12g}")

    scores = {lr: _score_value(score(lr)) for lr in grid}
    added: list[float] = []
    while True:
        order = sorted(scores)
        values = [scores[lr] for lr in order]
        if all(v == math.inf for v in values):
            raise ValueError(f"every learning rate tried diverged (scored nan or inf): {order}")
        i = int(np.argmin(values))
        at_edge = i in (0, len(order) - 1)
        if not at_edge or len(added) == max_extra:
            break
        new = rounded(order[0] / factor) if i == 0 else rounded(order[-1] * factor)
        scores[new] = _score_value(score(new))
        added.append(new)
    return LRSweep(lrs=order, scores=values, best_lr=order[i], grid=grid, added=added,
                   at_edge=at_edge)
