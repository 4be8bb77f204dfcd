"""A zip of small JPEGs, decoded only after it has been checked (the CIFAR-10 JPEG copy).

The members must be ``<split>/<class>/NNNN.jpg``: the names, the classes, the count per class
and each member's size are checked before any image is decoded, and each JPEG's header before
that image is decoded (PIL's ``open`` reads only the header). A hostile zip -- names that climb
out of the folder, a member that inflates to gigabytes, a header that declares 9000x9000 -- is
refused in milliseconds, with an error that names the member.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import numpy as np

MAX_JPEG_BYTES = 16_384
"""The largest member a zip may hold (the CIFAR-10 copy's largest 32x32 JPEG has 1,124 bytes)."""


def check_members(zf: zipfile.ZipFile, split: str, n: int, classes: tuple[str, ...],
                  where: Path) -> list[tuple[zipfile.ZipInfo, int]]:
    """The members of ``zf`` with their labels, sorted by name, after checking (reading no
    member) that they are ``n`` JPEGs named ``<split>/<class>/NNNN.jpg``, the same number in
    every class, none larger than ``MAX_JPEG_BYTES``."""
    infos = zf.infolist()
    if len(infos) != n:
        raise ValueError(f"{where}: {len(infos):,} members, expected {n:,} JPEGs")
    pattern = re.compile(rf"{split}/([a-z]+)/[0-9]+\.jpg")
    members = []
    for info in infos:
        match = pattern.fullmatch(info.filename)
        if match is None or match[1] not in classes:
            raise ValueError(f"{where}: member {info.filename!r} is not "
                             f"{split}/<class>/NNNN.jpg with a CIFAR-10 class")
        if info.file_size > MAX_JPEG_BYTES:
            raise ValueError(f"{where}: member {info.filename} has {info.file_size:,} bytes, "
                             f"more than a 32x32 JPEG ({MAX_JPEG_BYTES:,} at most)")
        members.append((info, classes.index(match[1])))
    counts = np.bincount([label for _, label in members], minlength=len(classes))
    if len(set(counts.tolist())) != 1:
        raise ValueError(f"{where}: images per class {counts.tolist()}, expected "
                         f"{n // len(classes):,} in each")
    return sorted(members, key=lambda m: m[0].filename)


def decode_jpeg(blob: bytes, what: str) -> np.ndarray:
    """One 32x32 RGB JPEG as (32, 32, 3) uint8; a header that declares another size or mode
    is refused before the image is decoded."""
    from PIL import Image

    with Image.open(io.BytesIO(blob), formats=["JPEG"]) as img:
        if img.size != (32, 32) or img.mode != "RGB":
            raise ValueError(f"{what} declares a {img.size[0]}x{img.size[1]} {img.mode} image, "
                             "expected 32x32 RGB: refused before decoding")
        return np.asarray(img)


def decode_zip(blob: bytes, split: str, n: int, classes: tuple[str, ...], where: Path
               ) -> tuple[np.ndarray, np.ndarray]:
    """Every JPEG of the zip ``blob``, checked first: images (n, 32, 32, 3) uint8 and int64
    labels, in the order of the sorted member names."""
    from PIL import UnidentifiedImageError

    images = []
    with zipfile.ZipFile(io.BytesIO(blob)) as zf:
        members = check_members(zf, split, n, classes, where)
        for info, _ in members:
            with zf.open(info) as fh:
                data = fh.read(MAX_JPEG_BYTES + 1)  # a member whose header lies stops here
            if len(data) > MAX_JPEG_BYTES:
                raise ValueError(f"{where}: member {info.filename} inflates past "
                                 f"{MAX_JPEG_BYTES:,} bytes")
            try:
                images.append(decode_jpeg(data, f"{where}: member {info.filename}"))
            except (UnidentifiedImageError, OSError) as err:
                raise ValueError(f"{where}: member {info.filename} is not a JPEG ({err})"
                                 ) from None
    return np.stack(images), np.array([label for _, label in members], dtype=np.int64)
