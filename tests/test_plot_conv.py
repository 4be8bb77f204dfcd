"""dlsg_utils.plot.conv_grid, plot.conv_volume and widgets.conv_calculator: layouts agree with the
calculator build without a front end."""

import itertools
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from dlsg_utils.conv import conv_output_size  # noqa: E402
from dlsg_utils.plot import (  # noqa: E402
    animation_html,  # noqa: E402
    conv_animation,
    conv_description,
    conv_figure,
    conv_layout,
    volume_animation,
    volume_figure,
)
from dlsg_utils.widgets import conv_calculator  # noqa: E402

DV_CASES = [(4, 3, 1, 0, 1), (5, 4, 1, 2, 1), (5, 3, 1, 1, 1), (5, 3, 1, 2, 1), (5, 3, 2, 0, 1),
            (5, 3, 2, 1, 1), (6, 3, 2, 1, 1), (7, 3, 1, 0, 2)]


def test_direct_layout_has_one_window_per_output_and_stays_inside_the_grid():
    for i, k, s, p, d in itertools.product(range(1, 9), range(1, 5), range(1, 4), range(3),
                                           range(1, 3)):
        try:
            o = conv_output_size(i, k, s, p, d)
        except ValueError:
            continue
        lay = conv_layout(i, k, s, p, d)
        assert lay.out == o and lay.grid == i + 2 * p and len(lay.real) == i
        assert lay.taps(o - 1).max() < lay.grid


@pytest.mark.parametrize("case", DV_CASES)
def test_transposed_layout_is_the_stride_one_convolution_that_equals_conv_transpose2d(case):
    """Spreading the o inputs s apart, padding by d(k − 1) − p (+ a at the end) and running a
    stride-1 convolution with the flipped kernel gives ConvTranspose2d's output of size i."""
    i, k, s, p, d = case
    lay = conv_layout(i, k, s, p, d, transposed=True)
    o = conv_output_size(i, k, s, p, d)
    assert lay.out == i and lay.n_in == o and lay.taps(i - 1).max() < lay.grid
    y = torch.randn(1, 1, o, o, dtype=torch.float64)
    w = torch.randn(1, 1, k, k, dtype=torch.float64)
    grid = torch.zeros(1, 1, lay.grid, lay.grid, dtype=torch.float64)
    idx = torch.tensor(lay.real)
    grid[0, 0, idx[:, None], idx[None, :]] = y[0, 0]
    direct = torch.nn.functional.conv2d(grid, w.flip(-1, -2), dilation=d)
    a = lay.grid - ((o - 1) * s + 1 + 2 * lay.pad_lo)
    want = torch.nn.functional.conv_transpose2d(y, w, stride=s, padding=p, dilation=d,
                                                output_padding=a)
    assert direct.shape == want.shape == (1, 1, i, i)
    assert torch.allclose(direct, want)


def test_transposed_layout_refuses_a_padding_that_would_crop():
    with pytest.raises(ValueError, match="crop"):
        conv_layout(9, 3, 1, 3, transposed=True)


def test_figure_and_animation_build_with_one_frame_per_output_position():
    fig = conv_figure(6, 3, 2, 1, step=4)
    assert len(fig.axes) == 2
    plt.close(fig)
    html = animation_html(conv_animation(5, 3, 2, 1, dpi=30))
    assert html.n_frames == 9
    html = animation_html(conv_animation(5, 3, 1, 2, max_frames=3, dpi=30))
    assert html.n_frames == 3


def test_calculator_prints_the_output_size_and_redraws_on_change():
    ui = conv_calculator(i=7, k=3, d=2)
    assert "= 3" in ui.out.outputs[0]["text"] and "image/png" in ui.out.outputs[1]["data"]
    ui.sliders["s"].value = 2
    assert "= 2" in ui.out.outputs[0]["text"]
    ui.sliders["k"].value = 7  # dilated kernel 13 > 7: a message, not an exception
    assert "larger than the padded input" in ui.out.outputs[0]["text"]
    ui.sliders["k"].value = 3
    ui.transposed.value = True
    assert "image/png" in ui.out.outputs[1]["data"]
    assert not plt.get_fignums()


# --- the multi-channel drawings --------------------------------------------------------------------

def _texts(ax):
    return [t.get_text() for t in ax.texts]


def _torch_conv(x, w, b, s, p):
    return torch.nn.functional.conv2d(torch.tensor(x[None]), torch.tensor(w), torch.tensor(b),
                                      stride=s, padding=p)[0].numpy()


def _demo(seed=0):
    rng = np.random.default_rng(seed)
    return (rng.integers(0, 3, size=(3, 5, 5)).astype(float),
            rng.integers(-1, 2, size=(2, 3, 3, 3)).astype(float), np.array([1.0, 0.0]))


def test_volume_figure_writes_in_each_output_cell_the_value_torch_computes():
    x, w, b = _demo()
    want = _torch_conv(x, w, b, 2, 1)  # (2, 3, 3)
    fig = volume_figure(x, w, b, stride=2, padding=1, step=-1)  # every output computed
    maps = {ax.get_label(): ax for ax in fig.axes if ax.get_label().startswith("output map")}
    assert len(maps) == 2
    for f in range(2):
        drawn = np.array([float(t) for t in _texts(maps[f"output map {f}"])]).reshape(3, 3)
        np.testing.assert_array_equal(drawn, want[f])
    plt.close(fig)


def test_volume_figure_equation_adds_the_channel_sums_and_the_bias_to_one_output():
    """At step 11 = (filter 1, row 0, column 2) the bottom line shows the three per-channel dot
    products (torch's single-channel convolutions), the bias, and torch's output value."""
    x, w, b = _demo(1)
    fig = volume_figure(x, w, b, stride=2, padding=1, step=11)
    line = [t.get_text() for t in fig.texts if t.get_text().startswith("map 1 at (0, 2)")]
    assert len(line) == 1
    per_channel = [_torch_conv(x[c:c + 1], w[:, c:c + 1], np.zeros(2), 2, 1)[1, 0, 2]
                   for c in range(3)]
    total = _torch_conv(x, w, b, 2, 1)[1, 0, 2]
    signed = line[0].split("=", 1)[1].replace("− ", "-").replace("+ ", "").replace("−", "-")
    numbers = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", signed)]
    assert numbers[:5] == [*per_channel, b[1], total]
    assert "27 products + 1 bias" in line[0]
    maps = {ax.get_label(): ax for ax in fig.axes if ax.get_label().startswith("output map")}
    assert sum(t != "" for t in _texts(maps["output map 0"])) == 9  # filter 0 done
    assert sum(t != "" for t in _texts(maps["output map 1"])) == 3  # row 0 of filter 1
    plt.close(fig)


def test_volume_figure_as_images_shows_torchs_maps_filled_up_to_the_step():
    rng = np.random.default_rng(2)
    x, w, b = rng.random((3, 12, 12)), rng.normal(size=(6, 3, 5, 5)), rng.normal(size=6)
    want = _torch_conv(x, w, b, 1, 0)  # (6, 8, 8)
    fig = volume_figure(x, w, b, step=2 * 64 + 10)  # filter 2, row 1, column 2
    images = {ax.get_label(): ax.images[0].get_array() for ax in fig.axes
              if ax.get_label().startswith("output map")}
    for f in range(6):
        shown = np.ma.filled(images[f"output map {f}"].astype(float), np.nan)
        done = np.isfinite(shown)
        assert done.sum() == {0: 64, 1: 64, 2: 11}.get(f, 0)
        np.testing.assert_allclose(shown[done], want[f][done], rtol=1e-12, atol=1e-12)
    plt.close(fig)


def test_volume_animation_has_one_frame_per_output_value():
    x, w, b = _demo()
    html = animation_html(volume_animation(x[:2, :3, :4], w[:, :2, :2, :2], b, dpi=30),
                          alt="demo")
    assert html.n_frames == 2 * 2 * 3  # F × OH × OW
    html = animation_html(volume_animation(x, w, b, stride=2, padding=1, steps=[0, 9, 17],
                                           dpi=30), alt="demo")
    assert html.n_frames == 3
    assert not plt.get_fignums()


@pytest.mark.parametrize("case", DV_CASES)
def test_conv_description_states_the_sizes_the_animation_draws(case):
    i, k, s, p, d = case
    o = conv_output_size(i, k, s, p, d)
    text = conv_description(i, k, s, p, d)
    assert f"{i}×{i} input" in text and f"{o}×{o} output" in text and f"stride {s}" in text
    assert ("never covered" in text) == (case == (6, 3, 2, 1, 1))  # only the odd case
    assert ("dilation" in text) == (d > 1) and ("padding" in text) == (p > 0)
    if p <= d * (k - 1):
        back = conv_description(i, k, s, p, d, transposed=True)
        assert f"takes a {o}×{o} input back to {i}×{i}" in back
