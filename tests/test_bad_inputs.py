"""Every public function rejects bad input at the call with a ValueError or TypeError that names
the argument (the table is in bad_inputs.py): no silent wrong numbers, no stray IndexError."""

import matplotlib
import pytest
from bad_inputs import CASES, classify

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_call_is_rejected_with_an_error_that_names_the_argument(case):
    try:
        kind, what = classify(case)
    finally:
        plt.close("all")  # a case may build a figure before its check fails
    assert kind == "clear", what


def test_the_table_covers_every_public_module():
    covered = [set(c.call.__code__.co_names) | set(c.call.__code__.co_freevars) for c in CASES]
    names = set().union(*covered)
    for module in ("linear", "optim", "functions", "conv", "data",
                   "models", "schedules", "stats", "train", "visualize", "plot", "widgets"):
        assert module in names, module
