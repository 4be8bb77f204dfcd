"""Predict-first questions: compare_prediction's verdicts on right, wrong, unanswered and odd
predictions, and its errors on a badly posed question."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from dlsg_utils.exercises.predict import compare_prediction


def test_an_unanswered_question_shows_the_measurement_without_a_verdict(capsys):
    result = compare_prediction(None, 0.7)
    assert not result and "No prediction recorded" in result.message and "0.7" in result.message
    assert "✓" not in result.message and "✗" not in result.message
    assert capsys.readouterr().out.strip() == result.message


@given(st.floats(-1e6, 1e6, allow_nan=False), st.floats(1e-6, 0.5))  # tolerances above float spacing
def test_a_number_within_the_relative_tolerance_is_right_and_one_outside_is_not(measured, rtol):
    tol = rtol * abs(measured)
    assert compare_prediction(measured + 0.99 * tol, measured, rtol=rtol, verbose=False)
    wrong = compare_prediction(measured + 1.01 * tol + 1e-9, measured, rtol=rtol, verbose=False)
    assert not wrong and "too high" in wrong.message


def test_a_wrong_number_is_told_its_direction_and_distance():
    result = compare_prediction(0.5, 0.7, rtol=0.05, verbose=False)
    assert not result and "too low by 0.2" in result.message


@pytest.mark.parametrize("answer", [np.float32(0.7), torch.tensor(0.7), "0.7", 7 / 10])
def test_numbers_in_any_form_are_read(answer):
    assert compare_prediction(answer, 0.7, rtol=1e-6, verbose=False)


def test_choices_compare_as_text_without_case_or_spaces():
    assert compare_prediction(" Flat ", "flat", choices=["steep", "flat"], verbose=False)
    wrong = compare_prediction("steep", "flat", choices=["steep", "flat"], verbose=False)
    assert not wrong and "'flat'" in wrong.message
    other = compare_prediction("round", "flat", choices=["steep", "flat"], verbose=False)
    assert not other and "not one of the choices" in other.message


class _Hostile:
    def __float__(self):
        raise RuntimeError("no float for you")

    def __repr__(self):
        raise RuntimeError("no repr either")

    def __str__(self):
        raise RuntimeError("nor str")


@pytest.mark.parametrize("answer", ["a lot", float("nan"), float("inf"), [1, 2], _Hostile()],
                         ids=["text", "nan", "inf", "list", "hostile"])
def test_an_odd_prediction_gets_a_verdict_never_an_exception(answer):
    result = compare_prediction(answer, 0.7, verbose=False)
    assert not result and result.message.startswith("✗")


def test_a_hostile_prediction_is_reported_as_the_answers_problem():
    result = compare_prediction(_Hostile(), 0.7, verbose=False)
    assert "could not be read" in result.message and "RuntimeError" in result.message


@pytest.mark.parametrize("kwargs, measured", [
    ({"rtol": -0.1}, 1.0), ({"atol": float("nan")}, 1.0), ({}, float("nan")), ({}, "flat"),
    ({"choices": ["steep", "flat"]}, "round"),
], ids=["negative rtol", "nan atol", "nan measured", "text measured", "measured not a choice"])
def test_a_badly_posed_question_is_the_authors_error(kwargs, measured):
    with pytest.raises(ValueError):
        compare_prediction(1.0, measured, **kwargs)
