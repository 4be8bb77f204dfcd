"""Looking inside a trained classifier (chapters 11-14): the numbers; their figures are in
:mod:`dlsg_utils.plot` (``show_images``, ``show_filters``, ``show_activation_maps``,
``plot_confusion``).

* :mod:`~dlsg_utils.visualize.mistakes` -- :func:`confusion_matrix`, :func:`worst_mistakes`;
* :mod:`~dlsg_utils.visualize.features` -- :func:`activations` of chosen layers (forward hooks),
  :func:`filter_statistics` of first-layer filters, :func:`penultimate_features` and
  :func:`nearest_neighbours` (retrieval in feature space);
* :mod:`~dlsg_utils.visualize.attribution` -- :func:`saliency_map`, :func:`occlusion_map`,
  :func:`class_model` (an input that maximises a class score).
"""

from .attribution import class_model, occlusion_map, saliency_map
from .features import activations, filter_statistics, nearest_neighbours, penultimate_features
from .mistakes import confusion_matrix, worst_mistakes

__all__ = [
    "activations",
    "class_model",
    "confusion_matrix",
    "filter_statistics",
    "nearest_neighbours",
    "occlusion_map",
    "penultimate_features",
    "saliency_map",
    "worst_mistakes",
]
