"""Progress bars: text where widgets do not render (Colab by default, DLSG_PROGRESS=text),
tqdm.auto's widget bar elsewhere in a notebook.

A Jupyter kernel is simulated in a fresh interpreter the way tqdm.autonotebook detects one
(``ipykernel.zmqshell`` loaded), and Colab the way the package detects it (``google.colab``
loaded). With no front end, a widget bar is displayed as its text form on stdout, once, at 0%;
a text bar is redrawn on stderr up to 100%.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dlsg_utils import _progress

ROOT = Path(__file__).resolve().parents[1]

KERNEL = """
import contextlib, io, json, os, sys, types
import IPython  # tqdm.autonotebook asks IPython for the shell
sys.modules["ipykernel.zmqshell"] = types.ModuleType("ipykernel.zmqshell")
if os.environ.get("FAKE_COLAB"):
    sys.modules["google.colab"] = types.ModuleType("google.colab")
import torch
from dlsg_utils.train import fit

out, err = io.StringIO(), io.StringIO()
X, y = torch.randn(32, 4), torch.randint(0, 2, (32,))
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
    fit(torch.nn.Linear(4, 2), (X, y), epochs=3, batch_size=8, progress=True, seed=0)
print(json.dumps({"stdout": out.getvalue(), "stderr": err.getvalue()}))
"""


def _fit_in_a_kernel(colab: bool, mode: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DLSG_PROGRESS", "FAKE_COLAB")}
    env["OMP_NUM_THREADS"] = "1"
    if colab:
        env["FAKE_COLAB"] = "1"
    if mode is not None:
        env["DLSG_PROGRESS"] = mode
    done = subprocess.run([sys.executable, "-c", KERNEL], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _is_text_bar(run: dict) -> bool:
    return "epochs: 100%" in run["stderr"] and "epochs" not in run["stdout"]


def _is_widget_bar(run: dict) -> bool:
    return "epochs:   0%" in run["stdout"] and "epochs" not in run["stderr"]


def test_fit_in_colab_draws_a_text_bar_that_reaches_100_percent():
    assert _is_text_bar(_fit_in_a_kernel(colab=True, mode=None))


def test_fit_in_other_notebooks_keeps_tqdm_autos_widget_bar():
    assert _is_widget_bar(_fit_in_a_kernel(colab=False, mode=None))


def test_dlsg_progress_text_forces_text_bars_and_widget_forces_widgets():
    assert _is_text_bar(_fit_in_a_kernel(colab=False, mode="text"))
    assert _is_widget_bar(_fit_in_a_kernel(colab=True, mode="widget"))


def test_an_unknown_dlsg_progress_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("DLSG_PROGRESS", "fancy")
    with pytest.raises(ValueError, match="DLSG_PROGRESS must be one of auto, text, widget, "
                                         "got 'fancy'"):
        _progress.tqdm(range(3))

