"""MNIST: the full set when it can be downloaded, MNIST-10k (shipped in the package) offline.

The MNIST database is by Yann LeCun, Corinna Cortes and Christopher J.C. Burges, made available
under the Creative Commons Attribution-Share Alike 3.0 license.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import numpy as np
import torch

from .download import RemoteFile, fetch, gunzip
from .split import DataSplit, resolve

__all__ = ["MNIST_FILES", "MNIST_MIRRORS", "load_mnist", "read_idx"]

MNIST_MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)
"""Where the official MNIST files are served, tried in this order. The last mirror is plain
http, which anyone on the path could alter: that is safe because no byte is used or cached
before it matches the published md5 of the file (or the sha256 of its content), and a reply
larger than the file can be is not even read to its end (:func:`~dlsg_utils.data.fetch`)."""

OFFLINE_NAME = "MNIST-10k (official MNIST test set, 8,000 train / 2,000 test, shipped offline)"
FULL_NAME = "MNIST (official, 60,000 train / 10,000 test)"
CREDIT = "MNIST by Yann LeCun, Corinna Cortes and Christopher J.C. Burges, CC BY-SA 3.0 license"
OFFLINE_TRAIN_SIZE = 8000
_SPLIT_SEED = 20161111  # the date of the study-group meeting; fixes the offline split


def _idx_size(n: int, *shape: int) -> int:
    """Bytes of an uncompressed IDX file of ``n`` items of ``shape`` (unsigned bytes)."""
    return 4 + 4 * (1 + len(shape)) + n * math.prod(shape)


RAW_SIZES = {"train-images-idx3-ubyte.gz": _idx_size(60_000, 28, 28),
             "train-labels-idx1-ubyte.gz": _idx_size(60_000),
             "t10k-images-idx3-ubyte.gz": _idx_size(10_000, 28, 28),
             "t10k-labels-idx1-ubyte.gz": _idx_size(10_000)}
"""Bytes of each file's decompressed content: decompression stops beyond it (a gzip bomb)."""


def _content_sha256(expected: str, raw_size: int):
    """A check that accepts a re-compressed copy whose *decompressed* content is official;
    decompression stops as soon as the content grows past ``raw_size`` bytes."""

    def check(blob: bytes) -> str | None:
        try:
            raw = gunzip(blob, raw_size)
        except ValueError as err:
            return f"not the official content: {err}"
        got = hashlib.sha256(raw).hexdigest()
        return None if got == expected else (
            f"sha256 of the content should be {expected}, got {got}")

    return check


# md5 of the official .gz files; sha256 of the decompressed content where it is known
# (../shared/data/README.md): the copies shipped here were re-compressed at some point.
MNIST_FILES = {
    ("train", "images"): RemoteFile("train-images-idx3-ubyte.gz",
                                    "f68b3c2dcbeaaa9fbdd348bbdeb94873", 9912422),
    ("train", "labels"): RemoteFile(
        "train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432", 28881,
        _content_sha256("65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
                        RAW_SIZES["train-labels-idx1-ubyte.gz"])),
    ("test", "images"): RemoteFile(
        "t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3", 1648877,
        _content_sha256("0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
                        RAW_SIZES["t10k-images-idx3-ubyte.gz"])),
    ("test", "labels"): RemoteFile(
        "t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c", 4542,
        _content_sha256("ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
                        RAW_SIZES["t10k-labels-idx1-ubyte.gz"])),
}


def read_idx(raw: bytes) -> np.ndarray:
    """Parse an (uncompressed) IDX file: big-endian magic, dimension sizes, then uint8 data."""
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError("not an IDX file of unsigned bytes (bad magic number)")
    ndim = raw[3]
    offset = 4 + 4 * ndim
    if len(raw) < offset:
        raise ValueError(f"IDX header of {ndim} dimensions needs {offset} bytes, got {len(raw)}")
    dims = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    expected = math.prod(dims)  # Python ints: no overflow, so the check below always holds
    if len(raw) - offset != expected:
        raise ValueError(f"IDX header promises {expected} bytes of data for shape {dims}, "
                         f"got {len(raw) - offset}")
    return np.frombuffer(raw, dtype=np.uint8, offset=offset).reshape(dims)


def _to_tensors(images: np.ndarray, labels: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    X = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)
    return X, torch.from_numpy(labels.astype(np.int64))


def _read_gz(blob: bytes, name: str) -> np.ndarray:
    return read_idx(gunzip(blob, RAW_SIZES[name]))


def _load_offline(split: str) -> DataSplit:
    folder = resources.files("dlsg_utils") / "data" / "files" / "mnist"
    images, labels = (_read_gz((folder / name).read_bytes(), name)
                      for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"))
    order = np.random.default_rng(_SPLIT_SEED).permutation(len(labels))
    idx = np.sort(order[:OFFLINE_TRAIN_SIZE] if split == "train" else order[OFFLINE_TRAIN_SIZE:])
    return DataSplit(*_to_tensors(images[idx], labels[idx]), OFFLINE_NAME)


def _load_full(split: str, mirrors, directory) -> DataSplit:
    specs = [MNIST_FILES[(split, kind)] for kind in ("images", "labels")]
    # the bytes parsed are the bytes verified
    images, labels = (_read_gz(fetch(spec, mirrors, directory), spec.name) for spec in specs)
    if len(images) != len(labels):
        raise ValueError(f"{len(images)} images but {len(labels)} labels")
    return DataSplit(*_to_tensors(images, labels), FULL_NAME)


def load_mnist(
    split: str = "train",
    source: str = "auto",
    *,
    mirrors: Sequence[str] = MNIST_MIRRORS,
    directory: Path | str | None = None,
    warn: bool = True,
) -> DataSplit:
    """MNIST as ``(X, y)``: X float32 in [0, 1] of shape (N, 1, 28, 28), y int64 of shape (N,).

    ``split`` is ``"train"`` or ``"test"``. ``source``:

    * ``"full"``: the four official files (60,000 training and 10,000 test images), downloaded
      from ``mirrors`` into the cache (``directory``, else ``$DLSG_DATA`` or
      ``~/.cache/dlsg``), verified against their published checksums;
    * ``"offline"``: MNIST-10k, the official 10,000-image test set shipped inside this package,
      split deterministically into 8,000 training and 2,000 test images;
    * ``"auto"``: ``"full"``, falling back to ``"offline"``; the result's ``.note`` says why,
      and so does a :class:`DataFallbackWarning` unless ``warn=False`` (the chapters print
      ``.describe()`` instead). ``DLSG_OFFLINE=1`` skips the download attempt.
    """
    if directory is not None and not isinstance(directory, (str, os.PathLike)):
        raise TypeError(f"directory must be a path (str or os.PathLike), got "
                        f"{type(directory).__name__} {directory!r}")
    if directory is not None and Path(directory).exists() and not Path(directory).is_dir():
        raise ValueError(f"directory must be a folder for the downloaded files (or a path where "
                         f"one can be made), got the file {directory}")
    return resolve(split, source, lambda: _load_full(split, mirrors, directory),
                   lambda: _load_offline(split), what="MNIST", warn=warn)
