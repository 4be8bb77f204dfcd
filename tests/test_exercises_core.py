"""The exercise checker itself: verdicts, hints, and it never raises."""

import itertools
import re
import signal
import time
from pathlib import Path

import numpy as np
import pytest

from dlsg_utils.exercises import Mistake, check_function


def _ref(a, b):
    return a + b


def _case(rng):
    return rng.normal(size=3), rng.normal(size=3)


def _check(fn, **kw):
    return check_function(fn, _ref, _case, name="add", signature="add(a, b)",
                          mistakes=[Mistake(lambda a, b: a - b, "subtracted")],
                          verbose=False, **kw)


def test_correct_function_passes_every_case():
    result = _check(lambda a, b: b + a)
    assert result and result.passed and result.cases == 20
    assert "correct on all 20" in result.message


def test_stub_is_reported_as_not_attempted():
    def stub(a, b):
        raise NotImplementedError

    result = _check(stub)
    assert not result and "not attempted yet" in result.message


def test_known_mistake_gets_its_specific_hint():
    result = _check(lambda a, b: a - b)
    assert not result and result.message.endswith("subtracted")


def test_unknown_wrong_answer_shows_input_expected_and_got():
    result = _check(lambda a, b: a * b)
    assert not result
    assert "expected:" in result.message and "got:" in result.message


def test_wrong_shape_is_named():
    result = _check(lambda a, b: (a + b)[:2])
    assert "Expected shape (3,), got shape (2,)" in result.message


def test_wrong_signature_is_a_clear_message_not_an_exception():
    result = _check(lambda a: a)
    assert not result
    assert "expected a function add(a, b) taking 2 arguments, got <lambda>(a)" in result.message


def test_non_callable_is_a_clear_message():
    result = _check(42)
    assert not result and "expected a function add(a, b), got int" in result.message


def test_exceptions_in_the_readers_code_are_reported_not_raised():
    def broken(a, b):
        return a @ np.ones((2, 2))

    result = _check(broken)
    assert not result and "your function raised ValueError" in result.message


def test_returning_none_mentions_return():
    result = _check(lambda a, b: None)
    assert not result and "forget `return`" in result.message


def test_inputs_are_copied_so_in_place_edits_do_not_fool_the_checker():
    def in_place(a, b):
        a += b
        return a

    assert _check(in_place)  # correct, even though it modifies its input


def test_verbose_prints_the_verdict(capsys):
    check_function(lambda a, b: a + b, _ref, _case, name="add", signature="add(a, b)")
    assert "✓ add" in capsys.readouterr().out


# --- what a learner may return: never a crash -------------------------------------------------

def test_a_namedtuple_answer_is_compared_not_crashed_on():
    result = _check(lambda a, b: np.linalg.eigh(np.eye(2)))  # EighResult(eigenvalues, ...)
    assert not result and "wrong answer" in result.message


def test_a_namedtuple_holding_the_right_values_passes():
    import collections

    Pair = collections.namedtuple("Pair", "first second")
    ref = check_function(lambda a, b: Pair(a + b, a - b), lambda a, b: (a + b, a - b), _case,
                         name="pair", signature="pair(a, b)", verbose=False)
    assert ref


def test_a_complex_answer_is_not_mistaken_for_a_real_one():
    assert not _check(lambda a, b: (a + b) + 1j)
    assert _check(lambda a, b: (a + b) + 0j)  # zero imaginary part: the same number


def test_torch_inputs_are_copied_so_an_in_place_mistake_keeps_its_hint():
    import torch

    def case(rng):
        return (torch.tensor(rng.normal(size=3)),)

    def in_place_wrong(x):
        x += 1  # the mistake, made in place on the checker's input
        return x

    result = check_function(in_place_wrong, lambda x: 2 * x, case, name="double",
                            signature="double(x)",
                            mistakes=[Mistake(lambda x: x + 1, "added 1 instead of doubling")],
                            verbose=False)
    assert not result and result.message.endswith("added 1 instead of doubling")


def test_modules_given_to_the_learner_are_copies():
    import torch
    from torch import nn

    net = nn.Linear(2, 2)
    before = net.weight.detach().clone()

    def case(rng):
        return (net,)

    def zero_weights(m):
        with torch.no_grad():
            m.weight.zero_()
        return m.weight.sum()

    check_function(zero_weights, lambda m: m.weight.sum(), case, name="w", signature="w(m)",
                   verbose=False, n_cases=2)
    assert torch.equal(net.weight, before)


def test_a_function_that_prints_thousands_of_lines_shows_only_the_first(capsys):
    def chatty(a, b):
        for i in range(1000):
            print("step", i)
        return a + b

    result = check_function(chatty, _ref, _case, name="add", signature="add(a, b)")
    out = capsys.readouterr().out.splitlines()
    assert result and len(out) < 30
    assert out[0] == "step 0" and "more printed lines hidden" in out[-2]
    assert out[-1].startswith("✓ add")


def test_odd_return_values_get_a_verdict_not_an_exception():
    for odd in (lambda a, b: "a string", lambda a, b: {"a": 1}, lambda a, b: (x for x in a),
                lambda a, b: object(), lambda a, b: [a, "b"]):
        result = _check(odd)
        assert not result and result.message.startswith("✗ add")


def _every_checker():
    return list(_all_checkers().values())


@pytest.mark.parametrize("odd", [
    lambda *a, **k: np.linalg.eigh(np.eye(2)),  # a namedtuple of arrays
    lambda *a, **k: "a string",
    lambda *a, **k: None,
    lambda *a, **k: 1j,
    lambda *a, **k: [[1, 2], [3]],  # ragged
], ids=["namedtuple", "string", "none", "complex", "ragged"])
def test_no_checker_of_any_chapter_raises_on_an_odd_answer(odd):
    from dlsg_utils.exercises import Result

    for checker in _every_checker():
        result = checker(odd, verbose=False)
        assert isinstance(result, Result) and not result, checker.__name__


# --- answers that cannot break a checker --------------------------------------------------------

def test_a_function_that_never_returns_is_stopped_at_the_time_limit(monkeypatch):
    from dlsg_utils.exercises import engine

    monkeypatch.setattr(engine, "TIME_LIMIT_S", 0.3)

    def sleeper(a, b):
        time.sleep(3600)

    start = time.monotonic()
    result = _check(sleeper)
    assert time.monotonic() - start < 5
    assert not result and "stopped after 0.3 s (it was in sleeper, line" in result.message


def test_the_time_limit_leaves_no_alarm_behind(monkeypatch):
    from dlsg_utils.exercises import engine

    monkeypatch.setattr(engine, "TIME_LIMIT_S", 0.2)
    handler = signal.getsignal(signal.SIGALRM)
    assert not _check(lambda a, b: time.sleep(10))
    assert _check(lambda a, b: a + b)  # a right answer after a stopped one: no stray alarm
    time.sleep(0.8)  # longer than the repeat interval of the alarm
    assert signal.getsignal(signal.SIGALRM) is handler
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_someone_elses_timer_survives_a_check():
    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *_: fired.append(True))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.5)
        assert _check(lambda a, b: a + b)
        assert 0 < signal.getitimer(signal.ITIMER_REAL)[0] <= 0.5
        time.sleep(1.0)
        assert fired == [True]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_an_answer_that_swallows_the_stop_once_is_stopped_again(monkeypatch):
    from dlsg_utils.exercises import engine

    monkeypatch.setattr(engine, "TIME_LIMIT_S", 0.2)

    def stubborn(a, b):
        try:
            time.sleep(3600)
        except BaseException:  # noqa: BLE001 - what a careless reader might write
            pass
        time.sleep(3600)

    start = time.monotonic()
    result = _check(stubborn)
    assert not result and "stopped after" in result.message
    assert time.monotonic() - start < 5


def test_without_sigalrm_the_check_runs_in_a_thread_that_is_stopped(monkeypatch):
    """What Windows, or a call from another thread, gets: a helper thread, waited for and
    then stopped (a pure-Python loop ends at once)."""
    import threading

    from dlsg_utils.exercises import engine, guard

    monkeypatch.setattr(engine, "TIME_LIMIT_S", 0.3)
    monkeypatch.setattr(guard, "_can_use_alarm", lambda: False)

    def spinner(a, b):
        while True:
            pass

    result = _check(spinner)
    assert not result and "stopped after 0.3 s (it was in spinner, line" in result.message
    time.sleep(0.5)
    assert not [t for t in threading.enumerate() if t.name == "dlsg-exercise-check"]
    assert _check(lambda a, b: a + b)  # and right answers still pass that way
    assert "subtracted" in _check(lambda a, b: a - b).message


def test_a_checker_called_from_another_thread_keeps_its_time_limit(monkeypatch):
    import threading

    from dlsg_utils.exercises import engine

    monkeypatch.setattr(engine, "TIME_LIMIT_S", 0.3)
    results = []
    caller = threading.Thread(target=lambda: results.append(_check(lambda a, b: time.sleep(5))))
    caller.start()
    caller.join(4)
    assert results and "stopped after 0.3 s" in results[0].message


def test_an_exception_of_the_answers_own_method_is_the_answers_problem():
    class Stubborn:
        def __float__(self):
            raise ValueError("I will not be a number")

    result = _check(lambda a, b: Stubborn())
    assert not result
    assert result.message == ("✗ add: your function returned an object whose __float__ raised "
                              "ValueError: I will not be a number")


def test_a_signature_that_raises_is_the_answers_problem():
    class Odd:
        @property
        def __signature__(self):
            raise RuntimeError("no signature here")

        def __call__(self, a, b):
            return a + b

    result = _check(Odd())
    assert not result and "RuntimeError: no signature here" in result.message
    assert "checker itself failed" not in result.message


def test_an_unprintable_answer_is_shown_with_the_exception_of_its_repr():
    class Mute:
        def __repr__(self):
            raise RuntimeError("do not print me")

    result = _check(lambda a, b: Mute())
    assert not result
    assert "got:      <a Mute object whose __repr__ raised RuntimeError: do not print me>" in \
        result.message


def test_an_exception_that_cannot_be_printed_is_still_reported():
    class Garbled(Exception):
        def __str__(self):
            raise RuntimeError("nope")

    def broken(a, b):
        raise Garbled

    result = _check(broken)
    assert not result and "your function raised Garbled: (its message could not be" in \
        result.message


def test_a_bug_in_the_checker_itself_is_still_reported_as_ours():
    import math

    result = check_function(lambda x: 0.0, math.sqrt, lambda rng: (-1.0,), name="root",
                            signature="root(x)", verbose=False)
    assert not result
    assert result.message == ("✗ root: the checker itself failed (ValueError: math domain "
                              "error); please report it.")


def test_a_wrapper_is_built_inside_the_guard_and_sees_the_readers_signature():
    calls = []

    def adapt(fn):
        calls.append(fn)
        return lambda a, b: fn(a, b) * 1.0

    ok = check_function(lambda a, b: a + b, _ref, _case, name="add", signature="add(a, b)",
                        adapt=adapt, verbose=False)
    wrong_arity = check_function(lambda a: a, _ref, _case, name="add", signature="add(a, b)",
                                 adapt=adapt, verbose=False)
    assert ok and len(calls) == 1  # built once per check, after the signature was checked
    assert "taking 2 arguments, got <lambda>(a)" in wrong_arity.message
    assert not check_function(42, _ref, _case, name="add", signature="add(a, b)", adapt=adapt,
                              verbose=False)
    assert len(calls) == 1  # never built for what is not a function


def test_bounded_list_stops_at_its_limit():
    import itertools

    from dlsg_utils.exercises.engine import AnswerError, bounded_list, run_checker

    assert bounded_list(range(5)) == [0, 1, 2, 3, 4]
    with pytest.raises(AnswerError, match="more than 10 items"):
        bounded_list(itertools.count(), limit=10)
    with pytest.raises(AnswerError, match="expected a list, got int"):
        bounded_list(7)
    result = run_checker(lambda fn: bounded_list(fn(), limit=3), itertools.count, name="demo",
                         verbose=False)
    assert not result and result.message.startswith("✗ demo: your function returned more than 3")


def test_minibatch_indices_takes_a_bounded_list_of_an_endless_generator():
    from dlsg_utils.exercises.ch02_sgd import check_minibatch_indices

    def endless(n, batch_size, rng):
        return (np.arange(batch_size) for _ in itertools.count())

    start = time.monotonic()
    result = check_minibatch_indices(endless, verbose=False)
    assert time.monotonic() - start < 10
    assert not result and "returned more than 110 items (a generator that never ends?)" in \
        result.message


# The hostile-answer matrix: every check_* of every module of dlsg_utils.exercises, against
# answers built to break a checker. Each must give a failing verdict that blames the answer
# (never "the checker itself failed"), quote the exception whenever one was raised, and finish.

_SENTINEL = "hostile answer"
_RAISED = []


def _raiser(method):
    def raises(self, *args, **kwargs):
        _RAISED.append(method)
        raise ValueError(f"{_SENTINEL}: {method}")
    return raises


def _returns_object_whose(*methods):
    hostile = type("Hostile", (), {m: _raiser(m) for m in methods})
    return lambda *args, **kwargs: hostile()


class _SignatureRaises:
    @property
    def __signature__(self):
        _RAISED.append("__signature__")
        raise RuntimeError(f"{_SENTINEL}: __signature__")

    def __call__(self, *args, **kwargs):
        return 0.0


def _endless(*args, **kwargs):
    return (np.zeros(2, dtype=int) for _ in itertools.count())


def _sleeps(*args, **kwargs):
    time.sleep(3600)


def _loops(*args, **kwargs):
    while True:
        pass


_HOSTILE = {
    "signature raises": _SignatureRaises(),
    "__float__ raises": _returns_object_whose("__float__"),
    "__array__ raises": _returns_object_whose("__array__"),
    "__len__ raises": _returns_object_whose("__len__"),
    "__iter__ raises": _returns_object_whose("__iter__"),
    "__repr__ raises": _returns_object_whose("__repr__"),
    "__eq__ raises": _returns_object_whose("__eq__"),
    "__bool__ raises": _returns_object_whose("__bool__"),
    "every method raises": _returns_object_whose(
        "__float__", "__int__", "__index__", "__array__", "__len__", "__iter__", "__getitem__",
        "__repr__", "__str__", "__eq__", "__bool__", "__getattr__"),
    "endless generator": _endless,
    "sleeps forever": _sleeps,
    "loops forever": _loops,
}


def _all_checkers():
    """Every check_* function defined in any module of dlsg_utils.exercises, once."""
    import importlib
    import pkgutil

    import dlsg_utils.exercises as ex

    found = {}
    for info in pkgutil.iter_modules(ex.__path__):
        module = importlib.import_module(f"{ex.__name__}.{info.name}")
        for name, value in vars(module).items():
            if (name.startswith("check_") and name != "check_function" and callable(value)
                    and value.__module__ == module.__name__):
                found[f"{info.name}.{name}"] = value
    return found


def _hostile_verdict(checker, answer, kind, limit):
    """None if ``checker`` handled ``answer`` as it must, else what went wrong."""
    from dlsg_utils.exercises import Result

    _RAISED.clear()
    start = time.monotonic()
    try:
        result = checker(answer, verbose=False)
    except BaseException as err:  # noqa: BLE001 - the point is to see what escapes
        return f"raised {type(err).__name__}: {err}"
    elapsed = time.monotonic() - start
    if not isinstance(result, Result) or result:
        return f"passed or no Result: {result!r}"
    message = result.message
    if "checker itself failed" in message:
        return message
    if _RAISED and _SENTINEL not in message:
        return f"{_RAISED[0]} raised but the message does not say so: {message}"
    if kind.endswith("forever") and "stopped after" not in message:
        return f"not stopped: {message}"
    if elapsed > limit + 20:
        return f"took {elapsed:.1f} s"
    return None


@pytest.mark.parametrize("kind", list(_HOSTILE))
def test_no_checker_breaks_on_a_hostile_answer(kind, monkeypatch):
    from dlsg_utils.exercises import engine

    limit = 0.3 if kind.endswith("forever") else 30.0
    monkeypatch.setattr(engine, "TIME_LIMIT_S", limit)
    checkers = _all_checkers()
    assert len(checkers) >= 60
    failures = {name: problem for name, checker in checkers.items()
                if (problem := _hostile_verdict(checker, _HOSTILE[kind], kind, limit))}
    assert not failures, "\n".join(f"{n}: {p}" for n, p in failures.items())


# --- names: one checker, one name, one home ------------------------------------------------------

def test_each_chapter_has_one_checker_module_named_by_the_chapter():
    import importlib

    from dlsg_utils.exercises import CHAPTER_MODULES

    chapters = sorted(p.name for p in (Path(__file__).resolve().parents[1] / "chapters").glob("[0-9][0-9]_*.ipynb")
                      if not p.name.startswith("00_"))  # front matter, no exercises
    assert sorted(CHAPTER_MODULES) == list(range(1, len(chapters) + 1))
    for number, name in CHAPTER_MODULES.items():
        assert name.startswith(f"ch{number:02d}_"), name
        assert importlib.import_module(f"dlsg_utils.exercises.{name}").__all__


def test_no_two_exercises_share_a_checker_name():
    """Every check_* is defined once; a chapter module may re-export another module's checker
    (chapter 12 asks chapter 11's receptive-field question again) but never defines its own
    checker under a name that is taken."""
    by_name = {}
    for qualified, fn in _all_checkers().items():
        by_name.setdefault(fn.__name__, set()).add(qualified)
    assert {n: q for n, q in by_name.items() if len(q) > 1} == {}


def test_the_package_root_exports_only_the_engine_and_has_no_star_import():
    import dlsg_utils.exercises as ex

    source = Path(ex.__file__).read_text()
    assert "import *" not in source
    assert not [n for n in ex.__all__ if n.startswith("check_") and n != "check_function"]


def test_every_chapter_imports_its_checkers_from_its_own_module_only():
    import json

    from dlsg_utils.exercises import CHAPTER_MODULES

    root = Path(__file__).resolve().parents[1] / "chapters"
    for number, name in CHAPTER_MODULES.items():
        (nb,) = root.glob(f"{number:02d}_*.ipynb")
        code = "".join("".join(c["source"]) for c in json.loads(nb.read_text())["cells"]
                       if c["cell_type"] == "code")
        imports = set(re.findall(r"from (dlsg_utils\.exercises[\w.]*) import", code))
        imports.discard("dlsg_utils.exercises.predict")  # the predict-first questions' verdict
        assert imports == {f"dlsg_utils.exercises.{name}"}, (nb.name, imports)
