"""The exercise checker itself: verdicts, hints, and it never raises."""

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
    import dlsg_utils.exercises as ex

    return [getattr(ex, n) for n in ex.__all__ if n.startswith("check_") and n != "check_function"]


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
