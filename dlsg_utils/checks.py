"""Argument checks shared by the whole package, in scikit-learn's style: reject bad input at the
call, with a ``TypeError`` when the type is wrong and a ``ValueError`` when the value is, and a
message that names the argument, what was expected and what was received
(``"stride must be >= 1, got 0"``).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable

import numpy as np

__all__ = ["check_bool", "check_callable", "check_choice", "check_int", "check_labels",
           "check_real"]


def _describe(value: object) -> str:
    return f"{type(value).__name__} {value!r}"


def check_int(name: str, value: object, *, min: int | None = None,
              max: int | None = None) -> int:
    """``value`` as an int in ``[min, max]``; bools and floats are refused (``2.0`` too)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {_describe(value)}")
    value = int(value)
    if min is not None and value < min:
        raise ValueError(f"{name} must be >= {min}, got {value}")
    if max is not None and value > max:
        raise ValueError(f"{name} must be <= {max}, got {value}")
    return value


def check_real(name: str, value: object, *, min: float | None = None, max: float | None = None,
               min_open: bool = False, max_open: bool = False) -> float:
    """``value`` as a finite float in the interval given by ``min``/``max``; the bounds are
    included unless ``min_open``/``max_open``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {_describe(value)}")
    x = float(value)
    if not math.isfinite(x):
        raise ValueError(f"{name} must be finite, got {value}")
    lo_ok = min is None or (x > min if min_open else x >= min)
    hi_ok = max is None or (x < max if max_open else x <= max)
    if not (lo_ok and hi_ok):
        if min is not None and max is not None:
            interval = f"in {'(' if min_open else '['}{min:g}, {max:g}{')' if max_open else ']'}"
        elif min is not None:
            interval = f"{'>' if min_open else '>='} {min:g}"
        else:
            interval = f"{'<' if max_open else '<='} {max:g}"
        raise ValueError(f"{name} must be {interval}, got {value}")
    return x


def check_bool(name: str, value: object) -> bool:
    """``value`` is True or False (NumPy bools too), not a truthy string."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {_describe(value)}")
    return bool(value)


def check_choice(name: str, value: object, choices: Iterable) -> object:
    """``value`` is one of ``choices``."""
    choices = tuple(choices)
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value


def check_callable(name: str, value: object) -> Callable:
    """``value`` can be called (a function, a class, an object with ``__call__``)."""
    if not callable(value):
        raise TypeError(f"{name} must be callable, got {_describe(value)}")
    return value


def check_labels(name: str, y, num_classes: int) -> np.ndarray:
    """Integer class labels in ``[0, num_classes)`` as a NumPy int array.

    A label outside the range is an error, never scored: NumPy would read ``-1`` as the last
    class and silently give a wrong loss or accuracy.
    """
    y = np.asarray(y)
    if y.size and not (np.issubdtype(y.dtype, np.integer) or np.issubdtype(y.dtype, np.bool_)):
        if np.issubdtype(y.dtype, np.floating) and np.all(np.isfinite(y)) and np.all(y == np.round(y)):
            y = y.astype(np.int64)  # 0.0, 1.0, 2.0 are labels written as floats
        else:
            raise TypeError(f"{name} must hold integer class labels, got dtype {y.dtype}")
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"{name} must hold class labels in [0, {num_classes}), got values "
                         f"from {y.min()} to {y.max()}")
    return y.astype(np.int64, copy=False)
