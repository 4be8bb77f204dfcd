"""`pip install .` (and so `pip install git+<repo>` on Colab) ships everything the chapters need."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_contains_every_module_and_mnist10k_and_stays_small(tmp_path):
    # Build from a copy of the repository (what `pip install git+<repo>` sees), without the
    # git folder and build outputs: setuptools writes build/ into the source tree.
    src = tmp_path / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(
        ".git", ".venv", "_build", "_vendor", "__pycache__", ".*cache*", ".hypothesis"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path / "dist"), str(src)],
        check=True, capture_output=True,
    )
    (wheel,) = (tmp_path / "dist").glob("dlsg_utils-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected_modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "dlsg_utils").rglob("*.py")}
    assert expected_modules <= names, sorted(expected_modules - names)
    assert "dlsg_utils/data/files/mnist/t10k-images-idx3-ubyte.gz" in names
    assert "dlsg_utils/data/files/mnist/t10k-labels-idx1-ubyte.gz" in names
    assert "dlsg_utils/data/files/README.md" in names  # the MNIST credit travels with the data
    for asset in ("optimizer_lab.js", "conv_explorer.js", "lab.css"):  # the live explorables
        assert f"dlsg_utils/lab/{asset}" in names, asset
    # the CIFAR-10 subset stays in the clone (data/cifar10/): the wheel Colab installs is light
    assert not any("cifar10" in n and n.endswith(".zip") for n in names)
    assert wheel.stat().st_size < 5_000_000, wheel.stat().st_size


def test_runtime_dependencies_are_ranges_not_pins():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    names = {d.split(">")[0].split("=")[0].split("<")[0].strip() for d in deps}
    assert {"numpy", "torch", "matplotlib", "ipywidgets", "tqdm"} <= names
    assert not any("==" in d for d in deps), deps
    assert "torch>=2.2" in deps


def test_requirements_pin_the_torch_wheel_on_disk():
    assert "torch==2.13.0" in (ROOT / "requirements.txt").read_text().splitlines()


def test_the_oldest_constraints_are_the_lower_bounds_pyproject_claims():
    tomllib = pytest.importorskip("tomllib")
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    lower = {d.split(">=")[0].strip().lower(): d.split(">=")[1].split(",")[0].strip()
             for d in deps}
    pinned = {}
    for line in (ROOT / "tests" / "oldest-constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            pinned[name.strip().lower()] = version.strip().removesuffix(".*")
    assert pinned == lower  # make test-oldest installs exactly what the package claims
