"""The reference runs: every experiment Part II trains once at a scale that shows the effect.

Each run is a :class:`RunSpec`: a model, a seed, the data, and a recipe, named so that a
chapter, a test and the command line (``python -m dlsg_utils.reference run NAME``) all mean
the same run. :data:`RUNS` holds them by name; :func:`runs` selects by name or experiment.

The experiments (the issue that asked for them calls them R1-R5):

* **R1** ResNet-20 with He et al.'s ingredients (per-channel standardisation, 4-pixel-pad crop
  and flip, SGD with momentum 0.9, weight decay) and a compressed schedule (one-cycle): chapter
  13, beside the paper's 91.25% (He et al. 2015, Table 6).
* **R2** Krizhevsky et al.'s Figure 1: a four-layer convolutional network with ReLUs or tanh
  units, each at its own fastest learning rate, trained until 25% training error: chapter 12.
* **R3** Degradation at convergence (He et al. 2015, Fig. 1 and 6): a shallow and a deep plain
  network and their residual twins, narrower than the paper's: chapter 13.
* **R4** Dropout x augmentation where the unregularised network over-fits: chapter 12.
* **R5** Chapter 14's network, trained well enough that its filters, occlusion maps, saliency and
  retrieval read a network that works.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

__all__ = ["EXPERIMENTS", "RUNS", "RunSpec", "runs"]


@dataclass(frozen=True)
class RunSpec:
    """One reference run: what is trained, on what, how, and for how long.

    ``model`` names a builder of :mod:`dlsg_utils.reference.nets` and ``model_kw`` its
    arguments. The data are CIFAR-10's training images (the first ``n_train`` of the loader's
    fixed mixed order, all 50,000 by default) and its 10,000 test images. The optimizer is SGD
    (``lr``, ``momentum``, Nesterov or not, ``weight_decay``) with a learning-rate
    ``schedule`` stepped after every mini-batch: ``"onecycle"`` (torch's ``OneCycleLR`` to
    ``lr`` and down, momentum not cycled), ``"cosine"`` (cosine decay to 0 over the run) or
    ``"constant"``. ``augment`` turns on the pad-4 crop and mirror flip of
    :class:`dlsg_utils.data.RandomCropFlip`. ``stop_train_err``, if set, ends the run after the
    first epoch whose training error (the fraction of its mini-batch examples misclassified
    while training) is below it. ``eval_train`` also measures, after every epoch, the error on
    all the training images without augmentation, in eval mode (what the degradation figures
    need).
    """

    name: str
    experiment: str
    model: str
    seed: int
    epochs: int
    lr: float
    model_kw: dict = field(default_factory=dict)
    batch_size: int = 128
    momentum: float = 0.9
    nesterov: bool = False
    weight_decay: float = 0.0
    schedule: str = "constant"
    schedule_kw: dict = field(default_factory=dict)
    augment: bool = False
    label_smoothing: float = 0.0
    n_train: int | None = None
    stop_train_err: float | None = None
    eval_train: bool = False
    description: str = ""

    def __post_init__(self):
        if not re.fullmatch(r"[a-z0-9][a-z0-9._-]*", self.name):
            raise ValueError(f"run names are lower-case letters, digits, '.', '-', '_': "
                             f"got {self.name!r}")
        if self.schedule not in ("constant", "cosine", "onecycle"):
            raise ValueError(f"unknown schedule {self.schedule!r}")

    def as_dict(self) -> dict:
        """The spec as plain JSON-able data (what a manifest records)."""
        return dataclasses.asdict(self)

    def with_(self, **changes) -> RunSpec:
        """A copy with some fields changed (tests train tiny versions of real runs)."""
        return dataclasses.replace(self, **changes)


def _r1() -> list[RunSpec]:
    return [RunSpec(
        name="r1-resnet20", experiment="R1", model="resnet", model_kw={"depth": 20},
        seed=0, epochs=40, lr=0.2, nesterov=True, weight_decay=5e-4, schedule="onecycle",
        schedule_kw={"pct_start": 0.15}, augment=True,
        description="ResNet-20 (option A) on all 50,000 training images: crop + flip, SGD "
                    "with Nesterov momentum 0.9, weight decay 5e-4, one-cycle to 0.2 over 40 "
                    "epochs, batch 128 (He et al.: 0.1 stepped down over ~164 epochs, 1e-4)")]


RUNS: dict[str, RunSpec] = {}
"""Every reference run by name."""
EXPERIMENTS: dict[str, list[str]] = {}
"""Experiment id (``"R1"`` ...) -> the names of its runs."""

for _spec in _r1():
    RUNS[_spec.name] = _spec
    EXPERIMENTS.setdefault(_spec.experiment, []).append(_spec.name)


def runs(*selectors: str) -> list[RunSpec]:
    """The runs named by ``selectors``: run names, experiment ids (``"R1"``), shell-style
    patterns (``"r3-*"``) or ``"all"``; in :data:`RUNS` order, each once."""
    import fnmatch

    if not selectors:
        raise ValueError("name a run, an experiment (R1 ... R5), a pattern or 'all'")
    chosen: list[str] = []
    for sel in selectors:
        if sel == "all":
            names = list(RUNS)
        elif sel.upper() in EXPERIMENTS:
            names = EXPERIMENTS[sel.upper()]
        else:
            names = [n for n in RUNS if fnmatch.fnmatchcase(n, sel)]
        if not names:
            raise ValueError(f"no reference run or experiment matches {sel!r}; the runs: "
                             f"{', '.join(RUNS)}")
        chosen += [n for n in names if n not in chosen]
    return [RUNS[n] for n in chosen]
