"""The guard every exercise check runs under (see :func:`~.engine.run_checker`): whatever the
reader hands in cannot break a checker.

* A time limit: a check is stopped after ``engine.TIME_LIMIT_S`` seconds (an endless loop, a
  generator without end, a ``time.sleep``). On the main thread of a Unix process -- a Jupyter,
  Colab or VS Code kernel runs every cell there -- a ``SIGALRM`` timer interrupts the check, even
  inside ``time.sleep``. Elsewhere (Windows, which has no ``SIGALRM``, or a call from another
  thread) the check runs in a helper thread that is waited for that many seconds and then
  asked to stop: a pure-Python loop stops at once, while code stuck inside one long C call (a
  ``time.sleep``, one huge matrix product) stops only when that call returns; the verdict comes
  on time all the same. An answer that catches every exception (``except BaseException``) in an
  endless loop cannot be stopped in-process by either.
* Who failed: an exception raised by the reader's own code (a ``__float__``, ``__array__``,
  ``__repr__`` or ``__signature__`` of what they handed in or returned, a generator they
  returned) is the answer's problem, reported with the exception's text; one raised by the
  checker's own code alone asks to be reported as a bug. The reader's code is any code that is
  not in this package, the standard library or the installed packages (a notebook cell is).
* :func:`bounded_list`: what a checker makes a list of from an answer is capped at
  ``MAX_ITEMS`` items; :class:`AnswerError` is how a check says "the answer is wrong" from
  anywhere inside the guard.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import itertools
import os
import signal
import site
import sys
import sysconfig
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["MAX_ITEMS", "AnswerError", "bounded_list"]


def short(value: Any) -> str:
    """``value`` in at most 200 characters, for a message; never raises (a reader's object whose
    ``__repr__`` raises is shown with that exception)."""
    try:
        text = np.array2string(np.asarray(value), precision=4, threshold=12) if isinstance(
            value, np.ndarray
        ) else repr(value)
    except Exception as err:  # noqa: BLE001 - the answer's own __repr__ failed
        text = f"<a {type(value).__name__} object whose __repr__ raised {error_text(err)}>"
    return text if len(text) < 200 else text[:197] + "..."


def error_text(err: BaseException) -> str:
    """``"ValueError: its message"``; never raises (a reader's exception may not print)."""
    try:
        message = str(err)
    except Exception:  # noqa: BLE001
        message = "(its message could not be printed)"
    return f"{type(err).__name__}: {message}" if message else type(err).__name__


class AnswerError(Exception):
    """Raised by a check, inside :func:`run_checker`, for a problem of the reader's answer: it
    becomes a failing :class:`Result` whose message is the exception's text."""


MAX_ITEMS = 100_000
"""The most items :func:`bounded_list` takes from an answer: far more than any correct answer
holds, far fewer than fill the memory."""


def bounded_list(value: Any, *, expected: str = "a list", limit: int | None = None) -> list:
    """``list(value)`` for a reader's answer, taking at most ``limit`` (``MAX_ITEMS``)
    items, so that a generator without end cannot hang the check or fill the memory. Raises
    :class:`AnswerError` (a verdict, inside :func:`run_checker`) when ``value`` cannot be
    iterated or holds more than ``limit`` items; ``expected`` says what was asked for."""
    limit = MAX_ITEMS if limit is None else limit
    try:
        items = iter(value)
    except TypeError:
        raise AnswerError(f"expected {expected}, got {type(value).__name__} "
                          f"{short(value)}.") from None
    taken = list(itertools.islice(items, limit + 1))
    if len(taken) > limit:
        raise AnswerError(f"your function returned more than {limit:,} items (a generator that "
                          f"never ends?); expected {expected}.")
    return taken


# --- who failed: the reader's code or the checker's --------------------------------------------

def _library_dirs() -> tuple[str, ...]:
    """Where code that is not the reader's lives: this package (the checkers and the library
    they call), the standard library and the installed packages (numpy, torch, IPython)."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    dirs = {package, *(sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib",
                                                           "platlib"))}
    with contextlib.suppress(Exception):
        dirs.update(site.getsitepackages())
        dirs.add(site.getusersitepackages())
    return tuple(os.path.join(os.path.realpath(d), "") for d in dirs if d)


@functools.lru_cache(maxsize=1024)
def _is_readers_file(filename: str) -> bool:
    """Is code from ``filename`` the reader's -- a notebook cell (``/tmp/ipykernel_*/…py``,
    ``<ipython-input-…>``), a script or test of their own -- rather than a library's?"""
    if filename.startswith("<"):
        return filename.startswith("<ipython-input")
    return not os.path.realpath(filename).startswith(_LIBRARY_DIRS)


def readers_frames(tb) -> list:
    """The frames of traceback ``tb`` that run the reader's code, outermost first."""
    frames = []
    while tb is not None:
        if _is_readers_file(tb.tb_frame.f_code.co_filename):
            frames.append(tb.tb_frame)
        tb = tb.tb_next
    return frames


def _where_in_readers_code(frame) -> str:
    """Where a stack (innermost ``frame``) runs the reader's code: ' (in gen, line 3)' or ''."""
    outermost = None
    while frame is not None and frame.f_code is not within_time_limit.__code__:
        if _is_readers_file(frame.f_code.co_filename):
            outermost = frame
        frame = frame.f_back  # up to the guard: the cell that called the checker is not it
    if outermost is None:
        return ""
    return f" (it was in {outermost.f_code.co_name}, line {outermost.f_lineno})"


def blame(err: Exception, fn: Any, name: str) -> str:
    """The verdict's message for an exception that escaped a check: the answer's problem when
    the reader's code raised it (or an exception it caused), else the checker's own failure."""
    seen, current = set(), err
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = readers_frames(current.__traceback__)
        if frames:
            return f"✗ {name}: {_answers_part(current, frames[0], fn)}"
        current = current.__cause__ or current.__context__
    return f"✗ {name}: the checker itself failed ({error_text(err)}); please report it."


def _answers_part(err: BaseException, entry, fn: Any) -> str:
    """What the reader's code did, from ``entry``, the frame where the checker called into it."""
    method, text = entry.f_code.co_name, error_text(err)
    owner = entry.f_locals.get("self", None) if entry.f_code.co_argcount else None
    if method.startswith("__") and method.endswith("__"):
        if owner is fn:
            return f"your function's {method} raised {text}"
        return f"your function returned an object whose {method} raised {text}"
    if entry.f_code.co_flags & inspect.CO_GENERATOR:
        return f"the generator your function returned ({method}) raised {text}"
    return (f"your code raised {text} (in {method}, line {entry.f_lineno}) while the checker "
            "examined your answer")


_LIBRARY_DIRS = _library_dirs()


# --- the time limit ---------------------------------------------------------------------------

class OutOfTime(BaseException):
    """Raised into a check whose time is up. A BaseException, like KeyboardInterrupt, so that an
    ``except Exception`` in the reader's code cannot swallow it."""

    def __init__(self, where: str = "", limit: float = 0.0):
        super().__init__(where)
        self.where, self.limit = where, limit


_timing = threading.local()  # .active: a timed check runs on this thread (nested ones share it)


def within_time_limit(check: Callable[[Any], Any], fn: Any, limit: float) -> Any:
    """``check(fn)``, stopped with :class:`OutOfTime` after ``limit`` seconds (none if 0)."""
    if getattr(_timing, "active", False) or not limit or limit <= 0:
        return check(fn)  # a check inside a timed one: the outer limit applies
    _timing.active = True
    try:
        if not _can_use_alarm():
            return _in_thread(check, fn, limit)
        _arm_alarm(limit)
        try:
            return check(fn)
        finally:
            disarm_alarm()
    finally:
        _timing.active = False


def _can_use_alarm() -> bool:
    """SIGALRM exists on Unix only, and only the main thread may handle signals."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


_alarm = {"armed": False, "previous": None, "old_timer": (0.0, 0.0), "start": 0.0, "limit": 0.0}


def _on_alarm(signum, frame) -> None:
    if _alarm["armed"]:
        raise OutOfTime(_where_in_readers_code(frame), _alarm["limit"])


def _arm_alarm(seconds: float) -> None:
    """Raise :class:`OutOfTime` in the main thread after ``seconds``, and again every half
    second until disarmed, in case the reader's code swallows the first one (a bare except)."""
    _alarm.update(armed=True, previous=signal.signal(signal.SIGALRM, _on_alarm),
                  start=time.monotonic(), limit=seconds)
    _alarm["old_timer"] = signal.setitimer(signal.ITIMER_REAL, seconds, 0.5)


def disarm_alarm() -> None:
    """Stop the timer and give back the previous handler (and timer, e.g. pytest-timeout's).
    Safe to call twice; a last alarm landing in here is caught by run_checker."""
    if not _alarm["armed"]:
        return
    while _alarm["armed"]:  # an alarm may land on this line: retry until it is switched off
        try:
            _alarm["armed"] = False
        except OutOfTime:
            pass
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, _alarm["previous"] or signal.SIG_DFL)
    old_delay, old_interval = _alarm["old_timer"]
    if old_delay:
        signal.setitimer(signal.ITIMER_REAL,
                         max(old_delay - (time.monotonic() - _alarm["start"]), 1e-3), old_interval)


def _in_thread(check: Callable[[Any], Any], fn: Any, limit: float) -> Any:
    """``check(fn)`` in a helper thread, waited for ``limit`` seconds, then asked to stop."""
    outcome: dict[str, Any] = {}

    def work():
        _timing.active = True
        try:
            outcome["result"] = check(fn)
        except BaseException as err:  # noqa: BLE001 - handed to the waiting thread
            outcome["error"] = err

    worker = threading.Thread(target=work, name="dlsg-exercise-check", daemon=True)
    worker.start()
    try:
        worker.join(limit)
    except KeyboardInterrupt:  # the reader stopped the kernel: stop the check too
        _raise_in(worker, KeyboardInterrupt)
        raise
    if worker.is_alive():
        where = _where_in_readers_code(sys._current_frames().get(worker.ident))
        _raise_in(worker, OutOfTime)
        worker.join(0.5)
        raise OutOfTime(where, limit)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


def _raise_in(thread: threading.Thread, exception: type) -> None:
    """Raise ``exception`` in ``thread`` at its next Python instruction (CPython's
    PyThreadState_SetAsyncExc); a thread inside one long C call notices when the call returns."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident),
                                                   ctypes.py_object(exception))


def out_of_time_message(name: str, stop: OutOfTime) -> str:
    return (f"✗ {name}: stopped after {stop.limit:g} s{stop.where}: your function, or the "
            "checker going through what it returned, did not finish. Look for a loop that never "
            "ends, a generator without end, or a very slow step.")
