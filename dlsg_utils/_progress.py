"""The package's progress bars (:func:`dlsg_utils.train.fit`, the downloads): tqdm's widget bar
or its text bar, chosen with ``DLSG_PROGRESS``.

What ``tqdm.auto`` does on its own (``tqdm/autonotebook.py``, tqdm 4.66 to 4.70): in a Jupyter
kernel (ipykernel loaded; not the Qt console or Spyder) it draws an ipywidgets bar
(``tqdm.notebook``) if ipywidgets imports, and otherwise warns "IProgress not found" and draws
a text bar; outside a kernel it draws a text bar. It cannot tell whether the front end renders
widgets: one that does not shows the bar's text form as it was when displayed (0%), or nothing.

``DLSG_PROGRESS``:

* ``text``: always tqdm's text bar, written to stderr and redrawn in place (Jupyter, Colab and
  terminals all show it live): for a front end that does not render widgets;
* ``widget``: ``tqdm.auto``'s choice, everywhere;
* unset or ``auto``: ``tqdm.auto``'s choice, except in Colab, which gets the text bar: Colab's
  built-in widget support is for ipywidgets 7, and installing this package (``ipywidgets>=8``)
  upgrades it; Colab then draws ipywidgets 8 only through its opt-in custom widget manager.
"""

from __future__ import annotations

import os
import sys

PROGRESS_ENV = "DLSG_PROGRESS"
MODES = ("auto", "text", "widget")


def progress_mode() -> str:
    """``"text"`` or ``"widget"``: the bar :func:`tqdm` draws here (see the module's text)."""
    mode = os.environ.get(PROGRESS_ENV, "").strip().lower() or "auto"
    if mode not in MODES:
        raise ValueError(f"{PROGRESS_ENV} must be one of {', '.join(MODES)}, got {mode!r}")
    if mode == "auto":
        return "text" if "google.colab" in sys.modules else "widget"
    return mode


def tqdm(*args, **kwargs):
    """A tqdm bar (same arguments as ``tqdm.tqdm``): the text bar or ``tqdm.auto``'s, as
    :func:`progress_mode` says. tqdm.auto is imported only here: it probes for a notebook when
    it is imported."""
    if progress_mode() == "text":
        from tqdm.std import tqdm as bar
    else:
        from tqdm.auto import tqdm as bar
    return bar(*args, **kwargs)
