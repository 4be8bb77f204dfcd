"""Verified downloads into a cache: the machinery behind every data set with a "full" source.

A file is fetched from a list of mirrors with timeouts and retries, verified in memory against
its published checksum, and only then written, through a temporary file and an atomic rename,
so the cache (``$DLSG_DATA``, else ``~/.cache/dlsg``) never holds a partial or corrupted file.
Every transfer is bounded: each attempt has a total deadline (a server that drips a byte a
second is cut off), reading stops a little past the file's published size, and gzip content is
decompressed incrementally up to the size the content must have (``gunzip``), so a hostile
or broken server, or a file planted in the cache, costs seconds and kilobytes, not gigabytes.

Why not pooch? It was considered (it has hashes, retries, atomic writes and progress bars), and
this module keeps its own code because what the book needs beyond those is not in pooch: its
HTTP downloader passes a per-socket-operation ``timeout`` to ``requests`` but has no total
deadline per attempt and no cap on the bytes it writes; its ``Decompress``/``Untar`` processors
inflate a whole archive with no cap; one ``known_hash`` per file cannot accept MNIST's
re-compressed copies (``RemoteFile.check``); it would add ``requests`` and ``platformdirs`` to
the dependencies; and the ``source="auto"`` fallback, the ``CacheWarning`` for an
unwritable cache and the error that lists every mirror's failure, all tested against servers on
127.0.0.1, would have to be rebuilt around it. Revisit this if pooch gains those bounds.
"""

from __future__ import annotations

import hashlib
import http.client
import itertools
import math
import os
import socket
import tempfile
import threading
import time
import urllib.error
import urllib.request
import warnings
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..checks import check_int, check_real

__all__ = ["CacheWarning", "ChecksumError", "DownloadError", "RemoteFile", "cache_dir",
           "download_file", "fetch", "gunzip"]

BASE_DEADLINE = 60.0
"""Seconds every download attempt may take, plus the time of the file's size at MIN_RATE."""
MIN_RATE = 50_000
"""Bytes a second: a slower attempt is cut off (CIFAR-10's 163 MB then gets about an hour)."""
SIZE_MARGIN = 0.1
"""A server may send this fraction more than the published size (plus SIZE_SLACK bytes): a
re-compressed copy of the same content can be a little larger; reading stops beyond that."""
SIZE_SLACK = 65_536
MAX_UNKNOWN_BYTES = 1 << 30
"""The most bytes read for a file whose size is not known (a reference run's files)."""


class DownloadError(RuntimeError):
    """No mirror delivered a correct copy of a file."""


class ChecksumError(ValueError):
    """A file does not match its published checksum."""


class CacheWarning(UserWarning):
    """A verified download could not be written to the cache; it is used for this call only."""


@dataclass(frozen=True)
class RemoteFile:
    """One official file and what a correct copy looks like.

    ``md5`` is the published md5 of the file as served, ``size`` its bytes (0 if unknown,
    which only loosens the bounds of a download); ``check`` optionally accepts a copy
    whose md5 differs (MNIST's sha256 of the decompressed content, for re-compressed copies):
    it returns ``None`` for a correct copy and a message otherwise.
    """

    name: str
    md5: str
    size: int
    check: Callable[[bytes], str | None] | None = None

    @property
    def max_bytes(self) -> int:
        """The most bytes read for this file, from a server or the cache (for a ``size`` of 0,
        unknown, ``MAX_UNKNOWN_BYTES``)."""
        if self.size <= 0:
            return MAX_UNKNOWN_BYTES
        return math.ceil(self.size * (1 + SIZE_MARGIN)) + SIZE_SLACK

    @property
    def deadline(self) -> float:
        """The default total time of one download attempt, in seconds."""
        return BASE_DEADLINE + (self.size if self.size > 0 else MAX_UNKNOWN_BYTES) / MIN_RATE

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


def gunzip(blob: bytes, max_size: int) -> bytes:
    """Decompress gzip ``blob`` (one or more members) incrementally, never inflating more than
    ``max_size`` + 1 bytes: a ValueError as soon as the content grows past
    ``max_size`` (a gzip bomb is refused after ``max_size`` bytes, not inflated whole), or if
    ``blob`` is not valid gzip."""
    out = bytearray()
    view = memoryview(blob)
    pos = 0
    try:
        while pos < len(view):
            member = zlib.decompressobj(wbits=31)  # 31: a gzip header and trailer
            while not member.eof:
                if pos >= len(view):
                    raise ValueError("not a valid gzip file (it ends before its last member "
                                     "does)")
                chunk = view[pos:pos + (1 << 16)]
                out += member.decompress(chunk, max_size + 1 - len(out))
                pos += len(chunk) - len(member.unconsumed_tail) - len(member.unused_data)
                if len(out) > max_size:
                    raise ValueError(f"decompresses to more than {max_size:,} bytes")
    except zlib.error as err:
        raise ValueError(f"not a valid gzip file ({err})") from None
    return bytes(out)


class _Truncated(OSError):
    """The connection closed before the body that Content-Length announced was complete."""


class _Oversized(ChecksumError):
    """A server sent (or announced) more bytes than the file can have: not the file."""


class _Watch:
    """The connections of one download attempt, shut down when its deadline passes: a read
    blocked on a server that drips a byte a second returns at once instead of waiting for the
    next. It holds a duplicate of each socket's descriptor (the same connection, which TLS
    wraps without a copy of its own), closed when the attempt ends."""

    def __init__(self, deadline: float | None):
        self.expired = threading.Event()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = None if deadline is None else threading.Timer(deadline, self._expire)

    def __enter__(self) -> _Watch:
        if self._timer is not None:
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._timer is not None:
            self._timer.cancel()
        with self._lock:
            for sock in self._sockets:
                sock.close()
            self._sockets.clear()

    def add(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock.dup())
            if self.expired.is_set():
                self._shut(self._sockets[-1])

    def _expire(self) -> None:
        with self._lock:
            self.expired.set()
            for sock in self._sockets:
                self._shut(sock)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already closed by the server


class _Tracking:
    """A urllib handler that hands every connection it opens to ``watch`` as soon as the
    connection exists, before a TLS handshake (which a server could drip too)."""

    watch: _Watch

    def do_open(self, http_class, req, **kwargs):
        watch = self.watch

        class Watched(http_class):
            def __init__(self, *args, **kw):
                super().__init__(*args, **kw)
                create = self._create_connection

                def create_watched(*args, **kw):
                    sock = create(*args, **kw)
                    watch.add(sock)
                    return sock

                self._create_connection = create_watched

        return super().do_open(Watched, req, **kwargs)


def _opener(watch: _Watch) -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(*(
        type("Watched" + base.__name__, (_Tracking, base), {"watch": watch})()
        for base in (urllib.request.HTTPHandler, urllib.request.HTTPSHandler)))


def _fetch(url: str, timeout: float, deadline: float | None = None,
           max_bytes: int | None = None) -> bytes:
    """The body of ``url``; a progress bar for files over 5 MB (CIFAR-10 is 163 MB).

    ``timeout`` bounds each socket operation, ``deadline`` the whole attempt (a TimeoutError
    past it), ``max_bytes`` the body (:class:`_Oversized` as soon as more is announced or
    received). A body shorter than its Content-Length raises :class:`_Truncated`."""
    req = urllib.request.Request(url, headers={"User-Agent": "dlsg-utils"})
    with _Watch(deadline) as watch:
        try:
            blob = _read_body(_opener(watch), req, timeout, max_bytes)
        except (*_NETWORK_ERRORS, ValueError):
            if not watch.expired.is_set():
                raise
            blob = None
        if watch.expired.is_set():  # also a body without Content-Length cut short
            raise TimeoutError(f"took longer than the deadline of {deadline:g} s: cut off")
    return blob


def _read_body(opener, req, timeout: float, max_bytes: int | None) -> bytes:
    with opener.open(req, timeout=timeout) as response:
        announced = response.headers.get("Content-Length", "")
        size = int(announced) if announced.strip().isdigit() else 0
        limit = max_bytes if max_bytes is not None else math.inf
        if size > limit:
            raise _Oversized(f"the server announces {size:,} bytes, more than the "
                             f"{limit:,} this file can have: refused")
        chunks, received = [], 0
        bar = None
        if size >= 5_000_000:
            from .._progress import tqdm  # text bars where widgets do not render

            bar = tqdm(total=size, unit="B", unit_scale=True,
                       desc=req.full_url.rsplit("/", 1)[-1])
        try:
            while chunk := response.read1(min(1 << 20, limit - received + 1)):
                chunks.append(chunk)
                received += len(chunk)
                if received > limit:
                    raise _Oversized(f"the server sent more than the {limit:,} bytes this "
                                     "file can have: refused, reading stopped")
                if bar is not None:
                    bar.update(len(chunk))
        except http.client.IncompleteRead as err:
            chunks.append(err.partial)  # reported as truncation below
        finally:
            if bar is not None:
                bar.close()
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


def _read_cached(target: Path, max_bytes: int) -> bytes | None:
    """The bytes of the cached copy, or ``None`` for a cache miss: no file (also one that
    another process removed a moment ago), a file that cannot be read, or one larger than the
    file can be (removed unread: never read whole)."""
    try:
        with open(target, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size <= max_bytes:
                blob = fh.read(size + 1)  # more than size: it grew while read
                if len(blob) <= max_bytes:
                    return blob
    except OSError:  # FileNotFoundError included: a vanished file is a miss, not an error
        return None
    target.unlink(missing_ok=True)
    return None


def fetch(
    spec: RemoteFile,
    mirrors: Sequence[str],
    directory: Path | str | None = None,
    *,
    timeout: float = 20.0,
    retries: int = 2,
    deadline: float | None = None,
) -> bytes:
    """The verified bytes of ``spec``: from the cache if a correct copy is there, else downloaded.

    Each mirror is tried ``retries`` times with ``timeout`` seconds per socket operation and
    ``deadline`` seconds per attempt (default ``spec.deadline``: ``BASE_DEADLINE`` plus the
    size at ``MIN_RATE``); every network failure (refused or dropped connections, a server
    that does not speak HTTP, a body shorter than its Content-Length, an attempt past its
    deadline) is reported and tried again, then the next mirror is tried. A server that sends
    more than ``spec.max_bytes`` is not read further and not tried again. A copy is verified
    in memory and only then written to the cache (``directory``, else :func:`cache_dir`),
    through a temporary file and an atomic rename, so the cache never holds a partial or
    corrupted file; a cached copy that is damaged, too large or removed while it is read is a
    cache miss. If the cache cannot be written (read-only, full, a file where the folder
    should be), a :class:`CacheWarning` says so and the verified bytes are still returned. The
    bytes returned are the bytes that were verified. Raises :class:`DownloadError` listing
    what each mirror did.
    """
    mirrors = _check_mirrors(mirrors)
    if directory is not None and not isinstance(directory, (str, os.PathLike)):
        raise TypeError(f"directory must be a path (str or os.PathLike), got "
                        f"{type(directory).__name__} {directory!r}")
    timeout = check_real("timeout", timeout, min=0, min_open=True)
    retries = check_int("retries", retries, min=1)
    deadline = spec.deadline if deadline is None else check_real("deadline", deadline, min=0,
                                                                  min_open=True)
    directory = Path(directory) if directory is not None else cache_dir()
    target = directory / spec.name
    blob = _read_cached(target, spec.max_bytes)
    if blob is not None:
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
                blob = _fetch(url, timeout, deadline, spec.max_bytes)
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
    deadline: float | None = None,
) -> Path:
    """Like :func:`fetch`, but returns the path of the verified copy in the cache; an OSError
    naming the path if the cache cannot be written."""
    directory = Path(directory) if directory is not None else cache_dir()
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)
        try:
            fetch(spec, mirrors, directory, timeout=timeout, retries=retries,
                  deadline=deadline)
        except CacheWarning as err:
            raise OSError(str(err).split("; using")[0]) from None
    return directory / spec.name
