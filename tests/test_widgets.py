"""dlsg_utils.widgets: the optimizer playground builds and redraws without a front end."""

import base64
import sys
import types

import matplotlib

matplotlib.use("Agg")

import ipywidgets as w  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dlsg_utils import functions, optim, widgets  # noqa: E402


def descendants(widget):
    """Every widget inside ``widget`` (depth first)."""
    for child in getattr(widget, "children", ()):
        yield child
        yield from descendants(child)


def png(playground) -> bytes:
    """The picture in the playground's output area."""
    (output,) = playground.out.outputs
    return base64.b64decode(output["data"]["image/png"])


@pytest.fixture(scope="module")
def playground():
    return widgets.optimizer_playground(steps=30)


def test_playground_is_a_widget_and_draws_a_figure_without_a_front_end(playground):
    assert isinstance(playground, w.Widget)
    assert playground.error is None
    assert png(playground).startswith(b"\x89PNG\r\n\x1a\n")
    assert plt.get_fignums() == []  # no pyplot figure left open


def test_playground_has_the_expected_controls(playground):
    inside = list(descendants(playground))
    for control in (playground.surface, playground.optimizers, playground.lr, playground.gamma,
                    playground.steps, playground.x0, playground.y0, playground.auto,
                    playground.button, playground.out):
        assert control in inside
    assert isinstance(playground.surface, w.Dropdown)
    assert isinstance(playground.optimizers, w.SelectMultiple)
    assert isinstance(playground.lr, w.FloatLogSlider)
    assert isinstance(playground.gamma, w.FloatSlider)
    assert isinstance(playground.out, w.Output)
    assert set(playground.surface.options) == set(widgets.default_surfaces())
    assert {"SGD", "Momentum", "Adam"} <= set(playground.optimizers.options)
    assert len(widgets.default_surfaces()) >= 4


def test_paths_are_the_runs_of_dlsg_utils_optim(playground):
    surface = playground.surfaces[playground.surface.value]
    x0 = np.array([playground.x0.value, playground.y0.value])
    with np.errstate(all="ignore"):  # a run may diverge; the playground shows that too
        expected = optim.run(optim.Momentum(lr=playground.lr.value, gamma=playground.gamma.value),
                             surface.grad, x0.copy(), 30)
    np.testing.assert_allclose(playground.paths["Momentum"], expected)
    assert set(playground.paths) == set(playground.optimizers.value)


def test_changing_a_control_redraws_the_figure():
    pg = widgets.optimizer_playground(steps=20)
    before = png(pg)
    pg.lr.value = pg.lr.value / 10
    assert png(pg) != before and pg.error is None
    pg.steps.value = 7
    assert all(len(path) == 8 for path in pg.paths.values())


def test_with_auto_update_off_only_the_button_redraws():
    pg = widgets.optimizer_playground(steps=10)
    pg.auto.value = False
    before = png(pg)
    pg.lr.value = pg.lr.value * 2
    assert png(pg) == before
    pg.button.click()
    assert png(pg) != before


def test_choosing_a_surface_moves_the_start_there_and_redraws_once(monkeypatch):
    pg = widgets.optimizer_playground(steps=5)
    calls = []
    monkeypatch.setattr(pg, "redraw", lambda: calls.append(1))
    other = [name for name in pg.surface.options if name != pg.surface.value][0]
    pg.surface.value = other
    start = np.asarray(pg.surfaces[other].start, dtype=float)
    assert (pg.x0.value, pg.y0.value) == (start[0], start[1])
    assert calls == [1]


def test_every_default_optimizer_runs_on_every_default_surface():
    pg = widgets.optimizer_playground(steps=3)
    pg.auto.value = False
    pg.optimizers.value = tuple(pg.optimizers.options)  # AdaDelta too: it takes no lr
    for name in pg.surface.options:
        pg.surface.value = name
        pg.redraw()
        assert pg.error is None, (name, pg.error)
        assert set(pg.paths) == set(pg.optimizers.options)


def test_custom_surfaces_and_optimizer_factories_are_used():
    got = {}

    def sgd_recording(lr):
        got["lr"] = lr
        return optim.SGD(lr=lr)

    pg = widgets.optimizer_playground({"Booth": functions.BOOTH}, {"mine": sgd_recording},
                                      lr=0.05, steps=4)
    assert got == {"lr": 0.05} and list(pg.paths) == ["mine"] and pg.error is None


def test_a_failing_optimizer_shows_its_error_in_the_output_instead_of_raising():
    def broken(lr):
        raise ValueError(f"lr too large: {lr}")

    pg = widgets.optimizer_playground(optimizers={"broken": broken}, lr=0.5)
    (output,) = pg.out.outputs
    assert output["output_type"] == "stream" and "lr too large: 0.5" in output["text"]
    assert pg.error == "ValueError: lr too large: 0.5"


def test_no_optimizer_selected_still_draws_the_surface():
    pg = widgets.optimizer_playground(steps=3)
    pg.optimizers.value = ()
    assert pg.paths == {} and pg.error is None and png(pg)


def test_bad_selections_get_clear_errors():
    with pytest.raises(ValueError, match=r"selected optimizers \['Lion'\] are not among"):
        widgets.optimizer_playground(selected=["SGD", "Lion"])
    with pytest.raises(ValueError, match=r"surface must be one of \[.*\], got 'Ackley'"):
        widgets.optimizer_playground(surface="Ackley")


def test_colab_widget_manager_is_enabled_only_in_colab(monkeypatch):
    assert widgets.enable_colab_widgets() is False
    calls = []
    output = types.ModuleType("google.colab.output")
    output.enable_custom_widget_manager = lambda: calls.append("enabled")
    colab = types.ModuleType("google.colab")
    colab.output = output
    google = types.ModuleType("google")
    google.colab = colab
    monkeypatch.setitem(sys.modules, "google", google)
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    monkeypatch.setitem(sys.modules, "google.colab.output", output)
    widgets.optimizer_playground(steps=2)
    assert calls == ["enabled"]
