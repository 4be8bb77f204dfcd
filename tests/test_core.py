"""dlsg_utils top level: device, seeds and the smoke/full budget."""

import random

import numpy as np
import pytest
import torch

import dlsg_utils


def test_device_is_cuda_mps_or_cpu():
    assert dlsg_utils.device().type in {"cuda", "mps", "cpu"}


def test_device_is_cuda_when_cuda_is_available(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert dlsg_utils.device().type == "cuda"


def test_seed_everything_makes_python_numpy_and_torch_repeat():
    def draw():
        return random.random(), np.random.rand(), torch.rand(1).item()

    dlsg_utils.seed_everything(123)
    first = draw()
    dlsg_utils.seed_everything(123)
    assert draw() == first
    dlsg_utils.seed_everything(124)
    assert draw() != first


@pytest.mark.parametrize("bad", [-1, 2**32, 1.5, "3", True])
def test_seed_everything_rejects_bad_seeds(bad):
    with pytest.raises((TypeError, ValueError), match="seed must be"):
        dlsg_utils.seed_everything(bad)


def test_budget_returns_smoke_size_under_smoke_env(monkeypatch):
    monkeypatch.setenv("DLSG_SMOKE", "1")
    assert dlsg_utils.is_smoke()
    assert dlsg_utils.budget(full=1000, smoke=10) == 10


@pytest.mark.parametrize("value", ["", "0", "false"])
def test_budget_returns_full_size_without_smoke_env(monkeypatch, value):
    monkeypatch.setenv("DLSG_SMOKE", value)
    assert dlsg_utils.budget(full=[1, 2, 3], smoke=[1]) == [1, 2, 3]


def test_budget_without_sizes_says_what_it_needs():
    with pytest.raises(ValueError, match=r"needs both sizes.*got full=None, smoke=None"):
        dlsg_utils.budget()
    with pytest.raises(ValueError, match="smoke=None"):
        dlsg_utils.budget(full=3)


def test_in_colab_is_false_here():
    assert dlsg_utils.in_colab() is False


def test_budget_gpu_tier_applies_only_on_cuda_outside_smoke_mode(monkeypatch):
    monkeypatch.delenv("DLSG_SMOKE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert dlsg_utils.budget(full=6, smoke=1, gpu=60) == 60
    assert dlsg_utils.budget(full=6, smoke=1) == 6  # no GPU size given: the CPU size
    monkeypatch.setenv("DLSG_SMOKE", "1")
    assert dlsg_utils.budget(full=6, smoke=1, gpu=60) == 1  # smoke mode wins
    monkeypatch.delenv("DLSG_SMOKE")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert dlsg_utils.budget(full=6, smoke=1, gpu=60) == 6


def test_glue_returns_the_value_and_records_it_for_the_book(monkeypatch):
    recorded = []
    import myst_nb

    monkeypatch.setattr(myst_nb, "glue", lambda name, value, display: recorded.append(
        (name, value, display)))
    assert dlsg_utils.glue("best_lr", 0.03) == 0.03
    assert recorded == [("best_lr", 0.03, False)]


def test_glue_records_numpy_and_torch_scalars_as_python_numbers_so_format_specs_work(
        monkeypatch):
    """myst-nb formats `{glue:text}`key:.2f`` from the value's repr: "np.float64(0.5)" or
    "tensor(0.5)" would fail the book build, 0.5 does not."""
    import myst_nb

    recorded = []
    monkeypatch.setattr(myst_nb, "glue", lambda name, value, display: recorded.append(value))
    for value in (np.float64(0.5), np.array(0.5), torch.tensor(0.5), np.int64(3)):
        returned = dlsg_utils.glue("x", value)
        assert type(returned) in (float, int) and repr(returned) in ("0.5", "3")
    assert recorded == [0.5, 0.5, 0.5, 3]
    assert dlsg_utils.glue("v", np.array([1, 2])).tolist() == [1, 2]  # arrays stay arrays


def test_glue_without_myst_nb_only_returns_the_value(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "myst_nb", None)  # as on Colab: import fails
    assert dlsg_utils.glue("acc", 0.91) == 0.91


def test_glue_rejects_names_the_book_cannot_refer_to():
    with pytest.raises(ValueError, match="name must be a Python identifier, got 'test acc'"):
        dlsg_utils.glue("test acc", 1.0)
