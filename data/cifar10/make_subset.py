"""Rebuild the offline CIFAR-10 files of this folder from the full JPEG copy.

    python data/cifar10/make_subset.py ../shared/data/cifar10

* ``cifar10-test-jpeg.zip``: the whole test set (10,000 images), a byte-for-byte copy.
* ``cifar10-train-10k-jpeg.zip``: the first 1,000 training images of each class in the copy's
  numbering (``train/<class>/0000.jpg`` ... ``0999.jpg``), 10,000 in all. The members are copied
  unchanged (stored, not recompressed), with their original timestamps, so the result is the
  same zip, with the same sha256, on every machine.
"""

import shutil
import sys
import zipfile
from pathlib import Path

PER_CLASS = 1000


def main(source: Path, target: Path) -> None:
    shutil.copyfile(source / "cifar10-test-jpeg.zip", target / "cifar10-test-jpeg.zip")
    with zipfile.ZipFile(source / "cifar10-train-jpeg.zip") as src, \
            zipfile.ZipFile(target / "cifar10-train-10k-jpeg.zip", "w",
                            zipfile.ZIP_STORED) as dst:
        for info in sorted(src.infolist(), key=lambda i: i.filename):
            parts = info.filename.split("/")
            if len(parts) == 3 and parts[2].endswith(".jpg") and int(parts[2][:4]) < PER_CLASS:
                out = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                out.external_attr = info.external_attr
                dst.writestr(out, src.read(info), compress_type=zipfile.ZIP_STORED)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(__file__).resolve().parent)
