"""What the lab runs, in Python: its surfaces (chapter 3's ravine, turned and stretched, and the
test surfaces), the optimizer a name and settings stand for, and the path
``window.dlsgLab.trajectory`` must return (the browser tests compare the two)."""

from __future__ import annotations

import inspect
import math
from collections.abc import Mapping, Sequence

import numpy as np

from ..checks import check_real
from ..functions import BEALE, BOOTH, HIMMELBLAU, ROSENBROCK, SADDLE, Surface, quadratic
from ..optim import OPTIMIZERS, run

__all__ = ["LAB_SURFACES", "lab_optimizer", "lab_surface", "ravine", "ravine_matrix", "reference_trajectory"]


LAB_SURFACES = ("Ravine", "Beale", "Rosenbrock", "Himmelblau", "Saddle", "Booth")
"""The surfaces the lab offers, in the order of its menu."""


_FIXED = {"Beale": BEALE, "Rosenbrock": ROSENBROCK, "Himmelblau": HIMMELBLAU, "Saddle": SADDLE,
          "Booth": BOOTH}


_RAVINE_START = (-10.0, 1.0)


_RAVINE_BOUNDS = ((-11.0, 11.0), (-8.25, 8.25))


def ravine_matrix(kappa: float = 100.0, angle: float = 0.0) -> np.ndarray:
    """A = R diag(1, κ) Rᵀ, R the rotation by ``angle`` degrees: the ravine's Hessian.

    The entries are computed with the same operations as the lab's JavaScript:
    ``c² + κ s²``, ``(1 − κ) c s``, ``s² + κ c²`` with ``c, s = cos, sin(angle · π/180)``.
    """
    kappa = check_real("kappa", kappa, min=1, max=1e6)
    angle = check_real("angle", angle, min=-360, max=360)
    phi = angle * (math.pi / 180)
    c, s = math.cos(phi), math.sin(phi)
    a00, a01, a11 = c * c + kappa * (s * s), (1 - kappa) * c * s, s * s + kappa * (c * c)
    return np.array([[a00, a01], [a01, a11]])


def ravine(kappa: float = 100.0, angle: float = 0.0) -> Surface:
    r"""The ravine of chapters 3-4 as a :class:`~dlsg_utils.functions.Surface`.

    :math:`J(\theta) = \tfrac12 \theta^\top A \theta` with ``A = ravine_matrix(kappa, angle)``:
    curvature 1 along the valley floor, κ across it (the condition number), the valley turned by
    ``angle`` degrees. Unrotated (``angle=0``) it is chapter 3's ``quadratic(diag(1, 100))``;
    start R(−10, 1), far out along the floor; bounds x ∈ [−11, 11], y ∈ [−8.25, 8.25].
    """
    A = ravine_matrix(kappa, angle)
    phi = float(angle) * (math.pi / 180)
    c, s = math.cos(phi), math.sin(phi)
    x0, y0 = _RAVINE_START
    return quadratic(A, np.zeros(2), name="Ravine", bounds=_RAVINE_BOUNDS,
                     start=(x0 * c - y0 * s, x0 * s + y0 * c))


def _canonical(what: str, name: object, known: tuple[str, ...]) -> str:
    """The entry of ``known`` that ``name`` spells in any case, else a ValueError naming ``what``."""
    if isinstance(name, str):
        for k in known:
            if k.lower() == name.lower():
                return k
    raise ValueError(f"{what} must be one of {', '.join(known)}; got {name!r}")


def _surface_name(name: object) -> str:
    return _canonical("surface", name, LAB_SURFACES)


def lab_surface(surface: str | Mapping = "Beale", *, kappa: float = 100.0,
                angle: float = 0.0) -> Surface:
    """The :mod:`dlsg_utils.functions` surface the lab calls ``surface``.

    ``surface``: a name from :data:`LAB_SURFACES` (any case) or a dict like the JavaScript's
    ``{"name": "Ravine", "kappa": 10, "angle": 30}`` or ``{"A": [[a, b], [b, c]], "b": [..]}``.
    """
    if isinstance(surface, Mapping):
        if "A" in surface:
            return quadratic(surface["A"], surface.get("b"))
        kappa, angle = surface.get("kappa", kappa), surface.get("angle", angle)
        surface = surface.get("name")
    name = _surface_name(surface)
    return ravine(kappa, angle) if name == "Ravine" else _FIXED[name]


def _optimizer_name(name: object) -> str:
    return _canonical("optimizer", name, tuple(OPTIMIZERS))


def _params(name: str) -> list[str]:
    return list(inspect.signature(OPTIMIZERS[name]).parameters)


_LAB_KEYS = {"RMSProp": {"rho": "decay"}}


def _hyper_kwargs(name: str, hyper: Mapping | None) -> dict:
    """The constructor arguments of ``name``: keys of ``hyper`` it takes, then ``hyper[name]``."""
    hyper = dict(hyper or {})
    own = hyper.get(name, {})
    out = {}
    for param in _params(name):
        key = _LAB_KEYS.get(name, {}).get(param, param)
        if key in own:
            out[param] = own[key]
        elif key in hyper:
            out[param] = hyper[key]
    return out


def lab_optimizer(optimizer: str, hyper: Mapping | None = None):
    """The :mod:`dlsg_utils.optim` optimizer the lab runs as ``optimizer`` with ``hyper``: the
    keys of ``hyper`` its constructor takes, overridden by ``hyper[optimizer]`` (a dict) if
    present; the rest keep the class defaults."""
    name = _optimizer_name(optimizer)
    return OPTIMIZERS[name](**_hyper_kwargs(name, hyper))


def reference_trajectory(surface: str | Mapping = "Beale", optimizer: str = "SGD",
                         hyper: Mapping | None = None, start: Sequence[float] | None = None,
                         steps: int = 100) -> np.ndarray:
    """What ``window.dlsgLab.trajectory(...)`` computes, in Python: ``(steps + 1, 2)``.

    ``dlsg_utils.optim.run(lab_optimizer(optimizer, hyper), surface.grad, start, steps)`` with
    the surface of :func:`lab_surface`. ``start``
    defaults to the surface's. Diverging runs fill the path with inf/NaN, silently.
    """
    surf = lab_surface(surface)
    opt = lab_optimizer(optimizer, hyper)
    x0 = surf.start if start is None else np.asarray(start, dtype=float)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return run(opt, surf.grad, x0, steps)
