"""Checkers for chapter 8, "Convolution"."""

from __future__ import annotations

import numpy as np

from ..conv import conv2d_naive
from .engine import Mistake, Result, check_function, cycle_cases

__all__ = ["check_conv1d", "check_conv2d_single", "check_conv_matrix", "check_n_connections"]


# --- exercise 1: 1-D full convolution ---------------------------------------------------------

def _conv1d(f, g):
    """Full convolution (f ∗ g)[n] = Σ_m f[m] g[n − m], length len(f) + len(g) − 1."""
    return np.convolve(f, g, mode="full")


def _case_conv1d(rng):
    n = int(rng.integers(3, 10))
    k = int(rng.integers(2, min(5, n) + 1))
    return rng.normal(size=n), rng.normal(size=k)


def _any_conv1d(rng):
    """Any lengths the question allows: one entry each, or g longer than f."""
    return rng.normal(size=int(rng.integers(1, 9))), rng.normal(size=int(rng.integers(1, 9)))


def check_conv1d(fn, *, verbose: bool = True) -> Result:
    """``conv1d(f, g)``: the full 1-D convolution of two 1-D arrays, as ``np.convolve(f, g)``."""
    return check_function(
        fn, _conv1d, cycle_cases(_case_conv1d, _any_conv1d), signature="conv1d(f, g)",
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
        rtol=1e-5, atol=1e-6, verbose=verbose,
    )


# --- exercise 2: one-channel valid cross-correlation ------------------------------------------

def _xcorr2d(image, kernel):
    """Valid cross-correlation: out[y, z] = Σ_i Σ_j image[y + i, z + j] · kernel[i, j], the
    package's :func:`~dlsg_utils.conv.conv2d_naive` for one image, one channel, one filter."""
    image, kernel = np.asarray(image, dtype=float), np.asarray(kernel, dtype=float)
    return conv2d_naive(image[None, None], kernel[None, None])[0, 0]


def _case_conv2d(rng):
    H, W = int(rng.integers(4, 9)), int(rng.integers(4, 9))
    if H == W:  # non-square images, so a transposed answer has the wrong shape and is caught
        W += 1
    kh, kw = int(rng.integers(2, 4)), int(rng.integers(2, 4))
    return rng.normal(size=(H, W)), rng.normal(size=(kh, kw))


def _any_conv2d(rng):
    """Any sizes the question allows, 1 ≤ kh ≤ H and 1 ≤ kw ≤ W: a 1 × 1 kernel, a kernel as
    large as the image (one output pixel), a single row."""
    H, W = int(rng.integers(1, 8)), int(rng.integers(1, 8))
    kh, kw = int(rng.integers(1, H + 1)), int(rng.integers(1, W + 1))
    return rng.normal(size=(H, W)), rng.normal(size=(kh, kw))


def _by_rows(image, kernel, *, reverse=True, start=None, same_row=False):
    """The valid cross-correlation built from full 1-D convolutions, one per kernel row (the
    way exercise 2 asks for it), or one of the ways of getting that construction wrong."""
    image, kernel = np.asarray(image, dtype=float), np.asarray(kernel, dtype=float)
    (H, W), (kh, kw) = image.shape, kernel.shape
    start = kw - 1 if start is None else start
    out = np.zeros((H - kh + 1, W - kw + 1))
    for y in range(H - kh + 1):
        for i in range(kh):
            row = image[y if same_row else y + i]
            full = np.convolve(row, kernel[i, ::-1] if reverse else kernel[i])
            out[y] += full[start : start + W - kw + 1]
    return out


def _same(image, kernel):
    kh, kw = kernel.shape
    padded = np.pad(image, (((kh - 1) // 2, kh // 2), ((kw - 1) // 2, kw // 2)))
    return _xcorr2d(padded, kernel)


def check_conv2d_single(fn, *, verbose: bool = True) -> Result:
    """``conv2d_single(image, kernel)``: valid cross-correlation of a 2-D image with a 2-D
    kernel (what ``torch.nn.functional.conv2d`` computes), shape (H − kh + 1, W − kw + 1),
    for any 1 ≤ kh ≤ H and 1 ≤ kw ≤ W. The last three mistakes are those of building it from
    full 1-D convolutions (exercise 2)."""
    return check_function(
        fn, _xcorr2d, cycle_cases(_case_conv2d, _any_conv2d),
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
            Mistake(lambda im, k: _by_rows(im, k, reverse=False),
                    "you flipped the kernel left-right only: conv1d convolves, it reads its "
                    "second argument backwards (g[n − m]). Hand it the kernel row reversed, "
                    "kernel[i, ::-1], and the two reversals cancel into a cross-correlation."),
            Mistake(lambda im, k: _by_rows(im, k, start=0),
                    "you kept the first W − kw + 1 entries of the full 1-D convolution: its "
                    "first kw − 1 entries are windows that hang over the left end of the row. "
                    "The windows inside the row are entries kw − 1 to W − 1, full[kw - 1 : W]."),
            Mistake(lambda im, k: _by_rows(im, k, same_row=True),
                    "every kernel row met the same image row: output row y adds kernel row i "
                    "applied to image row y + i."),
        ],
        rtol=1e-5, atol=1e-6, verbose=verbose,
    )


# --- exercise 3: the convolution as a matrix -----------------------------------------------------

def _conv_matrix(kernel, H, W, *, flip=False, order="C"):
    """M of shape (OH·OW, H·W) with M @ image.ravel(order) == valid_xcorr(image).ravel(order)."""
    kernel = np.asarray(kernel, dtype=float)
    if flip:
        kernel = kernel[::-1, ::-1]
    kh, kw = kernel.shape
    oh, ow = H - kh + 1, W - kw + 1
    M = np.zeros((oh * ow, H * W))
    out_index = np.arange(oh * ow).reshape(oh, ow, order=order)
    in_index = np.arange(H * W).reshape(H, W, order=order)
    for y in range(oh):
        for z in range(ow):
            M[out_index[y, z], in_index[y : y + kh, z : z + kw].ravel()] = kernel.ravel()
    return M


def _same_matrix(kernel, H, W):
    kh, kw = np.shape(kernel)
    rows = []
    for k in range(H * W):
        e = np.zeros(H * W)
        e[k] = 1.0
        padded = np.pad(e.reshape(H, W), (((kh - 1) // 2, kh // 2), ((kw - 1) // 2, kw // 2)))
        rows.append(_xcorr2d(padded, np.asarray(kernel, dtype=float)).ravel())
    return np.array(rows).T


def _case_matrix(rng):
    H, W = int(rng.integers(3, 8)), int(rng.integers(3, 8))
    if H == W:  # non-square, so a transposed or Fortran-ordered answer is caught
        W += 1
    kh, kw = int(rng.integers(2, 4)), int(rng.integers(2, 4))
    return rng.normal(size=(kh, kw)), H, W


def _any_matrix(rng):
    """Any sizes the question allows: 1 ≤ kh ≤ H, 1 ≤ kw ≤ W."""
    H, W = int(rng.integers(1, 7)), int(rng.integers(1, 7))
    return rng.normal(size=(int(rng.integers(1, H + 1)), int(rng.integers(1, W + 1)))), H, W


def check_conv_matrix(fn, *, verbose: bool = True) -> Result:
    """``conv_matrix(kernel, H, W)``: the matrix M, shape ((H − kh + 1)(W − kw + 1), H·W),
    of the valid cross-correlation on H × W images: ``M @ image.ravel()`` equals
    ``conv2d_single(image, kernel).ravel()`` (NumPy's row-major order)."""
    return check_function(
        fn, _conv_matrix, cycle_cases(_case_matrix, _any_matrix),
        signature="conv_matrix(kernel, H, W)",
        mistakes=[
            Mistake(lambda k, H, W: _conv_matrix(k, H, W, flip=True),
                    "you flipped the kernel: that is the matrix of a true convolution. The "
                    "layer cross-correlates: row (y, z) holds kernel[i, j] at column "
                    "(y + i)·W + (z + j)."),
            Mistake(lambda k, H, W: _conv_matrix(k, H, W).T,
                    "you built the transpose: one row per *output* pixel, one column per "
                    "input pixel, so that M @ image.ravel() gives the output."),
            Mistake(lambda k, H, W: _conv_matrix(k, H, W, order="F"),
                    "you numbered the pixels column by column (Fortran order); "
                    "image.ravel() reads row by row: pixel (r, c) is entry r·W + c."),
            Mistake(_same_matrix,
                    "that is the matrix of a zero-padded ('same') convolution, H·W outputs; "
                    "the exercise asks for the valid one, (H − kh + 1)(W − kw + 1) outputs."),
        ],
        rtol=1e-5, atol=1e-6, verbose=verbose,
    )


# --- exercise 4: how many connections? -------------------------------------------------------------

def _axis_pairs(n, k, *, border=True):
    """Σ over the n outputs of one axis of the number of in-range inputs of its window (a
    'same' convolution: odd k, zero padding p = (k − 1)/2, stride 1)."""
    p = (k - 1) // 2
    if not border:
        return n * k
    return sum(min(o + p, n - 1) - max(o - p, 0) + 1 for o in range(n))


def _n_connections(H, W, k):
    return _axis_pairs(H, k) * _axis_pairs(W, k)


def _unclamped(H, W, k):
    """The closed form n·k − p(p + 1) per axis, right only when the axis is wider than p."""
    p = (k - 1) // 2
    return (H * k - p * (p + 1)) * (W * k - p * (p + 1))


_CONNECTION_MISTAKES = [
    Mistake(lambda H, W, k: H * W * k * k,
            "that counts every window position as k·k connections, including the ones that "
            "land on the zero padding. Padding pixels are not inputs: near the border a window "
            "sees fewer than k·k real pixels."),
    Mistake(lambda H, W, k: (H - k + 1) * (W - k + 1) * k * k,
            "that is the count for a valid convolution (windows entirely inside the image); "
            "this layer is zero-padded to keep the H × W size, so the border outputs count "
            "too, each with the pixels its window does cover."),
    Mistake(_unclamped,
            "your formula n·k − p(p + 1) per axis (p = (k − 1)/2) holds only when the axis is "
            "wider than p. On an axis of n ≤ p pixels every window reaches past both ends, so "
            "each of the n outputs sees all n inputs: n² pairs (for n = 1 and k = 7, one pair, "
            "where the formula gives 7 − 12 = −5). In general each window reaches "
            "m = min(p, n − 1) inputs to each side."),
    Mistake(lambda H, W, k: (H * k - ((k - 1) // 2) ** 2) * (W * k - ((k - 1) // 2) ** 2),
            "close: per axis, the windows at the two ends lose 1 + 2 + … + p = p(p + 1)/2 "
            "inputs each (p = (k − 1)/2), p(p + 1) in all, not p²."),
    Mistake(lambda H, W, k: H * W * k,
            "count both axes: each output sees up to k rows *and* k columns."),
]


def _draw_connections(rng, small):
    if not small:
        k = int(rng.choice([3, 5, 7, 9]))
        return int(rng.integers(k, 41)), int(rng.integers(k, 41)), k
    # one axis narrower than p = (k − 1)/2, where every window spans the whole axis (at n = p
    # the closed form of the wider axes happens to be right: n² = n·k − p(p + 1))
    k = int(rng.choice([5, 7, 9]))
    narrow, other = int(rng.integers(1, (k - 1) // 2)), int(rng.integers(1, 41))
    return (narrow, other, k) if rng.random() < 0.5 else (other, narrow, k)


def _distinct_connections(rng, small):
    # on wide images the closed form n·k − p(p + 1) is right: it need not differ there
    mistakes = [m for m in _CONNECTION_MISTAKES if small or m.fn is not _unclamped]
    for _ in range(1000):
        H, W, k = _draw_connections(rng, small)
        answers = [_n_connections(H, W, k)] + [m.fn(H, W, k) for m in mistakes]
        if len(set(answers)) == len(answers):
            return H, W, k
    raise RuntimeError("no case separates the mistakes")  # pragma: no cover


def _small_connections(rng):
    """An image narrower than the kernel's reach along one axis (H or W < p)."""
    return _distinct_connections(rng, small=True)


def _case_connections(rng):
    return _distinct_connections(rng, small=False)


def _any_connections(rng):
    """Any image and odd kernel the question allows, k = 1 and kernels wider than the image
    included."""
    return int(rng.integers(1, 41)), int(rng.integers(1, 41)), 2 * int(rng.integers(0, 8)) + 1


def check_n_connections(fn, *, verbose: bool = True) -> Result:
    """``n_connections(H, W, k)``: the number of (input pixel, output pixel) pairs that
    interact in a stride-1 k × k convolution (odd k) with zero padding (k − 1)/2 on an H × W
    image, i.e. the number of entries of its matrix that a kernel without zeros makes
    non-zero. Every third case has an axis narrower than p = (k − 1)/2, where the closed form
    n·k − p(p + 1) of the wider axes fails; every third draws from the whole domain (k = 1,
    images of one pixel)."""
    return check_function(
        fn, _n_connections, cycle_cases(_small_connections, _case_connections,
                                        _any_connections),
        signature="n_connections(H, W, k)", mistakes=_CONNECTION_MISTAKES,
        atol=0, rtol=0, n_cases=30, verbose=verbose,
    )
