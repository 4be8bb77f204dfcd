"""Checkers for chapter 8, "Convolution"."""

from __future__ import annotations

import numpy as np

from . import Mistake, Result, check_function

__all__ = ["check_conv1d", "check_conv2d_single", "check_output_length"]


# --- exercise 1: 1-D full convolution ---------------------------------------------------------

def _conv1d(f, g):
    """Full convolution (f ∗ g)[n] = Σ_m f[m] g[n − m], length len(f) + len(g) − 1."""
    return np.convolve(f, g, mode="full")


def _case_conv1d(rng):
    n = int(rng.integers(3, 10))
    k = int(rng.integers(2, min(5, n) + 1))
    return rng.normal(size=n), rng.normal(size=k)


def check_conv1d(fn, *, verbose: bool = True) -> Result:
    """``conv1d(f, g)``: the full 1-D convolution of two 1-D arrays, as ``np.convolve(f, g)``."""
    return check_function(
        fn, _conv1d, _case_conv1d, name="conv1d", signature="conv1d(f, g)",
        mistakes=[
            Mistake(lambda f, g: np.convolve(f, g[::-1], mode="full"),
                    "no flip: you computed the cross-correlation Σ f[m] g[m − n]. Convolution "
                    "reads g backwards: g[n − m]."),
            Mistake(lambda f, g: np.convolve(f, g[::-1], mode="full")[::-1],
                    "no flip: you computed the cross-correlation (in reverse order). "
                    "Convolution pairs f[m] with g[n − m]."),
            Mistake(lambda f, g: np.convolve(f, g, mode="valid"),
                    "you computed only the 'valid' part (where g lies inside f), length "
                    "len(f) − len(g) + 1; the full convolution has len(f) + len(g) − 1 entries."),
            Mistake(lambda f, g: np.convolve(f, g, mode="same"),
                    "you cut the output to len(f) ('same'); the full convolution has "
                    "len(f) + len(g) − 1 entries."),
            Mistake(lambda f, g: np.convolve(f, g, mode="full")[:-1],
                    "off by one: the last entry is missing; the full convolution has "
                    "len(f) + len(g) − 1 entries, n = 0, ..., len(f) + len(g) − 2."),
            Mistake(lambda f, g: np.convolve(f, g, mode="full")[1:],
                    "off by one: the first entry (n = 0, f[0]·g[0]) is missing."),
        ],
        verbose=verbose,
    )


# --- exercise 2: one-channel valid cross-correlation ------------------------------------------

def _xcorr2d(image, kernel):
    """Valid cross-correlation: out[y, z] = Σ_i Σ_j image[y + i, z + j] · kernel[i, j]."""
    H, W = image.shape
    kh, kw = kernel.shape
    out = np.empty((H - kh + 1, W - kw + 1))
    for y in range(out.shape[0]):
        for z in range(out.shape[1]):
            out[y, z] = np.sum(image[y : y + kh, z : z + kw] * kernel)
    return out


def _case_conv2d(rng):
    H, W = int(rng.integers(4, 9)), int(rng.integers(4, 9))
    if H == W:  # non-square images, so a transposed answer has the wrong shape and is caught
        W += 1
    kh, kw = int(rng.integers(2, 4)), int(rng.integers(2, 4))
    return rng.normal(size=(H, W)), rng.normal(size=(kh, kw))


def _same(image, kernel):
    kh, kw = kernel.shape
    padded = np.pad(image, (((kh - 1) // 2, kh // 2), ((kw - 1) // 2, kw // 2)))
    return _xcorr2d(padded, kernel)


def check_conv2d_single(fn, *, verbose: bool = True) -> Result:
    """``conv2d_single(image, kernel)``: valid cross-correlation of a 2-D image with a 2-D
    kernel (what ``torch.nn.functional.conv2d`` computes), shape (H − kh + 1, W − kw + 1)."""
    return check_function(
        fn, _xcorr2d, _case_conv2d, name="conv2d_single",
        signature="conv2d_single(image, kernel)",
        mistakes=[
            Mistake(lambda im, k: _xcorr2d(im, k[::-1, ::-1]),
                    "you flipped the kernel: that is true convolution. Deep-learning "
                    "'convolution' (torch.nn.functional.conv2d) is cross-correlation: "
                    "out[y, z] = Σ image[y + i, z + j] · kernel[i, j], no flip."),
            Mistake(lambda im, k: _xcorr2d(im, k)[:-1, :-1],
                    "off by one: the output has H − kh + 1 rows and W − kw + 1 columns "
                    "(range(H - kh + 1)), you stopped one window early."),
            Mistake(lambda im, k: _xcorr2d(im, k).T,
                    "your output is transposed: rows of the output follow rows of the image "
                    "(shape (H − kh + 1, W − kw + 1))."),
            Mistake(_same,
                    "you zero-padded the image to keep its size ('same'); this exercise asks "
                    "for the 'valid' output, windows entirely inside the image."),
            Mistake(lambda im, k: _xcorr2d(im, k.T),
                    "you transposed the kernel: kernel[i, j] multiplies image[y + i, z + j] "
                    "(i down the rows, j along the columns)."),
        ],
        verbose=verbose,
    )


# --- exercise 3: output length -----------------------------------------------------------------

def _output_length(n, k, stride, padding):
    return (n + 2 * padding - k) // stride + 1


_LENGTH_MISTAKES = [
    lambda n, k, s, p: -(-(n + 2 * p - k) // s) + 1,
    lambda n, k, s, p: (n + 2 * p - k) // s,
    lambda n, k, s, p: (n + p - k) // s + 1,
    lambda n, k, s, p: n + 2 * p - k + 1,
]


def _case_length(rng):
    """A case on which the reference and every known mistake give different answers, so the
    first wrong case names the right mistake (needs stride >= 2, padding >= 1)."""
    for _ in range(1000):
        k = int(rng.integers(1, 8))
        padding = int(rng.integers(1, 8))
        stride = int(rng.integers(2, 5))
        n = int(rng.integers(max(1, k - 2 * padding), 40))
        case = (n, k, stride, padding)
        answers = [_output_length(*case)] + [m(*case) for m in _LENGTH_MISTAKES]
        if len(set(answers)) == len(answers):
            return case
    raise RuntimeError("no discriminating case found")  # pragma: no cover


def check_output_length(fn, *, verbose: bool = True) -> Result:
    """``output_length(n, k, stride, padding)`` = ⌊(n + 2p − k)/s⌋ + 1, the number of positions
    of a length-k window on a length-n input zero-padded by p on both sides, moving s at a
    time."""
    return check_function(
        fn, _output_length, _case_length, name="output_length",
        signature="output_length(n, k, stride, padding)",
        mistakes=[
            Mistake(lambda n, k, s, p: -(-(n + 2 * p - k) // s) + 1,
                    "you rounded up: a window that would stick out past the padded end is not "
                    "used, so round (n + 2p − k)/s *down*."),
            Mistake(lambda n, k, s, p: (n + 2 * p - k) // s,
                    "off by one: count the first window too, ⌊(n + 2p − k)/s⌋ + 1."),
            Mistake(lambda n, k, s, p: (n + p - k) // s + 1,
                    "the padding is added on *both* sides: n + 2p."),
            Mistake(lambda n, k, s, p: n + 2 * p - k + 1,
                    "you ignored the stride: the window moves s positions at a time, divide "
                    "by s."),
            Mistake(lambda n, k, s, p: (n + 2 * p - k) / s + 1,
                    "return a whole number: use floor division //."),
        ],
        atol=0, rtol=0, n_cases=40, verbose=verbose,
    )
