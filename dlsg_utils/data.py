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
    "CIFAR10_CLASSES",
    "CIFAR10_MIRRORS",
    "RandomCropFlip",
    "load_cifar10",
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
    """``(X, y)`` that also says which data set it came from (``.name``) and what its labels
    mean (``.classes``, e.g. ``"airplane"`` for label 0 of CIFAR-10).

    Unpacks like a tuple: ``X, y = load_mnist("train")``.
    """

    name: str
    classes: tuple[str, ...]

    def __new__(cls, X: torch.Tensor, y: torch.Tensor, name: str,
                classes: tuple[str, ...] = tuple(str(d) for d in range(10))) -> DataSplit:
        obj = super().__new__(cls, (X, y))
        obj.name = name
        obj.classes = tuple(classes)
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
    """The body of ``url``; a progress bar for files over 5 MB (CIFAR-10 is 163 MB)."""
    req = urllib.request.Request(url, headers={"User-Agent": "dlsg-utils"})
    with urllib.request.urlopen(req, timeout=timeout) as response:
        size = int(response.headers.get("Content-Length") or 0)
        if size < 5_000_000:
            return response.read()
        from tqdm.auto import tqdm

        chunks = []
        with tqdm(total=size, unit="B", unit_scale=True, desc=url.rsplit("/", 1)[-1]) as bar:
            while chunk := response.read(1 << 20):
                chunks.append(chunk)
                bar.update(len(chunk))
        return b"".join(chunks)


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
    return _resolve(split, source, lambda: _load_full(split, mirrors, directory),
                    lambda: _load_offline(split),
                    "Full MNIST is not available ({reason}); using " + OFFLINE_NAME + " instead.")


def _resolve(split: str, source: str, full, offline, warning: str) -> DataSplit:
    """Check the arguments, then load ``full()``, ``offline()`` or -- for ``source="auto"`` --
    try ``full()`` and fall back to ``offline()`` with ``warning`` (its ``{reason}`` filled in).
    ``DLSG_OFFLINE=1`` makes "auto" skip the download attempt."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    if source not in ("auto", "full", "offline"):
        raise ValueError(f"source must be 'auto', 'full' or 'offline', got {source!r}")
    if source == "offline":
        return offline()
    if source == "full":
        return full()
    if os.environ.get("DLSG_OFFLINE", "").strip() not in ("", "0"):
        reason = "DLSG_OFFLINE is set"
    else:
        try:
            return full()
        except (DownloadError, ValueError, OSError) as err:
            reason = "the download failed: " + " ".join(str(err).split()[:12])
    warnings.warn(warning.format(reason=reason), stacklevel=3)
    return offline()


# --------------------------------------------------------------------------------------------
# CIFAR-10
# --------------------------------------------------------------------------------------------

CIFAR10_MIRRORS: tuple[str, ...] = ("https://www.cs.toronto.edu/~kriz/",)
"""Where the official CIFAR-10 archive (python version) is served."""

CIFAR10_FILE = RemoteFile("cifar-10-python.tar.gz", "c58f30108f718f92721af3b95e74349a", None,
                          170498071)
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                   "ship", "truck")
CIFAR10_NAME = "CIFAR-10 (official, 50,000 train / 10,000 test, 3x32x32)"
CIFAR10_STANDIN_NAME = ("CIFAR-10 stand-in: MNIST-10k digits padded to 32x32 and coloured "
                        "(3x32x32, 8,000 train / 2,000 test, offline) - not CIFAR-10")
CIFAR10_CREDIT = "CIFAR-10 by Alex Krizhevsky, Vinod Nair and Geoffrey Hinton (2009)"
_STANDIN_SEED = 2009


def _cifar_batches(path: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Read the python-pickle batches of the official archive (no code is executed: the
    pickles hold only dicts of bytes keys, arrays and lists)."""
    import pickle
    import tarfile

    wanted = ([f"data_batch_{i}" for i in range(1, 6)] if split == "train" else ["test_batch"])
    found: dict[str, dict] = {}
    with tarfile.open(path, "r:gz") as tar:
        for member in tar.getmembers():
            base = member.name.rsplit("/", 1)[-1]
            if base in wanted:
                fh = tar.extractfile(member)
                found[base] = pickle.load(fh, encoding="bytes")
    missing = [w for w in wanted if w not in found]
    if missing:
        raise ValueError(f"{path.name} has no {', '.join(missing)}: not the CIFAR-10 archive")
    images = np.concatenate([np.asarray(found[w][b"data"], dtype=np.uint8) for w in wanted])
    labels = np.concatenate([np.asarray(found[w][b"labels"], dtype=np.int64) for w in wanted])
    return images.reshape(-1, 3, 32, 32), labels


def _cifar_standin(split: str) -> DataSplit:
    """MNIST-10k as 3x32x32 colour images: padded by 2, each digit drawn in a random colour on
    a random, clearly different background (fixed seed)."""
    X, y = _load_offline(split)
    X = _pad32(X)
    rng = np.random.default_rng(_STANDIN_SEED + (split == "test"))
    n = len(X)
    fg = rng.uniform(0.0, 1.0, (n, 3))
    bg = rng.uniform(0.0, 1.0, (n, 3))
    # push the background away from the digit's colour so the digit stays visible
    close = np.linalg.norm(fg - bg, axis=1) < 0.6
    bg[close] = 1.0 - fg[close]
    fg_t = torch.from_numpy(fg.astype(np.float32))[:, :, None, None]
    bg_t = torch.from_numpy(bg.astype(np.float32))[:, :, None, None]
    colour = X * fg_t + (1.0 - X) * bg_t
    return DataSplit(colour.contiguous(), y, CIFAR10_STANDIN_NAME)


def _pad32(X: torch.Tensor) -> torch.Tensor:
    """Pad (N, 1, 28, 28) digits by 2 pixels of background to (N, 1, 32, 32)."""
    return torch.nn.functional.pad(X, (2, 2, 2, 2))


def _load_cifar_full(split: str, mirrors, directory) -> DataSplit:
    path = download_file(CIFAR10_FILE, mirrors, directory, timeout=60.0)
    images, labels = _cifar_batches(path, split)
    if len(images) != len(labels):
        raise ValueError(f"{len(images)} images but {len(labels)} labels")
    X = torch.from_numpy(images.astype(np.float32) / 255.0)
    return DataSplit(X, torch.from_numpy(labels), CIFAR10_NAME, CIFAR10_CLASSES)


def load_cifar10(
    split: str = "train",
    source: str = "auto",
    *,
    mirrors: tuple[str, ...] | list[str] = CIFAR10_MIRRORS,
    directory: Path | str | None = None,
) -> DataSplit:
    """CIFAR-10 as ``(X, y)``: X float32 in [0, 1] of shape (N, 3, 32, 32), y int64 (N,).

    * ``source="full"``: the official archive (163 MB, md5-verified, cached like MNIST);
      50,000 training / 10,000 test images, ``.classes`` = airplane ... truck.
    * ``source="offline"``: a clearly named **stand-in** (no CIFAR image ships with this
      package): the MNIST-10k digits padded to 32x32 and coloured, 8,000 / 2,000 images,
      ``.classes`` = "0" ... "9". It has CIFAR's shape, so every model and every line of code
      runs unchanged, but it is a much easier task: accuracies on it are not CIFAR-10's.
    * ``source="auto"``: tries the download and falls back to the stand-in with a warning;
      ``DLSG_OFFLINE=1`` skips the attempt.

    ``.name`` says which one you got.
    """
    return _resolve(split, source, lambda: _load_cifar_full(split, mirrors, directory),
                    lambda: _cifar_standin(split),
                    "CIFAR-10 is not available ({reason}); using the offline stand-in "
                    "instead: " + CIFAR10_STANDIN_NAME + ".")


class RandomCropFlip:
    """The CIFAR augmentation of He et al. (2015) and Krizhevsky et al. (2012), on a batch.

    ``RandomCropFlip(padding=4, flip=True)(xb)`` pads each image of the (N, C, H, W) batch by
    ``padding`` zeros, crops a random HxW window from it and mirrors it left-right with
    probability 1/2 -- a new draw for every image and every call, on the batch's own device
    (so it costs nothing on a GPU). Pass it to :func:`dlsg_utils.train.fit` as ``augment=``.
    ``flip=False`` for digits, whose mirror images are not digits.
    """

    def __init__(self, padding: int = 4, flip: bool = True, generator=None):
        if isinstance(padding, bool) or not isinstance(padding, int) or padding < 0:
            raise ValueError(f"padding must be an int >= 0, got {padding!r}")
        self.padding, self.flip, self.generator = padding, flip, generator

    def __call__(self, xb: torch.Tensor) -> torch.Tensor:
        if xb.ndim != 4:
            raise ValueError(f"expected a batch (N, C, H, W), got shape {tuple(xb.shape)}")
        n, _, h, w = xb.shape
        p = self.padding
        out = xb
        if p:
            padded = torch.nn.functional.pad(xb, (p, p, p, p))
            dy = torch.randint(0, 2 * p + 1, (n,), generator=self.generator).to(xb.device)
            dx = torch.randint(0, 2 * p + 1, (n,), generator=self.generator).to(xb.device)
            rows = (dy[:, None] + torch.arange(h, device=xb.device))[:, None, :, None]
            cols = (dx[:, None] + torch.arange(w, device=xb.device))[:, None, None, :]
            idx_n = torch.arange(n, device=xb.device)[:, None, None, None]
            idx_c = torch.arange(xb.shape[1], device=xb.device)[None, :, None, None]
            out = padded[idx_n, idx_c, rows, cols]
        if self.flip:
            mirror = torch.rand(n, generator=self.generator).to(xb.device) < 0.5
            out = torch.where(mirror[:, None, None, None], out.flip(-1), out)
        return out

    def __repr__(self) -> str:
        return f"RandomCropFlip(padding={self.padding}, flip={self.flip})"
