"""load_cifar10: the JPEG subset a clone ships, a full JPEG copy from a path, and the official
archive downloaded from a local server.

The official archive is 163 MB and is not on this machine, so the download path is tested with
a small archive in the official format (python pickles inside cifar-10-batches-py/), served
from 127.0.0.1, with the expected md5 swapped in for the test.
"""

import hashlib
import importlib.util
import io
import os
import pickle
import shutil
import tarfile
import time
import types
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from local_mirror import serve

from dlsg_utils.data import (
    CIFAR10_CLASSES,
    ChecksumError,
    DataFallbackWarning,
    DownloadError,
    RandomCropFlip,
    _jpeg_zip,
    cifar,
    load_cifar10,
)
from dlsg_utils.data import download as dl

SHIPPED = cifar.offline_dir()
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "cifar10"
# ../shared/data/README.md: per-channel statistics of the JPEG copy's test set (Pillow decode)
TEST_MEAN, TEST_STD = (0.4941, 0.4851, 0.4504), (0.2448, 0.2422, 0.2606)


@pytest.fixture(autouse=True)
def no_local_full_copy(monkeypatch):
    monkeypatch.delenv("DLSG_CIFAR10", raising=False)


@pytest.fixture
def mirror(tmp_path):
    """Serve a folder over HTTP on 127.0.0.1; yields (url, folder)."""
    folder = tmp_path / "mirror"
    with serve(folder) as url:
        yield url, folder


# --- the offline subset -----------------------------------------------------------------------

def test_offline_subset_is_real_cifar10_with_its_classes_and_counts():
    train = load_cifar10("train", source="offline")
    test = load_cifar10("test", source="offline")
    assert train.X.shape == (10000, 3, 32, 32) and test.X.shape == (10000, 3, 32, 32)
    assert train.X.dtype == torch.float32 and train.y.dtype == torch.int64
    assert 0.0 <= float(train.X.min()) and float(train.X.max()) <= 1.0
    assert np.bincount(train.y.numpy()).tolist() == [1000] * 10
    assert np.bincount(test.y.numpy()).tolist() == [1000] * 10
    assert train.classes == CIFAR10_CLASSES and train.classes[0] == "airplane"
    assert train.name == ("CIFAR-10, JPEG copy: 10,000 training images (1,000 a class), "
                          "shipped with the book")
    assert test.name == "CIFAR-10, JPEG copy: 10,000 test images (the whole test set)"
    assert train.note is None


def test_offline_test_set_has_the_colour_statistics_of_the_data_readme():
    X = load_cifar10("test", source="offline").X
    mean, std = X.mean(dim=(0, 2, 3)), X.std(dim=(0, 2, 3))
    assert np.allclose(mean.numpy(), TEST_MEAN, atol=5e-4), mean
    assert np.allclose(std.numpy(), TEST_STD, atol=5e-4), std


def test_images_come_in_a_fixed_mixed_order_so_any_prefix_holds_every_class():
    a, b = load_cifar10("train", source="offline"), load_cifar10("train", source="offline")
    assert torch.equal(a.X, b.X) and torch.equal(a.y, b.y)
    assert set(a.y[:100].tolist()) == set(range(10))
    a.X[0] += 1  # a caller may change its tensors without changing the next call's
    assert not torch.equal(a.X[0], load_cifar10("train", source="offline").X[0])


def _copy_of_shipped(tmp_path, monkeypatch):
    folder = tmp_path / "clone" / "data" / "cifar10"
    folder.mkdir(parents=True)
    for name in cifar.OFFLINE_FILES.values():
        shutil.copy(SHIPPED / name, folder / name)
    monkeypatch.setattr(cifar, "offline_dir", lambda: folder)
    return folder


def test_damaged_shipped_file_is_a_clear_error_never_used(tmp_path, monkeypatch):
    folder = _copy_of_shipped(tmp_path, monkeypatch)
    path = folder / "cifar10-test-jpeg.zip"
    blob = bytearray(path.read_bytes())
    blob[len(blob) // 2] ^= 0x01  # one bit inside some JPEG
    path.write_bytes(bytes(blob))
    with pytest.raises(ChecksumError, match="cifar10-test-jpeg.zip is damaged: its sha256"):
        load_cifar10("test", source="offline")


def test_unknown_zip_is_refused(tmp_path):
    path = tmp_path / "my-cifar.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("test/cat/0000.jpg", b"not a jpeg")
    with pytest.raises(ChecksumError, match="not one of the CIFAR-10 JPEG archives"):
        load_cifar10("test", source=path)


def test_without_a_clone_offline_says_where_the_subset_lives(tmp_path, monkeypatch):
    monkeypatch.setattr(cifar, "offline_dir", lambda: tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="ships with a clone of the book's repository"):
        load_cifar10("train", source="offline")


# --- a full JPEG copy from a path or $DLSG_CIFAR10 ----------------------------------------------

def test_path_source_reads_a_folder_or_either_zip(tmp_path):
    folder = tmp_path / "copy"
    folder.mkdir()
    shutil.copy(SHIPPED / "cifar10-test-jpeg.zip", folder / "cifar10-test-jpeg.zip")
    by_folder = load_cifar10("test", source=folder)
    by_zip = load_cifar10("test", source=str(folder / "cifar10-test-jpeg.zip"))
    assert torch.equal(by_folder.X, by_zip.X) and len(by_folder.y) == 10000
    with pytest.raises(FileNotFoundError, match="no CIFAR-10 JPEG archive of the train split"):
        load_cifar10("train", source=folder / "cifar10-test-jpeg.zip")  # looks beside it


def test_dlsg_cifar10_names_a_local_copy_that_auto_uses_even_offline(tmp_path, monkeypatch):
    shutil.copy(SHIPPED / "cifar10-test-jpeg.zip", tmp_path / "cifar10-test-jpeg.zip")
    monkeypatch.setenv("DLSG_CIFAR10", str(tmp_path))
    monkeypatch.setenv("DLSG_OFFLINE", "1")
    monkeypatch.setattr(dl, "_fetch", _no_network)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        split = load_cifar10("test")
    assert split.name.endswith("(the whole test set)") and split.note is None


@pytest.mark.skipif(not SHARED.is_dir(), reason="the full JPEG copy (../shared/data) is absent")
def test_shipped_subset_is_rebuilt_exactly_from_the_full_copy(tmp_path):
    spec = importlib.util.spec_from_file_location("make_subset", SHIPPED / "make_subset.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(SHARED, tmp_path)
    for name in cifar.OFFLINE_FILES.values():
        assert (tmp_path / name).read_bytes() == (SHIPPED / name).read_bytes(), name
    with zipfile.ZipFile(SHARED / "cifar10-train-jpeg.zip") as full:
        counts = np.bincount([CIFAR10_CLASSES.index(n.split("/")[1])
                              for n in full.namelist() if n.endswith(".jpg")])
    assert counts.tolist() == [5000] * 10  # the full copy the subset was cut from


# --- hostile files: read once, sized first, checked before decoding -----------------------------

def _jpeg(rng, size=(32, 32), mode="RGB") -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    pixels = rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    Image.fromarray(pixels).convert(mode).save(buf, "JPEG")
    return buf.getvalue()


def _tiny_zip(seed=0, members=None) -> bytes:
    """A zip laid out like the JPEG copy's test archive: one image a class, or ``members``."""
    rng = np.random.default_rng(seed)
    if members is None:
        members = {f"test/{c}/0000.jpg": _jpeg(rng) for c in CIFAR10_CLASSES}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for name, blob in members.items():
            zf.writestr(name, blob)
    return buf.getvalue()


def _register(monkeypatch, blob: bytes, file="tiny-test.zip", n=10) -> None:
    """Make ``blob`` a known archive (what a matching sha256 on a hostile file amounts to)."""
    sha = hashlib.sha256(blob).hexdigest()
    monkeypatch.setitem(cifar.JPEG_ARCHIVES, sha, cifar.JpegArchive(
        file, sha, "test", n, f"{file} ({n} test images)", len(blob)))


def test_a_file_swapped_right_after_hashing_is_never_decoded_under_the_known_name(
        tmp_path, monkeypatch):
    genuine, fake = _tiny_zip(seed=1), _tiny_zip(seed=2)
    _register(monkeypatch, genuine)
    reference = tmp_path / "reference.zip"
    reference.write_bytes(genuine)
    expected = load_cifar10("test", source=reference).X
    path = tmp_path / "tiny-test.zip"
    path.write_bytes(genuine)
    real_sha256 = hashlib.sha256

    class SwapAfterHashing:  # another process replaces the file once it has been hashed
        def __init__(self, *args):
            self._h = real_sha256(*args)

        def update(self, blob):
            self._h.update(blob)

        def hexdigest(self):
            digest = self._h.hexdigest()
            path.write_bytes(fake)
            return digest

    monkeypatch.setattr(cifar, "hashlib", types.SimpleNamespace(sha256=SwapAfterHashing))
    split = load_cifar10("test", source=path)
    assert torch.equal(split.X, expected)  # the bytes hashed, not the file swapped in
    monkeypatch.setattr(cifar, "hashlib", hashlib)
    with pytest.raises(ChecksumError):  # the fake itself is refused
        load_cifar10("test", source=path)
    path.write_bytes(genuine)  # the genuine file back: its pixels, not a cached fake
    assert torch.equal(load_cifar10("test", source=path).X, expected)


def test_decoded_images_are_cached_by_content_not_by_path(tmp_path, monkeypatch):
    first, second = _tiny_zip(seed=3), _tiny_zip(seed=4)
    _register(monkeypatch, first)
    _register(monkeypatch, second)
    path = tmp_path / "tiny-test.zip"
    path.write_bytes(first)
    a = load_cifar10("test", source=path).X
    path.write_bytes(second)  # same path, other content
    b = load_cifar10("test", source=path).X
    assert not torch.equal(a, b)
    other = tmp_path / "elsewhere.zip"
    other.write_bytes(first)  # same content, other path: decoded once
    calls = []
    monkeypatch.setattr(cifar, "_decode_zip", lambda *args: calls.append(args))
    assert torch.equal(load_cifar10("test", source=other).X, a) and calls == []


def test_a_file_of_no_known_size_is_refused_before_it_is_hashed(tmp_path, monkeypatch):
    path = tmp_path / "cifar10-test-jpeg.zip"
    with open(path, "wb") as fh:
        fh.truncate(4 << 30)  # sparse: 4 GiB that take no disk
    hashed = []
    monkeypatch.setattr(cifar, "hashlib", types.SimpleNamespace(
        sha256=lambda *args: hashed.append(args) or hashlib.sha256(*args)))
    with pytest.raises(ChecksumError, match="cifar10-test-jpeg.zip is damaged: it should be "
                       "10,349,684 bytes, got 4,294,967,296"):
        load_cifar10("test", source=path)
    assert hashed == []
    unknown = tmp_path / "mine.zip"
    unknown.write_bytes(b"PK" + bytes(100))
    with pytest.raises(ChecksumError, match=r"not one of the CIFAR-10 JPEG archives .*its size, "
                       "102 bytes, is none of theirs"):
        load_cifar10("test", source=unknown)


_RNG = np.random.default_rng(5)
_GOOD = {f"test/{c}/0000.jpg": _jpeg(_RNG) for c in CIFAR10_CLASSES}


def _with(**changes):
    members = dict(_GOOD)
    for old, new in changes.items():
        blob = members.pop(f"test/{old}/0000.jpg")
        if new is not None:
            members[new[0]] = new[1] if len(new) > 1 else blob
    return members


@pytest.mark.parametrize("members, match", [
    (_with(cat=("../../etc/evil.jpg",)), r"member '../../etc/evil.jpg' is not test/<class>/"),
    (_with(cat=("test/dragon/0000.jpg",)), "member 'test/dragon/0000.jpg' is not test/<class>"),
    (_with(cat=("train/cat/0000.jpg",)), "member 'train/cat/0000.jpg' is not test/<class>"),
    (_with(cat=("test/dog/0001.jpg",)), r"images per class \[1, 1, 1, 0, 1, 2, 1, 1, 1, 1\]"),
    (_with(cat=None), "9 members, expected 10 JPEGs"),
    (_with(cat=("test/cat/0000.jpg", bytes(20_000))), "has 20,000 bytes, more than a 32x32"),
], ids=["traversal", "unknown-class", "other-split", "missing-class", "missing-member",
        "oversized-member"])
def test_member_names_classes_and_sizes_are_checked_before_any_image_is_decoded(
        members, match, tmp_path, monkeypatch):
    blob = _tiny_zip(members=members)
    _register(monkeypatch, blob)
    (tmp_path / "tiny-test.zip").write_bytes(blob)
    monkeypatch.setattr(_jpeg_zip, "decode_jpeg", lambda *a: pytest.fail("decoded an image"))
    with pytest.raises(ValueError, match=match):
        load_cifar10("test", source=tmp_path / "tiny-test.zip")


def _declaring(jpeg: bytes, width: int, height: int) -> bytes:
    """``jpeg`` with a baseline frame header (SOF0) that declares ``width`` x ``height``."""
    at = jpeg.index(b"\xff\xc0")
    return jpeg[:at + 5] + height.to_bytes(2, "big") + width.to_bytes(2, "big") + jpeg[at + 9:]


@pytest.mark.parametrize("jpeg, match", [
    (_declaring(_GOOD["test/cat/0000.jpg"], 9000, 9000), "declares a 9000x9000 RGB image"),
    (_jpeg(np.random.default_rng(6), mode="L"), "declares a 32x32 L image"),
    (_jpeg(np.random.default_rng(7), size=(64, 32)), "declares a 64x32 RGB image"),
    (b"GIF89a" + bytes(40), "is not a JPEG"),
], ids=["9000x9000-header", "grayscale", "64x32", "not-a-jpeg"])
def test_each_jpeg_header_is_checked_before_it_is_decoded(jpeg, match, tmp_path, monkeypatch):
    blob = _tiny_zip(members=_with(cat=("test/cat/0000.jpg", jpeg)))
    _register(monkeypatch, blob)
    (tmp_path / "tiny-test.zip").write_bytes(blob)
    start = time.monotonic()
    with pytest.raises(ValueError, match=f"member test/cat/0000.jpg {match}"):
        load_cifar10("test", source=tmp_path / "tiny-test.zip")
    assert time.monotonic() - start < 1  # decoding 9000x9000 would take seconds and 243 MB


# --- the official archive, served from 127.0.0.1 ------------------------------------------------

def _no_network(*args, **kwargs):
    raise AssertionError("tried the network")


def _archive(batches: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, blob in batches.items():
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    return buf.getvalue()


def _fake_archive(per_batch=4, seed=0) -> tuple[bytes, np.ndarray, np.ndarray]:
    """A tar.gz laid out like cifar-10-python.tar.gz, with per_batch images per batch."""
    rng = np.random.default_rng(seed)
    batches, all_x, all_y = {}, [], []
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        x = rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8)
        y = rng.integers(0, 10, per_batch).tolist()
        batches[name] = pickle.dumps({b"data": x, b"labels": y, b"batch_label": name.encode(),
                                      b"filenames": [b"x.png"] * per_batch}, protocol=2)
        all_x.append(x)
        all_y.append(y)
    return _archive(batches), np.concatenate(all_x), np.concatenate(all_y)


def _expect(monkeypatch, blob: bytes) -> None:
    """Make the module expect ``blob`` as the official archive (its md5 swapped in)."""
    spec = dl.RemoteFile("cifar-10-python.tar.gz", hashlib.md5(blob).hexdigest(), len(blob))
    monkeypatch.setattr(cifar, "CIFAR10_FILE", spec)


def test_download_reads_every_batch_in_order_and_caches(mirror, monkeypatch, tmp_path):
    url, folder = mirror
    blob, xs, ys = _fake_archive()
    _expect(monkeypatch, blob)
    (folder / "cifar-10-python.tar.gz").write_bytes(blob)
    cache = tmp_path / "cache"
    train = load_cifar10("train", source="full", mirrors=[url], directory=cache)
    test = load_cifar10("test", source="full", mirrors=[url], directory=cache)
    assert train.X.shape == (20, 3, 32, 32) and test.X.shape == (4, 3, 32, 32)
    expected = torch.from_numpy(xs[:20].reshape(-1, 3, 32, 32).astype(np.float32) / 255)
    assert torch.equal(train.X, expected)
    assert train.y.tolist() == ys[:20].tolist() and test.y.tolist() == ys[20:].tolist()
    assert train.classes == CIFAR10_CLASSES
    assert train.name == "CIFAR-10 (official archive): 20 training images"
    (folder / "cifar-10-python.tar.gz").unlink()  # served from the cache from now on
    assert torch.equal(load_cifar10("test", source="full", mirrors=[url],
                                    directory=cache).X, test.X)


class _Exploit:
    """Unpickling this calls os.system: what a tampered batch file could do."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_malicious_batch_with_a_matching_checksum_runs_no_code(mirror, monkeypatch,
                                                                  tmp_path):
    url, folder = mirror
    marker = tmp_path / "pwned"
    batches = {f"data_batch_{i}": pickle.dumps({b"data": _Exploit(marker)}) for i in range(1, 6)}
    batches["test_batch"] = batches["data_batch_1"]
    blob = _archive(batches)
    _expect(monkeypatch, blob)  # an attacker who controls the checksum too
    (folder / "cifar-10-python.tar.gz").write_bytes(blob)
    with pytest.raises(pickle.UnpicklingError, match="refers to (posix|nt|os).system: refused"):
        load_cifar10("test", source="full", mirrors=[url], directory=tmp_path / "cache")
    assert not marker.exists()


def test_damaged_download_is_a_checksum_failure_and_leaves_no_file(mirror, monkeypatch,
                                                                    tmp_path):
    url, folder = mirror
    blob, _, _ = _fake_archive()
    _expect(monkeypatch, blob)
    bad = bytearray(blob)
    bad[len(bad) // 2] ^= 0xFF
    (folder / "cifar-10-python.tar.gz").write_bytes(bytes(bad))
    cache = tmp_path / "cache"
    with pytest.raises(DownloadError, match="cifar-10-python.tar.gz: md5 should be"):
        load_cifar10("train", source="full", mirrors=[url], directory=cache)
    assert not cache.exists() or list(cache.iterdir()) == []


def test_auto_falls_back_to_the_offline_subset_with_the_reason(monkeypatch, tmp_path):
    monkeypatch.delenv("DLSG_OFFLINE", raising=False)
    with pytest.warns(DataFallbackWarning, match="the full CIFAR-10 is not available: the "
                      "download failed.*using CIFAR-10, JPEG copy: 10,000 test images"):
        split = load_cifar10("test", source="auto", mirrors=["http://127.0.0.1:9/"],
                             directory=tmp_path)
    assert len(split.y) == 10000 and split.note.startswith("the full CIFAR-10 is not available")


def test_offline_env_never_touches_the_network(monkeypatch, tmp_path):
    monkeypatch.setenv("DLSG_OFFLINE", "1")
    monkeypatch.setattr(dl, "_fetch", _no_network)
    split = load_cifar10("train", directory=tmp_path, warn=False)
    assert split.name.startswith("CIFAR-10, JPEG copy: 10,000 training images")
    assert split.note == "the full CIFAR-10 is not available: DLSG_OFFLINE is set"


@pytest.mark.parametrize("kwargs, match", [
    ({"split": "valid"}, "split must be 'train' or 'test', got 'valid'"),
    ({"source": "cloud"}, "source must be 'auto', 'full', 'offline' or the path of a CIFAR-10 "
                          "JPEG copy .* got 'cloud', which does not exist"),
])
def test_bad_arguments_get_clear_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_cifar10(**kwargs)


def test_archive_without_the_batches_is_rejected():
    blob = _archive({"readme.txt": b"hi"})
    with pytest.raises(ValueError, match="has no test_batch"):
        cifar._cifar_batches(blob, "test")


def test_an_archive_member_larger_than_a_batch_is_refused_before_unpickling(monkeypatch):
    blob, _, _ = _fake_archive(per_batch=4)
    monkeypatch.setattr(cifar, "_MAX_BATCH_BYTES", 1000)  # the fake batches have about 12 kB
    with pytest.raises(ValueError, match="holds .* bytes, more than a CIFAR-10 batch "
                       r"\(1,000 at most\)"):
        cifar._cifar_batches(blob, "test")


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
    with pytest.raises(ValueError, match="padding must be >= 0, got -1"):
        RandomCropFlip(padding=-1)
    with pytest.raises(ValueError, match=r"expected a batch \(N, C, H, W\), got shape \(3, 8, 8\)"):
        RandomCropFlip()(torch.zeros(3, 8, 8))


# --- a pip install (no clone, so no offline subset) -------------------------------------------

@pytest.fixture
def pip_install(tmp_path, monkeypatch):
    """The package as pip installs it: no data/cifar10 beside it."""
    monkeypatch.setattr(cifar, "offline_dir", lambda: tmp_path / "site-packages" / "data")


def _says_what_to_do(message: str) -> None:
    assert "DLSG_CIFAR10" in message
    assert "cifar10-train-jpeg.zip and cifar10-test-jpeg.zip" in message
    assert "connect to the network" in message
    assert "source='full'" not in message


def _package_frames(excinfo) -> int:
    return sum("dlsg_utils" in str(entry.path) for entry in excinfo.traceback)


def test_pip_install_offline_is_one_error_that_says_what_to_do(pip_install, tmp_path,
                                                               monkeypatch):
    monkeypatch.setenv("DLSG_OFFLINE", "1")
    monkeypatch.setattr(dl, "_fetch", _no_network)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback warning before the error
        with pytest.raises(FileNotFoundError) as excinfo:
            load_cifar10("train", warn=False)
    message = str(excinfo.value)
    assert message.startswith("CIFAR-10 is not available here: DLSG_OFFLINE is set")
    _says_what_to_do(message)
    assert excinfo.value.__cause__ is None and excinfo.value.__context__ is None
    assert _package_frames(excinfo) <= 2
    # the advice works: a folder holding the archives, named by DLSG_CIFAR10
    folder = tmp_path / "my-cifar"
    folder.mkdir()
    shutil.copy(SHIPPED / "cifar10-test-jpeg.zip", folder / "cifar10-test-jpeg.zip")
    monkeypatch.setenv("DLSG_CIFAR10", str(folder))
    assert len(load_cifar10("test", warn=False).y) == 10000


def test_pip_install_with_the_network_down_is_one_error_with_what_the_download_said(
        pip_install, tmp_path, monkeypatch):
    monkeypatch.delenv("DLSG_OFFLINE", raising=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(FileNotFoundError) as excinfo:
            load_cifar10("test", mirrors=["http://127.0.0.1:9/"], directory=tmp_path / "c")
    message = str(excinfo.value)
    assert message.startswith("CIFAR-10 is not available here: the download of the official "
                              "archive failed")
    _says_what_to_do(message)
    assert "What the download said: DownloadError" in message and "127.0.0.1:9" in message
    assert excinfo.value.__cause__ is None and excinfo.value.__context__ is None


def test_pip_install_source_offline_says_what_to_do(pip_install):
    with pytest.raises(FileNotFoundError, match="source='offline' asks for the offline subset; "
                       "the offline subset .* ships with a clone of the book's repository"):
        load_cifar10("test", source="offline")


def test_a_failed_full_download_says_what_to_do_without_a_chain(tmp_path):
    with pytest.raises(DownloadError) as excinfo:
        load_cifar10("test", source="full", mirrors=["http://127.0.0.1:9/"],
                     directory=tmp_path, warn=False)
    assert "could not download cifar-10-python.tar.gz" in str(excinfo.value)
    _says_what_to_do(str(excinfo.value))
    assert excinfo.value.__suppress_context__


def test_pip_install_downloads_once_into_the_per_user_cache_and_reads_it_from_there(
        pip_install, mirror, monkeypatch, tmp_path):
    """What the Colab cell installs: the first load downloads the archive into
    ~/.cache/dlsg; a later one (another chapter) reads it there, with the server gone."""
    url, folder = mirror
    blob, _, _ = _fake_archive()
    _expect(monkeypatch, blob)
    (folder / "cifar-10-python.tar.gz").write_bytes(blob)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("DLSG_DATA", raising=False)
    monkeypatch.delenv("DLSG_OFFLINE", raising=False)
    first = load_cifar10("test", mirrors=[url], warn=False)
    cached = tmp_path / "home" / ".cache" / "dlsg" / "cifar-10-python.tar.gz"
    assert cached.read_bytes() == blob and first.name.startswith("CIFAR-10 (official archive)")
    (folder / "cifar-10-python.tar.gz").unlink()
    monkeypatch.setattr(dl, "_fetch", _no_network)
    again = load_cifar10("test", mirrors=[url], warn=False)
    assert torch.equal(again.X, first.X)
