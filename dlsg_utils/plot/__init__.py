"""Figures for the book: loss surfaces, optimizer paths, animated races and training curves.

- :mod:`~dlsg_utils.plot.surfaces`: contours, trajectories, the loss along each path;
- :mod:`~dlsg_utils.plot.animation`: JavaScript players (races, any FuncAnimation);
- :mod:`~dlsg_utils.plot.curves`: training curves with their spread over seeds;
- :mod:`~dlsg_utils.plot.architecture`: a network's feature maps drawn as stacks;
- :mod:`~dlsg_utils.plot.images`: images, filters and activation maps as grids, confusion
  matrices;
- :mod:`~dlsg_utils.plot.conv_grid`, :mod:`~dlsg_utils.plot.conv_volume`: convolution arithmetic
  and the multi-channel convolution, drawn and animated.

This module sits on top of the numeric ones (:mod:`dlsg_utils.functions`, :mod:`dlsg_utils.optim`,
:mod:`dlsg_utils.train`) and is never imported by them. Every function draws into axes it is
given (or makes a figure) and returns the axes, figure or animation; nothing prints.

A *surface* is any object like those in :mod:`dlsg_utils.functions`: callable on meshgrids
``f(X, Y)``, with ``bounds = ((x_lo, x_hi), (y_lo, y_hi))``, and optionally ``minima`` (a list of
points), ``min_value`` (f* or ``None``) and ``name``. A *path* is an array ``(T, 2)`` of points
θ₀, ..., θ_{T−1}, as :func:`dlsg_utils.optim.run` returns.

The animations are matplotlib ``FuncAnimation`` objects turned into a self-contained
JavaScript player by ``Animation.to_jshtml()`` (:func:`animation_html`): the frames are
embedded as images, so the player works in the static HTML book without a kernel.
"""

from .animation import AnimationHTML, animation_html, race_animation, race_html
from .architecture import draw_architecture
from .conv_grid import ConvLayout, conv_animation, conv_description, conv_figure, conv_layout
from .conv_volume import volume_animation, volume_figure
from .curves import history, loss_curves
from .images import plot_confusion, show_activation_maps, show_filters, show_images
from .surfaces import (
    contour,
    contour_levels,
    min_value_of,
    path_bounds,
    path_losses,
    step_losses,
    surface_grid,
    trajectories,
)

__all__ = [
    "AnimationHTML",
    "ConvLayout",
    "animation_html",
    "contour",
    "contour_levels",
    "conv_animation",
    "conv_description",
    "conv_figure",
    "conv_layout",
    "draw_architecture",
    "history",
    "loss_curves",
    "min_value_of",
    "path_bounds",
    "path_losses",
    "plot_confusion",
    "race_animation",
    "race_html",
    "show_activation_maps",
    "show_filters",
    "show_images",
    "step_losses",
    "surface_grid",
    "trajectories",
    "volume_animation",
    "volume_figure",
]
