"""Bounded transfers: hostile or broken servers and caches on 127.0.0.1 cost seconds and
kilobytes, never minutes or gigabytes (issue 25, "Transfers and files").

Every server here stops on its own within a few seconds, so a client without the bound under
test fails quickly instead of hanging; every loop is bounded.
"""

import builtins
import gzip
import io
import sys
import threading
import time
import tracemalloc
import zlib
from pathlib import Path

import pytest
from local_mirror import serve, serve_scripted

from dlsg_utils import data
from dlsg_utils.data import DownloadError
from dlsg_utils.data import download as dl

SHIPPED = Path(data.__file__).parent / "files" / "mnist"
LABELS = data.MNIST_FILES[("test", "labels")]  # 4,542 bytes; 10,008 decompressed
BODY = (SHIPPED / LABELS.name).read_bytes()


@pytest.fixture
def mirror(tmp_path):
    """The shipped MNIST test files served over HTTP on 127.0.0.1; yields the URL."""
    folder = tmp_path / "mirror"
    folder.mkdir()
    (folder / LABELS.name).write_bytes(BODY)
    with serve(folder) as url:
        yield url


def _peak(call) -> tuple[object, int]:
    """``call()``'s result (or exception) and the peak of Python allocations during it."""
    tracemalloc.start()
    try:
        try:
            result = call()
        except Exception as err:  # noqa: BLE001 -- the caller checks what was raised
            result = err
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _bomb(inflated: int) -> bytes:
    """A gzip file of ``inflated`` zero bytes (about a thousandth of that compressed), built in
    chunks so the test itself never holds the inflated content."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(1 << 20)
    parts = [comp.compress(zeros) for _ in range(inflated >> 20)]
    return b"".join(parts) + comp.flush()


# --- a per-attempt deadline --------------------------------------------------------------------

@pytest.mark.parametrize("how", ["drip", "drip-head"])
def test_a_server_dripping_bytes_is_cut_off_at_the_deadline(tmp_path, how):
    # at 20 bytes/s the 4,542-byte file would take about 4 minutes (the server stops at 3 s)
    with serve_scripted(BODY, [how]) as (url, served):
        start = time.monotonic()
        with pytest.raises(DownloadError, match=r"took longer than the deadline of 0\.4 s"):
            data.fetch(LABELS, [url], tmp_path, timeout=2, retries=1, deadline=0.4)
        elapsed = time.monotonic() - start
    assert elapsed < 1.5, elapsed
    assert served == [how] and list(tmp_path.iterdir()) == []


def test_a_tls_handshake_that_never_completes_is_cut_off_at_the_deadline(tmp_path):
    # the server reads the TLS hello and says nothing for 2 s; each read's timeout is 5 s
    with serve_scripted(BODY, ["hang"]) as (url, _):
        start = time.monotonic()
        with pytest.raises(DownloadError, match=r"took longer than the deadline of 0\.4 s"):
            data.fetch(LABELS, [url.replace("http:", "https:")], tmp_path, timeout=5,
                       retries=1, deadline=0.4)
        assert time.monotonic() - start < 1.5


def test_the_default_deadline_grows_with_the_file_size():
    assert LABELS.deadline == pytest.approx(dl.BASE_DEADLINE + 4542 / dl.MIN_RATE)
    cifar = data.cifar.CIFAR10_FILE
    assert cifar.deadline > 3000  # 163 MB at 50 kB/s: a slow line still gets there


def test_a_deadline_that_is_not_positive_is_refused(tmp_path):
    with pytest.raises(ValueError, match="deadline must be > 0, got 0"):
        data.fetch(LABELS, ["http://127.0.0.1:9/"], tmp_path, deadline=0)


def test_a_deadline_long_enough_lets_a_slow_download_finish(tmp_path):
    small = b"x" * 8
    spec = data.RemoteFile("small.bin", dl.hashlib.md5(small).hexdigest(), len(small))
    with serve_scripted(small, ["drip"], drip_interval=0.02) as (url, _):
        assert data.fetch(spec, [url], tmp_path, timeout=2, retries=1, deadline=5) == small


# --- reading stops past the expected size -------------------------------------------------------

def test_a_body_far_larger_than_the_file_is_not_read_past_its_size(tmp_path, mirror):
    # 32 MiB of zeros for a 4,542-byte file, without Content-Length; the next mirror is used
    with serve_scripted(BODY, ["flood"]) as (bad, served):
        blob, peak = _peak(lambda: data.fetch(LABELS, [bad, mirror], tmp_path, timeout=2))
    assert blob == BODY
    assert served == ["flood"]  # not tried again: the mirror serves something else
    assert peak < 4_000_000, f"{peak:,} bytes allocated"


def test_an_announced_oversized_body_is_refused_before_reading_it(tmp_path):
    with serve_scripted(BODY, ["flood-announced"]) as (url, _):
        err, peak = _peak(lambda: data.fetch(LABELS, [url], tmp_path, timeout=2, retries=1))
    assert isinstance(err, DownloadError), err
    assert f"announces {32 << 20:,} bytes, more than the {LABELS.max_bytes:,}" in str(err)
    assert peak < 1_000_000, f"{peak:,} bytes allocated"


def test_the_size_cap_leaves_room_for_a_recompressed_copy():
    assert LABELS.size < LABELS.max_bytes < LABELS.size * 1.1 + 70_000


def test_a_file_of_unknown_size_gets_the_loose_bounds(tmp_path):
    spec = data.RemoteFile("run.bin", "-", 0)  # as the reference runs name their files
    assert spec.max_bytes == dl.MAX_UNKNOWN_BYTES
    assert spec.deadline == dl.BASE_DEADLINE + dl.MAX_UNKNOWN_BYTES / dl.MIN_RATE
    body = bytes(200_000)  # larger than the cap of a small known file
    spec = data.RemoteFile("run.bin", dl.hashlib.md5(body).hexdigest(), 0)
    with serve_scripted(body, ["ok"]) as (url, _):
        assert data.fetch(spec, [url], tmp_path, timeout=2, retries=1) == body


# --- gzip is decompressed incrementally, with a cap ---------------------------------------------

def test_a_served_gzip_bomb_is_refused_without_inflating_it(tmp_path):
    bomb = _bomb(64 << 20)  # 64 MiB of zeros in about 64 kB, under the size cap
    assert len(bomb) < LABELS.max_bytes
    with serve_scripted(bomb, ["ok"]) as (url, _):
        err, peak = _peak(lambda: data.fetch(LABELS, [url], tmp_path, timeout=2, retries=1))
    assert isinstance(err, DownloadError), err
    assert "decompresses to more than 10,008 bytes" in str(err)
    assert peak < 2_000_000, f"{peak:,} bytes allocated"
    assert list(tmp_path.iterdir()) == []


def test_a_gzip_bomb_planted_in_the_cache_is_replaced_without_inflating_it(tmp_path, mirror):
    (tmp_path / LABELS.name).write_bytes(_bomb(64 << 20))
    blob, peak = _peak(lambda: data.fetch(LABELS, [mirror], tmp_path, timeout=2))
    assert blob == BODY and (tmp_path / LABELS.name).read_bytes() == BODY
    assert peak < 2_000_000, f"{peak:,} bytes allocated"


def test_a_huge_file_planted_in_the_cache_is_never_read(tmp_path, mirror):
    with open(tmp_path / LABELS.name, "wb") as fh:
        fh.truncate(256 << 20)  # sparse: 256 MiB that take no disk
    start = time.monotonic()
    blob, peak = _peak(lambda: data.fetch(LABELS, [mirror], tmp_path, timeout=2))
    assert blob == BODY and time.monotonic() - start < 2
    assert peak < 2_000_000, f"{peak:,} bytes allocated"


def test_gunzip_agrees_with_gzip_and_refuses_what_is_not_gzip():
    raw = bytes(range(256)) * 50
    two = gzip.compress(raw[:100]) + gzip.compress(raw[100:])  # two members, as gzip allows
    assert dl.gunzip(two, len(raw)) == gzip.decompress(two) == raw
    with pytest.raises(ValueError, match=f"decompresses to more than {len(raw) - 1:,} bytes"):
        dl.gunzip(two, len(raw) - 1)
    with pytest.raises(ValueError, match="ends before its last member does"):
        dl.gunzip(gzip.compress(raw)[:-20], len(raw))
    with pytest.raises(ValueError, match="not a valid gzip file"):
        dl.gunzip(b"<html>404</html>", len(raw))


def test_mnist_reads_its_files_with_the_cap_of_their_content():
    X, y = data.load_mnist("test", source="offline")  # decompressed with the caps
    assert len(X) == len(y) == 2000
    assert data.mnist.RAW_SIZES["t10k-images-idx3-ubyte.gz"] == 16 + 10_000 * 28 * 28


# --- a cached file removed while another thread reads it ----------------------------------------

def test_a_cached_file_removed_just_before_it_is_opened_is_a_cache_miss(tmp_path, mirror,
                                                                       monkeypatch):
    """The race below, made certain: another process removes the cached copy after fetch
    found it and before it opens it."""
    target = tmp_path / LABELS.name
    target.write_bytes(b"damaged")
    real_open = io.open
    removed = []

    def open_after_removal(file, mode="r", *args, **kwargs):
        if not removed and str(file) == str(target) and "r" in mode:
            target.unlink()
            removed.append(file)
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(io, "open", open_after_removal)
    monkeypatch.setattr(builtins, "open", open_after_removal)
    assert data.fetch(LABELS, [mirror], tmp_path, timeout=5) == BODY
    assert removed and target.read_bytes() == BODY


def test_a_cached_file_that_vanishes_while_threads_read_it_is_a_cache_miss(tmp_path, mirror):
    """One thread keeps planting a damaged copy and removing it (what other processes that
    replace a damaged copy do); four threads fetch 50 times each meanwhile. A file that
    vanishes between being found and being read is a cache miss: every fetch returns the
    file."""
    target = tmp_path / LABELS.name
    errors: list[BaseException] = []
    stop = threading.Event()

    def churn():
        for _ in range(1_000_000):  # bounded; stopped long before
            if stop.is_set():
                return
            target.write_bytes(b"damaged")
            target.unlink(missing_ok=True)

    def worker():
        for _ in range(50):
            try:
                assert data.fetch(LABELS, [mirror], tmp_path, timeout=5) == BODY
            except BaseException as err:  # noqa: BLE001 -- collected and reported below
                errors.append(err)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often: the race shows in most runs
    try:
        churner = threading.Thread(target=churn)
        churner.start()
        threads = [threading.Thread(target=worker) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        stop.set()
        churner.join(timeout=10)
    finally:
        sys.setswitchinterval(interval)
    assert not any(t.is_alive() for t in [*threads, churner])
    assert errors == [], f"{len(errors)} of 200 fetches failed, e.g. {errors[0]!r}"


def test_a_cache_entry_that_is_a_folder_is_a_miss_and_a_cache_warning(tmp_path, mirror):
    (tmp_path / LABELS.name).mkdir()
    with pytest.warns(data.CacheWarning, match="cannot write the cache"):
        assert data.fetch(LABELS, [mirror], tmp_path, timeout=2) == BODY
