r"""Test surfaces for optimizers: value, analytic gradient, known minima, plot bounds, a start.

A :class:`Surface` is evaluated two ways::

    ROSENBROCK(X, Y)       # one array per coordinate, broadcast: a meshgrid for contour plots
    ROSENBROCK(p)          # one array whose last axis holds the coordinates: p (2,) or (N, 2)
    ROSENBROCK.grad(p)     # the analytic gradient, same shape as p

The 2-D surfaces are the classic ones (Beale, Rosenbrock, Himmelblau, Booth, a saddle);
:data:`RASTRIGIN` and :func:`quadratic` work in any dimension ``n``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["BEALE", "BOOTH", "HIMMELBLAU", "RASTRIGIN", "ROSENBROCK", "SADDLE", "SURFACES",
           "Surface", "quadratic"]


@dataclass(frozen=True, eq=False, repr=False)
class Surface:
    """A function :math:`J: \\mathbb{R}^n \\to \\mathbb{R}` with what a demo needs to know about it.

    * ``name``, ``formula`` (LaTeX, for titles and text);
    * ``value_fn(x, y, ...)``: :math:`J` on one array per coordinate, elementwise;
    * ``grad_fn(x, y, ...)``: the partial derivatives, one per coordinate;
    * ``hessian_fn(x, y, ...)``: rows of second derivatives, or ``None`` if not provided;
    * ``minima``: the known minimisers as tuples (empty if none), ``min_value`` :math:`J^*`
      (``None`` if unbounded below);
    * ``bounds``: ``((x_lo, x_hi), (y_lo, y_hi))`` for a contour plot; ``start``: a suggested
      starting point (a read-only array); ``dim``: the number of coordinates (``None``: any);
    * ``stacked``: if True the three ``*_fn`` take one array ``X (..., n)`` instead and return
      ``J (...)``, ``grad (..., n)`` and ``hessian (..., n, n)`` (faster for matrix formulas).

    Call the surface's methods, not the ``*_fn`` fields: they check and convert the input.
    """

    name: str
    formula: str
    value_fn: Callable
    grad_fn: Callable
    minima: tuple[tuple[float, ...], ...]
    min_value: float | None
    bounds: tuple[tuple[float, float], tuple[float, float]]
    start: np.ndarray
    dim: int | None = 2
    hessian_fn: Callable | None = None
    stacked: bool = False

    def __post_init__(self) -> None:
        start = np.array(self.start, dtype=float)
        start.setflags(write=False)  # a shared constant: copy it before changing it
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "minima", tuple(tuple(float(c) for c in m) for m in self.minima))
        object.__setattr__(self, "bounds", tuple(tuple(float(c) for c in b) for b in self.bounds))

    def _points(self, args: tuple) -> np.ndarray:
        """The input as one float array ``(..., n)``: coordinates along the last axis."""
        if len(args) == 1:
            X = np.asarray(args[0], dtype=float)
            if X.ndim == 0 or (self.dim is not None and X.shape[-1] != self.dim):
                want = f"(..., {self.dim})" if self.dim else "(..., n)"
                raise ValueError(f"{self.name}: a point must have shape {want}, got {X.shape}")
            return X
        if self.dim is not None and len(args) != self.dim:
            raise ValueError(f"{self.name} takes {self.dim} coordinate arrays (or one array of "
                             f"points), got {len(args)}")
        return np.stack(np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in args)), -1)

    def _apply(self, fn: Callable, X: np.ndarray):
        return fn(X) if self.stacked else fn(*(X[..., i] for i in range(X.shape[-1])))

    def __call__(self, *coords: object) -> np.ndarray:
        """:math:`J` at ``(x, y)`` (arrays, broadcast) or at points ``p`` of shape ``(..., n)``."""
        return np.asarray(self._apply(self.value_fn, self._points(coords)))[()]

    value = __call__

    def grad(self, p: object) -> np.ndarray:
        """:math:`\\nabla J(p)` for a point ``p`` of shape ``(n,)`` (or points ``(..., n)``)."""
        X = self._points((p,))
        if self.stacked:
            return np.asarray(self.grad_fn(X), dtype=float)
        out = np.empty(X.shape)
        for i, component in enumerate(self._apply(self.grad_fn, X)):
            out[..., i] = component
        return out

    def hessian(self, p: object) -> np.ndarray:
        """The Hessian at ``p`` ``(n,)``: an ``(n, n)`` array (``(..., n, n)`` for points)."""
        if self.hessian_fn is None:
            raise NotImplementedError(f"{self.name} has no analytic Hessian here")
        X = self._points((p,))
        if self.stacked:
            return np.broadcast_to(self.hessian_fn(X), X.shape + X.shape[-1:]).astype(float)
        out = np.empty(X.shape + X.shape[-1:])
        for i, row in enumerate(self._apply(self.hessian_fn, X)):
            for j, entry in enumerate(row):
                out[..., i, j] = entry
        return out

    def __repr__(self) -> str:
        return f"<Surface {self.name}: minima {list(self.minima)}, min_value {self.min_value}>"


# --- Beale: a flat plateau and steep sharp corners ----------------------------------------------

def _beale(x, y):
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2


def _beale_grad(x, y):
    a, b, c = 1.5 - x + x * y, 2.25 - x + x * y**2, 2.625 - x + x * y**3
    return (2 * a * (y - 1) + 2 * b * (y**2 - 1) + 2 * c * (y**3 - 1),
            2 * a * x + 4 * b * x * y + 6 * c * x * y**2)


BEALE = Surface(
    "Beale", r"(1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2",
    _beale, _beale_grad, minima=[(3.0, 0.5)], min_value=0.0,
    bounds=((-4.5, 4.5), (-4.5, 4.5)), start=(3.0, 4.0))
"""Beale's function: minimum 0 at (3, 0.5). From the start (3, 4) too much momentum
overshoots into the steep corner."""


# --- Rosenbrock: a long curved valley -----------------------------------------------------------

ROSENBROCK = Surface(
    "Rosenbrock", r"(1 - x)^2 + 100\,(y - x^2)^2",
    lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
    lambda x, y: (-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)),
    minima=[(1.0, 1.0)], min_value=0.0, bounds=((-2.0, 2.0), (-1.0, 3.0)), start=(-1.5, 2.0),
    hessian_fn=lambda x, y: ((2 - 400 * (y - x**2) + 800 * x**2, -400 * x), (-400 * x, 200)))
"""Rosenbrock's banana: minimum 0 at (1, 1), at the end of a curved, flat-bottomed valley."""


# --- Himmelblau: four minima of equal depth ----------------------------------------------------

HIMMELBLAU = Surface(
    "Himmelblau", r"(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
    lambda x, y: (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2,
    lambda x, y: (4 * x * (x**2 + y - 11) + 2 * (x + y**2 - 7),
                  2 * (x**2 + y - 11) + 4 * y * (x + y**2 - 7)),
    minima=[(3.0, 2.0), (-2.805118086952745, 3.131312518250573),
            (-3.779310253377747, -3.2831859912861696), (3.5844283403304917, -1.8481265269644034)],
    min_value=0.0, bounds=((-5.0, 5.0), (-5.0, 5.0)), start=(0.0, 0.0),
    hessian_fn=lambda x, y: ((12 * x**2 + 4 * y - 42, 4 * x + 4 * y),
                             (4 * x + 4 * y, 4 * x + 12 * y**2 - 26)))
"""Himmelblau's function: four minima with value 0 (to 16 digits, by Newton's method) and a
local maximum f = 181.6165 at (-0.270845, -0.923039); which minimum a method reaches
depends on the start."""


# --- Booth: a quadratic in disguise ------------------------------------------------------------

BOOTH = Surface(
    "Booth", r"(x + 2y - 7)^2 + (2x + y - 5)^2",
    lambda x, y: (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2,
    lambda x, y: (2 * (x + 2 * y - 7) + 4 * (2 * x + y - 5),
                  4 * (x + 2 * y - 7) + 2 * (2 * x + y - 5)),
    minima=[(1.0, 3.0)], min_value=0.0, bounds=((-10.0, 10.0), (-10.0, 10.0)), start=(-8.0, 8.0),
    hessian_fn=lambda x, y: ((10, 8), (8, 10)))
"""Booth's function: minimum 0 at (1, 3); constant Hessian [[10, 8], [8, 10]] with eigenvalues
2 and 18 (κ = 9), so gradient descent is stable for η < 2/18 and best at η = 0.1 (rate 0.8)."""


# --- a saddle ------------------------------------------------------------------------------------

SADDLE = Surface(
    "Saddle", r"x^2 - y^2",
    lambda x, y: x**2 - y**2, lambda x, y: (2 * x, -2 * y),
    minima=[], min_value=None, bounds=((-2.0, 2.0), (-2.0, 2.0)), start=(1.0, 1e-3),
    hessian_fn=lambda x, y: ((2, 0), (0, -2)))
"""The saddle x² − y²: no minimum (unbounded below along y). Gradient descent shrinks x by
1 − 2η and grows y by 1 + 2η per step. Started exactly on y = 0 no method ever leaves the line
(the y-gradient stays 0) and all converge to the saddle point; the start's tiny offset
y = 1e-3 shows how long escaping takes."""


# --- Rastrigin: many local minima, any dimension -------------------------------------------------

def _rastrigin(*xs):
    return 10 * len(xs) + sum(x**2 - 10 * np.cos(2 * np.pi * x) for x in xs)


RASTRIGIN = Surface(
    "Rastrigin", r"10n + \sum_i \left(x_i^2 - 10\cos 2\pi x_i\right)",
    _rastrigin, lambda *xs: tuple(2 * x + 20 * np.pi * np.sin(2 * np.pi * x) for x in xs),
    minima=[(0.0, 0.0)], min_value=0.0, bounds=((-5.12, 5.12), (-5.12, 5.12)),
    start=(-4.3, 3.7), dim=None,
    hessian_fn=lambda *xs: tuple(
        tuple(2 + 40 * np.pi**2 * np.cos(2 * np.pi * x) if i == j else 0
              for j in range(len(xs))) for i, x in enumerate(xs)))
"""Rastrigin's function in any dimension n (the point's length): global minimum 0 at the
origin, a local minimum near every integer point. ``minima``, ``bounds`` and ``start`` are
those of the 2-D view."""


# --- quadratics ---------------------------------------------------------------------------------

def quadratic(A: Sequence | np.ndarray, b: Sequence | np.ndarray | None = None, *,
              name: str = "Quadratic", bounds=None, start=None) -> Surface:
    r"""The quadratic :math:`J(\theta) = \tfrac12 \theta^\top A \theta - b^\top \theta`.

    ``A``: ``(n, n)`` symmetric positive definite; ``b``: ``(n,)`` (default zeros). Gradient
    :math:`A\theta - b`, Hessian :math:`A`, unique minimum :math:`\theta^* = A^{-1} b` with
    value :math:`-\tfrac12 b^\top A^{-1} b`. Default ``bounds``: the minimum ± 2 in the first
    two coordinates; default ``start``: the minimum + 1 in every coordinate.
    """
    A = np.array(A, dtype=float)
    if A.ndim != 2 or A.shape[0] != A.shape[1] or A.shape[0] == 0:
        raise ValueError(f"A must be a square (n, n) matrix, got shape {A.shape}")
    if not np.all(np.isfinite(A)):
        raise ValueError("A must be finite, got inf or nan entries")
    if not np.allclose(A, A.T, rtol=1e-10, atol=1e-12 * np.abs(A).max()):
        raise ValueError(f"A must be symmetric, got max |A - A.T| = {np.abs(A - A.T).max():.3g}")
    A = (A + A.T) / 2
    smallest = np.linalg.eigvalsh(A)[0]
    if not smallest > 0:
        raise ValueError(f"A must be positive definite, got smallest eigenvalue {smallest:.6g}")
    n = A.shape[0]
    b = np.zeros(n) if b is None else np.array(b, dtype=float)
    if b.shape != (n,):
        raise ValueError(f"b must have shape ({n},) to match A, got {b.shape}")
    A.setflags(write=False)
    b.setflags(write=False)
    x_star = np.linalg.solve(A, b)

    def value(X):
        return 0.5 * np.einsum("...i,ij,...j->...", X, A, X) - X @ b

    c = x_star[:2] if n >= 2 else np.r_[x_star, 0.0]
    default_bounds = ((c[0] - 2, c[0] + 2), (c[1] - 2, c[1] + 2))
    return Surface(name, r"\tfrac12 \theta^\top A \theta - b^\top \theta",
                   value, lambda X: X @ A - b,  # A is symmetric: (A x)^T = x^T A
                   minima=[tuple(x_star)], min_value=float(-0.5 * b @ x_star),
                   bounds=default_bounds if bounds is None else bounds,
                   start=x_star + 1 if start is None else start, dim=n,
                   hessian_fn=lambda X: A, stacked=True)


SURFACES: dict[str, Surface] = {s.name: s for s in
                                (BEALE, ROSENBROCK, HIMMELBLAU, BOOTH, SADDLE, RASTRIGIN)}
"""Name → surface, for menus and loops."""
