"""Checkers for chapter 5, "Visual demo: optimizers racing on 2-D surfaces"."""

from __future__ import annotations

import numpy as np

from . import Mistake, Result, check_function

__all__ = ["check_escape_steps", "check_final_distance", "check_saddle_gradient"]


# --- exercise 1: when does a run leave the saddle? --------------------------------------------

def _escape_steps(path, threshold):
    beyond = np.flatnonzero(np.abs(np.asarray(path)[:, 1]) > threshold)
    return int(beyond[0]) if beyond.size else -1


def _case_escape(rng):
    """A path (T, 2): x shrinks, |y| grows geometrically from a tiny offset (or stays small)."""
    T = int(rng.integers(5, 40))
    t = np.arange(T)
    x = rng.uniform(0.5, 3.0) * rng.uniform(0.6, 0.95) ** t
    y = rng.choice([-1.0, 1.0]) * rng.uniform(1e-4, 1e-2) * rng.uniform(1.2, 2.0) ** t
    path = np.column_stack([x, y])
    if rng.random() < 0.2:  # a run that never escapes: the answer is -1
        return path, float(2 * np.abs(y).max() + 1)
    return path, float(rng.uniform(0.2, 2.0))


def _first(mask):
    idx = np.flatnonzero(mask)
    return int(idx[0]) if idx.size else -1


def check_escape_steps(fn, *, verbose: bool = True) -> Result:
    """``escape_steps(path, threshold)``: the first step t with |y_t| > threshold, or −1."""
    return check_function(
        fn, _escape_steps, _case_escape, name="escape_steps",
        signature="escape_steps(path, threshold)",
        mistakes=[
            Mistake(lambda p, th: _first(np.abs(p[:, 1]) > th) + 1
                    if _first(np.abs(p[:, 1]) > th) >= 0 else -1,
                    "off by one: row 0 of the path is the start θ₀ (step 0), so the step "
                    "index is the row index itself."),
            Mistake(lambda p, th: _first(np.abs(p[:, 0]) > th),
                    "you looked at x (column 0); the escape direction is y, column 1."),
            Mistake(lambda p, th: int(np.sum(np.abs(p[:, 1]) > th)) or -1,
                    "you counted the steps beyond the threshold; return the index of the "
                    "first one."),
            Mistake(lambda p, th: _first(p[:, 1] > th),
                    "use |y|: a run can escape downwards (y < −threshold) as well."),
        ],
        verbose=verbose,
    )


# --- exercise 2: the gradient of the saddle ---------------------------------------------------

def _saddle_gradient(p):
    p = np.asarray(p, dtype=float)
    return np.array([2 * p[0], -2 * p[1]])


def _case_point(rng):
    return (rng.normal(0, 2, size=2),)


def check_saddle_gradient(fn, *, verbose: bool = True) -> Result:
    """``saddle_gradient(p)``: ∇(x² − y²) = (2x, −2y) at p = (x, y)."""
    return check_function(
        fn, _saddle_gradient, _case_point, name="saddle_gradient",
        signature="saddle_gradient(p)",
        mistakes=[
            Mistake(lambda p: np.array([2 * p[0], 2 * p[1]]),
                    "wrong sign on y: the surface is x² − y², so ∂f/∂y = −2y."),
            Mistake(lambda p: np.array([-2 * p[0], 2 * p[1]]),
                    "both signs flipped: that is −∇f, the direction a descent step moves."),
            Mistake(lambda p: np.array([p[0], -p[1]]),
                    "missing the factor 2 from differentiating the squares."),
            Mistake(lambda p: np.array([-2 * p[1], 2 * p[0]]),
                    "the components are swapped: return (∂f/∂x, ∂f/∂y)."),
        ],
        verbose=verbose,
    )


# --- exercise 3: how far from the minimum did a run end? ---------------------------------------

def _final_distance(path, minimum):
    return float(np.linalg.norm(np.asarray(path)[-1] - np.asarray(minimum)))


def _case_distance(rng):
    T = int(rng.integers(2, 30))
    return rng.normal(0, 2, size=(T, 2)), rng.normal(0, 2, size=2)


def check_final_distance(fn, *, verbose: bool = True) -> Result:
    """``final_distance(path, minimum)``: ‖θ_T − θ*‖ for the last point θ_T of the path."""
    return check_function(
        fn, _final_distance, _case_distance, name="final_distance",
        signature="final_distance(path, minimum)",
        mistakes=[
            Mistake(lambda p, m: float(np.sum((p[-1] - m) ** 2)),
                    "that is the squared distance: take the square root (np.linalg.norm)."),
            Mistake(lambda p, m: float(np.linalg.norm(p[0] - m)),
                    "you measured from the start, path[0]; the run ends at path[-1]."),
            Mistake(lambda p, m: float(np.sum(np.abs(p[-1] - m))),
                    "that is the L1 distance |Δx| + |Δy|; use the Euclidean one."),
            Mistake(lambda p, m: float(np.linalg.norm(p[-2] - m)),
                    "off by one: the last point is path[-1], not path[-2]."),
            Mistake(lambda p, m: np.linalg.norm(p - m, axis=1),
                    "return one number for the last point, not the distance of every point."),
        ],
        verbose=verbose,
    )
