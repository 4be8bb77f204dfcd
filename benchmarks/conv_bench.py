"""Time the NumPy convolutions of ``dlsg_utils.conv`` against ``torch.nn.functional.conv2d``.

Problem (REFERENCE_FACTS): x (100, 3, 31, 31), w (25, 3, 3, 3), b (25,), stride 2, padding 1,
so out (100, 25, 16, 16). Forward: naive loops, im2col + GEMM, sliding_window_view + einsum,
FFT, torch float64 and float32. Backward: our loops and im2col versions against torch autograd
(only the backward call is timed; the graph is built once and kept). Each time is the median
of several runs after one warm-up run (the naive loops take seconds: run once or twice, no
warm-up). Goals, reported and not asserted: im2col ≥ 500x faster than naive, and within 3x of
torch float64 on the forward pass.

The "faults/call" column counts minor page faults per call (Unix only): pages the kernel had
to map and zero because a buffer came fresh from the operating system. This, not the
arithmetic, can dominate the NumPy versions: in a fresh process glibc hands the 5.5 MB X_col
back to the system after every call, and im2col then takes about 4 ms instead of 1.2 ms
(≈1,700 faults per call). Every method is therefore run once before any timing starts, which
leaves the allocator in the steady state of a process that has already done some work.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F

from dlsg_utils.conv import (
    ConvCache,
    conv2d_backward,
    conv2d_backward_naive,
    conv2d_einsum,
    conv2d_fft,
    conv2d_im2col,
    conv2d_naive,
)

try:
    import resource
except ImportError:  # Windows
    resource = None

X_SHAPE, W_SHAPE, STRIDE, PADDING = (100, 3, 31, 31), (25, 3, 3, 3), 2, 1
HYPER = {"stride": STRIDE, "padding": PADDING}
NAIVE, TORCH64 = "naive (4 loops)", "torch float64"


class Row(NamedTuple):
    name: str
    ms: float  # median time of one call
    faults: float  # minor page faults per call (nan where unknown)
    diff: float  # max abs difference from torch float64


def _minor_faults() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt if resource else float("nan")


def time_ms(fn: Callable[[], object], repeats: int, warmup: int = 1) -> tuple[float, float]:
    """Median wall time of ``fn()`` in ms over ``repeats`` runs after ``warmup`` runs, and the
    mean number of minor page faults per run."""
    for _ in range(warmup):
        fn()
    times, faults = [], _minor_faults()
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times), (_minor_faults() - faults) / repeats


def _max_diff(arrays, refs) -> float:
    return max(float(np.abs(np.asarray(a) - r).max()) for a, r in zip(arrays, refs, strict=True))


def blas_info() -> str:
    """One line naming the BLAS numpy was built with (and its build configuration)."""
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    except Exception:  # older numpy: no dict mode
        return "unknown"
    line = f"{blas.get('name')} {blas.get('version')}"
    if blas.get("openblas configuration"):
        line += f" ({blas['openblas configuration'].strip()})"
    return line


def environment() -> list[str]:
    names = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_CORETYPE")
    env = {k: os.environ[k] for k in names if k in os.environ}
    return [
        f"python {platform.python_version()}, numpy {np.__version__}, torch {torch.__version__}, "
        f"{os.cpu_count()} CPU cores ({platform.machine()})",
        f"torch threads: {torch.get_num_threads()}, oneDNN available: "
        f"{torch.backends.mkldnn.is_available()}",
        f"numpy BLAS: {blas_info()}",
        f"environment: {env if env else 'no thread or BLAS variables set'}",
    ]


def table(title: str, rows: list[Row]) -> str:
    """The rows as a fixed-width text table, with ratios against the naive and torch f64 rows."""
    t = {row.name: row.ms for row in rows}
    lines = [
        title,
        f"{'method':<26}{'time (ms)':>11}{'vs naive':>11}{'/ torch f64':>13}"
        f"{'faults/call':>13}{'max |diff|':>12}",
    ]
    for r in rows:
        lines.append(
            f"{r.name:<26}{r.ms:>11.2f}{t[NAIVE] / r.ms:>10.0f}x{r.ms / t[TORCH64]:>12.2f}x"
            f"{r.faults:>13.0f}{r.diff:>12.1e}"
        )
    return "\n".join(lines)


def forward_rows(x, w, b, repeats: int, naive_repeats: int) -> list[Row]:
    x64, w64, b64 = (torch.from_numpy(a) for a in (x, w, b))
    x32, w32, b32 = (a.float() for a in (x64, w64, b64))
    rows = []
    with torch.no_grad():
        ref = F.conv2d(x64, w64, b64, **HYPER).numpy()
        ours = [
            (NAIVE, conv2d_naive, naive_repeats, 0),
            ("im2col + GEMM", conv2d_im2col, repeats, 1),
            ("sliding windows + einsum", conv2d_einsum, repeats, 1),
            ("FFT (rfft2)", conv2d_fft, max(3, repeats // 3), 1),
        ]
        for name, fn, reps, warm in ours:
            ms, faults = time_ms(lambda fn=fn: fn(x, w, b, **HYPER), reps, warm)
            rows.append(Row(name, ms, faults, _max_diff([fn(x, w, b, **HYPER)], [ref])))
        for name, args in [(TORCH64, (x64, w64, b64)), ("torch float32", (x32, w32, b32))]:
            ms, faults = time_ms(lambda args=args: F.conv2d(*args, **HYPER), repeats)
            out = F.conv2d(*args, **HYPER).double().numpy()
            rows.append(Row(name, ms, faults, _max_diff([out], [ref])))
    return rows


def backward_rows(x, w, b, repeats: int, naive_repeats: int) -> list[Row]:
    dout = np.random.default_rng(1).normal(size=conv2d_im2col(x, w, b, **HYPER).shape)
    graphs = {}
    for name, dtype in [(TORCH64, torch.float64), ("torch float32", torch.float32)]:
        leaves = [torch.tensor(a, dtype=dtype, requires_grad=True) for a in (x, w, b)]
        graphs[name] = (F.conv2d(*leaves, **HYPER), leaves, torch.tensor(dout, dtype=dtype))

    def torch_grads(name):
        out, leaves, g = graphs[name]
        return torch.autograd.grad(out, leaves, g, retain_graph=True)

    ref = [g.numpy() for g in torch_grads(TORCH64)]
    rows = []
    cache = ConvCache(x, w, **HYPER)
    ours = [(NAIVE, conv2d_backward_naive, naive_repeats, 0),
            ("im2col + GEMM + col2im", conv2d_backward, repeats, 1)]  # fmt: skip
    for name, fn, reps, warm in ours:
        ms, faults = time_ms(lambda fn=fn: fn(dout, cache), reps, warm)
        rows.append(Row(name, ms, faults, _max_diff(fn(dout, cache), ref)))
    for name in graphs:
        ms, faults = time_ms(lambda name=name: torch_grads(name), repeats)
        grads = [g.double().numpy() for g in torch_grads(name)]
        rows.append(Row(name, ms, faults, _max_diff(grads, ref)))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--repeats", type=int, default=21, help="runs per fast method (median)")
    parser.add_argument("--naive-repeats", type=int, default=2, help="runs of the naive loops")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=X_SHAPE), rng.normal(size=W_SHAPE), rng.normal(size=W_SHAPE[0])

    # Warm-up: one call of every fast method first (lazy initialisation, thread pools, caches,
    # and the allocator's state), so that the order of the rows below does not matter.
    for fn in (conv2d_im2col, conv2d_einsum, conv2d_fft):
        fn(x, w, b, **HYPER)
    conv2d_backward(np.ones((100, 25, 16, 16)), ConvCache(x, w, **HYPER))
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    F.conv2d(xt, wt, bt, **HYPER).sum().backward()

    print("\n".join(environment()))
    print(
        f"problem: x {X_SHAPE}, w {W_SHAPE}, stride {STRIDE}, padding {PADDING}; float64 unless "
        f"marked; median of {args.repeats} runs ({args.naive_repeats} for naive); "
        "max |diff| is against torch float64\n"
    )
    fwd = forward_rows(x, w, b, args.repeats, args.naive_repeats)
    print(table("forward", fwd), "\n")
    print(table("backward (dx, dw, db)", backward_rows(x, w, b, args.repeats, args.naive_repeats)))

    t = {row.name: row.ms for row in fwd}
    speedup, vs_torch = t[NAIVE] / t["im2col + GEMM"], t["im2col + GEMM"] / t[TORCH64]
    print(f"\ngoal: im2col >= 500x faster than naive: {speedup:.0f}x "
          f"({'met' if speedup >= 500 else 'NOT met'})")  # fmt: skip
    print(f"goal: im2col within 3x of torch float64 (forward): {vs_torch:.2f}x "
          f"({'met' if vs_torch <= 3 else 'NOT met'})")  # fmt: skip
    return 0
