"""Checkers for chapter 7, "From the visual cortex to ConvNets"."""

from __future__ import annotations

import numpy as np

from . import Mistake, Result, check_function

__all__ = [
    "check_complex_cell",
    "check_gabor_kernel",
    "check_preferred_orientation",
]


# --- exercise 1: a simple cell's receptive field -----------------------------------------------

def _gabor(size, theta, wavelength, sigma, *, carrier=np.cos, y_up=True, across=True,
           center=True, normalise=True):
    r = np.arange(size) - (size - 1) / 2
    x, y = np.meshgrid(r, -r if y_up else r)
    u = x * np.cos(theta) + y * np.sin(theta)  # along the preferred bar
    v = -x * np.sin(theta) + y * np.cos(theta)  # across it
    g = np.exp(-(u**2 + v**2) / (2 * sigma**2)) * carrier(2 * np.pi * (v if across else u)
                                                            / wavelength)
    if center:
        g = g - g.mean()
    return g / np.linalg.norm(g) if normalise else g


def _gabor_kernel(size, theta, wavelength, sigma):
    return _gabor(size, theta, wavelength, sigma)


def _case_gabor(rng):
    return (int(rng.integers(3, 12)) * 2 + 1, float(rng.uniform(0.1, np.pi - 0.1)),
            float(rng.uniform(3.0, 10.0)), float(rng.uniform(1.5, 5.0)))


def check_gabor_kernel(fn, *, verbose: bool = True) -> Result:
    """``gabor_kernel(size, theta, wavelength, sigma)``: the even (cosine) Gabor filter of the
    chapter, preferring bars at angle θ (radians, counter-clockwise, y up), zero mean, unit L2
    norm, shape (size, size)."""
    return check_function(
        fn, _gabor_kernel, _case_gabor, name="gabor_kernel",
        signature="gabor_kernel(size, theta, wavelength, sigma)",
        mistakes=[
            Mistake(lambda n, t, w, s: _gabor(n, np.deg2rad(t), w, s),
                    "theta is already in radians: do not convert it with np.deg2rad (or "
                    "np.pi / 180)."),
            Mistake(lambda n, t, w, s: _gabor(n, t, w, s, carrier=np.sin),
                    "you used a sine carrier: that is the odd (edge-detecting) phase. The "
                    "chapter's simple cell is the even, bar-shaped one: cos(2πv/λ)."),
            Mistake(lambda n, t, w, s: _gabor(n, t, w, s, center=False, normalise=False),
                    "missing normalisation: subtract the mean, then divide by the L2 norm "
                    "(np.linalg.norm), so every cell has the same gain."),
            Mistake(lambda n, t, w, s: _gabor(n, t, w, s, center=False),
                    "subtract the mean before dividing by the norm, so that a uniform image "
                    "gives zero response."),
            Mistake(lambda n, t, w, s: _gabor(n, t, w, s, normalise=False),
                    "zero mean is right, but divide by the L2 norm too (unit norm)."),
            Mistake(lambda n, t, w, s: _gabor(n, t, w, s, across=False),
                    "orientation off by 90°: the carrier must vary *across* the bar, along "
                    "v = −x·sinθ + y·cosθ, not along it."),
            Mistake(lambda n, t, w, s: _gabor(n, t, w, s, y_up=False),
                    "the image is mirrored: rows go down, so y must point up "
                    "(y = −(row − centre)) for θ to turn counter-clockwise."),
        ],
        verbose=verbose,
    )


# --- exercise 2: the preferred orientation -------------------------------------------------------

def _preferred_orientation(responses, angles):
    return np.asarray(angles)[np.argmax(responses, axis=-1)]


def _case_tuning(rng):
    n_angles = int(rng.integers(6, 37))
    angles = rng.uniform(0.3, 9.7) + np.arange(n_angles) * 180.0 / n_angles
    if rng.random() < 0.4:  # one cell, positive tuning curve
        return rng.uniform(0.0, 1.0, size=n_angles), angles
    n_cells = int(rng.integers(2, 9))
    responses = rng.uniform(0.0, 1.0, size=(n_cells, n_angles))
    dip = rng.random(n_cells) < 0.5  # some cells are strongly suppressed at one angle
    dip[:2] = True, False
    responses[dip, rng.integers(0, n_angles)] -= 2.0
    return responses, angles


def check_preferred_orientation(fn, *, verbose: bool = True) -> Result:
    """``preferred_orientation(responses, angles)``: responses (..., n_angles), angles
    (n_angles,) in degrees; returns the angle of the largest response of each cell."""
    return check_function(
        fn, _preferred_orientation, _case_tuning, name="preferred_orientation",
        signature="preferred_orientation(responses, angles)",
        mistakes=[
            Mistake(lambda r, a: np.asarray(a)[np.argmin(r, axis=-1)],
                    "you took the argmin: the preferred orientation is where the cell fires "
                    "*most*."),
            Mistake(lambda r, a: np.argmax(r, axis=-1),
                    "you returned the index of the peak, not the angle: index `angles` with "
                    "it."),
            Mistake(lambda r, a: np.max(r, axis=-1),
                    "you returned the peak response, not the angle at which it occurs."),
            Mistake(lambda r, a: np.asarray(a)[np.argmax(np.abs(r), axis=-1)],
                    "no abs: a strongly *negative* response means the cell is silenced, not "
                    "that it prefers that angle."),
            Mistake(lambda r, a: np.asarray(a)[np.argmax(r, axis=0)],
                    "take the argmax along the last axis (angles), one result per cell."),
        ],
        verbose=verbose,
    )


# --- exercise 3: a complex cell ------------------------------------------------------------------

def _complex_cell(response_map):
    return np.max(response_map, axis=(-2, -1))


def _case_map(rng):
    h, w = int(rng.integers(3, 12)), int(rng.integers(3, 12))
    shape = (h, w) if rng.random() < 0.4 else (int(rng.integers(2, 6)), h, w)
    return (rng.normal(size=shape),)


def check_complex_cell(fn, *, verbose: bool = True) -> Result:
    """``complex_cell(response_map)``: response_map (..., H, W) of one simple cell per leading
    index; returns the maximum over the two position axes, shape (...)."""
    return check_function(
        fn, _complex_cell, _case_map, name="complex_cell",
        signature="complex_cell(response_map)",
        mistakes=[
            Mistake(lambda m: np.mean(m, axis=(-2, -1)),
                    "you averaged over positions: averaging dilutes a single strong response "
                    "with all the empty positions. A complex cell takes the max."),
            Mistake(lambda m: np.sum(m, axis=(-2, -1)),
                    "you summed over positions: the answer would grow with the image size. A "
                    "complex cell takes the max."),
            Mistake(lambda m: np.max(m, axis=-1),
                    "max over both position axes (H and W), not only the last one: "
                    "axis=(-2, -1)."),
            Mistake(lambda m: np.max(m),
                    "one max per cell: with a stack of maps (C, H, W), reduce only the last "
                    "two axes, axis=(-2, -1), so the result has shape (C,)."),
            Mistake(lambda m: np.max(np.abs(m), axis=(-2, -1)),
                    "no abs: the complex cell pools the simple cell's responses as they are "
                    "(negative means silent)."),
        ],
        verbose=verbose,
    )
