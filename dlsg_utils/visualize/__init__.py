"""Looking inside a trained classifier (chapters 11-14): the numbers; their figures are in
:mod:`dlsg_utils.plot` (``show_images``, ``show_filters``, ``show_activation_maps``,
``plot_confusion``).

* :mod:`~dlsg_utils.visualize.mistakes` -- :func:`confusion_matrix`, :func:`worst_mistakes`;
* :mod:`~dlsg_utils.visualize.features` -- :func:`activations` of chosen layers (forward hooks),
  :func:`filter_statistics` of first-layer filters, :func:`penultimate_features` and
  :func:`nearest_neighbours` (retrieval in feature space);
* :mod:`~dlsg_utils.visualize.attribution` -- :func:`saliency_map`, :func:`occlusion_map`,
  :func:`class_model` (an input that maximises a class score);
* :mod:`~dlsg_utils.visualize.nulls` -- :func:`random_twins` and :func:`smooth_random_filters`:
  random filters as smooth as trained ones, the chance to measure filter statistics against,
  and :func:`share_vs_chance`.
"""

from .attribution import class_model, occlusion_map, rank_correlation, saliency_map
from .features import activations, filter_statistics, nearest_neighbours, penultimate_features
from .mistakes import confusion_matrix, worst_mistakes
from .nulls import (
    mix_colour,
    oriented_twins,
    random_twins,
    roughness_to_sigma,
    share_vs_chance,
    smooth_random_filters,
    twin_percentile,
)

__all__ = [
    "activations",
    "class_model",
    "confusion_matrix",
    "filter_statistics",
    "mix_colour",
    "nearest_neighbours",
    "occlusion_map",
    "oriented_twins",
    "penultimate_features",
    "rank_correlation",
    "random_twins",
    "roughness_to_sigma",
    "saliency_map",
    "share_vs_chance",
    "smooth_random_filters",
    "twin_percentile",
    "worst_mistakes",
]
