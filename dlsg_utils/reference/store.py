"""Where the reference runs live, their manifests, and loading their weights safely.

A finished run is a folder ``<name>/`` holding ``log.csv``, ``steps.csv``, ``weights.pt`` and
``manifest.json``. The manifest records the sha256 of every other file, the run's spec, the
command, the commit(s) that trained it, the library versions, the CPU or GPU, the threads and
the wall time; nothing is read before its checksum matches.

In a clone of the book the folders are in ``reference/runs/`` beside the package. Where only the
package is installed (Colab), :func:`~dlsg_utils.reference.run_dir` downloads a run's files from the book's
repository into the cache and checks each against the sha256 that the package itself carries
(``index.json``, written by ``python -m dlsg_utils.reference index``).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import torch

__all__ = ["BASE_URL", "cpu_name", "load_model", "manifest", "run_dir", "runs_root", "verify"]

LOG, STEPS, WEIGHTS, MANIFEST, CHECKPOINT = ("log.csv", "steps.csv", "weights.pt",
                                             "manifest.json", "checkpoint.pt")
FILES = (LOG, STEPS, WEIGHTS)
BASE_URL = ("https://raw.githubusercontent.com/dlsg/gradient-descent-and-convnets/main/"
            "reference/runs/")
"""Where the shipped runs are served for installs without a clone."""


def runs_root() -> Path:
    """``<repository>/reference/runs``: where a clone keeps the finished runs."""
    return Path(__file__).resolve().parents[2] / "reference" / "runs"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def cpu_name() -> str:
    """The processor's model name (from /proc/cpuinfo on Linux)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _commit() -> str:
    repo = Path(__file__).resolve().parents[2]
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True,
                              text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "dlsg_utils"], cwd=repo,
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return (head or "unknown") + (" (package modified)" if dirty else "")


def session_info(dev: torch.device, epoch: int) -> dict:
    """Who trained the next epochs: time, commit, CPU or GPU, threads, from which epoch."""
    return {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "from_epoch": epoch,
            "commit": _commit(), "cpu": cpu_name(), "threads": torch.get_num_threads(),
            "device": (torch.cuda.get_device_name() if dev.type == "cuda" else dev.type)}


def write_manifest(folder: Path, spec, sessions, log, result, command, data) -> dict:
    import numpy as np

    m = {"run": spec.name, "experiment": spec.experiment, "spec": spec.as_dict(),
         "command": command or f"python -m dlsg_utils.reference run {spec.name}",
         "result": result, "data": data, "sessions": sessions,
         "wall_seconds": round(sum(r["seconds"] for r in log), 1),
         "versions": {"python": platform.python_version(), "torch": torch.__version__,
                      "numpy": np.__version__, "dlsg_utils": _package_version()},
         "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
         "files": {f: sha256_file(folder / f) for f in FILES}}
    tmp = folder / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(m, indent=1) + "\n")
    os.replace(tmp, folder / MANIFEST)
    return m


def _package_version() -> str:
    import dlsg_utils

    return dlsg_utils.__version__


def _index() -> dict:
    index = Path(__file__).with_name("index.json")
    return json.loads(index.read_text()) if index.is_file() else {}


def _sha_check(sha: str):
    def check(blob: bytes) -> str | None:
        got = hashlib.sha256(blob).hexdigest()
        return None if got == sha else f"sha256 should be {sha}, got {got}"
    return check


def _download(name: str, base_url: str | None = None) -> Path:
    from ..data.download import RemoteFile, cache_dir, download_file

    base_url = base_url or BASE_URL

    known = _index().get(name)
    if known is None:
        raise FileNotFoundError(f"no reference run {name!r} in this clone or this package "
                                f"(known: {', '.join(sorted(_index())) or 'none'})")
    folder = cache_dir() / "reference" / name
    for fname, sha in known.items():
        target = folder / fname
        if not (target.is_file() and sha256_file(target) == sha):
            # md5 unknown (never matches): the sha256 check decides
            download_file(RemoteFile(fname, "-", 0, _sha_check(sha)), [base_url + name],
                          folder, timeout=60.0)
    return folder


def run_dir(name: str, root: Path | None = None) -> Path:
    """The folder of the finished run ``name``: in ``root`` (default :func:`~dlsg_utils.reference.runs_root`), else
    downloaded and verified into the cache (installs without a clone)."""
    folder = Path(root or runs_root()) / name
    if (folder / MANIFEST).is_file():
        return folder
    if root is not None:
        raise FileNotFoundError(f"{folder} holds no finished run (no {MANIFEST})")
    return _download(name)


def manifest(name: str, root: Path | None = None) -> dict:
    """The manifest of the finished run ``name`` (see the module)."""
    return json.loads((run_dir(name, root) / MANIFEST).read_text())


def verify(name: str, root: Path | None = None) -> dict:
    """Check every file of run ``name`` against its manifest; return the manifest, or raise
    :class:`~dlsg_utils.data.ChecksumError` naming the file that differs."""
    from ..data.download import ChecksumError

    folder = run_dir(name, root)
    m = json.loads((folder / MANIFEST).read_text())
    for fname, sha in m["files"].items():
        got = sha256_file(folder / fname) if (folder / fname).is_file() else "missing"
        if got != sha:
            raise ChecksumError(f"{folder / fname}: sha256 should be {sha}, got {got}")
    return m


def load_model(name: str, root: Path | None = None, device=None) -> torch.nn.Module:
    """The trained network of run ``name`` in eval mode: ``nn.Sequential(Standardize, net)``,
    taking [0, 1] images as :func:`dlsg_utils.data.load_cifar10` returns them. The weights are
    checked against the manifest and read with ``torch.load(..., weights_only=True)``."""
    from .nets import build

    m = verify(name, root)
    model = build(m["spec"]["model"], m["spec"]["model_kw"])
    state = torch.load(run_dir(name, root) / WEIGHTS, map_location="cpu", weights_only=True)
    model.load_state_dict(state)
    return model.to(device or "cpu").eval()


def write_index(root: Path | None = None) -> dict:
    """Write ``index.json`` (run -> file -> sha256, manifests included) for every finished run
    in ``root``: what an install without a clone checks its downloads against."""
    root = Path(root or runs_root())
    index = {}
    for folder in sorted(p for p in root.iterdir() if (p / MANIFEST).is_file()):
        m = verify(folder.name, root)
        index[folder.name] = {**m["files"], MANIFEST: sha256_file(folder / MANIFEST)}
    target = Path(__file__).with_name("index.json")
    target.write_text(json.dumps(index, indent=1, sort_keys=True) + "\n")
    print(f"{target}: {len(index)} runs", file=sys.stderr)
    return index
