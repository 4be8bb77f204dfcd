"""The exercise checker itself: verdicts, hints, and it never raises."""

import numpy as np

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
