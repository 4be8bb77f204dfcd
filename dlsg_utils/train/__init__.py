"""Training torch models: one ``fit`` loop with the tips from the slides built in.

``fit(model, (X, y), (X_val, y_val), optimizer, epochs)`` trains a classifier with mini-batches
and returns a :class:`History` of per-epoch losses and accuracies. The "additional strategies"
of the slides are arguments of the same loop, so a chapter can switch them on one at a time:

* ``shuffle`` / ``order``: a fresh random order every epoch, or a fixed order you choose (sorted
  by label, easy examples first — curriculum learning, Bengio et al. 2009);
* ``scheduler``: a torch learning-rate scheduler (see :mod:`dlsg_utils.schedules`), stepped once
  per epoch or once per mini-batch;
* ``early_stopping``: an :class:`EarlyStopping` object that watches the validation loss;
* ``grad_noise``: a :class:`GradientNoise` hook that adds N(0, σ_t²) with σ_t² = η/(1+t)^γ to
  every gradient (Neelakantan et al. 2015).

:func:`sweep_lr` tunes a learning rate on a log grid and extends the grid while the best rate
sits at its edge (chapter 6 tunes every optimizer with it).

Data: a pair of tensors ``(X, y)`` (as :func:`dlsg_utils.data.load_mnist` returns), a torch
``Dataset`` or a ``DataLoader``. A tensor pair is moved to the device once and mini-batches are
sliced there, which for MNIST-sized data is much faster than a ``DataLoader``.

Epochs are numbered from 1 everywhere (``History.best_epoch``, ``stopped_epoch``, the argument
of an ``order`` callable); optimizer steps ``t`` are counted from 0.
"""

from .callbacks import EarlyStopping, GradientNoise, History
from .evaluation import ensemble_predict, evaluate, predict
from .loop import DEFAULT_BATCH_SIZE, MAX_LOSS, TrainingDiverged, fit, steps_per_epoch
from .tuning import LRSweep, sweep_lr

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "EarlyStopping",
    "GradientNoise",
    "History",
    "LRSweep",
    "MAX_LOSS",
    "TrainingDiverged",
    "ensemble_predict",
    "evaluate",
    "fit",
    "predict",
    "steps_per_epoch",
    "sweep_lr",
]
