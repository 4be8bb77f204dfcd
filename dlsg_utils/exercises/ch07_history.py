"""Checkers for chapter 7, "From the visual cortex to ConvNets"."""

from __future__ import annotations

import functools

import numpy as np

from .engine import Mistake, Result, check_function, cycle_cases

__all__ = [
    "check_gabor_kernel",
    "check_preferred_orientation",
    "check_vgg_parameters",
]


# --- exercise 1 (warm-up): a simple cell's receptive field -------------------------------------

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


def _any_gabor(rng):
    """Any odd size from 3 and any angle in radians: 0, π/2, negative and beyond π too."""
    theta = float(rng.choice([0.0, np.pi / 2, np.pi, rng.uniform(-2 * np.pi, 2 * np.pi)]))
    return (2 * int(rng.choice([1, 1, 2, int(rng.integers(3, 12))])) + 1, theta,
            float(rng.uniform(2.0, 12.0)),
            float(rng.uniform(0.8, 6.0)))


def check_gabor_kernel(fn, *, verbose: bool = True) -> Result:
    """``gabor_filter(size, theta, wavelength, sigma)``: the even (cosine) Gabor filter of the
    chapter, preferring bars at angle θ (radians, counter-clockwise, y up), zero mean, unit L2
    norm, shape (size, size).

    The tolerance (rtol 1e-4, atol 1e-6 on entries of a unit-norm kernel) accepts an answer
    computed in float32; every listed mistake changes entries by far more."""
    return check_function(
        fn, _gabor_kernel, cycle_cases(_case_gabor, _any_gabor),
        signature="gabor_filter(size, theta, wavelength, sigma)",
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
        rtol=1e-4, atol=1e-6, verbose=verbose,
    )


# --- exercise 2: the preferred orientation, between the samples ----------------------------------

def _circular_mean(responses, angles, *, double=True, halve=True, arctan2=True, degrees=True):
    """Response-weighted circular mean of orientations (degrees, period 180°)."""
    responses = np.asarray(responses, dtype=float)
    factor = 2.0 if double else 1.0
    a = np.deg2rad(factor * np.asarray(angles, dtype=float))
    c, s = (responses * np.cos(a)).sum(-1), (responses * np.sin(a)).sum(-1)
    phi = np.arctan2(s, c) if arctan2 else np.arctan(s / c)
    phi = phi / factor if halve else phi
    return np.rad2deg(phi) % 180.0 if degrees else phi


def _preferred_orientation(responses, angles):
    return _circular_mean(responses, angles)


def _on_the_circle(value):
    """An orientation θ (degrees) as the point (cos 2θ, sin 2θ): θ and θ + 180° coincide, so
    any representative of the answer (e.g. −10° or 170°) compares equal."""
    t = np.deg2rad(2.0 * np.asarray(_as_numpy(value), dtype=float))
    return np.stack([np.cos(t), np.sin(t)], axis=-1)


def _as_numpy(value):
    return value.detach().cpu().numpy() if hasattr(value, "detach") else value


def _circle(fn):
    """``fn`` with its answer mapped onto the orientation circle (same signature)."""
    @functools.wraps(fn)
    def mapped(*args):
        out = fn(*args)
        return None if out is None else _on_the_circle(out)
    return mapped


def _case_tuning(rng):
    n_angles = int(rng.integers(8, 37))
    angles = rng.uniform(0.0, 180.0 / n_angles) + np.arange(n_angles) * 180.0 / n_angles
    shape = (n_angles,) if rng.random() < 0.4 else (int(rng.integers(2, 7)), n_angles)
    pref = rng.uniform(0.0, 180.0, size=shape[:-1] + (1,))
    kappa = rng.uniform(1.0, 6.0, size=shape[:-1] + (1,))
    tuning = np.exp(kappa * (np.cos(np.deg2rad(2 * (angles - pref))) - 1))
    responses = np.maximum(0.0, tuning + rng.normal(0.0, 0.05, size=shape))
    return responses, angles


def _any_tuning(rng):
    """Few angles (down to 2), broad tuning, up to two leading axes of cells."""
    n_angles = int(rng.integers(2, 8))
    angles = rng.uniform(0.0, 180.0 / n_angles) + np.arange(n_angles) * 180.0 / n_angles
    shape = tuple(int(n) for n in rng.integers(1, 4, size=int(rng.integers(0, 3)))) + (n_angles,)
    pref = rng.uniform(0.0, 180.0, size=shape[:-1] + (1,))
    tuning = np.exp(rng.uniform(0.5, 4.0) * (np.cos(np.deg2rad(2 * (angles - pref))) - 1))
    return np.maximum(0.0, tuning + rng.normal(0.0, 0.05, size=shape)), angles


def check_preferred_orientation(fn, *, verbose: bool = True) -> Result:
    """``preferred_orientation(responses, angles)``: responses (..., n_angles) ≥ 0, angles
    (n_angles,) in degrees covering 180°; returns the response-weighted circular mean
    orientation in degrees, shape ``responses.shape[:-1]``. Orientations are compared modulo
    180° (as the point (cos 2θ, sin 2θ)), so every representative of the answer is accepted."""
    if not callable(fn):
        return check_function(fn, _preferred_orientation, _case_tuning,
                              signature="preferred_orientation(responses, angles)",
                              verbose=verbose)
    wrong = [
        (lambda r, a: np.asarray(a)[np.argmax(r, axis=-1)],
         "that is the argmax, one of the sampled angles. The exercise asks for the "
         "response-weighted circular mean, which can fall between the samples."),
        (lambda r, a: _circular_mean(r, a, double=False, halve=False),
         "orientation repeats every 180°, not 360°: a bar at 10° and one at 190° are the "
         "same bar, but as unit vectors they point in opposite directions and cancel. "
         "Double the angles before summing the vectors, and halve the angle of the sum."),
        (lambda r, a: _circular_mean(r, a, halve=False),
         "doubling the angles is right, but halve the angle of the summed vector at the end."),
        (lambda r, a: _circular_mean(r, a, arctan2=False),
         "np.arctan(S / C) loses the quadrant (it cannot tell (C, S) from (−C, −S)): use "
         "np.arctan2(S, C)."),
        (lambda r, a: _circular_mean(r, a, degrees=False),
         "return degrees, like the input angles (np.rad2deg)."),
        (lambda r, a: np.broadcast_to(np.mean(a), np.shape(r)[:-1]),
         "you averaged the angles without weighting them by the responses."),
    ]
    return check_function(
        _circle(fn), _circle(_preferred_orientation), cycle_cases(_case_tuning, _any_tuning),
        signature="preferred_orientation(responses, angles)",
        mistakes=[Mistake(_circle(w), hint) for w, hint in wrong],
        rtol=0, atol=1e-6, verbose=verbose,
    )


# --- exercise 3: counting VGG ---------------------------------------------------------------------

def _vgg(config, image_size, hidden, n_classes, *, biases=True, pooled=True, in_channels=3,
         n_fc=3, convs=True):
    channels, size, n = in_channels, image_size, 0
    for v in config:
        if v == "M":
            size = size // 2 if pooled else size
        else:
            n += (9 * channels * v + (v if biases else 0)) if convs else 0
            channels = v
    widths = [channels * size * size] + [hidden] * (n_fc - 1) + [n_classes]
    for fan_in, fan_out in zip(widths[:-1], widths[1:], strict=True):
        n += fan_in * fan_out + (fan_out if biases else 0)
    return n


def _vgg_parameters(config, image_size, hidden, n_classes):
    return _vgg(config, image_size, hidden, n_classes)


_VGG_MISTAKES = [
    Mistake(lambda c, i, h, k: _vgg(c, i, h, k, biases=False),
            "every convolution and every fully connected layer has a bias too: one per "
            "output channel or unit."),
    Mistake(lambda c, i, h, k: _vgg(c, i, h, k, pooled=False),
            "each 'M' halves the height and the width of the maps, so the first fully "
            "connected layer sees channels × (image_size / 2^(number of 'M'))², not the full "
            "image size."),
    Mistake(lambda c, i, h, k: _vgg(c, i, h, k, in_channels=1),
            "the input is an RGB image: the first convolution has 3 input channels."),
    Mistake(lambda c, i, h, k: _vgg(c, i, h, k, n_fc=2),
            "VGG has three fully connected layers: flattened maps → hidden → hidden → "
            "n_classes."),
    Mistake(lambda c, i, h, k: _vgg(c, i, h, k, convs=False),
            "you left out the convolutions: their 3 × 3 × C_in × C_out weights (plus biases) "
            "count too."),
]


def _case_vgg(rng):
    for _ in range(1000):
        blocks = int(rng.integers(1, 4))
        config = []
        for _ in range(blocks):
            config += [int(rng.choice([4, 8, 12, 16, 24]))] * int(rng.integers(1, 3)) + ["M"]
        image_size = 2 ** blocks * int(rng.integers(1, 4))
        case = (config, image_size, int(rng.integers(8, 40)), int(rng.integers(2, 12)))
        answers = [_vgg_parameters(*case)] + [m.fn(*case) for m in _VGG_MISTAKES]
        if len(set(answers)) == len(answers):
            return case
    raise RuntimeError("no case separates the mistakes")  # pragma: no cover


def _any_vgg(rng):
    """Any configuration: pools first or in a row, no pool at all, sizes that pooling halves
    with a remainder (floored, as MaxPool2d does), one hidden unit."""
    config = ["M" if rng.random() < 0.3 else int(rng.integers(1, 20))
              for _ in range(int(rng.integers(1, 7)))]
    n_pools = config.count("M")
    image_size = 2**n_pools + int(rng.integers(0, 2**n_pools * 3))
    return config, image_size, int(rng.integers(1, 40)), int(rng.integers(1, 12))


def check_vgg_parameters(fn, *, verbose: bool = True) -> Result:
    """``vgg_parameters(config, image_size, hidden, n_classes)``: the number of weights and
    biases of a VGG-style network: 3 input channels; each int in ``config`` a 3×3 convolution
    (stride 1, padding 1, with bias) to that many channels; each ``"M"`` a 2×2 max-pool with
    stride 2; then three fully connected layers (flattened maps → hidden → hidden →
    n_classes), with biases."""
    return check_function(
        fn, _vgg_parameters, cycle_cases(_case_vgg, _any_vgg),
        signature="vgg_parameters(config, image_size, hidden, n_classes)",
        mistakes=_VGG_MISTAKES, atol=0, rtol=0, n_cases=30, verbose=verbose,
    )
