"""What a training run records and the hooks it can be given: the per-epoch :class:`History`,
:class:`EarlyStopping` on the validation loss, and annealed :class:`GradientNoise`
(chapter 6)."""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
from torch import nn

from ..checks import check_bool, check_int, check_real

__all__ = ["EarlyStopping", "GradientNoise", "History"]


@dataclass
class History:
    """What :func:`fit` measured.

    Per epoch (one entry each): ``train_loss`` and ``train_acc`` (running averages over the
    epoch's mini-batches, weighted by batch size — the model changes during the epoch, so they
    are not a re-evaluation at its end), ``val_loss`` and ``val_acc`` (the model evaluated after
    the epoch; empty without validation data), ``epoch_time`` (seconds of training and
    evaluation) and ``lr`` (the first parameter group's learning rate at the epoch's first step).
    Per optimizer step: ``step_loss`` (the mini-batch loss) and ``step_lr``.

    ``best_epoch``: the epoch (from 1) with the lowest validation loss (as the early stopper
    counts improvements, when there is one); ``None`` without validation data.
    ``stopped_epoch``: the epoch after which early stopping (or the divergence check) ended
    training, else ``None``; ``diverged_step``: the optimizer step (from 0) whose loss was NaN,
    infinite or above ``fit``'s ``max_loss``, else ``None``.
    Accuracies are ``nan`` when the model's output is not class scores.
    """

    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    epoch_time: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    step_loss: list[float] = field(default_factory=list)
    step_lr: list[float] = field(default_factory=list)
    stopped_epoch: int | None = None
    best_epoch: int | None = None
    diverged_step: int | None = None

    @property
    def epochs(self) -> int:
        """Number of epochs trained."""
        return len(self.train_loss)

    def as_dict(self) -> dict:
        """A plain dict of lists and ints (e.g. to save as JSON or build a table)."""
        return asdict(self)


class EarlyStopping:
    """Stop when the validation loss has not improved for ``patience`` epochs.

    An epoch *improves* when its loss is below ``best - min_delta``. :meth:`update` is called
    once per epoch and returns True when training should stop: after ``patience`` epochs in a
    row without improvement, i.e. at epoch ``best_epoch + patience``. With ``restore_best`` the
    stopper keeps a copy of the weights of the best epoch, and :func:`fit` puts them back into
    the model when training ends (stopped early or not). One object watches one run; call
    :meth:`reset` (``fit`` does) before reusing it.
    """

    def __init__(self, patience: int = 5, min_delta: float = 0.0, restore_best: bool = True):
        self.patience = check_int("patience", patience, min=1)
        self.min_delta = check_real("min_delta", min_delta, min=0)
        self.restore_best = check_bool("restore_best", restore_best)
        self.reset()

    def reset(self) -> None:
        """Forget everything seen so far."""
        self.best = math.inf
        self.best_epoch: int | None = None
        self.epoch = 0
        self.wait = 0
        self.best_state: dict | None = None
        self.stopped_epoch: int | None = None

    def update(self, val_loss: float, model: nn.Module | None = None) -> bool:
        """Record one epoch's validation loss; True means "stop now".

        If the loss improved and ``model`` is given (and ``restore_best``), a copy of its
        ``state_dict`` is kept as the best weights.
        """
        self.epoch += 1
        val_loss = float(val_loss)
        if val_loss < self.best - self.min_delta:
            self.best, self.best_epoch, self.wait = val_loss, self.epoch, 0
            if model is not None and self.restore_best:
                self.best_state = copy.deepcopy(model.state_dict())
            return False
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = self.epoch
            return True
        return False

    def restore(self, model: nn.Module) -> bool:
        """Load the best weights into ``model``; False if there are none to load."""
        if not self.restore_best or self.best_state is None:
            return False
        model.load_state_dict(self.best_state)
        return True

    def __repr__(self) -> str:
        return (f"EarlyStopping(patience={self.patience}, min_delta={self.min_delta}, "
                f"restore_best={self.restore_best})")


class GradientNoise:
    """Annealed Gaussian gradient noise (Neelakantan et al. 2015).

    After the backward pass of step t (t = 0, 1, ... counts optimizer steps over the whole run)
    every gradient gets independent noise: g ← g + N(0, σ_t²) with

        σ_t² = η / (1 + t)^γ.

    ``eta`` is η (the paper tries 0.01, 0.3 and 1.0), ``gamma`` is γ (0.55 in the paper).
    ``seed`` fixes the noise; without it the noise comes from torch's global generator.

    The book: :eq:`eq-ch06-gradient-noise`, chapter 6.
    """

    def __init__(self, eta: float, gamma: float = 0.55, seed: int | None = None):
        self.eta = check_real("eta", eta, min=0)
        self.gamma = check_real("gamma", gamma, min=0)
        if seed is not None:
            check_int("seed", seed, min=0)
        self.seed = seed
        self._generators: dict[str, torch.Generator] = {}

    def variance(self, t: int | np.ndarray) -> float | np.ndarray:
        """σ_t² = η / (1 + t)^γ (works on arrays of steps too)."""
        return self.eta / (1.0 + np.asarray(t, dtype=float)) ** self.gamma

    def _generator(self, dev: torch.device) -> torch.Generator | None:
        if self.seed is None:
            return None
        key = str(dev)
        if key not in self._generators:
            self._generators[key] = torch.Generator(device=dev).manual_seed(self.seed)
        return self._generators[key]

    @torch.no_grad()
    def __call__(self, parameters: Iterable[torch.Tensor], t: int) -> None:
        """Add N(0, σ_t²) noise to the ``.grad`` of every parameter that has one, in place."""
        std = math.sqrt(float(self.variance(t)))
        if std == 0.0:
            return
        for p in parameters:
            if p.grad is None:
                continue
            noise = torch.randn(p.grad.shape, generator=self._generator(p.grad.device),
                                device=p.grad.device, dtype=p.grad.dtype)
            p.grad.add_(noise, alpha=std)

    def __repr__(self) -> str:
        return f"GradientNoise(eta={self.eta}, gamma={self.gamma}, seed={self.seed})"
