"""What ties a chapter's prose to its computed numbers.

:func:`~dlsg_utils.glue` hands a value to the book (myst-nb's ``glue``) so that the text can quote it with
``{glue:text}`name:.3f``` and can never drift from the executed cell. Outside a book build
(Colab, plain Jupyter without myst-nb) it does nothing but return the value, so a chapter runs
the same everywhere.
"""

from __future__ import annotations

from typing import TypeVar

__all__ = ["glue"]

T = TypeVar("T")


def glue(name: str, value: T, *, display: bool = False) -> T:
    """Record ``value`` under ``name`` for the book's ``{glue:...}`` roles and return it.

    NumPy scalars and 0-d arrays or tensors are recorded (and returned) as the Python number
    they hold, so that format specs in the text work on them. ``display=True`` also shows the
    value in the cell's output. Names must be unique within a chapter (a Python identifier is
    a safe choice).
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name must be a Python identifier, got {name!r}")
    if getattr(value, "ndim", None) == 0 and hasattr(value, "item"):
        # a NumPy scalar or 0-d array/tensor: its repr ("np.float64(0.5)", "tensor(0.5)") is
        # not a number, so myst-nb could not apply a format spec such as `:.2f` to it
        value = value.item()
    try:
        from myst_nb import glue as myst_glue
    except ImportError:  # Colab or Jupyter without myst-nb: nothing to record
        if display:
            from IPython.display import display as show

            show(value)
        return value
    myst_glue(name, value, display=display)
    return value


# --- figure text sizes ------------------------------------------------------------------------
FIGURE_TEXT_KEY = "dlsg smallest text pt"
"""PNG tEXt keyword under which an inline figure records its smallest font size, in points."""
FIGURE_DPI_KEY = "dlsg dpi"
"""PNG tEXt keyword under which an inline figure records the resolution it was saved at."""
_INLINE = ("inline", "module://matplotlib_inline.backend_inline")


def smallest_text_pt(artist) -> float | None:
    """The smallest font size, in points, of the text a figure (or any artist) draws.

    Counts every visible, non-empty :class:`matplotlib.text.Text` (titles, labels, tick
    labels, legends, annotations) whose ancestors are visible too; ``None`` when there is none.
    Tick labels get their text when the figure is drawn: call it on a drawn figure (or after
    ``fig.draw_without_rendering()``).
    At ``dpi`` dots per inch such text is ``pt * dpi / 72`` pixels tall in the saved image.
    """
    from matplotlib.axes import Axes
    from matplotlib.axis import Axis
    from matplotlib.text import Text

    sizes, todo = [], [artist]
    while todo:
        a = todo.pop()
        if not a.get_visible():
            continue
        if isinstance(a, Text) and a.get_text().strip() and a.get_alpha() != 0:
            sizes.append(float(a.get_fontsize()))
        kids = a.get_children()
        if isinstance(a, Axes) and not a.axison:  # ax.axis("off") hides its axes' tick labels
            kids = [k for k in kids if not isinstance(k, Axis)]
        todo.extend(kids)
    return min(sizes) if sizes else None


def _png_with_text_size(fig):
    """IPython's PNG of ``fig`` (as the inline backend makes it), with two tEXt chunks: the
    smallest font size in points and the dpi, so a test of the built book can compute the
    size at which the smallest text is shown (tests/browser/test_layout.py)."""
    from IPython.core.pylabtools import print_figure
    from matplotlib_inline.config import InlineBackend

    fig.draw_without_rendering()  # tick labels get their text when the figure is drawn
    smallest = smallest_text_pt(fig)
    metadata = {FIGURE_DPI_KEY: f"{fig.dpi:g}"}
    if smallest is not None:
        metadata[FIGURE_TEXT_KEY] = f"{smallest:g}"
    return print_figure(fig, "png", base64=True, metadata=metadata,
                        **InlineBackend.instance().print_figure_kwargs)


def record_figure_text_sizes() -> bool:
    """In IPython with matplotlib's inline backend showing PNGs (a Jupyter kernel: the book's
    build, Colab), make every figure shown carry its smallest font size and dpi as PNG tEXt
    chunks (:data:`FIGURE_TEXT_KEY`, :data:`FIGURE_DPI_KEY`). The image is otherwise the
    same. Elsewhere (a script, the Agg backend, SVG or retina figures) it does nothing.
    Returns whether it is active. ``import dlsg_utils`` calls it."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None or not hasattr(shell, "display_formatter"):
        return False
    import matplotlib

    if matplotlib.rcParams["backend"] not in _INLINE:
        return False
    # Loading the backend makes it register its own figure formatters (it does that once, when
    # matplotlib first loads it); ours has to come after them.
    import matplotlib_inline.backend_inline  # noqa: F401
    from matplotlib.figure import Figure
    from matplotlib_inline.config import InlineBackend

    if set(InlineBackend.instance().figure_formats) != {"png"}:
        return False
    shell.display_formatter.formatters["image/png"].for_type(Figure, _png_with_text_size)
    return True


record_figure_text_sizes()
