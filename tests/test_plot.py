"""dlsg_utils.plot: contours, paths, the embedded race animation and training curves."""

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dlsg_utils import plot  # noqa: E402
from dlsg_utils.plot._mpl import figure_of
from dlsg_utils.train import History  # noqa: E402


class Bowl:
    """f = (x − 1)² + 4y² + offset on [−2, 2]²: the minimal surface interface plot needs."""

    name = "bowl"
    bounds = ((-2.0, 2.0), (-2.0, 2.0))
    minima = [(1.0, 0.0)]
    start = (-1.5, 1.5)

    def __init__(self, offset=0.0):
        self.min_value = offset

    def __call__(self, x, y):
        return (x - 1.0) ** 2 + 4.0 * y**2 + self.min_value

    def grad(self, p):
        return np.array([2.0 * (p[0] - 1.0), 8.0 * p[1]])


class Saddle(Bowl):
    name = "saddle"
    minima = []

    def __init__(self):
        self.min_value = None

    def __call__(self, x, y):
        return x**2 - y**2


def gd(surface, lr, steps):
    path = [np.array(surface.start, dtype=float)]
    for _ in range(steps):
        path.append(path[-1] - lr * surface.grad(path[-1]))
    return np.array(path)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


FRAME = re.compile(r'frames\[(\d+)\] = "data:image/(\w+);base64,')


def drawn(anim):
    """Draw the animation's figure once (matplotlib warns about animations never drawn)."""
    figure_of(anim).canvas.draw()
    return anim


def embedded_frames(html):
    """Indices and formats of the frames that to_jshtml embedded."""
    return [(int(i), fmt) for i, fmt in FRAME.findall(html)]


# --- contours and paths ------------------------------------------------------------------------

@pytest.mark.parametrize("f_min", [0.0, -3.0, 5.0])
def test_log_levels_are_geometric_in_the_gap_above_the_minimum(f_min):
    _, _, Z = plot.surface_grid(Bowl(f_min), resolution=50)
    levels = plot.contour_levels(Z, 12, f_min=f_min)
    gaps = levels - f_min
    assert len(levels) == 12 and np.all(gaps > 0)
    np.testing.assert_allclose(gaps[1:] / gaps[:-1], gaps[1] / gaps[0])
    assert gaps[-1] == pytest.approx(Z.max() - f_min)


def test_levels_are_linear_without_a_known_minimum():
    _, _, Z = plot.surface_grid(Saddle(), resolution=50)
    levels = plot.contour_levels(Z, 9, f_min=None)
    np.testing.assert_allclose(np.diff(levels), np.diff(levels)[0])
    assert levels[0] < 0 < levels[-1]


def test_contour_uses_the_bounds_marks_the_minimum_and_names_the_surface():
    ax = plot.contour(Bowl())
    assert ax.get_xlim() == (-2.0, 2.0) and ax.get_ylim() == (-2.0, 2.0)
    stars = [line for line in ax.get_lines() if line.get_marker() == "*"]
    assert len(stars) == 1 and list(stars[0].get_xydata()[0]) == [1.0, 0.0]
    assert ax.get_title() == "bowl" and ax.get_xlabel() and ax.get_ylabel()


def test_trajectories_draw_every_path_with_a_start_marker_and_a_legend():
    paths = {"slow": gd(Bowl(), 0.02, 30), "fast": gd(Bowl(), 0.1, 30)}
    ax = plot.trajectories(plot.contour(Bowl()), paths)
    by_label = {line.get_label(): line for line in ax.get_lines()}
    for name, path in paths.items():
        np.testing.assert_allclose(by_label[name].get_xydata(), path)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"slow", "fast", "start", "minimum"} <= set(labels)


def test_paths_of_the_wrong_shape_get_a_clear_error():
    _, ax = plt.subplots()
    with pytest.raises(ValueError, match=r"path 'bad' must have shape \(T, 2\).*got \(5, 3\)"):
        plot.trajectories(ax, {"bad": np.zeros((5, 3))})


def test_step_losses_plot_the_gap_to_the_minimum_on_a_log_scale():
    surface = Bowl(offset=2.0)
    losses = plot.path_losses(surface, {"gd": gd(surface, 0.1, 20)})
    _, ax = plt.subplots()
    plot.step_losses(ax, losses, f_min=2.0)
    assert ax.get_yscale() == "log"
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), losses["gd"] - 2.0)


def test_step_losses_fall_back_to_a_linear_scale_for_negative_losses():
    _, ax = plt.subplots()
    plot.step_losses(ax, {"gd": np.array([0.5, -1.0, -4.0])})
    assert ax.get_yscale() == "linear"


# --- animations --------------------------------------------------------------------------------

def test_race_html_embeds_one_image_per_frame_and_the_player_controls():
    paths = {"slow": gd(Bowl(), 0.02, 30), "fast": gd(Bowl(), 0.1, 30)}
    html = plot.race_html(Bowl(), paths, frames=8)
    frames = embedded_frames(html)
    assert [i for i, _ in frames] == list(range(8)) and {f for _, f in frames} == {"jpeg"}
    assert html.n_frames == 8 and "var frames = new Array(8);" in html
    for control in ('class="anim-slider"', ".play_animation()", ".pause_animation()",
                    ".next_frame()", 'value="once" id="_anim_radio1_'):
        assert control in html, control
    assert "checked" in html.split('value="once"')[1][:120]  # default mode: play once
    assert "http" not in html and "fa fa-" not in html  # offline: no CDN icons, plain characters
    assert "\u25b6</span></button>" in html  # the play button shows ▶
    assert repr(html) == f"<animation player: 8 frames, {len(html) / 1e6:.1f} MB of HTML>"
    assert html._repr_html_() == str(html)


def test_every_embedded_frame_is_a_different_picture():
    html = plot.race_html(Bowl(), {"gd": gd(Bowl(), 0.05, 40)}, frames=6)
    images = re.findall(r'frames\[\d+\] = "(data:image/[^"]+)"', html)
    assert len(images) == 6 and len(set(images)) == 6  # each frame drawn after its update


@pytest.mark.parametrize("T, max_frames, expected", [(501, 60, 60), (10, 60, 10), (40, 5, 5)])
def test_long_runs_are_subsampled_to_at_most_max_frames(T, max_frames, expected):
    paths = {"gd": gd(Bowl(), 0.01, T - 1)}
    anim = drawn(plot.race_animation(Bowl(), paths, max_frames=max_frames))
    assert len(anim.steps) == expected
    assert anim.steps[0] == 0 and anim.steps[-1] == T - 1 and np.all(np.diff(anim.steps) > 0)


def test_race_html_closes_its_figure_and_prints_nothing(capsys):
    before = plt.get_fignums()
    plot.race_html(Bowl(), {"gd": gd(Bowl(), 0.1, 10)}, frames=3, frame_format="png")
    assert plt.get_fignums() == before
    assert capsys.readouterr().out == ""


def test_race_survives_a_diverging_run_and_paths_of_different_lengths():
    bowl = Bowl()
    with np.errstate(over="ignore", invalid="ignore"):
        paths = {"diverges": gd(bowl, 0.5, 800), "short": gd(bowl, 0.1, 5)}
    assert not np.isfinite(paths["diverges"][-1]).all()
    html = plot.race_html(bowl, paths, frames=4)
    assert len(embedded_frames(html)) == 4


def test_race_loss_panel_is_log_scale_with_a_minimum_and_linear_without():
    anim = drawn(plot.race_animation(Bowl(), {"gd": gd(Bowl(), 0.1, 10)}))
    assert figure_of(anim).axes[1].get_yscale() == "log"
    saddle = Saddle()
    anim = drawn(plot.race_animation(saddle, {"gd": gd(saddle, 0.1, 10)}))
    assert figure_of(anim).axes[1].get_yscale() == "linear"


# --- training curves ---------------------------------------------------------------------------

def test_loss_curves_draw_the_mean_and_a_one_std_band():
    runs = np.array([[4.0, 2.0, 1.0], [2.0, 1.0, 0.5], [3.0, 3.0, 0.0]])
    _, ax = plt.subplots()
    plot.loss_curves(ax, {"adam": runs})
    line = ax.get_lines()[0]
    np.testing.assert_allclose(line.get_xdata(), [1, 2, 3])
    np.testing.assert_allclose(line.get_ydata(), runs.mean(0))
    band_y = ax.collections[0].get_paths()[0].vertices[:, 1]
    sd = runs.std(0, ddof=1)
    assert band_y.min() == pytest.approx((runs.mean(0) - sd).min())
    assert band_y.max() == pytest.approx((runs.mean(0) + sd).max())


def test_loss_curves_average_runs_of_different_lengths_where_present():
    _, ax = plt.subplots()
    plot.loss_curves(ax, {"early-stopped": [np.array([3.0, 2.0, 1.0]), np.array([1.0, 2.0])]},
                     band="minmax", log=True)
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), [2.0, 2.0, 1.0])
    assert ax.get_yscale() == "log"
    with pytest.raises(ValueError, match="band must be 'std', 'sem', 'minmax' or None"):
        plot.loss_curves(ax, {"a": np.ones(3)}, band="iqr")


def test_history_plots_training_and_validation_curves_and_the_best_epoch():
    h = History(train_loss=[1.0, 0.5, 0.4], train_acc=[0.5, 0.8, 0.9], val_loss=[1.1, 0.6, 0.7],
                val_acc=[0.5, 0.7, 0.7], best_epoch=2)
    axes = plot.history(h)
    labels = [t.get_text() for t in axes[0].get_legend().get_texts()]
    assert labels == ["train", "validation"]
    np.testing.assert_allclose(axes[1].get_lines()[1].get_ydata(), h.val_acc)
    assert any(np.allclose(line.get_xdata(), 2) for line in axes[0].get_lines())


def test_players_are_described_for_screen_readers_and_carry_a_still_for_the_pdf():
    from dlsg_utils.functions import BEALE
    from dlsg_utils.plot import race_html

    paths = {"SGD": np.array([[3.0, 4.0], [2.9, 3.0], [2.8, 2.0]])}
    player = race_html(BEALE, paths, max_frames=3, alt="SGD's path on Beale's function")
    assert 'alt="SGD&#x27;s path on Beale&#x27;s function"' in player
    assert 'type="range" aria-label="animation frame"' in player
    assert "<img id=" in player and player.count('alt="') == 1
    bundle = player._repr_mimebundle_()
    assert bundle["text/html"] == str(player)
    assert bundle["image/png"].startswith(b"\x89PNG\r\n\x1a\n") and bundle["image/png"] == player.png


def test_the_private_matplotlib_api_the_players_rely_on_still_exists():
    # dlsg_utils/plot/_mpl.py is the only user: if a matplotlib release renames these, this
    # test names what to change there.
    from matplotlib.animation import Animation, FuncAnimation

    assert callable(getattr(Animation, "_post_draw", None)), "Animation._post_draw is gone"
    fig = plt.figure()
    anim = FuncAnimation(fig, lambda i: [], frames=2)
    try:
        assert figure_of(anim) is fig, "FuncAnimation no longer keeps its figure in _fig"
    finally:
        plt.close(fig)


@pytest.mark.parametrize("variant, side", [("classic", 32), ("modern", 28)])
def test_architecture_labels_clear_every_drawn_layer(variant, side):
    """The layer names below and the shapes above never touch a sheet: the stacks step down to
    the right, so a label at a fixed height ran into LeNet's C1 stack."""
    from dlsg_utils.models import LeNet5

    ax = plot.draw_architecture(LeNet5(variant), (1, side, side))
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [p.get_window_extent(renderer) for p in ax.patches]
    touching = [t.get_text() for t in ax.texts
                if any(t.get_window_extent(renderer).overlaps(b) for b in boxes)]
    plt.close(fig)
    assert touching == []


def test_animation_still_note_goes_below_the_figure_not_over_it():
    """The PDF's still of an animation says what it is in a line added under the figure (over
    the axis labels it hid "column" in chapter 8): the still is taller than the same figure
    saved the same way without the note."""
    import io

    from PIL import Image

    from dlsg_utils.plot.animation import _still_png

    fig, ax = plt.subplots(figsize=(4, 3), dpi=50)
    ax.plot([0, 1], [0, 1])
    ax.set_xlabel("column")
    plain = io.BytesIO()
    fig.savefig(plain, format="png", dpi=fig.dpi, bbox_inches="tight", pad_inches=0.08)
    with Image.open(io.BytesIO(_still_png(fig))) as still, Image.open(plain) as without:
        h_still, h_plain = still.size[1], without.size[1]
    plt.close(fig)
    assert h_still > h_plain + 5, (h_still, h_plain)
