"""Data sets, offline first.

``load_mnist(split, source)`` returns MNIST as float tensors in [0, 1] of shape (N, 1, 28, 28)
and int64 labels.

* ``source="full"``: the four official MNIST files (60,000 training and 10,000 test images),
  downloaded from a list of mirrors with timeouts and retries into a cache directory
  (``$DLSG_DATA``, else ``~/.cache/dlsg``). Every file is verified before it is written, and it is
  written atomically, so a failed or corrupted download never leaves a file in the cache.
* ``source="offline"``: MNIST-10k, the official 10,000-image test set, shipped inside this
  package and split deterministically into 8,000 training and 2,000 test images.
* ``source="auto"``: tries ``"full"`` and falls back to ``"offline"`` with a warning that names
  the data set actually used. ``DLSG_OFFLINE=1`` skips the download attempt (the tests set it).

The MNIST database is by Yann LeCun, Corinna Cortes and Christopher J.C. Burges, made available
under the Creative Commons Attribution-Share Alike 3.0 license.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
import time
import urllib.error
import urllib.request
import warnings
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import torch

__all__ = [
    "MNIST_MIRRORS",
    "ChecksumError",
    "DataSplit",
    "DownloadError",
    "cache_dir",
    "download_file",
    "load_mnist",
    "read_idx",
]

MNIST_MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)
"""Where the official MNIST files are served, tried in this order."""

OFFLINE_NAME = "MNIST-10k (official MNIST test set, 8,000 train / 2,000 test, shipped offline)"
FULL_NAME = "MNIST (official, 60,000 train / 10,000 test)"
CREDIT = (
    "MNIST by Yann LeCun, Corinna Cortes and Christopher J.C. Burges, "
    "CC BY-SA 3.0 license"
)
OFFLINE_TRAIN_SIZE = 8000
_SPLIT_SEED = 20161111  # the date of the study-group meeting; fixes the offline split


@dataclass(frozen=True)
class RemoteFile:
    """One official file and what a correct copy looks like.

    ``md5_gz`` is the md5 of the official .gz file; ``sha256_raw`` the sha256 of its decompressed
    content (known for three of the four files). A download passes if either one matches.
    """

    name: str
    md5_gz: str
    sha256_raw: str | None
    size_gz: int


MNIST_FILES = {
    ("train", "images"): RemoteFile(
        "train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873", None, 9912422
    ),
    ("train", "labels"): RemoteFile(
        "train-labels-idx1-ubyte.gz",
        "d53e105ee54ea40749a09fcbcd1e9432",
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        28881,
    ),
    ("test", "images"): RemoteFile(
        "t10k-images-idx3-ubyte.gz",
        "9fb629c4189551a2d022fa330f9573f3",
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        1648877,
    ),
    ("test", "labels"): RemoteFile(
        "t10k-labels-idx1-ubyte.gz",
        "ec29112dd5afa0611ce80d1b7f02629c",
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
        4542,
    ),
}


class DownloadError(RuntimeError):
    """No mirror delivered a correct copy of a file."""


class ChecksumError(ValueError):
    """A downloaded file does not match its published checksum."""


class DataSplit(tuple):
    """``(X, y)`` that also says which data set it came from (``.name``).

    Unpacks like a tuple: ``X, y = load_mnist("train")``.
    """

    name: str

    def __new__(cls, X: torch.Tensor, y: torch.Tensor, name: str) -> DataSplit:
        obj = super().__new__(cls, (X, y))
        obj.name = name
        return obj

    @property
    def X(self) -> torch.Tensor:
        return self[0]

    @property
    def y(self) -> torch.Tensor:
        return self[1]


def cache_dir() -> Path:
    """The download cache: ``$DLSG_DATA`` if set, else ``~/.cache/dlsg``."""
    return Path(os.environ.get("DLSG_DATA") or Path.home() / ".cache" / "dlsg")


def read_idx(raw: bytes) -> np.ndarray:
    """Parse an (uncompressed) IDX file: big-endian magic, dimension sizes, then uint8 data."""
    if len(raw) < 8 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError("not an IDX file of unsigned bytes (bad magic number)")
    ndim = raw[3]
    dims = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    offset = 4 + 4 * ndim
    expected = int(np.prod(dims)) if dims else 0
    if len(raw) - offset != expected:
        raise ValueError(
            f"IDX header promises {expected} bytes of data for shape {dims}, "
            f"got {len(raw) - offset}"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=offset).reshape(dims)


def _verify(blob: bytes, spec: RemoteFile) -> None:
    """Raise ChecksumError unless ``blob`` is a correct copy of ``spec``."""
    if hashlib.md5(blob).hexdigest() == spec.md5_gz:
        return
    if spec.sha256_raw is not None:
        try:
            raw = gzip.decompress(blob)
        except (OSError, EOFError) as err:
            raise ChecksumError(f"{spec.name}: not a valid gzip file ({err})") from None
        if hashlib.sha256(raw).hexdigest() == spec.sha256_raw:
            return
        raise ChecksumError(
            f"{spec.name}: sha256 of the content should be {spec.sha256_raw}, "
            f"got {hashlib.sha256(raw).hexdigest()}"
        )
    raise ChecksumError(
        f"{spec.name}: md5 should be {spec.md5_gz}, got {hashlib.md5(blob).hexdigest()}"
    )


def _fetch(url: str, timeout: float) -> bytes:
    req = urllib.request.Request(url, headers={"User-Agent": "dlsg-utils"})
    with urllib.request.urlopen(req, timeout=timeout) as response:
        return response.read()


def download_file(
    spec: RemoteFile,
    mirrors: tuple[str, ...] | list[str] = MNIST_MIRRORS,
    directory: Path | None = None,
    *,
    timeout: float = 20.0,
    retries: int = 2,
) -> Path:
    """Download ``spec`` into ``directory`` (default :func:`cache_dir`) and return its path.

    A file already in the cache is verified and reused. Each mirror is tried ``retries`` times
    with ``timeout`` seconds per request; a copy is verified in memory and only then written,
    through a temporary file and an atomic rename, so the cache never holds a partial or
    corrupted file. Raises :class:`DownloadError` listing what each mirror did.
    """
    directory = Path(directory) if directory is not None else cache_dir()
    target = directory / spec.name
    if target.exists():
        try:
            _verify(target.read_bytes(), spec)
            return target
        except ChecksumError:
            target.unlink()  # a damaged cached copy is replaced, never used
    failures = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + spec.name
        for attempt in range(1, retries + 1):
            try:
                blob = _fetch(url, timeout)
                _verify(blob, spec)
            except ChecksumError as err:
                failures.append(f"{url}: {err}")
                break  # the mirror serves a bad file; another try will not help
            except (urllib.error.URLError, OSError, TimeoutError) as err:
                failures.append(f"{url} (try {attempt}): {err}")
                if attempt < retries:
                    time.sleep(0.2 * attempt)
                continue
            directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=".part-", suffix=spec.name)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(blob)
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            return target
    raise DownloadError(f"could not download {spec.name}:\n  " + "\n  ".join(failures))


def _to_tensors(images: np.ndarray, labels: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    X = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)
    y = torch.from_numpy(labels.astype(np.int64))
    return X, y


def _read_gz(path) -> np.ndarray:
    with open(path, "rb") as fh:
        return read_idx(gzip.decompress(fh.read()))


def _load_offline(split: str) -> DataSplit:
    folder = resources.files("dlsg_utils") / "data_files" / "mnist"
    images = _read_gz(folder / "t10k-images-idx3-ubyte.gz")
    labels = _read_gz(folder / "t10k-labels-idx1-ubyte.gz")
    order = np.random.default_rng(_SPLIT_SEED).permutation(len(labels))
    idx = order[:OFFLINE_TRAIN_SIZE] if split == "train" else order[OFFLINE_TRAIN_SIZE:]
    idx = np.sort(idx)
    return DataSplit(*_to_tensors(images[idx], labels[idx]), OFFLINE_NAME)


def _load_full(split: str, mirrors, directory) -> DataSplit:
    paths = [download_file(MNIST_FILES[(split, kind)], mirrors, directory)
             for kind in ("images", "labels")]
    images, labels = (_read_gz(p) for p in paths)
    if len(images) != len(labels):
        raise ValueError(f"{len(images)} images but {len(labels)} labels")
    return DataSplit(*_to_tensors(images, labels), FULL_NAME)


def load_mnist(
    split: str = "train",
    source: str = "auto",
    *,
    mirrors: tuple[str, ...] | list[str] = MNIST_MIRRORS,
    directory: Path | str | None = None,
) -> DataSplit:
    """MNIST as ``(X, y)``: X float32 in [0, 1] of shape (N, 1, 28, 28), y int64 of shape (N,).

    ``split`` is ``"train"`` or ``"test"``; ``source`` is ``"auto"``, ``"full"`` or
    ``"offline"`` (see the module docstring). The result's ``.name`` says which data set it is.
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    if source not in ("auto", "full", "offline"):
        raise ValueError(f"source must be 'auto', 'full' or 'offline', got {source!r}")
    if source == "offline":
        return _load_offline(split)
    if source == "full":
        return _load_full(split, mirrors, directory)
    if os.environ.get("DLSG_OFFLINE", "").strip() not in ("", "0"):
        reason = "DLSG_OFFLINE is set"
    else:
        try:
            return _load_full(split, mirrors, directory)
        except (DownloadError, ValueError, OSError) as err:
            reason = "the download failed: " + " ".join(str(err).split()[:12])
    warnings.warn(
        f"Full MNIST is not available ({reason}); using {OFFLINE_NAME} instead.",
        stacklevel=2,
    )
    return _load_offline(split)
