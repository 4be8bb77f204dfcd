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
