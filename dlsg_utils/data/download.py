"""Verified downloads into a cache: the machinery behind every data set with a "full" source.

A file is fetched from a list of mirrors with timeouts and retries, verified in memory against
its published checksum, and only then written, through a temporary file and an atomic rename,
so the cache (``$DLSG_DATA``, else ``~/.cache/dlsg``) never holds a partial or corrupted file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ChecksumError", "DownloadError", "RemoteFile", "cache_dir", "download_file"]


class DownloadError(RuntimeError):
    """No mirror delivered a correct copy of a file."""


class ChecksumError(ValueError):
    """A file does not match its published checksum."""


@dataclass(frozen=True)
class RemoteFile:
    """One official file and what a correct copy looks like.

    ``md5`` is the published md5 of the file as served; ``check`` optionally accepts a copy
    whose md5 differs (MNIST's sha256 of the decompressed content, for re-compressed copies):
    it returns ``None`` for a correct copy and a message otherwise.
    """

    name: str
    md5: str
    size: int
    check: Callable[[bytes], str | None] | None = None

    def verify(self, blob: bytes) -> None:
        """Raise :class:`ChecksumError` unless ``blob`` is a correct copy of this file."""
        md5 = hashlib.md5(blob).hexdigest()
        if md5 == self.md5:
            return
        problem = self.check(blob) if self.check is not None else (
            f"md5 should be {self.md5}, got {md5}")
        if problem is not None:
            raise ChecksumError(f"{self.name}: {problem}")


def cache_dir() -> Path:
    """The download cache: ``$DLSG_DATA`` if set, else ``~/.cache/dlsg``."""
    return Path(os.environ.get("DLSG_DATA") or Path.home() / ".cache" / "dlsg")


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
    mirrors: Sequence[str],
    directory: Path | str | None = None,
    *,
    timeout: float = 20.0,
    retries: int = 2,
) -> Path:
    """Download ``spec`` into ``directory`` (default :func:`cache_dir`) and return its path.

    A file already in the cache is verified and reused; a damaged cached copy is replaced. Each
    mirror is tried ``retries`` times with ``timeout`` seconds per request. Raises
    :class:`DownloadError` listing what each mirror did.
    """
    directory = Path(directory) if directory is not None else cache_dir()
    target = directory / spec.name
    if target.exists():
        try:
            spec.verify(target.read_bytes())
            return target
        except ChecksumError:
            target.unlink()  # a damaged cached copy is replaced, never used
    failures = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + spec.name
        for attempt in range(1, retries + 1):
            try:
                blob = _fetch(url, timeout)
                spec.verify(blob)
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
