"""Self-study exercises: checkers that test a reader's function against a reference.

The pattern every chapter uses:

1. a markdown prompt;
2. a code cell with a stub the reader edits (it raises ``NotImplementedError``);
3. a checker call, e.g. ``check_gd_step(gd_step)``: it runs the reader's function on random
   inputs, compares with the reference and prints a verdict. For the first failure it prints a
   specific hint: when the wrong output matches a known mistake (wrong sign, off-by-one, a
   missing term) it names the mistake. It never raises, so an unsolved exercise does not stop
   the notebook; it returns a :class:`Result` that is truthy when the answer is right;
4. a hidden solution cell, then the checker again to confirm it.

Chapter checkers live in the submodules and are re-exported here.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Mistake", "Result", "check_function"]


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
    if hasattr(value, "detach"):  # a torch tensor
        return value.detach().cpu().numpy()
    if isinstance(value, (list, tuple)):
        return type(value)(_to_numpy(v) for v in value)
    return value


def _close(got: Any, want: Any, rtol: float, atol: float) -> bool:
    got, want = _to_numpy(got), _to_numpy(want)
    if isinstance(want, (list, tuple)):
        if not isinstance(got, (list, tuple)) or len(got) != len(want):
            return False
        return all(_close(g, w, rtol, atol) for g, w in zip(got, want, strict=True))
    try:
        g = np.asarray(got, dtype=float)
        w = np.asarray(want, dtype=float)
    except (TypeError, ValueError):
        return False
    return g.shape == w.shape and bool(np.allclose(g, w, rtol=rtol, atol=atol))


def _shape_note(got: Any, want: Any) -> str:
    try:
        g, w = np.shape(_to_numpy(got)), np.shape(_to_numpy(want))
    except ValueError:
        return ""
    return f" Expected shape {w}, got shape {g}." if g != w else ""


def _describe(fn: Callable) -> str:
    try:
        return f"{getattr(fn, '__name__', 'function')}{inspect.signature(fn)}"
    except (TypeError, ValueError):
        return repr(fn)


def _short(value: Any) -> str:
    text = np.array2string(np.asarray(value), precision=4, threshold=12) if isinstance(
        value, np.ndarray
    ) else repr(value)
    return text if len(text) < 200 else text[:197] + "..."


def check_function(
    fn: Any,
    reference: Callable[..., Any],
    make_case: Callable[[np.random.Generator], tuple],
    *,
    name: str,
    signature: str,
    mistakes: Sequence[Mistake] = (),
    n_cases: int = 20,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    seed: int = 0,
    verbose: bool = True,
) -> Result:
    """Compare ``fn`` with ``reference`` on ``n_cases`` random inputs from ``make_case(rng)``.

    ``make_case`` returns the positional arguments of one call. Each case gets fresh copies of
    the arguments, so a function that changes its input in place cannot spoil the reference.
    ``signature`` is what the reader's function should look like, e.g. ``"gd_step(theta, grad,
    lr)"``; it is shown when the function cannot be called with those arguments. Prints the
    verdict when ``verbose`` and returns a :class:`Result`; it never raises.
    """
    result = _check(fn, reference, make_case, name, signature, mistakes, n_cases, rtol, atol,
                    seed)
    if verbose:
        print(result.message)
    return result


def _copy_args(args: tuple) -> tuple:
    return tuple(a.copy() if hasattr(a, "copy") else a for a in args)


def _check(fn, reference, make_case, name, signature, mistakes, n_cases, rtol, atol, seed):
    if not callable(fn):
        return Result(False, f"✗ {name}: expected a function {signature}, got "
                             f"{type(fn).__name__} {fn!r:.60}.")
    rng = np.random.default_rng(seed)
    for case in range(1, n_cases + 1):
        args = make_case(rng)
        try:
            inspect.signature(fn).bind(*args)
        except TypeError:
            return Result(False, f"✗ {name}: expected a function {signature} taking "
                                 f"{len(args)} arguments, got {_describe(fn)}.")
        except ValueError:  # builtins without a signature: just try the call
            pass
        want = reference(*_copy_args(args))
        try:
            got = fn(*_copy_args(args))
        except NotImplementedError:
            return Result(False, f"… {name}: not attempted yet — replace the "
                                 "`raise NotImplementedError` with your code.")
        except Exception as err:  # the reader's bug, reported, not raised
            return Result(False, f"✗ {name}: your function raised {type(err).__name__}: {err}\n"
                                 f"  on input {', '.join(_short(a) for a in args)}", case)
        if got is None and want is not None:
            return Result(False, f"✗ {name}: your function returned None — did you forget "
                                 "`return`?", case)
        if _close(got, want, rtol, atol):
            continue
        for mistake in mistakes:
            try:
                if _close(got, mistake.fn(*_copy_args(args)), rtol, atol):
                    return Result(False, f"✗ {name}: {mistake.hint}", case,
                                  {"mistake": mistake.hint})
            except Exception:  # a mistake model that does not apply to this input
                continue
        shape_note = _shape_note(got, want)
        return Result(False, f"✗ {name}: wrong answer on case {case}.{shape_note}\n"
                             f"  input:    {', '.join(_short(a) for a in args)}\n"
                             f"  expected: {_short(_to_numpy(want))}\n"
                             f"  got:      {_short(_to_numpy(got))}", case)
    return Result(True, f"✓ {name}: correct on all {n_cases} random cases.", n_cases)


# Chapter checkers, one module per chapter, all re-exported here.
from . import (  # noqa: E402
    adaptive,
    alexnet,
    arithmetic,
    conv_layer,
    convolution,
    gradient_descent,
    history,
    interpret,
    lenet,
    momentum,
    resnet,
    sgd,
    tips,
    visual,
)
from .adaptive import *  # noqa: E402,F403
from .alexnet import *  # noqa: E402,F403
from .arithmetic import *  # noqa: E402,F403
from .conv_layer import *  # noqa: E402,F403
from .convolution import *  # noqa: E402,F403
from .gradient_descent import *  # noqa: E402,F403
from .history import *  # noqa: E402,F403
from .interpret import *  # noqa: E402,F403
from .lenet import *  # noqa: E402,F403
from .momentum import *  # noqa: E402,F403
from .resnet import *  # noqa: E402,F403
from .sgd import *  # noqa: E402,F403
from .tips import *  # noqa: E402,F403
from .visual import *  # noqa: E402,F403

for _module in (gradient_descent, sgd, momentum, adaptive, visual, tips, history, convolution,
                arithmetic, conv_layer, lenet, alexnet, resnet, interpret):
    __all__ += _module.__all__
