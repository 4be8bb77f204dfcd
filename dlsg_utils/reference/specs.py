"""The reference runs: every experiment Part II trains once at a scale that shows the effect.

Each run is a :class:`~dlsg_utils.reference.RunSpec`: a model, a seed, the data, and a recipe, named so that a
chapter, a test and the command line (``python -m dlsg_utils.reference run NAME``) all mean
the same run. ``RUNS`` holds them by name; :func:`~dlsg_utils.reference.runs` selects by name or experiment.

The experiments (the issue that asked for them calls them R1-R5):

* **R1** ResNet-20 with He et al.'s ingredients (per-channel standardisation, 4-pixel-pad crop
  and flip, SGD with momentum 0.9, weight decay) and a compressed schedule (one-cycle): chapter
  13, beside the paper's 91.25% (He et al. 2015, Table 6).
* **R2** Krizhevsky et al.'s Figure 1: a four-layer convolutional network with ReLUs or tanh
  units, each at its own fastest learning rate, trained until 25% training error: chapter 12.
* **R3** Degradation at the end of training (He et al. 2015, Fig. 1 and 6): a shallow and a deep
  plain network and their residual twins (8 and 32 layers, the paper's width), on 10,000
  training images shrunk to 16x16: chapter 13.
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
    while training) is below it. ``eval_train`` also measures, when the run ends, the error on
    all its training images without augmentation, in eval mode (the degradation experiment's
    training error at convergence). ``downsample`` shrinks every image that many times on each
    side (:func:`~dlsg_utils.reference.shrink`; the crop pads 4 / ``downsample`` pixels).
    ``lr_from``, a pattern of run names, takes the learning rate from those finished pilot runs
    (:func:`~dlsg_utils.reference.choose_lr`) instead of ``lr``. ``precision`` ``"bfloat16"``
    runs each training step's forward pass under ``torch.autocast`` in bfloat16 (the weights,
    the optimizer and every evaluation stay float32); on a CPU with AMX or AVX-512 bfloat16
    instructions that trains a ResNet about 1.8 times as fast.
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
    downsample: int = 1
    lr_from: str | None = None
    precision: str = "float32"
    description: str = ""

    def __post_init__(self):
        if not re.fullmatch(r"[a-z0-9][a-z0-9._-]*", self.name):
            raise ValueError(f"run names are lower-case letters, digits, '.', '-', '_': "
                             f"got {self.name!r}")
        if self.schedule not in ("constant", "cosine", "onecycle"):
            raise ValueError(f"unknown schedule {self.schedule!r}")
        if self.precision not in ("float32", "bfloat16"):
            raise ValueError(f"precision is 'float32' or 'bfloat16', got {self.precision!r}")

    def as_dict(self) -> dict:
        """The spec as plain JSON-able data (what a manifest records)."""
        return dataclasses.asdict(self)

    def with_(self, **changes) -> RunSpec:
        """A copy with some fields changed (tests train tiny versions of real runs)."""
        return dataclasses.replace(self, **changes)


def _r1() -> list[RunSpec]:
    return [RunSpec(
        name="r1-resnet20", experiment="R1", model="resnet", model_kw={"depth": 20},
        seed=0, epochs=100, lr=0.1, nesterov=True, weight_decay=5e-4, schedule="onecycle",
        schedule_kw={"pct_start": 0.1}, augment=True, precision="bfloat16",
        description="ResNet-20 (option A) on all 50,000 training images: crop + flip, SGD "
                    "with Nesterov momentum 0.9, weight decay 5e-4, one-cycle to 0.1 over 100 "
                    "epochs, batch 128, forward passes in bfloat16 (He et al.: 0.1 stepped "
                    "down over ~164 epochs, 1e-4, float32)")]


def _r2() -> list[RunSpec]:
    out = []
    for act in ("relu", "tanh"):
        kw = {"activation": act, "widths": (32, 32, 64), "init": "gauss"}
        for lr in PILOT_LRS:
            out.append(RunSpec(
                name=f"r2-pilot-{act}-lr{lr:g}", experiment="R2", model="four_layer",
                model_kw=kw, seed=0, epochs=PILOT_EPOCHS, lr=lr,
                description=f"R2 pilot: the four-layer {act} network at lr {lr:g} for "
                            f"{PILOT_EPOCHS} epochs (the learning rate that trains fastest "
                            "is then used for every seed)"))
        for seed in (1, 2, 3):
            out.append(RunSpec(
                name=f"r2-{act}-s{seed}", experiment="R2", model="four_layer", model_kw=kw,
                seed=seed, epochs=60, lr=0.0, lr_from=f"r2-pilot-{act}-lr*",
                stop_train_err=0.25,
                description=f"Krizhevsky et al.'s Figure 1: the four-layer {act} network "
                            "(32-32-64 filters of 5x5, weights N(0, 0.01^2)), SGD momentum "
                            "0.9 at its pilots' fastest rate, no regularisation, until 25% "
                            "training error (at most 60 epochs)"))
    return out


PILOT_LRS = (0.0025, 0.005, 0.01, 0.02, 0.04, 0.08, 0.16)
PILOT_EPOCHS = 3


def _r3() -> list[RunSpec]:
    out = []
    for seed in (0, 1, 2):
        for depth in (8, 32):
            for kind in ("plain", "resnet"):
                out.append(RunSpec(
                    name=f"r3-{kind}{depth}-s{seed}", experiment="R3", model=kind,
                    model_kw={"depth": depth}, seed=seed, epochs=30, lr=0.1, momentum=0.9,
                    weight_decay=1e-4, schedule="cosine", augment=True, n_train=10_000,
                    downsample=2, eval_train=True,
                    description=f"Degradation: {kind}-{depth} (width 16) on the first 10,000 "
                                "training images shrunk to 16x16, crop + flip, SGD 0.1 "
                                "momentum 0.9, weight decay 1e-4 (He et al.'s), cosine to 0 "
                                "over 30 epochs"))
    return out


def _r4() -> list[RunSpec]:
    out = []
    for seed in (0, 1):
        for dropout, augment, cell in ((0.0, False, "none"), (0.5, False, "dropout"),
                                       (0.0, True, "augment"), (0.5, True, "both")):
            out.append(RunSpec(
                name=f"r4-{cell}-s{seed}", experiment="R4", model="mini_alexnet",
                model_kw={"dropout": dropout}, seed=seed, epochs=30, lr=0.02, nesterov=True,
                schedule="onecycle", schedule_kw={"pct_start": 0.2}, augment=augment,
                n_train=10_000, eval_train=True,
                description=f"Dropout x augmentation ({cell}): MiniAlexNet (32-64-96-96-64, "
                            "256 hidden units, He init) on the first 10,000 training images, "
                            "SGD Nesterov 0.9, one-cycle to 0.02 over 30 epochs, no weight "
                            "decay"))
    return out


def _r5() -> list[RunSpec]:
    return [RunSpec(
        name="r5-ch14-net", experiment="R5", model="ch14", seed=0, epochs=30, lr=0.05,
        weight_decay=5e-4, schedule="onecycle", schedule_kw={"pct_start": 0.2}, augment=True,
        description="Chapter 14's network on all 50,000 training images: crop + flip, SGD "
                    "momentum 0.9, weight decay 5e-4, one-cycle to 0.05 over 30 epochs")]


RUNS: dict[str, RunSpec] = {}
"""Every reference run by name."""
EXPERIMENTS: dict[str, list[str]] = {}
"""Experiment id (``"R1"`` ...) -> the names of its runs."""

for _spec in _r1() + _r5() + _r3() + _r2() + _r4():
    RUNS[_spec.name] = _spec
    EXPERIMENTS.setdefault(_spec.experiment, []).append(_spec.name)


def runs(*selectors: str) -> list[RunSpec]:
    """The runs named by ``selectors``: run names, experiment ids (``"R1"``), shell-style
    patterns (``"r3-*"``) or ``"all"``; in ``RUNS`` order, each once."""
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
