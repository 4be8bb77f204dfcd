"""dlsg_utils: the tested code behind the course book
"Gradient Descent Algorithms and an Introduction to ConvNets".

The chapters import from here; everything a chapter needs that deserves a test lives in this
package. Top level: the device, the random seed and the workload size a cell should use.
"""

from __future__ import annotations

import os
import random

import numpy as np
import torch

from .book import glue

__all__ = ["budget", "device", "glue", "in_colab", "is_smoke", "seed_everything"]
__version__ = "0.1.0"

SMOKE_ENV = "DLSG_SMOKE"
"""Environment variable that switches the book to smoke mode (set by ``make test``)."""


def device() -> torch.device:
    """The fastest device torch can use here: ``cuda``, then ``mps``, else ``cpu``."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def seed_everything(seed: int) -> int:
    """Seed Python's ``random``, NumPy's global generator and torch (all devices).

    Returns the seed so a cell can print or store it. On the CPU this makes a run
    reproducible; GPU kernels may still be non-deterministic.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    if not 0 <= seed < 2**32:
        raise ValueError(f"seed must be in [0, 2**32), got {seed}")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return int(seed)


def is_smoke() -> bool:
    """True when the book runs in smoke mode (``DLSG_SMOKE=1``, set by ``make test``)."""
    return os.environ.get(SMOKE_ENV, "").strip().lower() not in ("", "0", "false", "no")


def budget(full=None, smoke=None, gpu=None):
    """The workload size a slow cell should use.

    ``budget(full=20, smoke=2)`` returns 20 when the book is built (``make book``) and 2
    under ``make test``, so nbval runs every notebook in minutes. ``gpu=``, if given, is the
    size for a CUDA GPU (outside smoke mode): ``budget(full=6, smoke=1, gpu=60)`` trains six
    epochs on a CPU and sixty on a Colab GPU. Chapters call this instead of reading
    environment variables. Any values work (ints, tuples, dicts), as long as full and smoke
    are given.
    """
    if full is None or smoke is None:
        raise ValueError(
            "budget() needs both sizes, e.g. budget(full=20, smoke=2); "
            f"got full={full!r}, smoke={smoke!r}"
        )
    if is_smoke():
        return smoke
    return gpu if gpu is not None and device().type == "cuda" else full


def in_colab() -> bool:
    """True inside a Google Colab runtime."""
    import sys

    return "google.colab" in sys.modules
