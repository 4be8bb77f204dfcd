"""dlsg_utils.timing: CPU time on one thread, robust to a busy machine."""

import time

import numpy as np
import pytest
import torch

from dlsg_utils.timing import cpu_time, one_thread


def test_one_thread_limits_torch_and_restores_its_thread_count():
    before = torch.get_num_threads()
    with one_thread():
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


def test_one_thread_limits_numpy_blas_when_threadpoolctl_is_installed():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    with one_thread():
        for pool in threadpoolctl.threadpool_info():
            if pool["user_api"] == "blas":
                assert pool["num_threads"] == 1


def test_one_thread_restores_torch_threads_after_an_error():
    before = torch.get_num_threads()
    with pytest.raises(RuntimeError), one_thread():
        raise RuntimeError("boom")
    assert torch.get_num_threads() == before


def test_cpu_time_does_not_count_sleeping():
    assert cpu_time(lambda: time.sleep(0.02), repeats=2) < 0.01


def test_cpu_time_grows_with_the_work_done():
    a = np.random.default_rng(0).normal(size=(200, 200))
    one = cpu_time(lambda: a @ a, repeats=3, number=5)
    eight = cpu_time(lambda: [a @ a for _ in range(8)], repeats=3, number=5)
    assert one > 0
    assert eight > 3 * one


def test_cpu_time_runs_setup_before_every_repeat_and_fn_number_times():
    calls = {"setup": 0, "fn": 0}
    cpu_time(lambda: calls.__setitem__("fn", calls["fn"] + 1), repeats=4, number=3,
             setup=lambda: calls.__setitem__("setup", calls["setup"] + 1))
    assert calls == {"setup": 4, "fn": 12}


@pytest.mark.parametrize("kwargs", [{"repeats": 0}, {"number": -1}, {"repeats": 1.5},
                                    {"number": True}])
def test_cpu_time_rejects_bad_counts(kwargs):
    with pytest.raises(ValueError, match="positive int"):
        cpu_time(lambda: None, **kwargs)


def test_cpu_time_rejects_a_non_callable():
    with pytest.raises(TypeError, match="callable"):
        cpu_time(42)
