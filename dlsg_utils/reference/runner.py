"""Training one reference run: resumable from its last finished epoch, logged, and sealed by a
manifest when it ends."""

from __future__ import annotations

import csv
import math
import os
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from ..data.augment import RandomCropFlip
from .data import Images
from .nets import build, shrink
from .specs import RunSpec
from .store import CHECKPOINT, LOG, STEPS, WEIGHTS, session_info, write_manifest

__all__ = ["channel_stats", "evaluate_uint8", "train_reference_run"]

LOG_FIELDS = ("epoch", "lr", "train_loss", "train_err", "test_loss", "test_err", "seconds")
STEP_FIELDS = ("step", "epoch", "lr", "loss", "err")
POINTS_PER_EPOCH = 10  # the fine log: the running loss and error about ten times an epoch


def channel_stats(X: torch.Tensor, chunk: int = 5000) -> tuple[list[float], list[float]]:
    """Per-channel mean and standard deviation of uint8 images (N, C, H, W) scaled to [0, 1],
    accumulated in float64 over chunks (the 50,000 images never exist as floats at once)."""
    if X.dtype != torch.uint8 or X.ndim != 4 or len(X) == 0:
        raise ValueError(f"expected uint8 images (N, C, H, W), got {X.dtype} {tuple(X.shape)}")
    s = torch.zeros(X.shape[1], dtype=torch.float64)
    s2 = torch.zeros_like(s)
    for i in range(0, len(X), chunk):
        x = X[i:i + chunk].to(torch.float64) / 255
        s += x.sum((0, 2, 3))
        s2 += (x * x).sum((0, 2, 3))
    count = len(X) * X.shape[2] * X.shape[3]
    mean = s / count
    std = (s2 / count - mean ** 2).clamp_min(0).sqrt()
    return mean.tolist(), std.tolist()


def _floats(X: torch.Tensor, dev: torch.device) -> torch.Tensor:
    x = X.to(dev, non_blocking=True).float().div_(255)
    return x.contiguous(memory_format=torch.channels_last)


@torch.no_grad()
def evaluate_uint8(model: torch.nn.Module, data: Images, batch: int = 1000) -> tuple[float, float]:
    """Mean cross-entropy and error of ``model`` (in eval mode) on uint8 ``data``."""
    was = model.training
    model.eval()
    dev = next(model.parameters()).device
    loss = wrong = 0.0
    try:
        for i in range(0, len(data), batch):
            out = model(_floats(data.X[i:i + batch], dev))
            yb = data.y[i:i + batch].to(dev)
            loss += float(F.cross_entropy(out, yb, reduction="sum"))
            wrong += int((out.argmax(1) != yb).sum())
    finally:
        model.train(was)
    return loss / len(data), wrong / len(data)


def _scheduler(spec: RunSpec, opt, total: int):
    if spec.schedule == "onecycle":
        kw = {"pct_start": 0.25, "cycle_momentum": False, **spec.schedule_kw}
        return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=spec.lr, total_steps=total, **kw)
    if spec.schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total)
    return None


def _save_atomic(obj, path: Path) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def _write_csv(path: Path, fields, rows) -> None:
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fields, extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        for row in rows:
            w.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in row.items()})


def train_reference_run(spec: RunSpec, root: Path, train: Images, test: Images, *,
              threads: int | None = None, progress: bool = True,
              max_epochs: int | None = None, command: str = "") -> Path:
    """Train ``spec`` into ``root/<name>/`` and return that folder.

    After every epoch the model, optimizer, schedule, random generators and logs are saved to
    ``checkpoint.pt``; a later call continues from there (on the same machine it continues
    exactly as if never stopped). ``max_epochs`` stops after that many epochs of this call
    (the run stays resumable). When the run ends, ``log.csv`` (per epoch), ``steps.csv``
    (about ten points an epoch), ``weights.pt`` and ``manifest.json`` are written and the
    checkpoint removed. A finished run is left alone.
    """
    run_dir = Path(root) / spec.name
    if (run_dir / "manifest.json").is_file():
        return run_dir
    run_dir.mkdir(parents=True, exist_ok=True)
    if threads:
        torch.set_num_threads(threads)
    import dlsg_utils

    dev = dlsg_utils.device()
    data = train.first(spec.n_train)
    if spec.downsample > 1:
        data, test = (Images(shrink(d.X, spec.downsample), d.y, d.archive, d.sha256)
                      for d in (data, test))
    lr, lr_table = spec.lr, None
    if spec.lr_from is not None:
        from .results import choose_lr

        lr, lr_table = choose_lr(spec.lr_from, root)
    torch.manual_seed(spec.seed)
    model = build(spec.model, spec.model_kw)
    model[0].set(*channel_stats(data.X))
    model = model.to(dev, memory_format=torch.channels_last)
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=spec.momentum,
                          nesterov=spec.nesterov, weight_decay=spec.weight_decay)
    n, b = len(data), spec.batch_size
    steps = math.ceil(n / b)
    sched = _scheduler(spec, opt, spec.epochs * steps)
    gen = torch.Generator().manual_seed(spec.seed)
    augment = RandomCropFlip(4 // spec.downsample, True, generator=gen) if spec.augment else None
    log_every = max(1, steps // POINTS_PER_EPOCH)
    low_precision = spec.precision == "bfloat16"

    state = {"epoch": 0, "log": [], "steps": [], "sessions": [], "diverged": False}
    ckpt = run_dir / CHECKPOINT
    if ckpt.is_file():
        saved = torch.load(ckpt, map_location=dev, weights_only=True)
        model.load_state_dict(saved.pop("model"))
        opt.load_state_dict(saved.pop("opt"))
        if sched is not None:
            sched.load_state_dict(saved.pop("sched"))
        gen.set_state(saved.pop("gen"))
        torch.set_rng_state(saved.pop("torch_rng"))
        state.update(saved)
    session = session_info(dev, state["epoch"])
    state["sessions"].append(session)

    from tqdm.auto import tqdm

    bar = tqdm(total=spec.epochs * steps, initial=state["epoch"] * steps, unit="batch",
               desc=spec.name, disable=not progress)
    done_here = 0
    while state["epoch"] < spec.epochs and not state["diverged"]:
        if max_epochs is not None and done_here >= max_epochs:
            break
        epoch = state["epoch"] + 1
        start = time.perf_counter()
        model.train()
        perm = torch.randperm(n, generator=gen)
        lr0 = opt.param_groups[0]["lr"]
        tot_loss = torch.zeros((), dtype=torch.float64, device=dev)
        tot_wrong = torch.zeros((), dtype=torch.long, device=dev)
        win_loss, win_wrong, win_n = 0.0, 0, 0
        for i in range(steps):
            idx = perm[i * b:(i + 1) * b]
            xb = data.X[idx]
            if augment is not None:
                xb = augment(xb)  # crops and flips uint8 pixels: the same images as on floats
            xb, yb = _floats(xb, dev), data.y[idx].to(dev)
            with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=low_precision):
                out = model(xb)
                loss = F.cross_entropy(out, yb, label_smoothing=spec.label_smoothing)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if sched is not None:
                sched.step()
            with torch.no_grad():
                wrong = (out.argmax(1) != yb).sum()
                tot_loss += loss.detach().double() * len(idx)
                tot_wrong += wrong
            win_loss += float(loss.detach()) * len(idx)
            win_wrong += int(wrong)
            win_n += len(idx)
            if not math.isfinite(win_loss):
                state["diverged"] = True
                break
            if (i + 1) % log_every == 0 or i + 1 == steps:
                state["steps"].append({"step": (epoch - 1) * steps + i + 1,
                                       "epoch": round(epoch - 1 + (i + 1) / steps, 4),
                                       "lr": opt.param_groups[0]["lr"],
                                       "loss": win_loss / win_n, "err": win_wrong / win_n})
                win_loss, win_wrong, win_n = 0.0, 0, 0
            bar.update(1)
        row = {"epoch": epoch, "lr": lr0, "train_loss": float(tot_loss) / n,
               "train_err": int(tot_wrong) / n}
        if not state["diverged"]:
            row["test_loss"], row["test_err"] = evaluate_uint8(model, test)
        row["seconds"] = round(time.perf_counter() - start, 2)
        state["log"].append(row)
        state["epoch"] = epoch
        done_here += 1
        bar.set_postfix(train_err=f"{row['train_err']:.3f}",
                        test_err=f"{row.get('test_err', math.nan):.3f}")
        if spec.stop_train_err is not None and row["train_err"] < spec.stop_train_err:
            state["stopped_early"] = epoch
            break
        _save_atomic({**state, "model": model.state_dict(), "opt": opt.state_dict(),
                      "sched": None if sched is None else sched.state_dict(),
                      "gen": gen.get_state(), "torch_rng": torch.get_rng_state()}, ckpt)
    bar.close()
    finished = (state["diverged"] or "stopped_early" in state or state["epoch"] >= spec.epochs)
    if not finished:
        return run_dir
    _write_csv(run_dir / LOG, LOG_FIELDS, state["log"])
    _write_csv(run_dir / STEPS, STEP_FIELDS, state["steps"])
    torch.save({k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()},
               run_dir / WEIGHTS)
    last = state["log"][-1]
    result = {"epochs": state["epoch"], "diverged": state["diverged"],
              "stopped_early": state.get("stopped_early"),
              "train_err": last["train_err"], "test_err": last.get("test_err"),
              "test_acc": None if "test_err" not in last else 1 - last["test_err"],
              "n_test": len(test), "n_train": n, "lr": lr}
    if lr_table is not None:
        result["lr_pilots"] = lr_table
    if spec.eval_train and "test_err" in last:
        result["train_eval_loss"], result["train_eval_err"] = evaluate_uint8(model, data)
    write_manifest(run_dir, spec, state["sessions"], state["log"], result, command,
                   {"train": {"archive": data.archive, "sha256": data.sha256, "n": n},
                    "test": {"archive": test.archive, "sha256": test.sha256, "n": len(test)}})
    if ckpt.is_file():
        ckpt.unlink()
    return run_dir
