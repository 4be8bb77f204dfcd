"""Mini-batches from what a reader passes: tensor pairs (kept on the device when they fit),
NumPy pairs, Datasets or DataLoaders; the order of each epoch; the label checks."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, TensorDataset

Data = tuple[torch.Tensor, torch.Tensor] | Dataset | DataLoader

__all__ = []


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


def _check_class_labels(data, name: str) -> None:
    """The labels of a tensor pair suit the default cross-entropy: integer classes ``(N,)`` (or
    float class probabilities ``(N, K)``). Datasets and DataLoaders are not read ahead."""
    tensors = _as_tensors(data)
    if tensors is None:
        return
    y = tensors[1]
    if y.is_floating_point() and y.ndim == 1:
        raise TypeError(f"{name} must hold integer class labels y for the default cross-entropy "
                        f"loss, got dtype {y.dtype}; convert them with y.long(), or pass a "
                        "loss_fn that takes float targets")
    if not y.is_floating_point() and y.ndim != 1:
        raise ValueError(f"{name} must hold labels y of shape (N,), one class per example, got "
                         f"shape {tuple(y.shape)}")


def _check_order(idx) -> torch.Tensor:
    """An ``order``: integer indices (not floats, which would be truncated), as a 1-D tensor."""
    arr = idx.detach().cpu().numpy() if isinstance(idx, torch.Tensor) else np.asarray(idx)
    if arr.size and arr.dtype.kind not in "iu":
        raise TypeError(f"order must hold integer indices, got dtype {arr.dtype}")
    return torch.as_tensor(arr.astype(np.int64, copy=False)).flatten()


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
        idx = _check_order(order(epoch) if callable(order) else order)
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
