"""load_cifar10 and RandomCropFlip: the offline stand-in, and downloads against a local server.

The official archive is 163 MB and is not on this machine, so the download path is tested with
a small archive in the official format (python pickles inside cifar-10-batches-py/), served
from 127.0.0.1, with the expected md5 swapped in for the test.
"""

import hashlib
import io
import pickle
import tarfile
import warnings

import numpy as np
import pytest
import torch
from local_mirror import serve

from dlsg_utils import data
from dlsg_utils.data import DownloadError, RandomCropFlip, load_cifar10


@pytest.fixture
def mirror(tmp_path):
    """Serve a folder over HTTP on 127.0.0.1; yields (url, folder)."""
    folder = tmp_path / "mirror"
    with serve(folder) as url:
        yield url, folder


def _fake_archive(per_batch=4, seed=0) -> tuple[bytes, np.ndarray, np.ndarray]:
    """A tar.gz laid out like cifar-10-python.tar.gz, with per_batch images per batch."""
    rng = np.random.default_rng(seed)
    buf = io.BytesIO()
    all_x, all_y = [], []
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
            x = rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8)
            y = rng.integers(0, 10, per_batch).tolist()
            blob = pickle.dumps({b"data": x, b"labels": y, b"batch_label": name.encode()})
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
            all_x.append(x)
            all_y.append(y)
    return buf.getvalue(), np.concatenate(all_x), np.concatenate(all_y)


@pytest.fixture
def fake_official(monkeypatch):
    blob, xs, ys = _fake_archive()
    spec = data.RemoteFile("cifar-10-python.tar.gz", hashlib.md5(blob).hexdigest(), None,
                           len(blob))
    monkeypatch.setattr(data, "CIFAR10_FILE", spec)
    return blob, xs, ys


def test_standin_has_cifar_shapes_and_says_it_is_not_cifar():
    train = load_cifar10("train", source="offline")
    test = load_cifar10("test", source="offline")
    assert train.X.shape == (8000, 3, 32, 32) and test.X.shape == (2000, 3, 32, 32)
    assert train.X.dtype == torch.float32 and train.y.dtype == torch.int64
    assert 0.0 <= float(train.X.min()) and float(train.X.max()) <= 1.0
    assert "stand-in" in train.name and "not CIFAR-10" in train.name
    assert train.classes == tuple("0123456789")


def test_standin_labels_are_the_mnist10k_labels_and_images_are_coloured():
    split = load_cifar10("train", source="offline")
    digits = data.load_mnist("train", source="offline")
    assert torch.equal(split.y, digits.y)
    # three channels that differ from one another (colour, not grey copies)
    assert float((split.X[:, 0] - split.X[:, 1]).abs().mean()) > 0.05
    # the digit is still there: pixel values inside the 28x28 centre follow the digit
    centre = split.X[:100, :, 2:30, 2:30]
    ink = digits.X[:100, 0] > 0.5
    fg = centre.permute(1, 0, 2, 3)[:, ink].mean(dim=1)
    bg = centre.permute(1, 0, 2, 3)[:, ~ink].mean(dim=1)
    assert float((fg - bg).abs().max()) > 0.0
    # and it is deterministic
    assert torch.equal(split.X, load_cifar10("train", source="offline").X)


def test_download_reads_every_batch_in_order_and_caches(mirror, fake_official, tmp_path):
    url, folder = mirror
    blob, xs, ys = fake_official
    (folder / "cifar-10-python.tar.gz").write_bytes(blob)
    cache = tmp_path / "cache"
    train = load_cifar10("train", source="full", mirrors=[url], directory=cache)
    test = load_cifar10("test", source="full", mirrors=[url], directory=cache)
    assert train.X.shape == (20, 3, 32, 32) and test.X.shape == (4, 3, 32, 32)
    expected = torch.from_numpy(xs[:20].reshape(-1, 3, 32, 32).astype(np.float32) / 255)
    assert torch.equal(train.X, expected)
    assert train.y.tolist() == ys[:20].tolist() and test.y.tolist() == ys[20:].tolist()
    assert train.classes[0] == "airplane" and train.classes[9] == "truck"
    assert train.name == data.CIFAR10_NAME
    (folder / "cifar-10-python.tar.gz").unlink()  # served from the cache from now on
    assert torch.equal(load_cifar10("test", source="full", mirrors=[url],
                                    directory=cache).X, test.X)


def test_damaged_download_is_a_checksum_failure_and_leaves_no_file(mirror, fake_official,
                                                                    tmp_path):
    url, folder = mirror
    blob, _, _ = fake_official
    bad = bytearray(blob)
    bad[len(bad) // 2] ^= 0xFF
    (folder / "cifar-10-python.tar.gz").write_bytes(bytes(bad))
    cache = tmp_path / "cache"
    with pytest.raises(DownloadError, match="cifar-10-python.tar.gz: md5 should be"):
        load_cifar10("train", source="full", mirrors=[url], directory=cache)
    assert not cache.exists() or list(cache.iterdir()) == []


def test_auto_falls_back_to_the_standin_with_a_warning(monkeypatch, tmp_path):
    monkeypatch.delenv("DLSG_OFFLINE", raising=False)
    with pytest.warns(UserWarning, match="CIFAR-10 is not available.*stand-in"):
        split = load_cifar10("test", source="auto", mirrors=["http://127.0.0.1:9/"],
                             directory=tmp_path)
    assert "stand-in" in split.name and len(split.y) == 2000


def test_offline_env_never_touches_the_network(monkeypatch, tmp_path):
    monkeypatch.setenv("DLSG_OFFLINE", "1")

    def no_network(*args, **kwargs):
        raise AssertionError("tried the network")

    monkeypatch.setattr(data, "_fetch", no_network)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        split = load_cifar10("train", directory=tmp_path)
    assert "stand-in" in split.name
    assert any("DLSG_OFFLINE is set" in str(w.message) for w in caught)


@pytest.mark.parametrize("kwargs, match", [
    ({"split": "valid"}, "split must be 'train' or 'test', got 'valid'"),
    ({"source": "cloud"}, "source must be 'auto', 'full' or 'offline', got 'cloud'"),
])
def test_bad_arguments_get_clear_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_cifar10(**kwargs)


def test_archive_without_the_batches_is_rejected(tmp_path):
    path = tmp_path / "x.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo("readme.txt")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"hi"))
    with pytest.raises(ValueError, match="has no test_batch"):
        data._cifar_batches(path, "test")


# --- augmentation -----------------------------------------------------------------------------

def test_crop_flip_keeps_shape_and_every_output_is_a_shifted_or_mirrored_window():
    g = torch.Generator().manual_seed(0)
    x = torch.arange(2 * 3 * 8 * 8, dtype=torch.float32).reshape(2, 3, 8, 8) + 1
    out = RandomCropFlip(padding=2, generator=g)(x)
    assert out.shape == x.shape
    padded = torch.nn.functional.pad(x, (2, 2, 2, 2))
    for i in range(2):
        windows = [padded[i, :, dy:dy + 8, dx:dx + 8] for dy in range(5) for dx in range(5)]
        candidates = windows + [w.flip(-1) for w in windows]
        assert any(torch.equal(out[i], w) for w in candidates)


def test_crop_flip_without_padding_and_flip_is_the_identity():
    x = torch.rand(4, 3, 8, 8)
    assert torch.equal(RandomCropFlip(padding=0, flip=False)(x), x)


def test_flip_only_mirrors_about_half_of_a_large_batch():
    g = torch.Generator().manual_seed(1)
    x = torch.rand(1000, 1, 4, 4)
    out = RandomCropFlip(padding=0, flip=True, generator=g)(x)
    mirrored = sum(not torch.equal(out[i], x[i]) for i in range(1000))
    assert 430 < mirrored < 570


def test_crop_flip_rejects_bad_input():
    with pytest.raises(ValueError, match="padding must be an int >= 0, got -1"):
        RandomCropFlip(padding=-1)
    with pytest.raises(ValueError, match=r"expected a batch \(N, C, H, W\), got shape \(3, 8, 8\)"):
        RandomCropFlip()(torch.zeros(3, 8, 8))
