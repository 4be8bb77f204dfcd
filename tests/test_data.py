"""load_mnist: the shipped MNIST-10k offline, and downloads against a local HTTP server."""

import gzip
import hashlib
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from local_mirror import serve

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
    assert split.describe() == f"{split.name} ({split.note})"


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
