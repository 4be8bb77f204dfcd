"""CIFAR-10 for the reference runs: the JPEG copy decoded once into a uint8 array cache."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..data.cifar import ENV_PATH, _find_jpeg, _identify, _read_zip
from ..data.download import cache_dir

__all__ = ["Images", "cifar10_uint8"]


@dataclass(frozen=True)
class Images:
    """uint8 images (N, 3, 32, 32), int64 labels (N,), and which archive they came from."""

    X: torch.Tensor
    y: torch.Tensor
    archive: str
    sha256: str

    def __len__(self) -> int:
        return len(self.y)

    def first(self, n: int | None) -> Images:
        """The first ``n`` images (all of them for ``None``): the loader's order is a fixed
        mix of the classes, so any first n hold every class about equally."""
        if n is None or n >= len(self):
            return self
        return Images(self.X[:n], self.y[:n], self.archive, self.sha256)


def _location(location) -> Path:
    if location is None:
        env = os.environ.get(ENV_PATH, "").strip()
        if not env:
            raise FileNotFoundError(
                f"the reference runs train on the full CIFAR-10 JPEG copy: set {ENV_PATH} to its "
                "folder (the one holding cifar10-train-jpeg.zip) or pass it as --data")
        location = env
    return Path(location).expanduser()


def cifar10_uint8(split: str, location=None, *, cache: Path | None = None) -> Images:
    """The ``split`` ("train" or "test") of the CIFAR-10 JPEG copy at ``location`` (default
    ``$DLSG_CIFAR10``) as uint8 tensors, in :func:`dlsg_utils.data.load_cifar10`'s order.

    The archive is identified by its sha256 first; its decoded pixels are kept in
    ``<cache>/cifar10-uint8-<sha256 prefix>.npz`` (default :func:`dlsg_utils.data.cache_dir`),
    so the 50,000 JPEGs are decoded once per machine, not once per run or epoch.
    """
    path, sha = _find_jpeg(_location(location), split)
    archive = _identify(path, sha, split)
    folder = Path(cache) if cache is not None else cache_dir()
    target = folder / f"cifar10-uint8-{archive.sha256[:16]}.npz"
    images = labels = None
    if target.is_file():
        try:
            with np.load(target, allow_pickle=False) as z:
                images, labels = z["images"], z["labels"]
        except (OSError, ValueError, KeyError):
            images = None  # a damaged cache is decoded again
    if images is None or len(labels) != archive.n:
        images, labels = _read_zip(str(path.resolve()), archive.sha256)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=folder, suffix=".npz", delete=False) as fh:
                np.savez(fh, images=images, labels=labels)
            os.replace(fh.name, target)
        except OSError:
            pass  # a read-only cache: decode again next time
    return Images(torch.from_numpy(np.array(images, dtype=np.uint8)),
                  torch.from_numpy(np.asarray(labels, dtype=np.int64)), archive.file, archive.sha256)
