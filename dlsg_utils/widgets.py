"""Interactive widgets (ipywidgets) for a live notebook: Jupyter, VS Code or Colab.

``optimizer_playground()`` lets the reader pick a surface, a few optimizers, the learning rate,
the momentum γ, the start and the number of steps, and redraws the paths and losses. It sits
on top of :mod:`dlsg_utils.optim`, :mod:`dlsg_utils.functions` and :mod:`dlsg_utils.plot`.

The figure is rendered to a PNG and placed into an ``ipywidgets.Output`` directly (its
``outputs``) rather than through ``plt.show()``: that works the same with every matplotlib
backend, inside and outside a kernel (the tests build and redraw the playground without one),
and leaves no pyplot figure open. Widgets need a running kernel: the static book can show
the saved controls and first picture but cannot redraw, so a chapter should also draw a static
figure or an animation (:mod:`dlsg_utils.plot`) of what the widget explores.
"""

from __future__ import annotations

import base64
import inspect
import io
import warnings
from collections.abc import Callable, Mapping

import ipywidgets as w
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

import dlsg_utils
from dlsg_utils import functions, optim, plot
from dlsg_utils.conv import conv_output_size
from dlsg_utils.plot.conv_grid import conv_figure

from .checks import check_int, check_real

__all__ = ["OptimizerPlayground", "conv_calculator", "default_optimizers", "default_surfaces",
           "enable_colab_widgets", "optimizer_playground"]

def enable_colab_widgets() -> bool:
    """Switch on Colab's custom widget manager (ipywidgets 8 needs it); True if switched on.

    Does nothing outside Colab.
    """
    if not dlsg_utils.in_colab():
        return False
    try:
        from google.colab import output

        output.enable_custom_widget_manager()
        return True
    except Exception:  # noqa: BLE001 - an old Colab runtime: widgets may still work
        return False


def default_surfaces() -> dict[str, object]:
    """Name → surface: a copy of :data:`dlsg_utils.functions.SURFACES`."""
    return dict(functions.SURFACES)


def default_optimizers() -> dict[str, Callable]:
    """Name → optimizer class: a copy of :data:`dlsg_utils.optim.OPTIMIZERS`."""
    return dict(optim.OPTIMIZERS)


def _build(factory: Callable, lr: float, gamma: float):
    """``factory(lr=..., gamma=...)``, passing only the arguments it takes (AdaDelta has no lr)."""
    try:
        params = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        return factory(lr=lr, gamma=gamma)
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return factory(lr=lr, gamma=gamma)
    kw = {k: v for k, v in (("lr", lr), ("gamma", gamma)) if k in params}
    return factory(**kw)


def _png_output(fig: Figure) -> dict:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=fig.dpi)
    return {"output_type": "display_data",
            "data": {"image/png": base64.b64encode(buf.getvalue()).decode("ascii"),
                     "text/plain": f"<Figure of {len(fig.axes)} axes>"},
            "metadata": {}}


class OptimizerPlayground(w.VBox):
    """The widget of :func:`optimizer_playground`: a VBox of controls and an output area.

    The controls are attributes (``surface``, ``optimizers``, ``lr``, ``gamma``, ``x0``,
    ``y0``, ``steps``, ``auto``, ``button``) and ``out`` is the Output the figure goes to.
    :meth:`redraw` recomputes the paths (kept in ``paths``; a failure's message in ``error``)
    and redraws; with ``auto`` ticked, changing any control does the same.
    """

    def __init__(self, surfaces: Mapping[str, object] | None = None,
                 optimizers: Mapping[str, Callable] | None = None, *,
                 surface: str | None = None, selected=None, lr: float = 1e-3,
                 gamma: float = 0.9, steps: int = 200):
        super().__init__()
        self.surfaces = dict(surfaces) if surfaces is not None else default_surfaces()
        self.factories = dict(optimizers) if optimizers is not None else default_optimizers()
        if not self.surfaces:
            raise ValueError("surfaces must hold at least one surface, got none")
        if not self.factories:
            raise ValueError("optimizers must hold at least one optimizer, got none")
        names = list(self.factories)
        if selected is None:
            selected = [n for n in ("SGD", "Momentum", "Adam") if n in names] or names[:2]
        missing = sorted(set(selected) - set(names))
        if missing:
            raise ValueError(f"selected optimizers {missing} are not among {names}")
        check_real("lr", lr, min=1e-5, max=10)  # the slider's range
        check_real("gamma", gamma, min=0, max=0.999)
        check_int("steps", steps, min=1, max=2000)
        self.paths: dict[str, np.ndarray] = {}
        self.error: str | None = None
        self._hold = False

        if surface is None:
            surface = "Rosenbrock" if "Rosenbrock" in self.surfaces else next(iter(self.surfaces))
        if surface not in self.surfaces:
            raise ValueError(f"surface must be one of {list(self.surfaces)}, got {surface!r}")
        start = np.asarray(getattr(self.surfaces[surface], "start", (0.0, 0.0)), dtype=float)
        wide = {"description_width": "initial"}
        self.surface = w.Dropdown(options=list(self.surfaces), value=surface,
                                  description="surface")
        self.optimizers = w.SelectMultiple(options=names, value=tuple(selected),
                                           rows=min(len(names), 7), description="optimizers")
        self.lr = w.FloatLogSlider(value=lr, base=10, min=-5, max=1, step=0.1,
                                   description="learning rate η", style=wide,
                                   continuous_update=False, readout_format=".1e")
        self.gamma = w.FloatSlider(value=gamma, min=0.0, max=0.999, step=0.01,
                                   description="momentum γ", style=wide,
                                   continuous_update=False, readout_format=".3f")
        self.steps = w.IntSlider(value=steps, min=1, max=2000, step=1, description="steps",
                                 continuous_update=False)
        self.x0 = w.FloatText(value=float(start[0]), description="start x",
                              layout=w.Layout(width="160px"))
        self.y0 = w.FloatText(value=float(start[1]), description="start y",
                              layout=w.Layout(width="160px"))
        self.auto = w.Checkbox(value=True, description="redraw on change", indent=False)
        self.button = w.Button(description="Redraw", icon="refresh")
        self.out = w.Output(layout=w.Layout(min_height="300px"))

        self.surface.observe(self._on_surface, names="value")
        for control in (self.optimizers, self.lr, self.gamma, self.steps, self.x0, self.y0):
            control.observe(self._on_change, names="value")
        self.button.on_click(lambda _: self.redraw())

        self.children = [
            w.HBox([w.VBox([self.surface, self.lr, self.gamma, self.steps]), self.optimizers]),
            w.HBox([self.x0, self.y0, self.auto, self.button]),
            self.out,
        ]
        self.redraw()

    # --- callbacks ---
    def _on_surface(self, change) -> None:
        start = getattr(self.surfaces[change["new"]], "start", None)
        if start is not None:
            self._hold = True  # one redraw, not one per changed control
            try:
                self.x0.value, self.y0.value = (float(v) for v in start)
            finally:
                self._hold = False
        self._on_change(change)

    def _on_change(self, _change) -> None:
        if self.auto.value and not self._hold:
            self.redraw()

    # --- work ---
    def compute(self) -> dict[str, np.ndarray]:
        """Run every selected optimizer from the start; name → path ``(steps + 1, 2)``."""
        surface = self.surfaces[self.surface.value]
        x0 = np.array([self.x0.value, self.y0.value], dtype=float)
        paths = {}
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a diverging run overflows
            for name in self.optimizers.value:
                opt = _build(self.factories[name], self.lr.value, self.gamma.value)
                path = optim.run(opt, surface.grad, x0.copy(), int(self.steps.value))
                paths[name] = np.asarray(path)
        return paths

    def figure(self, paths: Mapping[str, np.ndarray]) -> Figure:
        """Contours with the paths (left) and the loss against the step (right)."""
        surface = self.surfaces[self.surface.value]
        fig = Figure(figsize=(10, 4), dpi=80)  # not pyplot's: no figure is left open
        ax, ax_loss = fig.subplots(1, 2)
        plot.contour(surface, ax, title="")
        if paths:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                plot.trajectories(ax, paths)
                f_min = plot.min_value_of(surface)
                plot.step_losses(ax_loss, plot.path_losses(surface, paths), f_min=f_min,
                                 log=True)
        else:
            ax_loss.text(0.5, 0.5, "select at least one optimizer", ha="center",
                         transform=ax_loss.transAxes)
        fig.suptitle(f"{getattr(surface, 'name', self.surface.value)}: η = {self.lr.value:.2g}, "
                     f"γ = {self.gamma.value:.3g}, {self.steps.value} steps")
        fig.tight_layout()
        return fig

    def redraw(self) -> None:
        """Recompute the paths and replace the output with the new figure (or the error)."""
        try:
            self.paths = self.compute()
            fig = self.figure(self.paths)
            self.out.outputs = (_png_output(fig),)
            self.error = None
        except Exception as err:  # noqa: BLE001 - show it in the widget, do not lose it
            self.error = f"{type(err).__name__}: {err}"
            self.out.outputs = ({"output_type": "stream", "name": "stderr",
                                 "text": self.error + "\n"},)


def optimizer_playground(
    surfaces: Mapping[str, object] | None = None,
    optimizers: Mapping[str, Callable] | None = None,
    **kw,
) -> OptimizerPlayground:
    """Optimizers on a test surface, redrawn as you move the controls.

    ``surfaces``: name → surface (default: those of :mod:`dlsg_utils.functions`);
    ``optimizers``: name → class or factory taking ``lr`` and/or ``gamma`` (default: those of
    :mod:`dlsg_utils.optim`; a factory that takes neither, like AdaDelta, ignores the sliders).
    Further keywords: ``surface`` (the name shown first; default Rosenbrock), ``selected``
    (optimizers ticked at first; default SGD, Momentum, Adam), ``lr`` (default 1e-3: every
    ticked method gets the same η, which suits momentum methods on Rosenbrock but is small for
    the adaptive ones), ``gamma`` (0.9) and ``steps`` (200).
    Returns an :class:`OptimizerPlayground` (an ``ipywidgets.VBox``; the last expression of a
    cell shows it). On Colab this first switches on the custom widget manager.
    """
    enable_colab_widgets()
    return OptimizerPlayground(surfaces, optimizers, **kw)


def conv_calculator(i: int = 5, k: int = 3, s: int = 1, p: int = 0, d: int = 1):
    """Sliders for i, k, s, p, d and a "transposed" box: prints the output size and draws the
    grid (kernel at the first position). Needs a running kernel to react to the sliders.

    Returns an ``ipywidgets.VBox`` whose ``out`` attribute is the Output area and whose
    ``redraw()`` method recomputes it.
    """
    import ipywidgets as w

    sliders = {name: w.IntSlider(value=v, min=lo, max=hi, description=name,
                                 continuous_update=False)
               for name, v, lo, hi in (("i", i, 1, 12), ("k", k, 1, 7), ("s", s, 1, 4),
                                       ("p", p, 0, 4), ("d", d, 1, 4))}
    box = w.Checkbox(value=False, description="transposed")
    out = w.Output()

    def redraw(_change=None):
        args = {n: sl.value for n, sl in sliders.items()}
        try:
            o = conv_output_size(**args)
            text = (f"o = ⌊({args['i']} + 2·{args['p']} − {args['d']}·({args['k']} − 1) − 1)"
                    f"/{args['s']}⌋ + 1 = {o}\n")
            fig = conv_figure(**args, transposed=box.value, dpi=70)
            plt.close(fig)
            outputs = [{"output_type": "stream", "name": "stdout", "text": text}, _png_output(fig)]
        except ValueError as err:
            outputs = [{"output_type": "stream", "name": "stdout", "text": f"{err}\n"}]
        out.outputs = tuple(outputs)

    for widget in (*sliders.values(), box):
        widget.observe(redraw, names="value")
    ui = w.VBox([w.HBox(list(sliders.values())[:3]),
                 w.HBox([*list(sliders.values())[3:], box]), out])
    ui.out, ui.redraw, ui.sliders, ui.transposed = out, redraw, sliders, box
    redraw()
    return ui
