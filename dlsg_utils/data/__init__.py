"""Data sets, offline first, and augmentation.

* :func:`load_mnist` -- MNIST; offline, MNIST-10k (the official test set, shipped in the package).
* :func:`load_cifar10` -- CIFAR-10; offline, a JPEG subset that a clone of the repository
  carries (10,000 training / 10,000 test images); the full JPEG copy from a path; or the
  official archive downloaded.
* :class:`RandomCropFlip` -- the random crops and mirrors of AlexNet and ResNet, on a batch.

Every loader returns a :class:`DataSplit`, ``(X, y)`` with ``.name`` (the data set actually
read), ``.classes`` and ``.note``; ``source="auto"`` tries the full data set and falls back to
the offline one. Downloads are verified and cached (``dlsg_utils.data.download``).

Why not torchvision's datasets and transforms? This small module is a deliberate choice
(revisit it if these reasons stop holding):

* **Installs.** torchvision's wheels are built against one torch release each. Colab has a
  matching pair, but in a clone the book pins the torch wheel it tests with, and a torchvision
  that is not built for it fails at import ("operator torchvision::nms does not exist", seen
  with torch 2.13); asking for torchvision would make pip replace torch with a multi-GB build.
  The package's only hard dependencies are torch, NumPy, matplotlib, Pillow and small libraries.
* **Offline data.** ``torchvision.datasets.MNIST``/``CIFAR10`` download the official archives
  (or read them from disk); they cannot read MNIST-10k shipped in a wheel, nor the JPEG copy a
  clone carries, and they do not say which copy was used (``DataSplit.name``/``.note``) or fall
  back with a reason.
* **Speed on small data.** The chapters keep whole data sets as tensors on the device and slice
  mini-batches there (:func:`dlsg_utils.train.fit`); a per-image transform pipeline in a
  ``DataLoader`` adds Python work per image, which dominates for 32x32 images on a CPU.
  :class:`RandomCropFlip`
  draws a different crop and mirror for every image of a batch in one indexing operation on the
  batch's device (``torchvision.transforms.v2.RandomCrop`` applied to a batch tensor crops every
  image the same way).
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
