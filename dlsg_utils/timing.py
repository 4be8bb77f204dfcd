"""Timing that survives a shared machine: CPU time on one thread, the least of several repeats.

Wall-clock time on a machine that other programs share measures the other programs too. Two
habits make a timing about the code alone:

* count **CPU time** of this process (``time.process_time``), which stops while the process
  waits for a core, instead of wall-clock time;
* run on **one thread** (:func:`one_thread`), so that BLAS and torch worker threads neither
  spin while waiting for each other nor compete for the cores, and the result does not depend
  on how many cores the machine has.

:func:`cpu_time` does both and keeps the least of several repeats (a repeat can only be slowed
down, never sped up, by what else happens on the machine). Chapters 1 and 2 use it for the
cost of a gradient step.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator

import torch

__all__ = ["cpu_time", "one_thread"]


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Run NumPy's BLAS and torch's CPU kernels on a single thread inside the block.

    The previous thread counts are restored on exit. NumPy's BLAS is limited through
    ``threadpoolctl`` when it is installed (it is in the book's environment and on Colab);
    without it only torch is limited.
    """
    torch_threads = torch.get_num_threads()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - the book's environment has it
        blas = contextlib.nullcontext()
    else:
        blas = threadpool_limits(limits=1)
    torch.set_num_threads(1)
    try:
        with blas:
            yield
    finally:
        torch.set_num_threads(torch_threads)


def cpu_time(
    fn: Callable[[], object],
    *,
    repeats: int = 5,
    number: int = 1,
    setup: Callable[[], object] | None = None,
) -> float:
    """CPU seconds one call of ``fn()`` takes on one thread: the least over ``repeats`` rounds.

    Each round calls ``setup()`` (not timed) if given, then ``fn()`` ``number`` times, and
    divides the CPU time of the round by ``number``. Time spent waiting (``time.sleep``, a
    busy machine) is not counted.
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    for name, value in (("repeats", repeats), ("number", number)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    best = float("inf")
    with one_thread():
        for _ in range(repeats):
            if setup is not None:
                setup()
            start = time.process_time()
            for _ in range(number):
                fn()
            best = min(best, (time.process_time() - start) / number)
    return best
