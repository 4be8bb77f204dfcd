"""dlsg_utils.conv_draw: layouts agree with the arithmetic; figures, animations and the
calculator build without a front end."""

import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from dlsg_utils.conv import conv_output_size  # noqa: E402
from dlsg_utils.conv_draw import (  # noqa: E402
    conv_animation,
    conv_calculator,
    conv_figure,
    conv_layout,
)
from dlsg_utils.plot import animation_html  # noqa: E402

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
