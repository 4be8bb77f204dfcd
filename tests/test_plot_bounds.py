"""dlsg_utils.plot.path_bounds and race_animation(bounds=): whole paths stay in the picture."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dlsg_utils import plot  # noqa: E402
from dlsg_utils.plot._mpl import figure_of


class Bowl:
    name = "bowl"
    bounds = ((-2.0, 2.0), (-2.0, 2.0))
    minima = [(1.0, 0.0)]
    min_value = 0.0

    def __call__(self, x, y):
        return (x - 1.0) ** 2 + 4.0 * y**2


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_path_bounds_hold_every_finite_point_and_the_surface_box():
    paths = {"far": np.array([[0.0, 0.0], [7.5, 0.8], [np.inf, np.nan]]),
             "low": np.array([[0.0, 0.0], [-1.0, -5.0]])}
    (x_lo, x_hi), (y_lo, y_hi) = plot.path_bounds(paths, Bowl(), margin=0.0)
    assert (x_lo, x_hi, y_lo, y_hi) == (-2.0, 7.5, -5.0, 2.0)
    (x_lo, x_hi), (y_lo, y_hi) = plot.path_bounds(paths, Bowl(), margin=0.1)
    assert np.allclose([x_lo, x_hi, y_lo, y_hi], [-2.95, 8.45, -5.7, 2.7])


def test_path_bounds_without_a_surface_fit_the_paths_only():
    (x_lo, x_hi), (y_lo, y_hi) = plot.path_bounds({"p": np.array([[1.0, 2.0], [3.0, 2.0]])},
                                                  margin=0.0)
    assert (x_lo, x_hi) == (1.0, 3.0)
    assert (y_lo, y_hi) == (1.5, 2.5)  # a flat direction gets a box of width 1, not 0


def test_path_bounds_reject_paths_with_no_finite_point_and_no_surface():
    with pytest.raises(ValueError, match="no finite point"):
        plot.path_bounds({"p": np.full((3, 2), np.nan)})


def test_race_animation_with_path_bounds_shows_a_path_outside_the_surface_box():
    paths = {"far": np.array([[0.0, 0.0], [3.0, 0.5], [6.0, 1.0]])}
    anim = plot.race_animation(Bowl(), paths, frames=2, bounds=plot.path_bounds(paths, Bowl()))
    figure_of(anim).canvas.draw()
    x_lo, x_hi = figure_of(anim).axes[0].get_xlim()
    assert x_lo < -2.0 and x_hi > 6.0
    default = plot.race_animation(Bowl(), paths, frames=2)
    figure_of(default).canvas.draw()
    assert figure_of(default).axes[0].get_xlim() == (-2.0, 2.0)
