"""Reading finished reference runs: their logs, and their networks re-evaluated."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import torch

from ..nets import eval_mode
from .store import LOG, MANIFEST, STEPS, run_dir, verify

__all__ = ["accuracy", "choose_lr", "confirm", "epochs_to", "read_log", "read_steps"]


def _read(path: Path) -> dict[str, list[float]]:
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    if not rows:
        return {}
    return {k: [float(r[k]) if r[k] not in ("", None) else math.nan for r in rows]
            for k in rows[0]}


def read_log(name: str, root: Path | None = None) -> dict[str, list[float]]:
    """The per-epoch log of run ``name`` (checked against its manifest) as columns: epoch, lr,
    train_loss, train_err (while training, on augmented mini-batches), test_loss, test_err,
    train_eval_loss/err (all training images in eval mode, where measured), seconds."""
    verify(name, root)
    return _read(run_dir(name, root) / LOG)


def read_steps(name: str, root: Path | None = None) -> dict[str, list[float]]:
    """The fine log of run ``name``: step, epoch (fractional), lr, and the running loss and
    error of the mini-batches since the previous point (about ten points an epoch)."""
    verify(name, root)
    return _read(run_dir(name, root) / STEPS)


def epochs_to(errors, epochs, threshold: float) -> float:
    """The first epoch at which the error curve falls below ``threshold``, interpolated linearly
    between the two points that straddle it (``nan`` if it never does)."""
    prev_e, prev_v = 0.0, None
    for e, v in zip(epochs, errors, strict=True):
        if v < threshold:
            if prev_v is None or prev_v == v:
                return float(e)
            return prev_e + (prev_v - threshold) / (prev_v - v) * (e - prev_e)
        prev_e, prev_v = float(e), float(v)
    return math.nan


@torch.no_grad()
def accuracy(model: torch.nn.Module, X: torch.Tensor, y: torch.Tensor,
                  batch: int = 256) -> tuple[float, torch.Tensor]:
    """Accuracy of ``model`` on [0, 1] images ``X`` with labels ``y``, and the per-image
    correctness (bool), evaluated in eval mode in batches (256: on a CPU twice as fast as 1,000,
    because the activations stay in the caches)."""
    dev = next(model.parameters()).device
    right = []
    with eval_mode(model):
        for i in range(0, len(y), batch):
            out = model(X[i:i + batch].to(dev).contiguous(memory_format=torch.channels_last))
            right.append(out.argmax(1).cpu() == y[i:i + batch])
    right = torch.cat(right)
    return float(right.float().mean()), right


def choose_lr(pattern: str, root: Path | None = None) -> tuple[float, dict[str, float]]:
    """The learning rate of the pilot runs matching ``pattern`` that trained fastest: the lowest
    training error in the pilots' last epoch (ties go to the larger rate), and every pilot's
    error by rate (``nan`` for a run that diverged).

    Every pilot must have finished. A best rate at either end of the grid is an error: the grid
    must be extended until the fastest rate has a slower or diverging neighbour on each side.
    """
    import fnmatch
    import json

    from .specs import RUNS

    names = [n for n in RUNS if fnmatch.fnmatchcase(n, pattern)]
    if not names:
        raise ValueError(f"no pilot runs match {pattern!r}")
    folder = Path(root) if root is not None else None
    table = {}
    for name in names:
        path = run_dir(name, folder) / MANIFEST if folder is None else folder / name / MANIFEST
        if not path.is_file():
            raise RuntimeError(f"pilot {name} has not finished: train it first "
                               f"(python -m dlsg_utils.reference run {pattern!r})")
        r = json.loads(path.read_text())["result"]
        table[RUNS[name].lr] = math.nan if r["diverged"] else float(r["train_err"])
    rates = sorted(table)
    finite = [lr for lr in rates if not math.isnan(table[lr])]
    if not finite:
        raise RuntimeError(f"every pilot of {pattern!r} diverged: extend the grid downwards")
    best = min(finite, key=lambda lr: (table[lr], -lr))
    if best == rates[0] or best == rates[-1]:
        raise RuntimeError(f"the fastest pilot rate {best:g} sits at the edge of the grid "
                           f"{rates}: extend the grid")
    return best, {f"{lr:g}": table[lr] for lr in rates}


def confirm(name: str, acc: float, data_name: str, root: Path | None = None,
            tolerance: float = 0.001) -> str:
    """Check an accuracy re-evaluated live against the one run ``name`` recorded, and say so.

    The run recorded its accuracy on the 10,000 test images of the JPEG copy of CIFAR-10. When
    ``data_name`` (a :class:`~dlsg_utils.data.DataSplit`'s ``.name``) says the live images are
    that copy, the two must agree within ``tolerance`` (0.1 point), else the weights are not the
    run's: RuntimeError. On other images (the official archive, which a machine with a network
    downloads) the numbers may differ a little, because the pixels do; the returned sentence
    says which case this is.
    """
    recorded = float(verify(name, root)["result"]["test_acc"])
    if data_name.startswith("CIFAR-10, JPEG copy"):
        if abs(acc - recorded) > tolerance:
            raise RuntimeError(f"{name}: re-evaluated accuracy {acc:.4f}, recorded {recorded:.4f}"
                               f" on the same images: these are not the run's weights")
        return (f"{name}: {acc:.2%} re-evaluated here, {recorded:.2%} recorded by the run "
                f"(the same JPEG test images)")
    return (f"{name}: {acc:.2%} on {data_name}; the run recorded {recorded:.2%} on the JPEG "
            f"copy, whose pixels differ slightly")
