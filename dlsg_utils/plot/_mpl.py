"""The one place that relies on matplotlib's private API; tests/test_plot.py checks that these
attributes still exist, so a matplotlib release that removes them fails a test, not a chapter."""

from __future__ import annotations

from matplotlib.animation import FuncAnimation
from matplotlib.figure import Figure

__all__ = ["figure_of"]


def figure_of(anim: FuncAnimation) -> Figure:
    """The figure an animation draws on (matplotlib keeps it in the private ``_fig``)."""
    return anim._fig


class _Animation(FuncAnimation):
    """A FuncAnimation that draws each frame once, not twice, while it is saved.

    ``Animation.save`` (which ``to_jshtml`` calls) updates the artists, lets ``_post_draw``
    redraw the whole canvas, and then renders the frame again for the writer. The first
    rendering is wasted; skipping it makes the embedded players about a third faster to
    build. Outside ``save`` (an interactive window) nothing changes.
    """

    _saving = False

    def save(self, *args, **kwargs):
        self._saving = True
        try:
            return super().save(*args, **kwargs)
        finally:
            self._saving = False

    def _post_draw(self, *args, **kwargs):
        if not self._saving:
            super()._post_draw(*args, **kwargs)
