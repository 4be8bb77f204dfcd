"""load_mnist: the shipped MNIST-10k offline, and downloads against a local HTTP server."""

import gzip
import hashlib
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from local_mirror import serve, serve_scripted

from dlsg_utils import data
from dlsg_utils.data import ChecksumError, DataFallbackWarning, DownloadError, load_mnist
from dlsg_utils.data import download as dl

SHIPPED = Path(data.__file__).parent / "files" / "mnist"
# Label counts 0..9 of the official MNIST test set (../shared/data/README.md).
OFFICIAL_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_offline_splits_have_documented_shapes_and_dtypes():
    X, y = load_mnist("train", source="offline")
    Xt, yt = load_mnist("test", source="offline")
    assert X.shape == (8000, 1, 28, 28) and Xt.shape == (2000, 1, 28, 28)
    assert X.dtype == torch.float32 and y.dtype == torch.int64
    assert float(X.min()) == 0.0 and float(X.max()) == 1.0


def test_offline_splits_together_have_the_official_label_histogram():
    _, y = load_mnist("train", source="offline")
    _, yt = load_mnist("test", source="offline")
    counts = np.bincount(torch.cat([y, yt]).numpy(), minlength=10)
    assert counts.tolist() == OFFICIAL_TEST_COUNTS


def test_offline_pixel_statistics_match_the_readme():
    X, _ = load_mnist("train", source="offline")
    Xt, _ = load_mnist("test", source="offline")
    allx = torch.cat([X, Xt])
    assert abs(float(allx.mean()) - 0.1325) < 5e-4
    assert abs(float(allx.std()) - 0.3105) < 5e-4


def test_offline_split_is_deterministic_and_disjoint():
    X1, y1 = load_mnist("train", source="offline")
    X2, y2 = load_mnist("train", source="offline")
    assert torch.equal(X1, X2) and torch.equal(y1, y2)
    Xt, _ = load_mnist("test", source="offline")
    train_keys = {hashlib.md5(x.numpy().tobytes()).hexdigest() for x in X1}
    test_keys = {hashlib.md5(x.numpy().tobytes()).hexdigest() for x in Xt}
    # MNIST-10k has a handful of duplicate images; the split must not share any *index*.
    assert len(train_keys & test_keys) < 10


def test_result_names_the_data_set_used():
    split = load_mnist("test", source="offline")
    assert "MNIST-10k" in split.name
    X, y = split  # still unpacks like a tuple
    assert split.X is X and split.y is y


@pytest.mark.parametrize("kwargs, match", [
    ({"split": "validation"}, "split must be 'train' or 'test', got 'validation'"),
    ({"split": "train", "source": "web"}, "source must be 'auto', 'full' or 'offline', got 'web'"),
])
def test_bad_arguments_get_clear_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_mnist(**kwargs)


def test_read_idx_rejects_truncated_files():
    raw = gzip.decompress((SHIPPED / "t10k-labels-idx1-ubyte.gz").read_bytes())
    with pytest.raises(ValueError, match="promises 10000 bytes"):
        data.read_idx(raw[:-5])


@pytest.mark.parametrize("dims, promised", [
    ((65536,) * 4, 2 ** 64),  # np.prod overflows int64 to 0, which an empty body matched
    ((2 ** 32 - 1,) * 3, (2 ** 32 - 1) ** 3),
    ((), 1),  # no dimensions: one value, as NumPy has it
])
def test_read_idx_checks_the_length_for_every_header_without_overflow(dims, promised):
    raw = bytes([0, 0, 8, len(dims)]) + b"".join(d.to_bytes(4, "big") for d in dims)
    with pytest.raises(ValueError, match=f"IDX header promises {promised} bytes of data"):
        data.read_idx(raw)


def test_read_idx_refuses_a_header_cut_short():
    with pytest.raises(ValueError, match="IDX header of 3 dimensions needs 16 bytes, got 9"):
        data.read_idx(bytes([0, 0, 8, 3, 0, 0, 0, 1, 0]))


# --- downloads against a real HTTP server on 127.0.0.1 -------------------------------------

@pytest.fixture
def mirror(tmp_path):
    """Serve a folder over HTTP on 127.0.0.1; yields (url, folder)."""
    folder = tmp_path / "mirror"
    with serve(folder) as url:
        yield url, folder


def _serve_shipped(folder):
    for f in SHIPPED.glob("t10k-*.gz"):
        shutil.copy(f, folder / f.name)


def test_full_download_from_a_mirror_verifies_and_caches(mirror, tmp_path):
    url, folder = mirror
    _serve_shipped(folder)
    cache = tmp_path / "cache"
    X, y = load_mnist("test", source="full", mirrors=[url], directory=cache)
    assert X.shape == (10000, 1, 28, 28)
    assert np.bincount(y.numpy()).tolist() == OFFICIAL_TEST_COUNTS
    assert sorted(p.name for p in cache.iterdir()) == [
        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    # Second call is served from the cache: the mirror can disappear.
    for f in folder.iterdir():
        f.unlink()
    X2, _ = load_mnist("test", source="full", mirrors=[url], directory=cache)
    assert torch.equal(X, X2)


def test_first_mirror_down_second_mirror_used(mirror, tmp_path):
    url, folder = mirror
    _serve_shipped(folder)
    dead = "http://127.0.0.1:9/"  # discard port: connection refused
    X, _ = load_mnist("test", source="full", mirrors=[dead, url], directory=tmp_path / "c")
    assert len(X) == 10000


def test_corrupted_file_raises_and_leaves_nothing_in_cache(mirror, tmp_path):
    url, folder = mirror
    _serve_shipped(folder)
    blob = bytearray((folder / "t10k-labels-idx1-ubyte.gz").read_bytes())
    raw = bytearray(gzip.decompress(bytes(blob)))
    raw[100] ^= 0xFF  # one flipped label byte
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(bytes(raw)))
    cache = tmp_path / "cache"
    with pytest.raises(DownloadError, match="t10k-labels.*sha256 of the content should be"):
        load_mnist("test", source="full", mirrors=[url], directory=cache)
    assert not (cache / "t10k-labels-idx1-ubyte.gz").exists()
    # The good images file may stay; no partial or temporary file does.
    assert [p.name for p in cache.iterdir()] == ["t10k-images-idx3-ubyte.gz"]


def test_garbage_instead_of_gzip_is_a_checksum_failure(tmp_path):
    spec = data.MNIST_FILES[("test", "labels")]
    with pytest.raises(ChecksumError, match="not a valid gzip file"):
        spec.verify(b"<html>404 not found</html>")


def test_damaged_cached_file_is_replaced(mirror, tmp_path):
    url, folder = mirror
    _serve_shipped(folder)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "t10k-labels-idx1-ubyte.gz").write_bytes(b"truncated")
    _, y = load_mnist("test", source="full", mirrors=[url], directory=cache)
    assert len(y) == 10000


def test_server_down_full_source_raises_download_error(tmp_path):
    with pytest.raises(DownloadError, match="could not download t10k-images"):
        data.download_file(data.MNIST_FILES[("test", "images")], ["http://127.0.0.1:9/"],
                           tmp_path, timeout=2, retries=1)
    assert list(tmp_path.iterdir()) == []


def test_server_down_auto_falls_back_to_mnist10k_with_warning(monkeypatch, tmp_path):
    monkeypatch.delenv("DLSG_OFFLINE", raising=False)
    with pytest.warns(DataFallbackWarning, match="using MNIST-10k"):
        split = load_mnist("train", source="auto", mirrors=["http://127.0.0.1:9/"],
                           directory=tmp_path)
    assert len(split.y) == 8000 and "MNIST-10k" in split.name
    assert split.note.startswith("the full MNIST is not available: the download failed")
    assert split.describe() == (f"{split.name} (the full MNIST is not available: the download "
                                "failed)")  # one short line for a page; .note has the details


def test_auto_without_warn_records_the_reason_and_warns_nothing(monkeypatch, tmp_path):
    monkeypatch.setenv("DLSG_OFFLINE", "1")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        split = load_mnist("test", directory=tmp_path, warn=False)
    assert split.note == "the full MNIST is not available: DLSG_OFFLINE is set"


def test_fallback_reason_is_not_clipped(monkeypatch, tmp_path):
    monkeypatch.delenv("DLSG_OFFLINE", raising=False)
    dead = ["http://127.0.0.1:9/", "http://127.0.0.1:7/"]
    split = load_mnist("test", mirrors=dead, directory=tmp_path, warn=False)
    for url in dead:  # every mirror's failure is in the note, not just the first words
        assert url + "t10k-images-idx3-ubyte.gz" in split.note


def test_offline_env_skips_the_download_attempt(monkeypatch, tmp_path):
    monkeypatch.setenv("DLSG_OFFLINE", "1")

    def no_network(*args, **kwargs):
        raise AssertionError("tried the network")

    monkeypatch.setattr(dl, "_fetch", no_network)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        split = load_mnist("test", source="auto", directory=tmp_path)
    assert "MNIST-10k" in split.name
    assert any("DLSG_OFFLINE is set" in str(w.message) for w in caught)


def test_cache_dir_follows_dlsg_data(monkeypatch, tmp_path):
    monkeypatch.setenv("DLSG_DATA", str(tmp_path))
    assert data.cache_dir() == tmp_path


def test_shipped_files_match_official_checksums():
    for kind in ("images", "labels"):
        spec = data.MNIST_FILES[("test", kind)]
        spec.verify((SHIPPED / spec.name).read_bytes())  # raises if wrong


# --- flaky networks and unwritable caches -----------------------------------------------------

LABELS = data.MNIST_FILES[("test", "labels")]


def test_a_dropped_connection_is_reported_as_truncation_and_retried(tmp_path):
    body = (SHIPPED / LABELS.name).read_bytes()
    with serve_scripted(body, ["truncate", "ok"]) as (url, served):
        blob = data.fetch(LABELS, [url], tmp_path, timeout=5, retries=2)
    assert blob == body and served == ["truncate", "ok"]
    assert (tmp_path / LABELS.name).read_bytes() == body


def test_truncation_on_every_try_is_a_download_error_that_says_truncated(tmp_path):
    body = (SHIPPED / LABELS.name).read_bytes()
    with serve_scripted(body, ["truncate"]) as (url, served), pytest.raises(
            DownloadError, match=r"truncated: received 2,271 of 4,542 bytes \(2 tries\)"):
        data.fetch(LABELS, [url], tmp_path, timeout=5, retries=2)
    assert served == ["truncate", "truncate"] and list(tmp_path.iterdir()) == []


def test_a_server_that_does_not_speak_http_is_retried_then_the_next_mirror_used(tmp_path,
                                                                                 mirror):
    good, folder = mirror
    _serve_shipped(folder)
    body = (SHIPPED / LABELS.name).read_bytes()
    with serve_scripted(body, ["garbage"]) as (bad, served):
        blob = data.fetch(LABELS, [bad, good], tmp_path, timeout=5, retries=2)
    assert blob == body and served == ["garbage", "garbage"]


def test_network_failures_under_auto_fall_back_with_every_reason(tmp_path, monkeypatch):
    monkeypatch.delenv("DLSG_OFFLINE", raising=False)
    body = (SHIPPED / LABELS.name).read_bytes()
    with serve_scripted(body, ["garbage"]) as (url, _):
        split = load_mnist("test", mirrors=[url], directory=tmp_path, warn=False)
    assert "MNIST-10k" in split.name
    assert "BadStatusLine" in split.note or "RemoteDisconnected" in split.note


def test_a_silent_server_times_out_and_is_reported(tmp_path):
    with serve_scripted(b"x", ["hang"]) as (url, _), pytest.raises(
            DownloadError, match="timed out"):
        data.fetch(LABELS, [url], tmp_path, timeout=0.3, retries=1)


def test_unwritable_cache_still_returns_the_verified_download_and_says_why(
        tmp_path, mirror, monkeypatch):
    url, folder = mirror
    _serve_shipped(folder)
    cache = tmp_path / "cache"

    def read_only(*args, **kwargs):  # root ignores permission bits, so refuse the write here
        raise PermissionError(13, "Permission denied", str(cache))

    monkeypatch.setattr(dl.tempfile, "mkstemp", read_only)
    with pytest.warns(data.CacheWarning, match=f"cannot write the cache at {cache}"):
        X, y = load_mnist("test", source="full", mirrors=[url], directory=cache)
    assert len(y) == 10000 and np.bincount(y.numpy()).tolist() == OFFICIAL_TEST_COUNTS


def test_a_file_given_as_the_mnist_directory_is_refused_before_any_download(tmp_path):
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder should be")
    with pytest.raises(ValueError, match="directory must be a folder"):
        load_mnist("test", source="full", mirrors=["http://127.0.0.1:9/"], directory=blocker)


def test_full_disk_is_a_cache_warning_not_a_failed_download(tmp_path, mirror, monkeypatch):
    import errno

    url, folder = mirror
    _serve_shipped(folder)

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(dl.tempfile, "mkstemp", full_disk)
    with pytest.warns(data.CacheWarning, match="No space left on device"):
        blob = data.fetch(LABELS, [url], tmp_path / "cache")
    assert blob == (SHIPPED / LABELS.name).read_bytes()


def test_download_file_names_the_cache_path_it_cannot_write(tmp_path, mirror):
    url, folder = mirror
    _serve_shipped(folder)
    blocker = tmp_path / "cache"
    blocker.write_text("")
    with pytest.raises(OSError, match=f"cannot write the cache at {blocker}"):
        data.download_file(LABELS, [url], blocker)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"mirrors": "http://127.0.0.1:9/"}, TypeError, "mirrors must be a list of base URLs, got str"),
    ({"mirrors": []}, ValueError, "mirrors must be a non-empty list"),
    ({"retries": 0}, ValueError, "retries must be >= 1, got 0"),
    ({"timeout": -1}, ValueError, "timeout must be > 0, got -1"),
])
def test_fetch_rejects_bad_arguments_before_any_request(kwargs, error, match, tmp_path):
    args = {"mirrors": ["http://127.0.0.1:9/"], "retries": 1, "timeout": 1} | kwargs
    with pytest.raises(error, match=match):
        data.fetch(LABELS, args.pop("mirrors"), tmp_path, **args)


def test_a_large_file_cut_short_is_reported_as_truncation_too(tmp_path):
    body = np.random.default_rng(0).bytes(6_000_000)  # above the progress-bar threshold
    spec = data.RemoteFile("big.bin", hashlib.md5(body).hexdigest(), len(body))
    with serve_scripted(body, ["truncate", "ok"]) as (url, served):
        assert data.fetch(spec, [url], tmp_path, timeout=5, retries=2) == body
    with serve_scripted(body, ["truncate"]) as (url, served), pytest.raises(
            DownloadError, match=r"truncated: received 3,000,000 of 6,000,000 bytes"):
        data.fetch(spec, [url], tmp_path / "other", timeout=5, retries=1)
