"""The exercise engine: run a reader's function on random cases, compare it with a reference,
name a recognised mistake, and never raise (an unsolved exercise must not stop a notebook).

:func:`check_function` is what every chapter checker calls; :class:`Mistake` is a known wrong
answer with its hint; :class:`Result` is what a checker returns (truthy when right).

Whatever the reader hands in cannot break a check: every check runs under :func:`run_checker`,
whose guard (the module ``dlsg_utils.exercises.guard``) stops it after :data:`TIME_LIMIT_S` seconds and turns every
exception into a verdict -- the answer's problem, with the exception's text, when the reader's own
code raised it; a bug to report only when the checker's own code did. Whatever a checker builds
from the reader's function (a wrapper that accepts another correct form) is built inside that
guard: pass it as ``check_function(..., adapt=...)``; whatever it makes a list of from an answer
goes through :func:`bounded_list`.
"""

from __future__ import annotations

import contextlib
import copy
import inspect
import io
import itertools
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .guard import (
    AnswerError,
    OutOfTime,
    blame,
    bounded_list,
    disarm_alarm,
    out_of_time_message,
    within_time_limit,
)
from .guard import error_text as _error_text
from .guard import readers_frames as _readers_frames
from .guard import short as _short

__all__ = ["MAX_PRINTED_LINES", "TIME_LIMIT_S", "AnswerError", "Mistake", "Result",
           "bounded_list", "call", "check_function", "cycle_cases", "preamble", "run_checker"]


@dataclass(frozen=True)
class Mistake:
    """A known wrong answer: a function that makes the mistake, and the hint to print."""

    fn: Callable[..., Any]
    hint: str


@dataclass
class Result:
    """What a checker found. ``bool(result)`` is True when every case passed."""

    passed: bool
    message: str
    cases: int = 0
    details: dict = field(default_factory=dict)

    def __bool__(self) -> bool:
        return self.passed

    def _repr_pretty_(self, p, cycle) -> None:  # keeps notebooks from echoing the object
        p.text(f"Result(passed={self.passed})")


def _to_numpy(value: Any) -> Any:
    """Tensors as arrays, recursively; any tuple (a namedtuple such as ``np.linalg.eigh``'s
    result too) as a plain tuple."""
    if hasattr(value, "detach") and callable(value.detach):  # a torch tensor
        return value.detach().cpu().numpy()
    if isinstance(value, tuple):
        return tuple(_to_numpy(v) for v in value)
    if isinstance(value, list):
        return [_to_numpy(v) for v in value]
    return value


def _close(got: Any, want: Any, rtol: float, atol: float) -> bool:
    got, want = _to_numpy(got), _to_numpy(want)
    if isinstance(want, (list, tuple)):
        if not isinstance(got, (list, tuple)) or len(got) != len(want):
            return False
        return all(_close(g, w, rtol, atol) for g, w in zip(got, want, strict=True))
    try:
        g, w = np.asarray(got), np.asarray(want)
        if np.iscomplexobj(g) and not np.iscomplexobj(w):
            if np.any(np.imag(g) != 0):
                return False  # a complex answer is not a real one
            g = np.real(g)
        g, w = g.astype(float), w.astype(float)
    except (TypeError, ValueError) as err:
        if _readers_frames(err.__traceback__):
            raise  # the answer's own __float__ or __array__ raised: run_checker says so
        return False  # not numbers: a wrong answer
    return g.shape == w.shape and bool(np.allclose(g, w, rtol=rtol, atol=atol))


def _raise_if_the_answer_breaks(got: Any) -> None:
    """Re-raise what the answer's own ``__array__``, ``__float__``, ``__len__`` or ``__iter__``
    raises when looked at as numbers (a checker's ``compare`` may have taken it for a plain
    wrong answer), so that run_checker reports it with its text; anything else is ignored."""
    for look in (lambda v: np.asarray(_to_numpy(v), dtype=float), len, iter):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # e.g. numpy's ComplexWarning
                look(got)
        except Exception as err:  # noqa: BLE001
            if _readers_frames(err.__traceback__):
                raise


def _shape_note(got: Any, want: Any) -> str:
    try:
        g, w = np.shape(_to_numpy(got)), np.shape(_to_numpy(want))
    except ValueError:
        return ""
    return f" Expected shape {w}, got shape {g}." if g != w else ""


def _describe(fn: Callable) -> str:
    try:
        return f"{getattr(fn, '__name__', 'function')}{inspect.signature(fn)}"
    except Exception:  # noqa: BLE001 - no signature, or one that raises: show what it is
        return _short(fn)


def check_function(
    fn: Any,
    reference: Callable[..., Any],
    make_case: Callable[[np.random.Generator], tuple],
    *,
    signature: str,
    name: str | None = None,
    mistakes: Sequence[Mistake] = (),
    compare: Callable[[Any, Any], bool] | None = None,
    n_cases: int = 20,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    seed: int = 0,
    adapt: Callable[[Callable], Callable] | None = None,
    probe_args: tuple | None = None,
    verbose: bool = True,
) -> Result:
    """Compare ``fn`` with ``reference`` on ``n_cases`` random inputs from ``make_case(rng)``.

    ``make_case`` returns the positional arguments of one call. Each case gets fresh copies of
    the arguments (arrays, tensors, modules), so a function that changes its input in place
    cannot spoil the reference or the hints. ``signature`` is what the reader's function should
    look like, e.g. ``"gd_step(theta, grad, lr)"``; ``name`` defaults to the part before the
    parenthesis. ``compare(got, want)`` replaces the default test (equal to ``rtol``/``atol``,
    element by element, whatever the container) for answers that are right in more than one
    form. Prints the verdict when ``verbose`` and returns a :class:`Result`; it never raises.

    ``adapt(fn)`` builds what is checked from the reader's function, e.g. a wrapper that maps a
    second correct convention onto the reference's: it is built inside the guard of
    :func:`run_checker`, after ``fn`` is known to be a function, so no answer can break it. The
    reader's own function must accept each case's arguments, or ``probe_args`` when given (for
    an ``adapt`` that calls it with other arguments than the cases').
    """
    name = name or signature.split("(")[0]
    same = compare or (lambda got, want: _close(got, want, rtol, atol))

    def check(fn) -> Result:
        rng = np.random.default_rng(seed)
        checked = None
        for case in range(1, n_cases + 1):
            args = make_case(rng)
            problem = preamble(fn, signature, args if probe_args is None else probe_args,
                               name=name)
            if problem is not None:
                return problem
            if checked is None:
                checked = fn if adapt is None else adapt(fn)
            want = reference(*_copy_args(args))
            got, problem = call(checked, args, name=name, case=case)
            if problem is not None:
                return problem
            if got is None and want is not None:
                return Result(False, f"✗ {name}: your function returned None — did you forget "
                                     "`return`?", case)
            if same(got, want):
                continue
            for mistake in mistakes:
                try:
                    if same(got, mistake.fn(*_copy_args(args))):
                        return Result(False, f"✗ {name}: {mistake.hint}", case,
                                      {"mistake": mistake.hint})
                except Exception:  # a mistake model that does not apply to this input
                    continue
            _raise_if_the_answer_breaks(got)  # a compare that swallowed it hides the cause
            shape_note = _shape_note(got, want)
            return Result(False, f"✗ {name}: wrong answer on case {case}.{shape_note}\n"
                                 f"  input:    {', '.join(_short(a) for a in args)}\n"
                                 f"  expected: {_short(_to_numpy(want))}\n"
                                 f"  got:      {_short(_to_numpy(got))}", case)
        return Result(True, f"✓ {name}: correct on all {n_cases} random cases.", n_cases)

    return run_checker(check, fn, name=name, verbose=verbose)


# --- the hooks every checker is built from -------------------------------------------------------

def preamble(fn: Any, signature: str, args: tuple, *, name: str | None = None) -> Result | None:
    """The first questions of every check: is ``fn`` a function, and does it take ``args``?
    ``None`` if so, else the :class:`Result` that says what is wrong."""
    name = name or signature.split("(")[0]
    if not callable(fn):
        return Result(False, f"✗ {name}: expected a function {signature}, got "
                             f"{type(fn).__name__} {_short(fn):.60}.")
    try:
        inspect.signature(fn).bind(*args)
    except TypeError:
        return Result(False, f"✗ {name}: expected a function {signature} taking "
                             f"{len(args)} arguments, got {_describe(fn)}.")
    except ValueError:  # builtins without a signature: just try the call
        pass
    except Exception as err:  # noqa: BLE001 - the answer's own __signature__ raised
        return Result(False, f"✗ {name}: your function's signature could not be read: "
                             f"{_error_text(err)} (expected a function {signature}).")
    return None


def call(fn: Callable, args: tuple, *, name: str, case: int = 0) -> tuple[Any, Result | None]:
    """``fn(*copies of args)``: ``(value, None)``, or ``(None, result)`` when the function is
    still the stub (``raise NotImplementedError``) or raises (the reader's bug is reported, not
    raised)."""
    try:
        return fn(*_copy_args(args)), None
    except NotImplementedError:
        return None, Result(False, f"… {name}: not attempted yet — replace the "
                                   "`raise NotImplementedError` with your code.")
    except Exception as err:
        return None, Result(False, f"✗ {name}: your function raised {_error_text(err)}\n"
                                   f"  on input {', '.join(_short(a) for a in args)}", case)


def run_checker(check: Callable[[Any], Result], fn: Any, *, name: str,
                verbose: bool = True) -> Result:
    """Run ``check(fn)`` the way every checker must, and never raise: what ``fn`` prints is
    capped at :data:`MAX_PRINTED_LINES`; the check is stopped after :data:`TIME_LIMIT_S`
    seconds; an :class:`AnswerError` becomes a failing verdict with its text; an exception
    raised by the reader's own code (their function's ``__signature__``, or a method of what it
    returned) is reported as the answer's problem; any other exception is the checker's own
    failure, to be reported. The verdict is printed when ``verbose``."""
    printed = _CappedOutput()
    with contextlib.redirect_stdout(printed):
        try:
            result = within_time_limit(check, fn, TIME_LIMIT_S)
        except AnswerError as err:
            result = Result(False, f"✗ {name}: {_error_text(err).removeprefix('AnswerError: ')}")
        except OutOfTime as stop:
            disarm_alarm()  # in case the alarm landed while it was being switched off
            result = Result(False, out_of_time_message(name, stop))
        except Exception as err:  # noqa: BLE001 - an unsolved exercise must not stop a notebook
            result = Result(False, blame(err, fn, name))
    if verbose:
        shown = printed.report()
        print((shown + "\n" if shown else "") + result.message)
    return result


def _copy_arg(a: Any) -> Any:
    """A copy the reader's function may change in place without touching the checker's own."""
    if isinstance(a, np.ndarray):
        return a.copy()
    if hasattr(a, "detach") and hasattr(a, "clone"):  # a torch tensor
        return a.detach().clone()
    if isinstance(a, (list, dict, set)) or type(a).__module__.startswith("torch"):
        return copy.deepcopy(a)  # containers, nn.Modules
    return a


def _copy_args(args: tuple) -> tuple:
    return tuple(_copy_arg(a) for a in args)


MAX_PRINTED_LINES = 20
"""How many lines a reader's function may print during one check before the rest is hidden."""

TIME_LIMIT_S = 60.0
"""How many seconds one check may run (every case together) before it is stopped: far more than
any checker takes for a right answer on a slow laptop, so only an answer that never finishes
meets it. 0 turns the limit off."""


class _CappedOutput(io.TextIOBase):
    """Stands in for stdout while the reader's function runs: keeps the first lines, counts the
    rest, so a print in a loop cannot flood the notebook."""

    def __init__(self, limit: int = MAX_PRINTED_LINES):
        self.limit, self.lines, self.hidden, self._partial = limit, [], 0, ""

    def write(self, text: str) -> int:
        *complete, self._partial = (self._partial + str(text)).split("\n")
        for line in complete:
            if len(self.lines) < self.limit:
                self.lines.append(line)
            else:
                self.hidden += 1
        return len(text)

    def report(self) -> str:
        if self._partial:
            self.write("\n")
        if not self.lines:
            return ""
        extra = f"\n… {self.hidden:,} more printed lines hidden" if self.hidden else ""
        return "\n".join(self.lines) + extra


def without_numpy_warnings(fn: Callable) -> Callable:
    """``fn`` with NumPy's floating-point warnings off: for a mistake model whose answer is a
    ``nan`` or ``inf`` (the log of a negative ratio), which should not warn while it is matched."""
    def model(*args):
        with np.errstate(all="ignore"):
            return fn(*args)
    return model


def cycle_cases(*makers: Callable[[np.random.Generator], tuple]) -> Callable:
    """One case maker for one check that takes its cases from ``makers`` in turn (case 1 from
    the first, case 2 from the second, ...). Make it afresh for each check, e.g. first a maker
    of cases on which every known mistake differs (so the first failure names its mistake),
    then one that also draws the plain settings where some mistakes go unnoticed."""
    if not makers or not all(callable(m) for m in makers):
        raise TypeError("cycle_cases needs one or more case makers (functions of an rng)")
    turn = itertools.cycle(makers)
    return lambda rng: next(turn)(rng)
