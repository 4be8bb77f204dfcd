"""CIFAR-10: real photographs, offline from a JPEG copy, or the official archive downloaded.

The CIFAR-10 data set is by Alex Krizhevsky, Vinod Nair and Geoffrey Hinton, "Learning Multiple
Layers of Features from Tiny Images" (2009). Credit it wherever it is shipped or shown.

Three ways to get it (see :func:`~dlsg_utils.data.load_cifar10`):

* the **offline subset** that a clone of the book's repository carries in ``data/cifar10/``:
  all 10,000 test images and 10,000 training images (the first 1,000 of each class), from a
  public JPEG copy of CIFAR-10 (quality 75). It is not part of the pip package (which stays
  small); a clone finds it next to the package;
* the **full JPEG copy** (50,000 training / 10,000 test images, the same format), on a machine
  that has it: pass its folder or zip as ``source``, or set ``DLSG_CIFAR10`` to it;
* the **official archive** (``cifar-10-python.tar.gz``, 163 MB, md5-verified), downloaded
  once into the per-user data cache (``$DLSG_DATA``, else ``~/.cache/dlsg``), where every later
  load on the same machine finds it, from any notebook or process (Colab gives each notebook
  a runtime of its own: a ``$DLSG_DATA`` on a mounted Drive folder is shared by all of them).

Without a clone and without a network (a pip install offline), there is nothing to fall back
on: the error says to set ``DLSG_CIFAR10`` to a folder holding the JPEG archives, or to connect.

Every JPEG archive is read once into memory, and the bytes that are identified by their sha256
are the bytes decoded (a file swapped in between cannot be served under an official name); a
file whose size is no known archive's is refused before it is read. A damaged or unknown file
is an error, never used. Before any image is decoded the member names, the classes and the
counts are checked, and each JPEG's header before it is decoded (``_jpeg_zip``): a header
that declares anything but a 32x32 colour image is refused without decoding it.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import os
import pickle
import tarfile
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..checks import check_bool
from ._jpeg_zip import decode_zip
from .download import ChecksumError, DownloadError, RemoteFile, cache_dir, fetch
from .split import DataSplit, check_split, resolve

__all__ = ["CIFAR10_CLASSES", "CIFAR10_MIRRORS", "JPEG_ARCHIVES", "load_cifar10",
           "offline_dir"]

CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                   "ship", "truck")
CIFAR10_MIRRORS: tuple[str, ...] = ("https://www.cs.toronto.edu/~kriz/",)
"""Where the official CIFAR-10 archive (python version) is served."""
CIFAR10_FILE = RemoteFile("cifar-10-python.tar.gz", "c58f30108f718f92721af3b95e74349a",
                          170498071)
OFFICIAL_NAME = "CIFAR-10 (official archive): {n:,} {what} images"
CREDIT = "CIFAR-10 by Alex Krizhevsky, Vinod Nair and Geoffrey Hinton (2009)"
ENV_PATH = "DLSG_CIFAR10"
"""Environment variable naming the folder (or zip) of the full JPEG copy, if a machine has it."""
_ORDER_SEED = 2009  # the JPEG archives are sorted by class; loaders return a fixed mixed order


@dataclass(frozen=True)
class JpegArchive:
    """A known zip of CIFAR-10 JPEGs (members ``<split>/<class>/NNNN.jpg``)."""

    file: str
    sha256: str
    split: str
    n: int
    description: str
    size: int

    @property
    def name(self) -> str:
        return f"CIFAR-10, JPEG copy: {self.description}"


JPEG_ARCHIVES = {a.sha256: a for a in (
    JpegArchive("cifar10-train-jpeg.zip",
                "614607010ed2564f86ae6c7c9a438a2c55efacae83ded52eca646a28205d33c6", "train",
                50_000, "50,000 training images (the whole training set)", 51_841_273),
    JpegArchive("cifar10-test-jpeg.zip",
                "7927686acf0120b5e176cf1ec1285c59e138bec4fa8a150edfe8ab657cae7d16", "test",
                10_000, "10,000 test images (the whole test set)", 10_349_684),
    JpegArchive("cifar10-train-10k-jpeg.zip",
                "1c67f41197108314769611b00c7b1097506ba69a86c9f9bb120c8484c4c84e03", "train",
                10_000, "10,000 training images (1,000 a class), shipped with the book",
                10_370_309),
)}
"""The JPEG archives this module reads, by sha256: the full copy and the offline subset."""
OFFLINE_FILES = {"train": "cifar10-train-10k-jpeg.zip", "test": "cifar10-test-jpeg.zip"}
FULL_FILES = {"train": "cifar10-train-jpeg.zip", "test": "cifar10-test-jpeg.zip"}


def offline_dir() -> Path:
    """Where a clone of the book keeps the offline subset: ``<repository>/data/cifar10``."""
    return Path(__file__).resolve().parents[2] / "data" / "cifar10"


def _read_archive(path: Path) -> tuple[bytes, str]:
    """The bytes of ``path`` and their sha256, read once; a file whose size is no known
    archive's is refused before any of it is read (ChecksumError)."""
    sizes = {a.size for a in JPEG_ARCHIVES.values()}
    size = path.stat().st_size
    if size in sizes:
        with open(path, "rb") as fh:
            blob = fh.read(size + 1)
        if len(blob) == size:
            return blob, hashlib.sha256(blob).hexdigest()
        size = len(blob)  # it changed while it was read
    known = {a.file: a for a in JPEG_ARCHIVES.values()}
    if path.name in known:
        raise ChecksumError(f"{path} is damaged: it should be {known[path.name].size:,} bytes, "
                            f"got {size:,} (copy it again from where it came from)")
    raise ChecksumError(f"{path} is not one of the CIFAR-10 JPEG archives this package knows "
                        f"({', '.join(sorted(known))}): its size, {size:,} bytes, is none of "
                        "theirs")


def _identify(path: Path, sha: str, split: str) -> JpegArchive:
    """The known archive ``path`` (of sha256 ``sha``) holds; ChecksumError if it is damaged or
    unknown, ValueError if it holds the other split."""
    archive = JPEG_ARCHIVES.get(sha)
    if archive is None:
        known = {a.file: a for a in JPEG_ARCHIVES.values()}
        if path.name in known:
            raise ChecksumError(
                f"{path} is damaged: its sha256 should be {known[path.name].sha256}, got "
                f"{sha} (copy it again from where it came from)")
        raise ChecksumError(f"{path} is not one of the CIFAR-10 JPEG archives this package "
                            f"knows ({', '.join(sorted(known))})")
    if archive.split != split:
        raise ValueError(f"{path} holds the {archive.split} split, not the {split} split")
    return archive


_DECODED: OrderedDict[str, tuple[np.ndarray, np.ndarray]] = OrderedDict()
_DECODED_LOCK = threading.Lock()
_DECODED_MAX = 4


def _decoded(blob: bytes, sha256: str, archive: JpegArchive, path: Path
             ) -> tuple[np.ndarray, np.ndarray]:
    """The images and labels of ``blob`` (whose sha256 is ``sha256``), decoded once per content:
    the cache is keyed by the hash of the bytes decoded, never by a path."""
    with _DECODED_LOCK:
        if sha256 in _DECODED:
            _DECODED.move_to_end(sha256)
            return _DECODED[sha256]
    result = _decode_zip(blob, archive, path)
    with _DECODED_LOCK:
        _DECODED[sha256] = result
        while len(_DECODED) > _DECODED_MAX:
            _DECODED.popitem(last=False)
    return result


def _decode_zip(blob: bytes, archive: JpegArchive, path: Path
                ) -> tuple[np.ndarray, np.ndarray]:
    """Decode every JPEG of a verified zip, checked first (``_jpeg_zip``): uint8 images
    (N, 3, 32, 32) and labels, in a fixed mixed order (a seeded permutation of the sorted
    member names)."""
    images, labels = decode_zip(blob, archive.split, archive.n, CIFAR10_CLASSES, path)
    order = np.random.default_rng(_ORDER_SEED).permutation(len(labels))
    images = np.ascontiguousarray(images[order].transpose(0, 3, 1, 2))
    images.setflags(write=False)
    return images, labels[order]


def _read_zip(path: str, sha256: str) -> tuple[np.ndarray, np.ndarray]:
    """The decoded images and labels of the archive of sha256 ``sha256`` at ``path`` (for
    :mod:`dlsg_utils.reference`): from the cache of decoded contents, else read once, checked
    to still be that content (ChecksumError if the file changed), and decoded."""
    with _DECODED_LOCK:
        if sha256 in _DECODED:
            return _DECODED[sha256]
    blob, sha = _read_archive(Path(path))
    if sha != sha256 or sha not in JPEG_ARCHIVES:
        raise ChecksumError(f"{path} changed since it was identified: its sha256 is now {sha}")
    return _decoded(blob, sha, JPEG_ARCHIVES[sha], Path(path))


def _load_jpeg(location: Path, split: str) -> DataSplit:
    path, blob, sha = _locate_jpeg(location, split)
    archive = _identify(path, sha, split)
    images, labels = _decoded(blob, sha, archive, path)  # the bytes hashed are the bytes decoded
    if len(labels) != archive.n:
        raise ValueError(f"{path}: {len(labels)} images, expected {archive.n}")
    X = torch.from_numpy(images.astype(np.float32) / 255.0)
    return DataSplit(X, torch.from_numpy(labels.copy()), archive.name, CIFAR10_CLASSES)


def _locate_jpeg(location: Path, split: str) -> tuple[Path, bytes, str]:
    """The zip of ``split`` at ``location``, its bytes (read once) and their sha256: the zip
    itself, the zip of the full copy (or the subset) inside a folder, or -- given the other
    split's zip -- the zip beside it."""
    if location.is_file():
        blob, sha = _read_archive(location)
        known = JPEG_ARCHIVES.get(sha)
        if known is None or known.split == split:
            return location, blob, sha
        location = location.parent
    candidates = [location / FULL_FILES[split], location / OFFLINE_FILES[split]]
    for candidate in candidates:
        if candidate.is_file():
            try:
                return (candidate, *_read_archive(candidate))
            except FileNotFoundError:
                continue  # removed a moment ago
    raise FileNotFoundError(f"no CIFAR-10 JPEG archive of the {split} split in {location} "
                            f"(looked for {', '.join(c.name for c in candidates)})")


def _find_jpeg(location: Path, split: str) -> tuple[Path, str]:
    """:func:`_locate_jpeg` without the bytes (for :mod:`dlsg_utils.reference`, which decodes
    through :func:`_read_zip`, and so checks the content again)."""
    path, _, sha = _locate_jpeg(location, split)
    return path, sha


try:  # NumPy 2 moved the array reconstructor that pickles of NumPy 1 arrays name
    from numpy._core.multiarray import _reconstruct
except ImportError:  # NumPy 1
    from numpy.core.multiarray import _reconstruct


class _RestrictedUnpickler(pickle.Unpickler):
    """Reads CIFAR's batches, which hold only dicts, lists, bytes, ints and NumPy arrays; any
    other object in the pickle (the way a malicious pickle runs code) is refused."""

    _ALLOWED = {("numpy.core.multiarray", "_reconstruct"),
                ("numpy._core.multiarray", "_reconstruct"),
                ("numpy", "ndarray"), ("numpy", "dtype"),
                ("_codecs", "encode")}  # how protocol-2 pickles written by Python 3 store bytes

    def find_class(self, module: str, name: str):
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"CIFAR-10 batch refers to {module}.{name}: refused")
        if name == "_reconstruct":
            return _reconstruct
        if module == "_codecs":
            return codecs.encode
        return getattr(np, name)


_MAX_BATCH_BYTES = 40_000_000  # a batch pickles 10,000 images of 3,072 bytes: about 31 MB


def _cifar_batches(blob: bytes, split: str) -> tuple[np.ndarray, np.ndarray]:
    """The images (N, 3, 32, 32) uint8 and labels of ``split`` from the official archive's
    bytes (already verified)."""
    wanted = [f"data_batch_{i}" for i in range(1, 6)] if split == "train" else ["test_batch"]
    found: dict[str, dict] = {}
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as tar:
        for member in tar.getmembers():
            base = member.name.rsplit("/", 1)[-1]
            if base in wanted and member.isfile():
                if member.size > _MAX_BATCH_BYTES:
                    raise ValueError(f"{CIFAR10_FILE.name}: {member.name} holds "
                                     f"{member.size:,} bytes, more than a CIFAR-10 batch "
                                     f"({_MAX_BATCH_BYTES:,} at most): not the CIFAR-10 archive")
                found[base] = _RestrictedUnpickler(tar.extractfile(member),
                                                   encoding="bytes").load()
    missing = [w for w in wanted if w not in found]
    if missing:
        raise ValueError(f"{CIFAR10_FILE.name} has no {', '.join(missing)}: "
                         "not the CIFAR-10 archive")
    images = np.concatenate([np.asarray(found[w][b"data"], dtype=np.uint8) for w in wanted])
    labels = np.concatenate([np.asarray(found[w][b"labels"], dtype=np.int64) for w in wanted])
    if len(images) != len(labels):
        raise ValueError(f"{len(images)} images but {len(labels)} labels")
    return images.reshape(-1, 3, 32, 32), labels


def _load_official(split: str, mirrors, directory) -> DataSplit:
    blob = fetch(CIFAR10_FILE, mirrors, directory, timeout=60.0)  # verified bytes, parsed as is
    images, labels = _cifar_batches(blob, split)
    X = torch.from_numpy(images.astype(np.float32) / 255.0)
    name = OFFICIAL_NAME.format(n=len(labels), what="training" if split == "train" else "test")
    return DataSplit(X, torch.from_numpy(labels), name, CIFAR10_CLASSES)


def _load_full(split: str, mirrors, directory) -> DataSplit:
    local = os.environ.get(ENV_PATH, "").strip()
    if local:
        return _load_jpeg(Path(local).expanduser(), split)
    return _load_official(split, mirrors, directory)


def _load_offline(split: str) -> DataSplit:
    path = offline_dir() / OFFLINE_FILES[split]
    if not path.is_file():
        raise _unavailable(split, "source='offline' asks for the offline subset")
    return _load_jpeg(path, split)


def _what_to_do() -> str:
    return (f"To use CIFAR-10 without a network, set {ENV_PATH} to a folder holding "
            f"{FULL_FILES['train']} and {FULL_FILES['test']} (the full JPEG copy; a clone's "
            f"data/cifar10 folder works too, with 10,000 training images), e.g. "
            f"os.environ[{ENV_PATH!r}] = '/path/to/folder' before loading, or pass the folder "
            f"as source=; or connect to the network and load again: the official archive "
            f"(163 MB) is then downloaded once into {cache_dir()}.")


def _unavailable(split: str, reason: str, details: str = "") -> FileNotFoundError:
    """The one error of a machine that has no CIFAR-10 to read: why, and what to do."""
    path = offline_dir() / OFFLINE_FILES[split]
    return FileNotFoundError(
        f"CIFAR-10 is not available here: {reason}; the offline subset ({path.name}) "
        f"ships with a clone of the book's repository (data/cifar10/), not with the pip "
        f"package, and is not at {path.parent}. {_what_to_do()}" + details)


def load_cifar10(
    split: str = "train",
    source: str | os.PathLike = "auto",
    *,
    mirrors: Sequence[str] = CIFAR10_MIRRORS,
    directory: Path | str | None = None,
    warn: bool = True,
) -> DataSplit:
    """CIFAR-10 as ``(X, y)``: X float32 in [0, 1] of shape (N, 3, 32, 32), y int64 (N,), with
    ``.classes`` = airplane ... truck and ``.name`` saying which copy was read.

    ``split`` is ``"train"`` or ``"test"``. ``source``:

    * ``"offline"``: the JPEG subset in a clone's ``data/cifar10/``: 10,000 training images
      (1,000 a class) or the 10,000 test images;
    * a folder or zip **path** of the full JPEG copy (``cifar10-train-jpeg.zip``,
      ``cifar10-test-jpeg.zip``): 50,000 training or 10,000 test images, no network needed;
    * ``"full"``: the whole data set: the JPEG copy named by ``$DLSG_CIFAR10`` if set, else the
      official archive downloaded from ``mirrors`` into the cache (``directory``, else
      ``$DLSG_DATA`` or ``~/.cache/dlsg``);
    * ``"auto"``: ``"full"``, falling back to ``"offline"``; ``.note`` says why, and so does a
      :class:`DataFallbackWarning` unless ``warn=False``. ``DLSG_OFFLINE=1`` skips the
      download (a ``$DLSG_CIFAR10`` copy is still used: it is local). Without a clone there
      is no fallback: ``"auto"`` is then ``"full"``.

    Images are returned in a fixed mixed order, so any first ``n`` images hold every class.

    With no copy to read (a pip install, offline), a single :class:`FileNotFoundError` says
    why and what to do (``$DLSG_CIFAR10``, or a network); a failed ``source="full"`` download
    is a :class:`~dlsg_utils.data.DownloadError` that says the same.
    """
    check_split(split)
    check_bool("warn", warn)
    if isinstance(source, os.PathLike) or (isinstance(source, str) and
                                           source not in ("auto", "full", "offline")):
        path = Path(source).expanduser()
        if not path.exists():
            raise ValueError("source must be 'auto', 'full', 'offline' or the path of a "
                             f"CIFAR-10 JPEG copy (a folder or .zip), got {str(source)!r}, "
                             "which does not exist")
        return _load_jpeg(path, split)
    if not isinstance(source, str):
        raise ValueError("source must be 'auto', 'full', 'offline' or the path of a CIFAR-10 "
                         f"JPEG copy, got {type(source).__name__} {source!r}")
    if source == "auto" and os.environ.get(ENV_PATH, "").strip():
        return _load_full(split, mirrors, directory)  # a local full copy: no fallback needed
    if source == "offline":
        return _load_offline(split)
    if source == "full":
        try:
            return _load_full(split, mirrors, directory)
        except DownloadError as err:  # the chain would only repeat the message
            raise DownloadError(f"{err}\n{_what_to_do()}") from None
    if not (offline_dir() / OFFLINE_FILES[split]).is_file():
        return _auto_without_a_clone(split, mirrors, directory)
    return resolve(split, source, lambda: _load_full(split, mirrors, directory),
                   lambda: _load_offline(split), what="CIFAR-10", warn=warn)


def _auto_without_a_clone(split: str, mirrors, directory) -> DataSplit:
    """``source="auto"`` where no offline subset exists (a pip install): the download, else
    one clear error -- never a fallback that fails in turn."""
    if os.environ.get("DLSG_OFFLINE", "").strip() not in ("", "0"):
        raise _unavailable(split, "DLSG_OFFLINE is set, so nothing was downloaded")
    try:
        return _load_full(split, mirrors, directory)
    except (DownloadError, ValueError, OSError) as err:
        said = f"{type(err).__name__}: {err}"
    raise _unavailable(split, "the download of the official archive failed",
                       f"\nWhat the download said: {said}")
