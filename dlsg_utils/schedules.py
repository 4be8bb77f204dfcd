"""Learning-rate schedules by name, built from ``torch.optim.lr_scheduler``.

torch already implements every schedule the book uses, so this module only names them and
fills in sensible defaults; what it returns is an ordinary torch scheduler. With
η₀ the optimizer's learning rate and t the number of ``scheduler.step()`` calls so far:

=================  ==========================================================  ==================
name               η_t                                                         torch class
=================  ==========================================================  ==================
``constant``       η₀                                                          ``LambdaLR``
``step``           η₀ · gamma^⌊t / step_size⌋                                  ``StepLR``
``multistep``      η₀ · gamma^(number of milestones ≤ t)                       ``MultiStepLR``
``exponential``    η₀ · gamma^t                                                ``ExponentialLR``
``inverse_time``   η₀ / (1 + decay · t)  (Robbins–Monro style 1/t annealing)   ``LambdaLR``
``cosine``         η_min + (η₀ − η_min)(1 + cos(π t / T_max)) / 2              ``CosineAnnealingLR``
``warmup``         linear from start_factor · η₀ to η₀ over ``warmup`` steps,  ``LinearLR``
                   then constant
``warmup_cosine``  the warm-up, then cosine down to η_min at ``total`` steps   ``SequentialLR``
``onecycle``       up to max_lr and down again (Smith & Topin 2017)            ``OneCycleLR``
=================  ==========================================================  ==================

Warm-up and one-cycle schedules count mini-batches: pass them to :func:`dlsg_utils.train.fit`
with ``scheduler_interval="batch"``, and give ``total``/``total_steps`` as epochs × batches
per epoch (``OneCycleLR`` raises an error when stepped past ``total_steps``). :func:`lr_curve` returns the values a schedule takes, for
plotting one without training anything.
"""

from __future__ import annotations

import inspect

import numpy as np
import torch
from torch.optim import lr_scheduler as tls

from .checks import check_int, check_real

__all__ = ["SCHEDULES", "lr_curve", "make_schedule"]


def _constant(opt):
    return tls.LambdaLR(opt, lambda t: 1.0)


def _step(opt, step_size: int = 10, gamma: float = 0.1):
    check_int("step_size", step_size, min=1)
    check_real("gamma", gamma, min=0, min_open=True)
    return tls.StepLR(opt, step_size=step_size, gamma=gamma)


def _multistep(opt, milestones=(30, 60), gamma: float = 0.1):
    if isinstance(milestones, (str, bytes)) or not hasattr(milestones, "__iter__"):
        raise TypeError(f"milestones must be a sequence of ints, got {milestones!r}")
    # steps >= 0; torch counts repeats (a milestone given twice decays twice), order is free
    milestones = [check_int("milestones", m, min=0) for m in milestones]
    check_real("gamma", gamma, min=0, min_open=True)
    return tls.MultiStepLR(opt, milestones=list(milestones), gamma=gamma)


def _exponential(opt, gamma: float = 0.95):
    check_real("gamma", gamma, min=0, min_open=True)
    return tls.ExponentialLR(opt, gamma=gamma)


def _inverse_time(opt, decay: float = 1.0):
    check_real("decay", decay, min=0)
    return tls.LambdaLR(opt, lambda t: 1.0 / (1.0 + decay * t))


def _cosine(opt, T_max: int = 100, eta_min: float = 0.0):
    check_int("T_max", T_max, min=1)
    check_real("eta_min", eta_min, min=0)
    return tls.CosineAnnealingLR(opt, T_max=T_max, eta_min=eta_min)


def _check_warmup(warmup, start_factor) -> None:
    check_int("warmup", warmup, min=1)  # 0 steps would leave the rate at start_factor for good
    check_real("start_factor", start_factor, min=0, max=1, min_open=True)


def _warmup(opt, warmup: int = 100, start_factor: float = 0.01):
    _check_warmup(warmup, start_factor)
    return tls.LinearLR(opt, start_factor=start_factor, end_factor=1.0, total_iters=warmup)


def _warmup_cosine(opt, warmup: int = 100, total: int = 1000, start_factor: float = 0.01,
                   eta_min: float = 0.0):
    _check_warmup(warmup, start_factor)
    check_int("total", total, min=2)
    check_real("eta_min", eta_min, min=0)
    if not warmup < total:
        raise ValueError(f"warmup must be < total, got warmup={warmup}, total={total}")
    return tls.SequentialLR(
        opt,
        [tls.LinearLR(opt, start_factor=start_factor, end_factor=1.0, total_iters=warmup),
         tls.CosineAnnealingLR(opt, T_max=total - warmup, eta_min=eta_min)],
        milestones=[warmup],
    )


def _onecycle(opt, max_lr: float | None = None, total_steps: int = 1000,
              pct_start: float = 0.25, **kw):
    max_lr = opt.param_groups[0]["lr"] if max_lr is None else max_lr
    check_real("max_lr", max_lr, min=0, min_open=True)
    check_int("total_steps", total_steps, min=1)
    check_real("pct_start", pct_start, min=0, max=1, min_open=True, max_open=True)
    return _OneCycleLR(opt, max_lr=max_lr, total_steps=total_steps, pct_start=pct_start, **kw)


class _OneCycleLR(tls.OneCycleLR):
    """``OneCycleLR`` whose error, when stepped past the end, names ``total_steps`` and how
    to set it."""

    def step(self, epoch=None):
        if self.last_epoch + 1 > self.total_steps:
            raise ValueError(
                f"the one-cycle schedule was stepped {self.last_epoch + 1} times, but "
                f"total_steps={self.total_steps}: give total_steps = epochs x mini-batches per "
                "epoch (dlsg_utils.train.steps_per_epoch) and step it once per mini-batch")
        return super().step(epoch)


SCHEDULES = {
    "constant": _constant,
    "step": _step,
    "multistep": _multistep,
    "exponential": _exponential,
    "inverse_time": _inverse_time,
    "cosine": _cosine,
    "warmup": _warmup,
    "warmup_cosine": _warmup_cosine,
    "onecycle": _onecycle,
}
"""Schedule name → builder ``(optimizer, **kw) -> torch scheduler``."""


def make_schedule(name: str, optimizer: torch.optim.Optimizer, **kw) -> tls.LRScheduler:
    """The torch scheduler called ``name`` (see the table above) on ``optimizer``.

    Keyword arguments are the schedule's parameters (``step_size``, ``gamma``, ``milestones``,
    ``decay``, ``T_max``, ``eta_min``, ``warmup``, ``total``, ``start_factor``, ``max_lr``,
    ``total_steps``, ...); missing ones take the defaults of the builders in
    :data:`SCHEDULES`. ``onecycle`` passes extra keywords on to ``OneCycleLR``.
    """
    if name not in SCHEDULES:
        raise ValueError(f"unknown schedule {name!r}; expected one of {sorted(SCHEDULES)}")
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer, got "
                        f"{type(optimizer).__name__}")
    builder = SCHEDULES[name]
    params = inspect.signature(builder).parameters
    accepts_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
    unknown = sorted(set(kw) - set(params) - {"opt"})
    if unknown and not accepts_any:
        allowed = [p for p in params if p != "opt"]
        raise TypeError(f"schedule {name!r} takes {allowed}, got unexpected {unknown}")
    return builder(optimizer, **kw)


def lr_curve(name: str, steps: int, lr: float = 1.0, **kw) -> np.ndarray:
    """The learning rates ``(steps,)`` that schedule ``name`` gives steps 0, ..., steps − 1.

    Runs the torch scheduler on a dummy SGD optimizer with learning rate ``lr`` (no training).
    """
    check_int("steps", steps, min=0)
    check_real("lr", lr, min=0)
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)
    sched = make_schedule(name, opt, **kw)
    out = np.empty(steps)
    for t in range(steps):
        out[t] = opt.param_groups[0]["lr"]
        opt.step()
        if t < steps - 1:
            sched.step()
    return out

