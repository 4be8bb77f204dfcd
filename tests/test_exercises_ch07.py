"""Chapter 7 checkers accept the reference and reject known-wrong answers with their hint."""

import numpy as np
from checker_harness import checker_tests

from dlsg_utils.exercises.history import (
    check_complex_cell,
    check_gabor_kernel,
    check_preferred_orientation,
)


def _gabor(size, theta, wavelength, sigma, carrier=np.cos, y_sign=-1, normalise=True):
    r = np.arange(size) - (size - 1) / 2
    x, y = np.meshgrid(r, y_sign * r)
    u = x * np.cos(theta) + y * np.sin(theta)
    v = -x * np.sin(theta) + y * np.cos(theta)
    g = np.exp(-(u**2 + v**2) / (2 * sigma**2)) * carrier(2 * np.pi * v / wavelength)
    if not normalise:
        return g
    g = g - g.mean()
    return g / np.linalg.norm(g)


CASES = {
    check_gabor_kernel: (
        _gabor,
        [(lambda n, t, w, s: _gabor(n, np.deg2rad(t), w, s), "already in radians"),
         (lambda n, t, w, s: _gabor(n, t, w, s, carrier=np.sin), "sine carrier"),
         (lambda n, t, w, s: _gabor(n, t, w, s, normalise=False), "missing normalisation"),
         (lambda n, t, w, s: _gabor(n, t + np.pi / 2, w, s), "off by 90°"),
         (lambda n, t, w, s: _gabor(n, t, w, s, y_sign=1), "mirrored")],
    ),
    check_preferred_orientation: (
        lambda r, a: np.asarray(a)[np.argmax(r, axis=-1)],
        [(lambda r, a: np.asarray(a)[np.argmin(r, axis=-1)], "argmin"),
         (lambda r, a: np.argmax(r, axis=-1), "index of the peak"),
         (lambda r, a: np.max(r, axis=-1), "peak response"),
         (lambda r, a: np.asarray(a)[np.argmax(np.abs(r), axis=-1)], "no abs")],
    ),
    check_complex_cell: (
        lambda m: m.max(axis=(-2, -1)),
        [(lambda m: m.mean(axis=(-2, -1)), "averaged"),
         (lambda m: m.sum(axis=(-2, -1)), "summed"),
         (lambda m: m.max(axis=-1), "both position axes"),
         (lambda m: m.max(), "one max per cell")],
    ),
}


(test_checker_accepts_the_reference,
 test_checker_rejects_a_known_mistake_with_its_hint,
 test_checker_reports_a_wrong_signature_without_raising,
 test_checker_reports_an_unattempted_stub) = checker_tests(CASES)


def test_gabor_reference_prefers_its_own_orientation():
    """A cell built for θ responds more to a bar at θ than to bars at any other angle."""
    from dlsg_utils.exercises.history import _gabor_kernel

    size = 21
    r = np.arange(size) - (size - 1) / 2
    x, y = np.meshgrid(r, -r)
    angles = np.deg2rad(np.arange(0, 180, 15))
    bars = [np.clip(1.5 - np.abs(-x * np.sin(a) + y * np.cos(a)), 0, 1) for a in angles]
    for k, theta in enumerate(angles):
        g = _gabor_kernel(size, theta, 8.0, 3.5)
        assert abs(g.mean()) < 1e-12 and np.isclose(np.linalg.norm(g), 1.0)
        responses = [float((g * b).sum()) for b in bars]
        assert int(np.argmax(responses)) == k
