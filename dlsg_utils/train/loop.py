"""The training loop: :func:`~dlsg_utils.train.fit`."""

from __future__ import annotations

import contextlib
import math
import random
import time
import warnings
from collections.abc import Callable, Iterator, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import dlsg_utils

from ..checks import check_bool, check_callable, check_choice, check_int, check_real
from ..nets import as_device, check_module
from .batches import (
    Data,
    _Batches,
    _check_class_labels,
    _check_data,
    _check_label_range,
    _check_order,
    _epoch_indices,
    _n_correct,
)
from .callbacks import EarlyStopping, GradientNoise, History
from .evaluation import LossFn, _evaluate_batches

__all__ = ["DEFAULT_BATCH_SIZE", "MAX_LOSS", "TrainingDiverged", "fit", "steps_per_epoch"]


DEFAULT_BATCH_SIZE = 128
"""The mini-batch size :func:`fit` uses unless told otherwise."""

MAX_LOSS = 1e8
"""The mini-batch loss above which :func:`fit` calls a run diverged and stops it (a
cross-entropy of 1e8 means logits 1e8 apart; a NaN or infinite loss always stops it)."""

_CHECK_EVERY = 50
"""On an accelerator, :func:`fit` looks at the losses every this many steps (one sync)."""


class TrainingDiverged(RuntimeWarning):
    """:func:`fit` stopped a run whose loss became NaN, infinite or larger than ``max_loss``."""


@contextlib.contextmanager
def _local_seed(seed: int | None, dev: torch.device) -> Iterator[torch.Generator | None]:
    """Seed Python, NumPy and torch for one run and put their previous states back afterwards:
    the run repeats exactly, and the caller's generators are left where they were."""
    if seed is None:
        yield None
        return
    py_state, np_state = random.getstate(), np.random.get_state()
    cuda = list(range(torch.cuda.device_count())) if torch.cuda.is_initialized() else []
    if dev.type == "cuda" and not cuda:
        cuda = [dev.index if dev.index is not None else 0]
    try:
        with torch.random.fork_rng(devices=cuda):
            dlsg_utils.seed_everything(seed)
            yield torch.Generator().manual_seed(seed)
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)


def _first_bad(losses: list[torch.Tensor], max_loss: float | None) -> tuple[int, float] | None:
    """(index, value) of the first loss that is not finite or above ``max_loss``, else None."""
    if max_loss is None or not losses:
        return None
    values = torch.stack(losses).float()
    bad = ~torch.isfinite(values) | (values > max_loss)
    if not bool(bad.any()):
        return None
    i = int(bad.nonzero()[0, 0])
    return i, float(values[i])


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
    max_loss: float | None = MAX_LOSS,
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
    * ``seed``: seeds Python, NumPy and torch (as :func:`dlsg_utils.seed_everything`) and the
      shuffling generator for this run only, so a run on the CPU repeats exactly; afterwards
      the global generators are back in the state they were in before the call, so models
      built after it are not drawn from the same numbers. (Seed before building the model to
      fix its initial weights too.)
    * ``max_loss``: a divergence check. When a mini-batch loss is NaN, infinite or above
      ``max_loss`` (default :data:`MAX_LOSS`), training stops there with a
      :class:`TrainingDiverged` warning; the epoch is recorded with the losses up to that step
      (no validation), ``History.diverged_step`` and ``stopped_epoch`` say where. ``None``
      trains on regardless. On the CPU every step is checked; on an accelerator every 50th
      step and the end of each epoch (to avoid a device sync per step).
    """
    check_module("model", model)
    epochs = check_int("epochs", epochs, min=0)
    batch_size = check_int("batch_size", batch_size, min=1)
    shuffle = check_bool("shuffle", shuffle)
    progress = check_bool("progress", progress)
    if max_loss is not None:
        max_loss = check_real("max_loss", max_loss, min=0, min_open=True)
    if loss_fn is not None:
        check_callable("loss_fn", loss_fn)
    if early_stopping is not None and not isinstance(early_stopping, EarlyStopping):
        raise TypeError(f"early_stopping must be an EarlyStopping, got "
                        f"{type(early_stopping).__name__}")
    if grad_noise is not None and not callable(grad_noise):
        raise TypeError(f"grad_noise must be a GradientNoise (or a callable (params, t)), got "
                        f"{type(grad_noise).__name__}")
    check_choice("scheduler_interval", scheduler_interval, ("epoch", "batch"))
    if augment is not None:
        check_callable("augment", augment)
    if early_stopping is not None and val_data is None:
        raise ValueError("early_stopping watches the validation loss: pass val_data too")
    _check_data(train_data, "train_data")
    if val_data is not None:
        _check_data(val_data, "val_data")
    if loss_fn is None:  # cross-entropy needs integer class labels
        _check_class_labels(train_data, "train_data")
        if val_data is not None:
            _check_class_labels(val_data, "val_data")
    if order is not None and not callable(order):
        _check_order(order)
    dev = as_device(device) if device is not None else dlsg_utils.device()
    with _local_seed(seed, dev) as generator:
        return _fit(model, train_data, val_data, optimizer, epochs, batch_size, loss_fn, shuffle,
                    dev, scheduler, scheduler_interval, early_stopping, grad_noise, augment,
                    order, progress, generator, max_loss)


def _fit(model, train_data, val_data, optimizer, epochs, batch_size, loss_fn, shuffle, dev,
         scheduler, scheduler_interval, early_stopping, grad_noise, augment, order, progress,
         generator, max_loss) -> History:
    """:func:`fit` after its checks, inside the run's own random state."""
    from .._progress import tqdm  # text bars where widgets do not render (Colab)

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
    every = 1 if dev.type == "cpu" else _CHECK_EVERY
    diverged = None  # (step, loss) of the first bad mini-batch loss
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
            if t % every == 0 and (bad := _first_bad(losses[-every:], max_loss)) is not None:
                diverged = (t - len(losses[-every:]) + bad[0], bad[1])
                break
        if not losses:
            raise ValueError(f"epoch {epoch} had no mini-batches (empty data or order)")
        if diverged is None and (bad := _first_bad(losses, max_loss)) is not None:
            diverged = (t - len(losses) + bad[0], bad[1])  # seen at the end of the epoch
        if diverged is not None:  # keep the epoch's record up to the bad step
            keep = len(losses) - (t - diverged[0]) + 1
            losses, lrs, sizes = losses[:keep], lrs[:keep], sizes[:keep]
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

        stop = diverged is not None
        if val_data is not None and stop:
            history.val_loss.append(math.nan)
            history.val_acc.append(math.nan)
        elif val_data is not None:
            val_loss, val_acc = _evaluate_batches(model, val, loss_fn)
            history.val_loss.append(val_loss)
            history.val_acc.append(val_acc)
            postfix["val_loss"] = f"{val_loss:.4f}"
            if not math.isnan(val_acc):
                postfix["val_acc"] = f"{val_acc:.3f}"
            if early_stopping is not None:
                stop = early_stopping.update(val_loss, model)
        if sched is not None and scheduler_interval == "epoch" and diverged is None:
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
    if diverged is not None:
        history.diverged_step = diverged[0]
        warnings.warn(f"training diverged: the mini-batch loss of step {diverged[0]} (epoch "
                      f"{history.stopped_epoch}) was {diverged[1]:g}, above max_loss={max_loss:g} "
                      "or not finite, so fit stopped there. Lower the learning rate, or pass "
                      "max_loss=None to train on regardless.", TrainingDiverged, stacklevel=3)

    if early_stopping is not None:
        history.best_epoch = early_stopping.best_epoch
        early_stopping.restore(model)
    elif history.val_loss and not np.all(np.isnan(history.val_loss)):
        history.best_epoch = int(np.nanargmin(history.val_loss)) + 1  # None if all diverged
    return history
