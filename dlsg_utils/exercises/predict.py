"""Predict first: a question asked before the run that answers it, and the verdict after it.

The pattern a chapter uses, in three cells: the question and an empty answer before the run,

>>> # Predict first: with η = 0.3, by what factor does the slow component shrink per step?
>>> my_prediction = None  # your number here, before you run the next cells

the run, which measures the answer,

>>> factor = 1 - 0.3 * 1.0  # ... (here, 1 - ηλ for λ = 1)

and the verdict after it:

>>> compare_prediction(my_prediction, factor, rtol=0.05).passed
No prediction recorded: set it above and run again. The run measured 0.7.
False
>>> compare_prediction(0.69, factor, rtol=0.05).passed
✓ you predicted 0.69; the run measured 0.7 (within 0.035).
True
>>> compare_prediction("flat", "flat", choices=["steep", "flat"]).passed
✓ you predicted 'flat'; the run measured 'flat'.
True

:func:`compare_prediction` never raises on the reader's answer: it prints a one-line verdict
("✓ you predicted 0.70, the run measured 0.70") or says what to change, and returns a
:class:`~dlsg_utils.exercises.engine.Result` that is truthy when the prediction was right. An
unanswered question (``None``, the state the book is built in) gets the measured answer and no
verdict, so the page reads well either way.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

from .engine import Result

__all__ = ["compare_prediction"]


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _show(value) -> str:
    return f"{value:.4g}" if _is_number(value) else repr(value)


def compare_prediction(prediction, measured, *, rtol: float = 0.1, atol: float = 0.0,
                       choices: Sequence | None = None, verbose: bool = True) -> Result:
    """Compare the reader's ``prediction`` with the ``measured`` answer and say how it went.

    A number is right when it is within ``atol + rtol * |measured|`` of the measurement; with
    ``choices`` (e.g. ``["steep", "flat"]``) the prediction must be one of them and equal to
    ``measured``, compared as text without case or surrounding spaces. ``None`` means "not
    answered yet": the measurement is shown and the result is falsy."""
    if not (_is_number(rtol) and _is_number(atol)) or not (rtol >= 0 and atol >= 0):
        raise ValueError(f"rtol and atol must be non-negative numbers, got {rtol!r} and {atol!r}")
    if choices is not None and measured not in choices:
        raise ValueError(f"the measured answer {measured!r} is not one of the choices {list(choices)}")
    if choices is None and not (_is_number(measured) and math.isfinite(measured)):
        raise ValueError(f"a numeric question needs a finite measured number, got {measured!r}")

    def verdict(ok: bool, message: str) -> Result:
        if verbose:
            print(message)
        return Result(ok, message)

    if prediction is None:
        return verdict(False, f"No prediction recorded: set it above and run again. "
                              f"The run measured {_show(measured)}.")
    try:
        return _judge(prediction, measured, rtol, atol, choices, verdict)
    except Exception as err:  # the answer's own __str__/__float__ raised: the reader's problem
        return verdict(False, f"✗ your prediction could not be read: {type(err).__name__}: {err}")


def _judge(prediction, measured, rtol, atol, choices, verdict) -> Result:
    if choices is not None:
        def norm(x):
            return str(x).strip().lower()

        if norm(prediction) not in {norm(c) for c in choices}:
            return verdict(False, f"✗ {prediction!r} is not one of the choices "
                                  f"{', '.join(map(repr, choices))}.")
        ok = norm(prediction) == norm(measured)
        return verdict(ok, f"{'✓' if ok else '✗'} you predicted {prediction!r}; the run "
                           f"measured {measured!r}.")
    try:
        value = float(prediction)
    except (TypeError, ValueError, OverflowError) as err:
        return verdict(False, f"✗ a number was expected, got {_show(prediction)} ({err}).")
    if not math.isfinite(value):
        return verdict(False, f"✗ a finite number was expected, got {prediction!r}.")
    tolerance = atol + rtol * abs(measured)
    ok = abs(value - measured) <= tolerance
    if ok:
        return verdict(True, f"✓ you predicted {_show(value)}; the run measured "
                             f"{_show(measured)} (within {_show(tolerance)}).")
    direction = "high" if value > measured else "low"
    return verdict(False, f"✗ you predicted {_show(value)}; the run measured {_show(measured)}: "
                          f"your prediction is too {direction} by {_show(abs(value - measured))} "
                          f"(the tolerance is {_show(tolerance)}). Where did your reasoning "
                          f"differ from the run?")
