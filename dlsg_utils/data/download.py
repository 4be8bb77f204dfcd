"""Verified downloads into a cache: the machinery behind every data set with a "full" source.

A file is fetched from a list of mirrors with timeouts and retries, verified in memory against
its published checksum, and only then written, through a temporary file and an atomic rename,
so the cache (``$DLSG_DATA``, else ``~/.cache/dlsg``) never holds a partial or corrupted file.
"""

from __future__ import annotations

import hashlib
import http.client
import itertools
import os
import tempfile
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..checks import check_int, check_real

__all__ = ["CacheWarning", "ChecksumError", "DownloadError", "RemoteFile", "cache_dir",
           "download_file", "fetch"]


class DownloadError(RuntimeError):
    """No mirror delivered a correct copy of a file."""


class ChecksumError(ValueError):
    """A file does not match its published checksum."""


class CacheWarning(UserWarning):
    """A verified download could not be written to the cache; it is used for this call only."""


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
    """The download cache: ``$DLSG_DATA`` if set, else ``~/.cache/dlsg``: one folder per user,
    shared by every notebook and process on the machine, so a file is downloaded once. (Colab
    gives each notebook a runtime of its own: a ``$DLSG_DATA`` on a mounted Drive folder is
    shared by all of them.)"""
    return Path(os.environ.get("DLSG_DATA") or Path.home() / ".cache" / "dlsg")


class _Truncated(OSError):
    """The connection closed before the body that Content-Length announced was complete."""


def _fetch(url: str, timeout: float) -> bytes:
    """The body of ``url``; a progress bar for files over 5 MB (CIFAR-10 is 163 MB). A body
    shorter than its Content-Length raises :class:`_Truncated`."""
    req = urllib.request.Request(url, headers={"User-Agent": "dlsg-utils"})
    with urllib.request.urlopen(req, timeout=timeout) as response:
        size = int(response.headers.get("Content-Length") or 0)
        chunks = []
        try:
            if size < 5_000_000:
                chunks.append(response.read())
            else:
                from .._progress import tqdm  # text bars where widgets do not render

                with tqdm(total=size, unit="B", unit_scale=True,
                          desc=url.rsplit("/", 1)[-1]) as bar:
                    while chunk := response.read(1 << 20):
                        chunks.append(chunk)
                        bar.update(len(chunk))
        except http.client.IncompleteRead as err:
            chunks.append(err.partial)  # reported as truncation below
    blob = b"".join(chunks)
    if size and len(blob) != size:
        raise _Truncated(f"truncated: received {len(blob):,} of {size:,} bytes")
    return blob


# What a flaky network or a server that is not a web server can raise: all worth another try.
_NETWORK_ERRORS = (urllib.error.URLError, http.client.HTTPException, OSError, TimeoutError)


def _check_mirrors(mirrors: object) -> list[str]:
    if isinstance(mirrors, (str, bytes)) or not isinstance(mirrors, Sequence):
        raise TypeError(f"mirrors must be a list of base URLs, got {type(mirrors).__name__} "
                        f"{mirrors!r}")
    if not mirrors or not all(isinstance(m, str) for m in mirrors):
        raise ValueError(f"mirrors must be a non-empty list of base URLs (str), got {mirrors!r}")
    return list(mirrors)


def _store(blob: bytes, target: Path) -> None:
    """Write ``blob`` to ``target`` through a temporary file and an atomic rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".part-", suffix=target.name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(blob)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def fetch(
    spec: RemoteFile,
    mirrors: Sequence[str],
    directory: Path | str | None = None,
    *,
    timeout: float = 20.0,
    retries: int = 2,
) -> bytes:
    """The verified bytes of ``spec``: from the cache if a correct copy is there, else downloaded.

    Each mirror is tried ``retries`` times with ``timeout`` seconds per request; every network
    failure (refused or dropped connections, a server that does not speak HTTP, a body shorter
    than its Content-Length) is reported and tried again, then the next mirror is tried. A
    copy is verified in memory and only then written to the cache (``directory``, else
    :func:`cache_dir`), through a temporary file and an atomic rename, so the cache never holds
    a partial or corrupted file. If the cache cannot be written (read-only, full, a file where
    the folder should be), a :class:`CacheWarning` says so and the verified bytes are still
    returned. The bytes returned are the bytes that were verified. Raises
    :class:`DownloadError` listing what each mirror did.
    """
    mirrors = _check_mirrors(mirrors)
    if directory is not None and not isinstance(directory, (str, os.PathLike)):
        raise TypeError(f"directory must be a path (str or os.PathLike), got "
                        f"{type(directory).__name__} {directory!r}")
    timeout = check_real("timeout", timeout, min=0, min_open=True)
    retries = check_int("retries", retries, min=1)
    directory = Path(directory) if directory is not None else cache_dir()
    target = directory / spec.name
    if target.is_file():
        blob = target.read_bytes()
        try:
            spec.verify(blob)
            return blob
        except ChecksumError:
            target.unlink(missing_ok=True)  # a damaged cached copy is replaced, never used
    failures = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + spec.name
        errors: list[str] = []
        for attempt in range(1, retries + 1):
            try:
                blob = _fetch(url, timeout)
                spec.verify(blob)
            except ChecksumError as err:
                errors.append(str(err))
                break  # the mirror serves a bad file; another try will not help
            except _NETWORK_ERRORS as err:
                errors.append(f"{type(err).__name__}: {err}")
                if attempt < retries:
                    time.sleep(0.2 * attempt)
                continue
            try:
                _store(blob, target)
            except OSError as err:
                warnings.warn(f"cannot write the cache at {target} ({err}); using the verified "
                              "download for this call only", CacheWarning, stacklevel=2)
            return blob
        failures.append(f"{url}: " + "; ".join(_collapse(errors)))
    raise DownloadError(f"could not download {spec.name}:\n  " + "\n  ".join(failures))


def _collapse(errors: list[str]) -> list[str]:
    """The same error on consecutive tries is said once, with the number of tries."""
    return [e if (n := len(list(group))) == 1 else f"{e} ({n} tries)"
            for e, group in itertools.groupby(errors)]


def download_file(
    spec: RemoteFile,
    mirrors: Sequence[str],
    directory: Path | str | None = None,
    *,
    timeout: float = 20.0,
    retries: int = 2,
) -> Path:
    """Like :func:`fetch`, but returns the path of the verified copy in the cache; an OSError
    naming the path if the cache cannot be written."""
    directory = Path(directory) if directory is not None else cache_dir()
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)
        try:
            fetch(spec, mirrors, directory, timeout=timeout, retries=retries)
        except CacheWarning as err:
            raise OSError(str(err).split("; using")[0]) from None
    return directory / spec.name
