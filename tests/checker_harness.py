"""The tests every exercise checker gets, written once.

A chapter's test module lists, per checker, a correct answer and known-wrong answers with the
hint each must trigger, then asks for the standard tests::

    CASES = {check_gd_step: (correct_fn, [(wrong_fn, "hint text"), ...]), ...}
    (test_checker_accepts_the_reference,
     test_checker_rejects_a_known_mistake_with_its_hint,
     test_checker_reports_a_wrong_signature_without_raising,
     test_checker_reports_an_unattempted_stub) = checker_tests(CASES)
"""

import pytest


def _name(value):
    return getattr(value, "__name__", str(value))[:30]


def checker_tests(cases):
    """The four standard tests of the checkers in ``cases``, as pytest test functions."""
    checkers = list(cases)
    mistakes = [(c, w, h) for c, (_, wrongs) in cases.items() for w, h in wrongs]

    @pytest.mark.parametrize("checker", checkers, ids=_name)
    def accepts_the_reference(checker):
        assert checker(cases[checker][0], verbose=False)

    @pytest.mark.parametrize("checker, wrong, hint", mistakes, ids=_name)
    def rejects_a_known_mistake_with_its_hint(checker, wrong, hint):
        result = checker(wrong, verbose=False)
        assert not result
        assert hint in result.message, result.message

    @pytest.mark.parametrize("checker", checkers, ids=_name)
    def reports_a_wrong_signature_without_raising(checker):
        result = checker(lambda *_, extra_required: 0, verbose=False)
        assert not result and "expected a function" in result.message

    @pytest.mark.parametrize("checker", checkers, ids=_name)
    def reports_an_unattempted_stub(checker):
        def stub(*args):
            raise NotImplementedError

        result = checker(stub, verbose=False)
        assert not result and "not attempted yet" in result.message

    return (accepts_the_reference, rejects_a_known_mistake_with_its_hint,
            reports_a_wrong_signature_without_raising, reports_an_unattempted_stub)
