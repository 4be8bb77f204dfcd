"""What ties a chapter's prose to its computed numbers.

:func:`glue` hands a value to the book (myst-nb's ``glue``) so that the text can quote it with
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

    ``display=True`` also shows the value in the cell's output. Names must be unique within a
    chapter (a Python identifier is a safe choice).
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name must be a Python identifier, got {name!r}")
    try:
        from myst_nb import glue as myst_glue
    except ImportError:  # Colab or Jupyter without myst-nb: nothing to record
        if display:
            from IPython.display import display as show

            show(value)
        return value
    myst_glue(name, value, display=display)
    return value
