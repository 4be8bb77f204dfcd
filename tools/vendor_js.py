"""Fetch the JavaScript the built book serves itself, from the npm registry, without npm.

    python tools/vendor_js.py [DEST]      (default DEST: _vendor)

Each package is a tarball at a pinned version, checked against the sha512 integrity the registry
published for it before anything is unpacked; only the files the book needs are kept:

* ``@jupyter-widgets/html-manager`` and ``requirejs``: render the widget outputs (progress bars)
  in the static pages -> ``DEST/static/widgets/`` (served as ``_static/widgets/``), and the
  widgets' icon fonts at the page-relative path the bundle asks for ->
  ``DEST/extra/chapters/@jupyter-widgets/html-manager/dist/``.
* ``axe-core``: the accessibility checker the browser tests run on the pages ->
  ``DEST/test/axe-core/`` (not served with the book; MPL-2.0, its LICENSE kept beside it).
* ``reveal.js``: the slide decks of ``make slides`` (``tools/slides.py``): its script, style
  sheets, the white theme and its font, and the speaker-notes plugin -> ``DEST/slides/reveal.js/``
  (MIT, its LICENSE kept beside it; the theme's font keeps its own licence).

``NPM_REGISTRY`` points at another registry (a mirror); the default is the public one. The
licence of each package (its LICENSE file, or the package.json that states it) is copied next
to its files.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import sys
import tarfile
import time
import urllib.request
from pathlib import Path, PurePosixPath

DEFAULT_REGISTRY = "https://registry.npmjs.org"

# (package, version, sha512 integrity from the registry's metadata, {member glob: target dir})
PACKAGES = [
    ("@jupyter-widgets/html-manager", "1.0.6",
     "sha512-+Mn+Ra8wyIHrYaUpfmf9A3dsLkt/NuwzPQN8sthdxBD35VV5cOJbpmgMhNR27n/rmP3mKyEe0PWCJrtZrXTXDQ==",
     {"package/dist/*.js": "static/widgets",
      "package/LICENSE*": "static/widgets/html-manager",
      "package/dist/*.woff*": "extra/chapters/@jupyter-widgets/html-manager/dist",
      "package/dist/*.ttf": "extra/chapters/@jupyter-widgets/html-manager/dist",
      "package/dist/*.eot": "extra/chapters/@jupyter-widgets/html-manager/dist",
      "package/dist/*.svg": "extra/chapters/@jupyter-widgets/html-manager/dist"}),
    ("requirejs", "2.3.4",
     "sha512-qPD5gRrj6kGQ0ZySAJgqbArkaDqPMbQIT0zSZDkIv1mfA17w/tR2Faq5l2qqRf2CdQx6FWln9nUrgd2UDzb19A==",
     {"package/require.js": "static/widgets",
      "package/package.json": "static/widgets/requirejs"}),  # its licence (MIT) is stated here
    ("axe-core", "4.14.1",
     "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==",
     {"package/axe.min.js": "test/axe-core",
      "package/LICENSE": "test/axe-core",
      "package/LICENSE-3RD-PARTY.txt": "test/axe-core"}),
    ("reveal.js", "5.2.1",
     "sha512-r7//6mIM5p34hFiDMvYfXgyjXqGRta+/psd9YtytsgRlrpRzFv4RbH76TXd2qD+7ZPZEbpBDhdRhJaFgfQ7zNQ==",
     {"package/dist/reveal.js": "slides/reveal.js/dist",
      "package/dist/*.css": "slides/reveal.js/dist",
      "package/dist/theme/white.css": "slides/reveal.js/dist/theme",
      "package/dist/theme/fonts/source-sans-pro/*": "slides/reveal.js/dist/theme/fonts/source-sans-pro",
      "package/plugin/notes/notes.js": "slides/reveal.js/plugin/notes",
      "package/LICENSE": "slides/reveal.js"}),
]


class IntegrityError(RuntimeError):
    """A tarball does not match the integrity pinned here."""


def tarball_url(name: str, version: str) -> str:
    registry = os.environ.get("NPM_REGISTRY", DEFAULT_REGISTRY).rstrip("/")
    return f"{registry}/{name}/-/{name.rsplit('/', 1)[-1]}-{version}.tgz"


def check_integrity(blob: bytes, integrity: str, what: str) -> None:
    algo, _, expected = integrity.partition("-")
    got = base64.b64encode(hashlib.new(algo, blob).digest()).decode()
    if got != expected:
        raise IntegrityError(f"{what}: {algo} should be {expected}, got {got}")


def download(url: str, tries: int = 3, timeout: float = 60.0) -> bytes:
    for attempt in range(1, tries + 1):
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                return response.read()
        except OSError as err:
            if attempt == tries:
                raise RuntimeError(f"could not download {url}: {err}") from err
            time.sleep(attempt)
    raise AssertionError("unreachable")


def unpack(blob: bytes, rules: dict[str, str], dest: Path) -> list[Path]:
    from fnmatch import fnmatch

    written = []
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as tar:
        for member in tar.getmembers():
            if not member.isfile():
                continue
            path = PurePosixPath(member.name)
            for pattern, folder in rules.items():
                rule = PurePosixPath(pattern)
                if path.parent == rule.parent and fnmatch(path.name, rule.name):
                    target = dest / folder / Path(member.name).name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(tar.extractfile(member).read())
                    written.append(target)
    return written


def main(dest: Path, packages=PACKAGES) -> None:
    tmp = dest.with_name(dest.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    for name, version, integrity, rules in packages:
        blob = download(tarball_url(name, version))
        check_integrity(blob, integrity, f"{name}@{version}")
        files = unpack(blob, rules, tmp)
        print(f"{name}@{version}: {len(files)} files")
    shutil.rmtree(dest, ignore_errors=True)
    tmp.rename(dest)  # all or nothing: a failed fetch leaves no half-filled folder


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "_vendor"))
