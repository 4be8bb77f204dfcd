r"""Live explorables for the static book: the optimizer lab and the convolution explorer.

Both are small dependency-free JavaScript programs shipped in this package
(``optimizer_lab.js``, ``conv_explorer.js``, ``lab.css``). The functions here return an
``IPython.display.HTML`` object with the script *inlined*, so the same cell works in the HTML
book (no kernel, no network), in Jupyter and in Colab::

    from dlsg_utils.lab import conv_explorer, optimizer_lab
    optimizer_lab("Ravine", ["SGD", "Momentum", "Nesterov"], hyper={"lr": 0.01, "gamma": 0.9})
    conv_explorer(n=6, k=3, s=2, p=1)

Each call makes its own root element; the script defines ``window.dlsgLab`` (``window.dlsgConv``)
once per page, so several instances can share a page.

How this lab computes
---------------------
``window.dlsgLab.trajectory({surface, optimizer, hyper, start, steps})`` returns the points
θ₀, …, θ_steps as ``[[x, y], ...]``: the path :func:`dlsg_utils.optim.run` returns for
``OPTIMIZERS[optimizer](**hyper)`` from ``start`` on the surface's analytic gradient
(:func:`reference_trajectory` is that Python call). Each rule is written with the same float64
operations in the same order as the ``_update`` method of its class, one gradient call per step
(Nesterov's at the look-ahead point), state starting at 0, ``t`` counting from 1:

- SGD (:class:`~dlsg_utils.optim.SGD`, chapter 1): θ ← θ − ηg
- Momentum (chapter 3): v ← γv + ηg, θ ← θ − v
- Nesterov (chapter 3): v ← γv + η∇J(θ − γv), θ ← θ − v
- Adagrad (chapter 4): G ← G + g², θ ← θ − ηg/(√G + ε)
- RMSProp (chapter 4): E ← ρE + (1 − ρ)g², θ ← θ − ηg/(√E + ε), with ρ = ``rho`` (the lab's
  control ``decay``, separate from AdaDelta's ρ)
- AdaDelta (chapter 4): E[g²] ← ρE[g²] + (1 − ρ)g², Δ = −√(E[Δ²] + ε)/√(E[g²] + ε)·g,
  E[Δ²] ← ρE[Δ²] + (1 − ρ)Δ², θ ← θ + Δ (no η)
- Adam (chapter 4): m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², m̂ = m/(1 − β₁ᵗ),
  v̂ = v/(1 − β₂ᵗ), θ ← θ − ηm̂/(√v̂ + ε) (``bias_correction=False``: m, v for m̂, v̂)
- AdamW (chapter 4): θ ← θ(1 − ηλ), then the Adam step
- AdaMax (chapter 4): u ← max(β₂u, abs(g) + ε), θ ← θ − η/(1 − β₁ᵗ)·m/u
- Nadam (chapter 4): θ ← θ − η/(√v̂ + ε)·(β₁m̂ + (1 − β₁)g/(1 − β₁ᵗ))
- AMSGrad (chapter 4): v̂ ← max(v̂, v), θ ← θ − ηm/(√v̂ + ε) (no bias correction)

each the ``_update`` of the class of that name in :mod:`dlsg_utils.optim` (g = ∇J(θ), per
coordinate; the docstring of each class has its equation and its PyTorch counterpart).

The surfaces are those of :mod:`dlsg_utils.functions` (``BEALE``, ``ROSENBROCK``,
``HIMMELBLAU``, ``SADDLE``, ``BOOTH``) with the same gradient expressions, and the ravine of
chapters 3-4, :func:`ravine`: ``quadratic(R diag(1, κ) Rᵀ)`` with R the rotation by ``angle``
degrees, whose gradient ``θ @ A`` is computed as NumPy does.
``tests/browser/test_lab_in_browser.py`` checks every optimizer on every surface over a grid of
hyper-parameters and starts against :func:`reference_trajectory`: difference ≤ 1e-12 relative
to max(1, ‖θ‖), except in chaotic runs (Adam-like methods hovering around a minimum with large
steps), which amplify the last-bit differences between any two float64 programs (NumPy's BLAS
fuses multiply-adds on some CPUs); there the lab stays within what Python's own path does when
rounding-sized noise is added. The rate readout on
a quadratic is chapter 3's: predicted, the largest spectral radius over the Hessian's
eigenvalues λ of [[1 − ηλ, −γd], [ηλ, γd]] (d = 1, or 1 − ηλ for Nesterov; γ = 0 for SGD);
measured, exp of the slope of log ‖θₜ − θ*‖ fitted over the second half of the run.

``window.dlsgConv.outputSize({n, k, s, p, d, transposed, output_padding})`` returns
:func:`dlsg_utils.conv.conv_output_size` (or :func:`~dlsg_utils.conv.conv_transpose_output_size`)
and throws with the same message where they raise.
"""

from __future__ import annotations

import html as _html
import inspect
import json
import math
import uuid
from collections.abc import Mapping, Sequence
from importlib import resources

import numpy as np

from ..checks import check_bool, check_int, check_real
from ..functions import BEALE, BOOTH, HIMMELBLAU, ROSENBROCK, SADDLE, Surface, quadratic
from ..optim import OPTIMIZERS, run

__all__ = [
    "LAB_CONTROLS", "LAB_SURFACES", "CONV_CONTROLS", "asset", "conv_explorer", "lab_optimizer",
    "lab_surface", "optimizer_lab", "ravine", "ravine_matrix", "reference_trajectory",
    "standalone_page",
]

LAB_SURFACES = ("Ravine", "Beale", "Rosenbrock", "Himmelblau", "Saddle", "Booth")
"""The surfaces the lab offers, in the order of its menu."""

LAB_CONTROLS = ("surface", "kappa", "angle", "optimizers", "lr", "gamma", "beta1", "beta2",
                "decay", "rho", "eps", "weight_decay", "steps", "start", "play", "rates", "notes")
"""Parts of the lab that ``controls=`` can show (default: all). ``start``: clicking the map and
the arrow keys choose the start; ``rates``: the predicted/measured rate table (quadratics);
``notes``: the "how this lab computes" note; ``optimizers``: the checkboxes (without it the
methods are fixed, the list stays as a legend)."""

CONV_CONTROLS = ("n", "k", "s", "p", "d", "transposed", "a", "play")
"""Parts of the convolution explorer that ``controls=`` can show (``a``: output_padding)."""

_SHARED = {"lr": "lr", "gamma": "gamma", "beta1": "beta1", "beta2": "beta2", "decay": "decay",
           "rho": "rho", "eps": "eps", "weight_decay": "weight_decay"}
_FIXED = {"Beale": BEALE, "Rosenbrock": ROSENBROCK, "Himmelblau": HIMMELBLAU, "Saddle": SADDLE,
          "Booth": BOOTH}
_RAVINE_START = (-10.0, 1.0)
_RAVINE_BOUNDS = ((-11.0, 11.0), (-8.25, 8.25))


def asset(name: str) -> str:
    """The text of a file shipped with this module (``optimizer_lab.js``, ``conv_explorer.js``,
    ``lab.css``)."""
    if name not in ("optimizer_lab.js", "conv_explorer.js", "lab.css"):
        raise ValueError("name must be one of 'optimizer_lab.js', 'conv_explorer.js', 'lab.css'; "
                         f"got {name!r}")
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")


# --- surfaces -----------------------------------------------------------------------------------

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


def _surface_name(name: object) -> str:
    if isinstance(name, str):
        for known in LAB_SURFACES:
            if known.lower() == name.lower():
                return known
    raise ValueError(f"surface must be one of {', '.join(LAB_SURFACES)}; got {name!r}")


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


# --- optimizers ---------------------------------------------------------------------------------

def _optimizer_name(name: object) -> str:
    if isinstance(name, str):
        for known in OPTIMIZERS:
            if known.lower() == name.lower():
                return known
    raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}; got {name!r}")


def _params(name: str) -> list[str]:
    return list(inspect.signature(OPTIMIZERS[name]).parameters)


# The lab's shared controls give RMSProp's ρ and AdaDelta's ρ separate sliders, so that each can
# keep its own default (0.9 and 0.95): the lab calls RMSProp's ``rho`` "decay".
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


# --- embedding ----------------------------------------------------------------------------------

def _json(config: Mapping) -> str:
    """JSON safe to put inside a <script> element."""
    text = json.dumps(config, allow_nan=False, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class LiveHTML:
    """What the lab functions return: HTML for pages that run scripts, and for formats that do
    not (the PDF edition, a terminal) one line saying where the live version is."""

    def __init__(self, html: str, what: str):
        self.data, self.what = html, what

    def _repr_html_(self) -> str:
        return self.data

    def __repr__(self) -> str:
        return f"[{self.what} runs live in the web edition of this book and in a notebook.]"


def _html_object(kind: str, glob: str, config: Mapping, fallback: str):

    root = f"dlsg-{kind}-{uuid.uuid4().hex[:12]}"
    script = asset("optimizer_lab.js" if kind == "lab" else "conv_explorer.js")
    body = (
        f'<div id="{root}" class="dlsg-widget tex2jax_ignore mathjax_ignore">'
        f"<p>{_html.escape(fallback)}</p></div>\n"
        f"<style>{asset('lab.css')}</style>\n"
        f"<script>\n{script}\n"
        f'window.{glob}.mount(document.getElementById("{root}"), {_json(config)});\n'
        "</script>\n"
    )
    return LiveHTML(body, "The optimizer lab" if kind == "lab" else "The convolution explorer")


def _check_names(name: str, values, canon) -> list[str]:
    if isinstance(values, str) or not isinstance(values, (list, tuple)):
        raise TypeError(f"{name} must be a list or tuple of names, got {type(values).__name__}")
    return [canon(v) for v in values]


def _check_hyper(hyper: Mapping | None) -> dict:
    if hyper is None:
        return {}
    if not isinstance(hyper, Mapping):
        raise TypeError(f"hyper must be a dict, got {type(hyper).__name__}")
    out: dict = {}
    for key, value in hyper.items():
        if key in _SHARED or key == "bias_correction":
            out[key] = _check_value(key, value)
            continue
        try:
            name = _optimizer_name(key)
        except ValueError:
            raise ValueError(f"hyper keys must be hyper-parameters ({', '.join(_SHARED)}) or "
                             f"optimizer names; got {key!r}") from None
        if not isinstance(value, Mapping):
            raise TypeError(f"hyper[{key!r}] must be a dict of that optimizer's settings, "
                            f"got {type(value).__name__}")
        params = _params(name)
        for k in value:
            if k not in params:
                raise ValueError(f"{name} takes {', '.join(params)}; hyper[{key!r}] has {k!r}")
        out[name] = {k: _check_value(k, v) for k, v in value.items()}
    return out


def _check_value(key: str, value):
    if key == "bias_correction":
        return check_bool(key, value)
    if key in ("lr", "weight_decay"):
        return check_real(key, value, min=0)
    if key == "eps":
        return check_real(key, value, min=0, min_open=True)
    return check_real(key, value, min=0, max=1, max_open=True)


def optimizer_lab(surface: str = "Himmelblau",
                  optimizers: Sequence[str] = ("SGD", "Momentum", "Adam"),
                  *, hyper: Mapping | None = None, start: Sequence[float] | None = None,
                  steps: int = 200, kappa: float = 100.0, angle: float = 0.0,
                  available: Sequence[str] | None = None, surfaces: Sequence[str] | None = None,
                  controls: Sequence[str] | None = None, bounds=None,
                  per_method_lr: bool | None = None, title: str | None = None):
    """The optimizer lab as an HTML display object (live in the static book, Jupyter, Colab).

    * ``surface``: the surface shown first, one of :data:`LAB_SURFACES`; ``surfaces``: those
      its menu offers (default all; one name hides the menu). ``kappa`` (≥ 1) and ``angle``
      (degrees, 0-90) set the ravine's condition number and rotation (sliders 1-1000, 0-90°).
    * ``optimizers``: the methods run first; ``available``: those listed (default all eleven
      of :data:`dlsg_utils.optim.OPTIMIZERS`; must include ``optimizers``).
    * ``hyper``: shared settings ``lr, gamma, beta1, beta2, decay`` (RMSProp), ``rho``
      (AdaDelta), ``eps, weight_decay`` (AdamW), ``bias_correction`` (Adam), each used by
      the methods that take it, and per-method dicts such as ``{"Adam": {"lr": 0.1}}``.
      Unset values start at lr 0.01, γ 0.9, β₁ 0.9, β₂ 0.999, decay 0.9, ρ 0.95, ε 1e-8
      (AdaDelta 1e-6: its ε is its own knob), λ 0.01.
    * ``per_method_lr``: one η slider per method instead of a shared one (default: True when
      ``hyper`` gives any method its own ``lr``).
    * ``start``: the first start (default: the surface's, R(−10, 1) for the ravine);
      ``steps``: 1-2000 (the slider's range is 10-2000); ``bounds``: the map's
      ``((x_lo, x_hi), (y_lo, y_hi))`` for ``surface`` (default the surface's bounds).
    * ``controls``: the parts shown, from :data:`LAB_CONTROLS` (default all).
    * ``title``: a line above the lab.
    """
    surface = _surface_name(surface)
    optimizers = _check_names("optimizers", optimizers, _optimizer_name)
    available = (list(OPTIMIZERS) if available is None else
                 _check_names("available", available, _optimizer_name))
    missing = [n for n in optimizers if n not in available]
    if missing:
        raise ValueError(f"optimizers {missing} are not in available {available}")
    surfaces = (list(LAB_SURFACES) if surfaces is None else
                _check_names("surfaces", surfaces, _surface_name))
    if surface not in surfaces:
        raise ValueError(f"surface {surface!r} is not in surfaces {surfaces}")
    controls = (list(LAB_CONTROLS) if controls is None else
                _check_names("controls", controls, lambda c: _choice("controls", c, LAB_CONTROLS)))
    hyper = _check_hyper(hyper)
    for name in optimizers:
        kwargs = _hyper_kwargs(name, hyper)
        if "lr" in _params(name) and inspect.signature(OPTIMIZERS[name]).parameters[
                "lr"].default is inspect.Parameter.empty and "lr" not in kwargs:
            hyper.setdefault("lr", 0.01)  # SGD, Momentum and Nesterov need one
    config = {
        "surface": surface, "optimizers": optimizers, "available": available,
        "surfaces": surfaces, "controls": controls, "hyper": hyper,
        "steps": check_int("steps", steps, min=1, max=2000),
        "kappa": check_real("kappa", kappa, min=1, max=1000),
        "angle": check_real("angle", angle, min=0, max=90),
    }
    if start is not None:
        config["start"] = _point("start", start)
    if bounds is not None:
        b = np.asarray(bounds, dtype=float)
        if b.shape != (2, 2) or not np.all(np.isfinite(b)) or not np.all(b[:, 1] > b[:, 0]):
            raise ValueError(f"bounds must be ((x_lo, x_hi), (y_lo, y_hi)) with lo < hi, "
                             f"got {bounds!r}")
        config["bounds"] = b.tolist()
    if per_method_lr is None:
        per_method_lr = any(isinstance(v, Mapping) and "lr" in v for v in hyper.values())
    config["per_method_lr"] = check_bool("per_method_lr", per_method_lr)
    if title is not None:
        config["title"] = str(title)
    return _html_object("lab", "dlsgLab", config,
                        "The optimizer lab runs in your browser: it needs JavaScript.")


def conv_explorer(n: int = 5, k: int = 3, s: int = 1, p: int = 0, d: int = 1, *,
                  transposed: bool = False, output_padding: int = 0,
                  controls: Sequence[str] | None = None, title: str | None = None,
                  interval: int = 700):
    """The convolution explorer as an HTML display object (chapter 9).

    Starts at input size ``n``, kernel ``k``, stride ``s``, padding ``p``, dilation ``d``, and
    (``transposed=True``) the transposed convolution with ``output_padding``: n is then the
    ConvTranspose2d's input size. The sliders cover n 1-12, k 1-5, s 1-3, p 0-3, d 1-3,
    output_padding 0-3; configurations PyTorch refuses show dlsg_utils.conv's message.
    ``controls``: the parts shown, from :data:`CONV_CONTROLS` (default all); ``interval``:
    milliseconds per kernel position when playing.
    """
    config = {"n": check_int("n", n, min=1, max=12), "k": check_int("k", k, min=1, max=5),
              "s": check_int("s", s, min=1, max=3), "p": check_int("p", p, min=0, max=3),
              "d": check_int("d", d, min=1, max=3),
              "transposed": check_bool("transposed", transposed),
              "output_padding": check_int("output_padding", output_padding, min=0, max=3),
              "interval": check_int("interval", interval, min=50, max=10_000)}
    if not transposed and output_padding:
        raise ValueError(f"output_padding is for the transposed convolution only, "
                         f"got {output_padding}")
    config["controls"] = (list(CONV_CONTROLS) if controls is None else
                          _check_names("controls", controls,
                                       lambda c: _choice("controls", c, CONV_CONTROLS)))
    if title is not None:
        config["title"] = str(title)
    return _html_object("conv", "dlsgConv", config,
                        "The convolution explorer runs in your browser: it needs JavaScript.")


def _choice(name: str, value: object, choices: Sequence[str]) -> str:
    if value not in choices:
        raise ValueError(f"{name} entries must be among {', '.join(choices)}; got {value!r}")
    return str(value)


def _point(name: str, value) -> list[float]:
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
        raise TypeError(f"{name} must be a point (x, y), got {type(value).__name__}")
    if len(value) != 2:
        raise ValueError(f"{name} must be a point (x, y), got {len(value)} numbers")
    return [check_real(f"{name}[{i}]", v) for i, v in enumerate(value)]


def standalone_page(*parts, title: str = "dlsg_utils.lab") -> str:
    """A whole HTML document holding the given display objects (or HTML strings), one after the
    other in a book-width column: opens from a file, offline (the browser tests use it)."""
    body = "\n".join(getattr(p, "data", p) for p in parts)
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{_html.escape(title)}</title>\n"
            "<style>body{margin:0;font-family:system-ui,sans-serif}"
            "main{max-width:48rem;margin:0 auto;padding:8px 12px}</style>\n</head>\n"
            f"<body>\n<main>\n<h1>{_html.escape(title)}</h1>\n{body}\n</main>\n</body>\n</html>\n")
