"""Data sets, offline first, and augmentation.

* :func:`load_mnist` -- MNIST; offline, MNIST-10k (the official test set, shipped in the package).
* :func:`load_cifar10` -- CIFAR-10; offline, a JPEG subset that a clone of the repository
  carries (10,000 training / 10,000 test images); the full JPEG copy from a path; or the
  official archive downloaded.
* :class:`RandomCropFlip` -- the random crops and mirrors of AlexNet and ResNet, on a batch.

Every loader returns a :class:`DataSplit`, ``(X, y)`` with ``.name`` (the data set actually
read), ``.classes`` and ``.note``; ``source="auto"`` tries the full data set and falls back to
the offline one. Downloads are verified and cached (``dlsg_utils.data.download``).
"""

from .augment import RandomCropFlip
from .cifar import CIFAR10_CLASSES, CIFAR10_MIRRORS, load_cifar10
from .download import (
    CacheWarning,
    ChecksumError,
    DownloadError,
    RemoteFile,
    cache_dir,
    download_file,
    fetch,
)
from .mnist import MNIST_FILES, MNIST_MIRRORS, load_mnist, read_idx
from .split import DataFallbackWarning, DataSplit

__all__ = [
    "CIFAR10_CLASSES",
    "CIFAR10_MIRRORS",
    "CacheWarning",
    "MNIST_FILES",
    "MNIST_MIRRORS",
    "ChecksumError",
    "DataFallbackWarning",
    "DataSplit",
    "DownloadError",
    "RandomCropFlip",
    "RemoteFile",
    "cache_dir",
    "download_file",
    "fetch",
    "load_cifar10",
    "load_mnist",
    "read_idx",
]
