"""tools/vendor_js.py fetches the book's JavaScript from an npm registry without npm, and never
unpacks a tarball whose sha512 differs from the pinned integrity (a local server stands in for
the registry)."""

import base64
import hashlib
import importlib.util
import io
import tarfile
from pathlib import Path

import pytest
from local_mirror import serve

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("vendor_js", ROOT / "tools" / "vendor_js.py")
vendor_js = importlib.util.module_from_spec(spec)
spec.loader.exec_module(vendor_js)


def _tarball(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _integrity(blob: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(blob).digest()).decode()


@pytest.fixture
def registry(tmp_path, monkeypatch):
    folder = tmp_path / "registry"
    blob = _tarball({"package/dist/a.js": b"var a;", "package/dist/sub/skip.js": b"",
                     "package/LICENSE": b"MIT", "package/README.md": b"docs"})
    (folder / "pkg" / "-").mkdir(parents=True)
    (folder / "pkg" / "-" / "pkg-1.0.0.tgz").write_bytes(blob)
    with serve(folder) as url:
        monkeypatch.setenv("NPM_REGISTRY", url)
        yield blob


RULES = {"package/dist/*.js": "static/w", "package/LICENSE*": "static/w/pkg"}


def test_fetches_only_the_files_the_rules_name_after_checking_integrity(registry, tmp_path):
    dest = tmp_path / "_vendor"
    vendor_js.main(dest, [("pkg", "1.0.0", _integrity(registry), RULES)])
    got = sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file())
    assert got == ["static/w/a.js", "static/w/pkg/LICENSE"]  # not sub/skip.js, not README
    assert (dest / "static/w/a.js").read_bytes() == b"var a;"


def test_a_tarball_that_differs_from_the_pinned_integrity_is_refused(registry, tmp_path):
    dest = tmp_path / "_vendor"
    wrong = _integrity(registry + b"tampered")
    with pytest.raises(vendor_js.IntegrityError, match="pkg@1.0.0: sha512 should be"):
        vendor_js.main(dest, [("pkg", "1.0.0", wrong, RULES)])
    assert not dest.exists()  # nothing half-written


def test_the_pinned_packages_name_their_licences():
    for _, _, integrity, rules in vendor_js.PACKAGES:
        assert integrity.startswith("sha512-")
        assert any("LICENSE" in k or "package.json" in k for k in rules)
