"""Figures record the size of their smallest text (dlsg_utils.book), so that a test of the built
book can compute how large it shows (tests/browser/test_layout.py), and the package's figures
keep that text readable when the page shows them at its column's width."""

import base64
import io
import os

import matplotlib
import matplotlib.pyplot as plt
import pytest
import torch
from PIL import Image

from dlsg_utils.book import (
    FIGURE_DPI_KEY,
    FIGURE_TEXT_KEY,
    _png_with_text_size,
    record_figure_text_sizes,
    smallest_text_pt,
)
from dlsg_utils.models import AlexNet, LeNet5
from dlsg_utils.plot import animation_html, conv_animation, draw_architecture, show_activation_maps
from dlsg_utils.plot.images import COLUMN_PX, MIN_TEXT_PX, readable_width


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _drawn(fig):
    fig.draw_without_rendering()
    return fig


def test_smallest_text_counts_only_the_text_a_figure_shows():
    fig, (a, b) = plt.subplots(1, 2)
    a.plot([1, 2], label="line")
    a.legend(fontsize=9)
    a.set_title("title", fontsize=12)
    assert smallest_text_pt(_drawn(fig)) == 9  # tick labels are 10 (matplotlib's default)
    b.text(0.5, 0.5, "hidden", fontsize=5, visible=False)
    b.text(0.5, 0.5, "   ", fontsize=5)  # shows nothing
    b.tick_params(labelsize=4)
    b.axis("off")  # and so neither do its 4-point tick labels
    assert smallest_text_pt(_drawn(fig)) == 9
    b.set_title("small", fontsize=6)
    assert smallest_text_pt(_drawn(fig)) == 6


def test_a_figure_without_text_has_no_smallest_text():
    fig, ax = plt.subplots()
    ax.imshow([[0, 1], [1, 0]])
    ax.axis("off")
    assert smallest_text_pt(_drawn(fig)) is None


def test_the_inline_png_carries_the_smallest_text_and_the_dpi():
    fig, ax = plt.subplots(figsize=(3, 2), dpi=80)
    ax.plot([0, 1])  # tick labels only: they get their text when the figure is drawn
    with Image.open(io.BytesIO(base64.b64decode(_png_with_text_size(fig)))) as im:
        assert im.text[FIGURE_TEXT_KEY] == "10" and im.text[FIGURE_DPI_KEY] == "80"
        assert im.text["Software"].startswith("Matplotlib")


def test_outside_ipython_nothing_is_recorded():
    assert record_figure_text_sizes() is False


def test_a_jupyter_kernel_shows_figures_with_their_text_size():
    """What the book's build does: a kernel imports dlsg_utils, then draws with pyplot."""
    jupyter_client = pytest.importorskip("jupyter_client")
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}  # the kernel's own inline
    km = jupyter_client.KernelManager(kernel_name="python3")
    km.start_kernel(env=env)
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        code = ("import dlsg_utils, matplotlib.pyplot as plt\n"
                "fig, ax = plt.subplots(figsize=(4, 3)); ax.set_title('t', fontsize=7)\n"
                "plt.show()")
        msg_id = kc.execute(code)
        pngs = []
        while True:
            msg = kc.get_iopub_msg(timeout=60)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "error":
                pytest.fail("\n".join(msg["content"]["traceback"]))
            if msg["msg_type"] == "display_data" and "image/png" in msg["content"]["data"]:
                pngs.append(msg["content"]["data"]["image/png"])
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    assert len(pngs) == 1
    with Image.open(io.BytesIO(base64.b64decode(pngs[0]))) as im:
        assert im.text[FIGURE_TEXT_KEY] == "7"
        assert float(im.text[FIGURE_DPI_KEY]) == matplotlib.rcParams["figure.dpi"]


def test_an_animation_player_carries_the_smallest_text_and_the_dpi_of_its_frames():
    html = animation_html(conv_animation(5, 3, 2, 1, max_frames=2, dpi=30))
    assert 'data-dlsg-smallest-text-pt="10" data-dlsg-dpi="30"' in html


def _shown_px(fig, pt):
    """How large pt-point text shows when the book shows the figure (at most COLUMN_PX wide)."""
    width_px = fig.get_size_inches()[0] * fig.dpi
    return pt * fig.dpi / 72 * min(1.0, COLUMN_PX / width_px)


def test_a_wide_grid_is_drawn_narrower_so_its_titles_stay_readable():
    fig = show_activation_maps(torch.rand(16, 6, 6), max_maps=16, ncols=16)
    assert fig.get_size_inches()[0] <= readable_width(7) + 1e-9
    assert fig.dpi > matplotlib.rcParams["figure.dpi"]  # with as many pixels as before
    assert _shown_px(fig, smallest_text_pt(_drawn(fig))) >= MIN_TEXT_PX - 1e-9


@pytest.mark.parametrize("make, shape", [(lambda: LeNet5("classic"), (1, 32, 32)),
                                         (lambda: AlexNet(variant="paper"), (3, 227, 227))],
                         ids=["lenet5", "alexnet"])
def test_an_architecture_drawing_has_readable_labels_that_do_not_overlap(make, shape):
    ax = draw_architecture(make(), shape)
    fig = _drawn(ax.figure)
    assert _shown_px(fig, smallest_text_pt(fig)) >= MIN_TEXT_PX - 1e-9
    boxes = [t.get_window_extent() for t in ax.texts]
    overlaps = [(a.get_text(), b.get_text()) for i, a in enumerate(ax.texts)
                for b, bb in zip(ax.texts[i + 1:], boxes[i + 1:], strict=True)
                if boxes[i].overlaps(bb)]
    assert overlaps == []


def test_an_animation_players_repetition_modes_are_a_named_radiogroup_not_a_landmark():
    """matplotlib names the player's <form> "Repetition mode": every player on a page would be
    a form landmark of the same name (axe-core: landmark-unique)."""
    html = animation_html(conv_animation(4, 3, max_frames=2, dpi=30))
    form = html[html.index("<form"):html.index("</form>")]
    assert "aria-label" not in form.split(">")[0] and "title=" not in form.split(">")[0]
    assert '<div role="radiogroup" aria-label="Repetition mode">' in form
    assert form.count('type="radio"') == 3
