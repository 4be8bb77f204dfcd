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

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset, TensorDataset

import dlsg_utils

from .checks import check_bool, check_callable, check_choice, check_int, check_real

__all__ = [
    "EarlyStopping",
    "GradientNoise",
    "History",
    "LRSweep",
    "ensemble_predict",
    "evaluate",
    "fit",
    "predict",
    "sweep_lr",
]

Data = tuple[torch.Tensor, torch.Tensor] | Dataset | DataLoader
LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


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
    ``stopped_epoch``: the epoch after which early stopping ended training, else ``None``.
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


# --- data ------------------------------------------------------------------------------------

def _as_tensors(data) -> tuple[torch.Tensor, torch.Tensor] | None:
    """``(X, y)`` if ``data`` is a tensor pair or a two-tensor TensorDataset, else None."""
    if isinstance(data, TensorDataset) and len(data.tensors) == 2:
        return data.tensors[0], data.tensors[1]
    if isinstance(data, (tuple, list)) and len(data) == 2:
        X, y = data
        if isinstance(X, torch.Tensor) and isinstance(y, torch.Tensor):
            if len(X) != len(y):
                raise ValueError(f"X and y must have the same length, got {len(X)} and {len(y)}")
            return X, y
        if isinstance(X, np.ndarray) and isinstance(y, np.ndarray):
            return _as_tensors(_numpy_pair(X, y))
    return None


def _numpy_pair(X: np.ndarray, y: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """NumPy inputs as torch's defaults expect them: float inputs in torch's default dtype
    (float32; NumPy's float64 would not match the model's weights), integer labels as int64."""
    X_t = torch.as_tensor(X)
    if X_t.is_floating_point():
        X_t = X_t.to(torch.get_default_dtype())
    y_t = torch.as_tensor(y)
    if not y_t.is_floating_point():
        y_t = y_t.long()
    return X_t, y_t


def _check_data(data, name: str) -> None:
    if _as_tensors(data) is None and not isinstance(data, (Dataset, DataLoader)):
        raise TypeError(f"{name} must be a pair (X, y) of tensors, a torch Dataset or a "
                        f"DataLoader, got {type(data).__name__}")


def _fits_on(dev: torch.device, nbytes: int) -> bool:
    """Whether tensors of ``nbytes`` can live on ``dev`` (up to half its free memory)."""
    if dev.type == "cuda":
        try:
            free, _ = torch.cuda.mem_get_info(dev)
        except (RuntimeError, AssertionError):
            return False
        return nbytes < 0.5 * free
    return True


class _Batches:
    """Mini-batches of one data set, from tensors kept on the device when they fit."""

    def __init__(self, data, dev: torch.device, batch_size: int):
        self.dev, self.batch_size = dev, batch_size
        self.loader: DataLoader | None = None
        self.dataset: Dataset | None = None
        tensors = _as_tensors(data)
        if tensors is not None:
            X, y = tensors
            if _fits_on(dev, X.nbytes + y.nbytes):
                X, y = X.to(dev), y.to(dev)
            self.X, self.y = X, y
            self.n = len(X)
        elif isinstance(data, DataLoader):
            self.loader = data
            self.n = len(data.dataset) if hasattr(data.dataset, "__len__") else 0
        else:
            self.dataset = data
            self.n = len(data)

    def __call__(self, indices: torch.Tensor | None = None) -> Iterator[tuple[torch.Tensor, ...]]:
        """Yield ``(X_batch, y_batch)`` on the device, in the order of ``indices``."""
        if self.loader is not None:
            if indices is not None:
                raise ValueError("order/shuffle by index needs a tensor pair or a Dataset, "
                                 "got a DataLoader (it has its own sampler)")
            for xb, yb in self.loader:
                yield xb.to(self.dev, non_blocking=True), yb.to(self.dev, non_blocking=True)
            return
        if indices is None:
            indices = torch.arange(self.n)
        if self.dataset is not None:
            loader = DataLoader(self.dataset, batch_size=self.batch_size,
                                sampler=indices.tolist())
            for xb, yb in loader:
                yield xb.to(self.dev, non_blocking=True), yb.to(self.dev, non_blocking=True)
            return
        indices = indices.to(self.X.device)
        for start in range(0, len(indices), self.batch_size):
            idx = indices[start:start + self.batch_size]
            yield (self.X[idx].to(self.dev, non_blocking=True),
                   self.y[idx].to(self.dev, non_blocking=True))


def _epoch_indices(n: int, epoch: int, order, shuffle: bool,
                   generator: torch.Generator | None) -> torch.Tensor | None:
    if order is not None:
        idx = order(epoch) if callable(order) else order
        idx = torch.as_tensor(np.asarray(idx), dtype=torch.long).flatten()
        if len(idx) and (int(idx.min()) < 0 or int(idx.max()) >= n):
            raise ValueError(f"order must hold indices in [0, {n}), got values from "
                             f"{int(idx.min())} to {int(idx.max())}")
        return idx
    if shuffle:
        return torch.randperm(n, generator=generator)
    return None


def _n_correct(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor | None:
    """Number of rows whose highest score is the label, or None if out are not class scores."""
    if out.ndim == 2 and out.shape[1] > 1 and y.ndim == 1 and not y.is_floating_point():
        return (out.argmax(dim=1) == y).sum()
    return None


def _check_label_range(out: torch.Tensor, y: torch.Tensor, name: str) -> None:
    """Class labels must index the model's K outputs: a label outside [0, K) is an error here,
    not an IndexError deep in the loss (or a device-side assert on a GPU)."""
    if out.ndim == 2 and y.ndim == 1 and not y.is_floating_point() and len(y):
        lo, hi = int(y.min()), int(y.max())
        if lo < 0 or hi >= out.shape[1]:
            raise ValueError(f"{name} must hold class labels in [0, {out.shape[1]}) for a model "
                             f"with {out.shape[1]} outputs, got labels from {lo} to {hi}")


def _model_device(model: nn.Module) -> torch.device:
    for p in model.parameters():
        return p.device
    return torch.device("cpu")


# --- evaluation ------------------------------------------------------------------------------

@torch.no_grad()
def evaluate(
    model: nn.Module,
    data: Data,
    *,
    batch_size: int = 1024,
    loss_fn: LossFn | None = None,
    device: torch.device | str | None = None,
) -> tuple[float, float]:
    """Mean loss and accuracy of ``model`` on ``data`` (no gradients, model in eval mode).

    ``loss_fn`` must average over the batch (default: cross-entropy); batch means are weighted
    by batch size, so the result is the mean over all examples. Accuracy is the fraction of
    examples whose largest output is the label (``nan`` for outputs that are not class scores).
    ``device`` defaults to the device of the model's parameters. The model's train/eval mode is
    restored afterwards.
    """
    _check_data(data, "data")
    batch_size = check_int("batch_size", batch_size, min=1)
    loss_fn = F.cross_entropy if loss_fn is None else loss_fn
    dev = torch.device(device) if device is not None else _model_device(model)
    was_training = model.training
    model.eval()
    total_loss, total_correct, count, classify = 0.0, 0, 0, True
    try:
        batches = _Batches(data, dev, batch_size)
        for xb, yb in batches():
            out = model(xb)
            if count == 0 and batches.loader is None and batches.dataset is None:
                _check_label_range(out, batches.y, "data")
            total_loss += float(loss_fn(out, yb)) * len(yb)
            correct = _n_correct(out, yb)
            classify = classify and correct is not None
            total_correct += int(correct) if correct is not None else 0
            count += len(yb)
    finally:
        model.train(was_training)
    if count == 0:
        raise ValueError("data is empty")
    return total_loss / count, (total_correct / count if classify else math.nan)


@torch.no_grad()
def predict(
    model: nn.Module,
    X: torch.Tensor,
    *,
    batch_size: int = 1024,
    labels: bool = False,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """The model's outputs for ``X: (N, ...)``: logits ``(N, K)``, or labels ``(N,)`` if asked.

    Runs in eval mode without gradients, in batches, on ``device`` (default: where the model's
    parameters are); returns a CPU tensor.
    """
    batch_size = check_int("batch_size", batch_size, min=1)
    if isinstance(X, np.ndarray):
        X = _numpy_pair(X, np.zeros(0, dtype=np.int64))[0]
    if not isinstance(X, torch.Tensor):
        raise TypeError(f"X must be a tensor (N, ...), got {type(X).__name__}")
    dev = torch.device(device) if device is not None else _model_device(model)
    was_training = model.training
    model.eval()
    try:
        outs = [model(X[i:i + batch_size].to(dev)).cpu() for i in range(0, len(X), batch_size)]
    finally:
        model.train(was_training)
    out = torch.cat(outs) if outs else torch.empty(0)
    return out.argmax(dim=1) if labels else out


def ensemble_predict(
    models: Sequence[nn.Module],
    X: torch.Tensor,
    *,
    batch_size: int = 1024,
    labels: bool = False,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """Average the softmax probabilities of several models: (1/K) Σₖ softmax(fₖ(X)).

    Returns probabilities ``(N, C)`` on the CPU, or the labels ``(N,)`` of the largest averaged
    probability if ``labels``.
    """
    if len(models) == 0:
        raise ValueError("models must hold at least one model, got none")
    probs = sum(predict(m, X, batch_size=batch_size, device=device).softmax(dim=1)
                for m in models) / len(models)
    return probs.argmax(dim=1) if labels else probs


# --- training --------------------------------------------------------------------------------

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
    batch_size: int = 128,
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

    from tqdm.auto import tqdm  # imported here: tqdm.auto probes for a notebook at import

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
            val_loss, val_acc = evaluate(model, val_data, batch_size=max(batch_size, 1024),
                                         loss_fn=loss_fn, device=dev)
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


# --- tuning ----------------------------------------------------------------------------------

@dataclass
class LRSweep:
    """What :func:`sweep_lr` tried and found.

    ``lrs``: every rate tried, ascending; ``scores``: the score of each (lower is better;
    ``inf`` for a run that diverged); ``best_lr``: the rate with the lowest score (the smaller
    rate on a tie); ``grid``: the rates asked for; ``added``: the rates added beyond that grid,
    in the order tried; ``at_edge``: the best rate is still the smallest or largest rate tried
    (the extension budget ran out), so the optimum may lie outside.
    """

    lrs: list[float]
    scores: list[float]
    best_lr: float
    grid: list[float]
    added: list[float]
    at_edge: bool

    @property
    def best_index(self) -> int:
        """Position of ``best_lr`` in ``lrs``."""
        return self.lrs.index(self.best_lr)

    @property
    def best_score(self) -> float:
        return self.scores[self.best_index]

    @property
    def was_at_edge(self) -> bool:
        """The best rate of the grid asked for lay at its edge (so the grid was extended)."""
        return bool(self.added)


def _score_value(value) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"score(lr) must return a real number, got {type(value).__name__} "
                        f"{value!r:.60}") from None
    return x if math.isfinite(x) else math.inf  # nan (a diverged run) counts as the worst


def sweep_lr(
    score: Callable[[float], float],
    lrs: Sequence[float],
    *,
    factor: float | None = None,
    max_extra: int = 3,
) -> LRSweep:
    """Tune a learning rate: score every rate of ``lrs``, then extend the grid while the best
    rate sits at its edge.

    ``score(lr)`` trains (e.g. over a few seeds) and returns a number to minimise, such as the
    mean final validation loss; ``nan`` or ``inf`` marks a run that diverged and is never
    chosen. When the best rate is the smallest (largest) one tried, the next rate down (up) by
    ``factor`` is scored, at most ``max_extra`` times in all; ``factor`` defaults to the ratio
    of the two smallest rates of ``lrs`` (a geometric grid's step). Raises ``ValueError`` when
    every rate tried diverged.
    """
    check_callable("score", score)
    if isinstance(lrs, (str, bytes)) or not hasattr(lrs, "__iter__"):
        raise TypeError(f"lrs must be a sequence of learning rates, got {type(lrs).__name__}")
    grid = sorted({check_real("lrs", lr, min=0, min_open=True) for lr in lrs})
    if len(grid) < 2:
        raise ValueError(f"lrs must hold at least two different rates, got {list(lrs)}")
    factor = grid[1] / grid[0] if factor is None else factor
    factor = check_real("factor", factor, min=1, min_open=True)
    max_extra = check_int("max_extra", max_extra, min=0)

    def rounded(lr: float) -> float:  # 0.1 * 10**0.5 * 10**0.5 is 1.0000000000000002
        return float(f"{lr:.12g}")

    scores = {lr: _score_value(score(lr)) for lr in grid}
    added: list[float] = []
    while True:
        order = sorted(scores)
        values = [scores[lr] for lr in order]
        if all(v == math.inf for v in values):
            raise ValueError(f"every learning rate tried diverged (scored nan or inf): {order}")
        i = int(np.argmin(values))
        at_edge = i in (0, len(order) - 1)
        if not at_edge or len(added) == max_extra:
            break
        new = rounded(order[0] / factor) if i == 0 else rounded(order[-1] * factor)
        scores[new] = _score_value(score(new))
        added.append(new)
    return LRSweep(lrs=order, scores=values, best_lr=order[i], grid=grid, added=added,
                   at_edge=at_edge)
