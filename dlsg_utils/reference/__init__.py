"""Reference runs: Part II's experiments trained once at a scale that shows the papers' effects,
shipped with the book (logs, weights, checksummed manifests) and re-evaluated by the chapters.

``python -m dlsg_utils.reference run R1`` (or ``make reference``) trains; see
:mod:`dlsg_utils.reference.specs` for the runs, :mod:`dlsg_utils.reference.runner` for the
training, :mod:`dlsg_utils.reference.store` for where the results live and how they are
checked.
"""

from __future__ import annotations

from .data import Images, cifar10_uint8
from .nets import Standardize, build, shrink
from .results import accuracy, choose_lr, confirm, epochs_to, read_log, read_steps
from .runner import channel_stats, evaluate_uint8, train_reference_run
from .specs import EXPERIMENTS, RUNS, RunSpec, runs
from .store import load_model, manifest, run_dir, runs_root, verify

__all__ = ["EXPERIMENTS", "RUNS", "Images", "RunSpec", "Standardize", "accuracy", "build",
           "channel_stats", "choose_lr", "cifar10_uint8", "confirm", "epochs_to", "evaluate_uint8",
           "load_model", "manifest", "read_log", "read_steps", "run_dir", "runs", "runs_root",
           "shrink", "train_reference_run", "verify"]
