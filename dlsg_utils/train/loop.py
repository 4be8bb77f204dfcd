"""The training loop: :func:`~dlsg_utils.train.fit`."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import dlsg_utils

from ..checks import check_callable, check_choice, check_int
from .batches import Data, _Batches, _check_data, _check_label_range, _epoch_indices, _n_correct
from .callbacks import EarlyStopping, GradientNoise, History
from .evaluation import LossFn, _evaluate_batches

__all__ = ["DEFAULT_BATCH_SIZE", "fit", "steps_per_epoch"]


DEFAULT_BATCH_SIZE = 128
"""The mini-batch size :func:`fit` uses unless told otherwise."""


def steps_per_epoch(n: int, batch_size: int = DEFAULT_BATCH_SIZE) -> int:
    """How many optimizer steps :func:`fit` takes per epoch on ``n`` examples: ⌈n / batch_size⌉
    (the last mini-batch may be smaller). Learning-rate schedules stepped per batch count in
    these: ``total_steps=epochs * steps_per_epoch(n, batch_size)``."""
    n = check_int("n", n, min=1)
    batch_size = check_int("batch_size", batch_size, min=1)
    return -(-n // batch_size)


def _make_optimizer(optimizer, model: nn.Module) -> torch.optim.Optimizer:
    if optimizer is None:
        return torch.optim.Adam(model.parameters())
    if isinstance(optimizer, torch.optim.Optimizer):
        return optimizer
    if callable(optimizer):
        opt = optimizer(model.parameters())
        if not isinstance(opt, torch.optim.Optimizer):
            raise TypeError(f"optimizer(params) must return a torch.optim.Optimizer, "
                            f"got {type(opt).__name__}")
        return opt
    raise TypeError(f"optimizer must be a torch.optim.Optimizer or a callable "
                    f"params -> optimizer, got {type(optimizer).__name__}")


def _make_scheduler(scheduler, optimizer: torch.optim.Optimizer):
    if scheduler is None:
        return None
    if isinstance(scheduler, (torch.optim.lr_scheduler.LRScheduler,
                              torch.optim.lr_scheduler.ReduceLROnPlateau)):
        return scheduler
    if callable(scheduler):
        return scheduler(optimizer)
    raise TypeError(f"scheduler must be a torch LR scheduler or a callable optimizer -> "
                    f"scheduler, got {type(scheduler).__name__}")


def fit(
    model: nn.Module,
    train_data: Data,
    val_data: Data | None = None,
    optimizer: torch.optim.Optimizer | Callable | None = None,
    epochs: int = 1,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    loss_fn: LossFn | None = None,
    shuffle: bool = True,
    device: torch.device | str | None = None,
    scheduler=None,
    scheduler_interval: str = "epoch",
    early_stopping: EarlyStopping | None = None,
    grad_noise: GradientNoise | None = None,
    augment: Callable[[torch.Tensor], torch.Tensor] | None = None,
    order: Sequence[int] | np.ndarray | torch.Tensor | Callable[[int], Sequence[int]] | None = None,
    progress: bool = True,
    seed: int | None = None,
) -> History:
    """Train ``model`` with mini-batches for ``epochs`` epochs and return its :class:`History`.

    Each step: forward a mini-batch, ``loss = loss_fn(model(X_b), y_b)``, backward, optionally
    add gradient noise (``grad_noise(params, t)``), ``optimizer.step()``, and step a per-batch
    scheduler. After each epoch: evaluate on ``val_data``, step a per-epoch scheduler, ask the
    early stopper.

    * ``train_data``/``val_data``: ``(X, y)`` tensors, a Dataset or a DataLoader (a DataLoader
      keeps its own batch size and order). Tensors are moved to ``device`` once when they fit.
    * ``optimizer``: a ``torch.optim.Optimizer`` built on ``model.parameters()``, or a callable
      ``params -> optimizer`` (e.g. ``lambda p: torch.optim.SGD(p, lr=0.1)``); default Adam
      with lr 1e-3.
    * ``loss_fn``: batch-mean loss, default cross-entropy on logits.
    * ``device``: default :func:`dlsg_utils.device`; the model is moved there.
    * ``scheduler``: a torch scheduler on ``optimizer``, or a callable ``optimizer ->
      scheduler`` (needed when ``fit`` builds the optimizer; see
      :func:`dlsg_utils.schedules.make_schedule`). ``scheduler_interval="epoch"`` steps it after
      every epoch, ``"batch"`` after every optimizer step (what warm-up and one-cycle
      schedules expect). ``ReduceLROnPlateau`` is stepped per epoch with the validation loss
      (the training loss without validation data).
    * ``early_stopping``: an :class:`EarlyStopping`; needs ``val_data``.
    * ``grad_noise``: a :class:`GradientNoise`; t counts optimizer steps from 0.
    * ``augment``: a callable applied to every training mini-batch of inputs on the device
      before the forward pass (e.g. :class:`dlsg_utils.data.RandomCropFlip`); validation data
      is never augmented.
    * ``order``: fixed example order instead of shuffling — an index array used every epoch,
      or a callable ``epoch -> indices`` (epochs from 1; may return a subset, e.g. for a
      curriculum). With ``order``, ``shuffle`` is ignored.
    * ``progress``: a tqdm bar over epochs with the latest losses and accuracies.
    * ``seed``: calls :func:`dlsg_utils.seed_everything` and seeds the shuffling generator, so
      a run on the CPU repeats exactly. (Seed before building the model to fix its initial
      weights too.)
    """
    epochs = check_int("epochs", epochs, min=0)
    batch_size = check_int("batch_size", batch_size, min=1)
    check_choice("scheduler_interval", scheduler_interval, ("epoch", "batch"))
    if augment is not None:
        check_callable("augment", augment)
    if early_stopping is not None and val_data is None:
        raise ValueError("early_stopping watches the validation loss: pass val_data too")
    _check_data(train_data, "train_data")
    if val_data is not None:
        _check_data(val_data, "val_data")

    from .._progress import tqdm  # text bars where widgets do not render (Colab)

    generator = None
    if seed is not None:
        dlsg_utils.seed_everything(seed)
        generator = torch.Generator().manual_seed(seed)
    dev = torch.device(device) if device is not None else dlsg_utils.device()
    model.to(dev)
    loss_fn = F.cross_entropy if loss_fn is None else loss_fn
    opt = _make_optimizer(optimizer, model)
    sched = _make_scheduler(scheduler, opt)
    plateau = isinstance(sched, torch.optim.lr_scheduler.ReduceLROnPlateau)
    if plateau and scheduler_interval == "batch":
        raise ValueError("ReduceLROnPlateau needs a loss per epoch: use scheduler_interval='epoch'")
    if early_stopping is not None:
        early_stopping.reset()

    train = _Batches(train_data, dev, batch_size)
    # validation data is placed on the device once, not at every epoch
    val = None if val_data is None else _Batches(val_data, dev, max(batch_size, 1024))
    history = History()
    t = 0
    bar = tqdm(range(1, epochs + 1), desc="epochs", unit="epoch", disable=not progress)
    for epoch in bar:
        start = time.perf_counter()
        model.train()
        indices = (None if train.loader is not None
                   else _epoch_indices(train.n, epoch, order, shuffle, generator))
        losses, lrs, sizes = [], [], []
        correct = torch.zeros((), dtype=torch.long, device=dev)
        classify = True
        for xb, yb in train(indices):
            if augment is not None:
                xb = augment(xb)
            lrs.append(opt.param_groups[0]["lr"])
            opt.zero_grad(set_to_none=True)
            out = model(xb)
            if t == 0 and train.loader is None and train.dataset is None:
                _check_label_range(out, train.y, "train_data")
            loss = loss_fn(out, yb)
            loss.backward()
            if grad_noise is not None:
                grad_noise(model.parameters(), t)
            opt.step()
            if sched is not None and scheduler_interval == "batch":
                sched.step()
            t += 1
            losses.append(loss.detach())  # no .item(): no device sync per step
            sizes.append(len(yb))
            with torch.no_grad():
                c = _n_correct(out, yb)
            classify = classify and c is not None
            if c is not None:
                correct += c
        if not losses:
            raise ValueError(f"epoch {epoch} had no mini-batches (empty data or order)")
        step_loss = torch.stack(losses).float().cpu().tolist()
        n_seen = sum(sizes)
        history.step_loss += step_loss
        history.step_lr += lrs
        history.lr.append(lrs[0])
        history.train_loss.append(float(np.dot(step_loss, sizes)) / n_seen)
        history.train_acc.append(int(correct) / n_seen if classify else math.nan)
        postfix = {"loss": f"{history.train_loss[-1]:.4f}"}
        if classify:
            postfix["acc"] = f"{history.train_acc[-1]:.3f}"

        stop = False
        if val_data is not None:
            val_loss, val_acc = _evaluate_batches(model, val, loss_fn)
            history.val_loss.append(val_loss)
            history.val_acc.append(val_acc)
            postfix["val_loss"] = f"{val_loss:.4f}"
            if not math.isnan(val_acc):
                postfix["val_acc"] = f"{val_acc:.3f}"
            if early_stopping is not None:
                stop = early_stopping.update(val_loss, model)
        if sched is not None and scheduler_interval == "epoch":
            if plateau:
                sched.step(history.val_loss[-1] if history.val_loss else history.train_loss[-1])
            else:
                sched.step()
        history.epoch_time.append(time.perf_counter() - start)
        bar.set_postfix(postfix)
        if stop:
            history.stopped_epoch = epoch
            break
    bar.close()

    if early_stopping is not None:
        history.best_epoch = early_stopping.best_epoch
        early_stopping.restore(model)
    elif history.val_loss and not np.all(np.isnan(history.val_loss)):
        history.best_epoch = int(np.nanargmin(history.val_loss)) + 1  # None if all diverged
    return history
