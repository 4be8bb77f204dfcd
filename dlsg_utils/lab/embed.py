"""The lab and the explorer as HTML a notebook shows: the script inlined, its settings checked."""

from __future__ import annotations

import html as _html
import inspect
import json
import uuid
from collections.abc import Mapping, Sequence
from importlib import resources

import numpy as np

from ..checks import check_bool, check_int, check_real
from ..optim import OPTIMIZERS
from .reference import LAB_SURFACES, _hyper_kwargs, _optimizer_name, _params, _surface_name

__all__ = ["CONV_CONTROLS", "LAB_CONTROLS", "LiveHTML", "asset", "conv_explorer", "optimizer_lab",
           "standalone_page"]


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


def asset(name: str) -> str:
    """The text of a file shipped with this module (``optimizer_lab.js``, ``conv_explorer.js``,
    ``lab.css``)."""
    if name not in ("optimizer_lab.js", "conv_explorer.js", "lab.css"):
        raise ValueError("name must be one of 'optimizer_lab.js', 'conv_explorer.js', 'lab.css'; "
                         f"got {name!r}")
    return resources.files("dlsg_utils.lab").joinpath(name).read_text(encoding="utf-8")


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
