"""``python -m dlsg_utils.reference``: train, list and verify the reference runs.

    python -m dlsg_utils.reference list
    python -m dlsg_utils.reference run R1 [--data DIR] [--threads 2] [--jobs 1]
    python -m dlsg_utils.reference verify [all]
    python -m dlsg_utils.reference index

``run`` trains every named run that has not finished, continuing an interrupted one from its
last finished epoch; ``--jobs J`` trains J runs side by side, each with ``--threads`` threads.
The data are the full CIFAR-10 JPEG copy named by ``--data`` or ``$DLSG_CIFAR10``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from . import store
from .specs import runs


def _status(spec, root: Path) -> str:
    folder = root / spec.name
    if (folder / store.MANIFEST).is_file():
        m = json.loads((folder / store.MANIFEST).read_text())
        r = m["result"]
        acc = "diverged" if r["diverged"] else f"test acc {r['test_acc']:.4f}"
        return f"finished: {r['epochs']} epochs, {acc}, {m['wall_seconds'] / 60:.1f} min"
    if (folder / store.CHECKPOINT).is_file():
        import torch

        epoch = torch.load(folder / store.CHECKPOINT, weights_only=True)["epoch"]
        return f"interrupted after epoch {epoch} of {spec.epochs}"
    return "not started"


def _run(args) -> int:
    from .data import cifar10_uint8
    from .runner import train_reference_run

    root = Path(args.root)
    todo = [s for s in runs(*args.names) if not (root / s.name / store.MANIFEST).is_file()]
    if not todo:
        print("every named run has finished")
        return 0
    if args.jobs > 1 and len(todo) > 1:  # one process a run, J at a time
        pending, active, failed = list(todo), [], 0
        while pending or active:
            while pending and len(active) < args.jobs:
                spec = pending.pop(0)
                cmd = [sys.executable, "-m", "dlsg_utils.reference", "run", spec.name,
                       "--threads", str(args.threads), "--root", str(root), "--no-progress"]
                if args.data:
                    cmd += ["--data", args.data]
                if args.max_epochs:
                    cmd += ["--max-epochs", str(args.max_epochs)]
                active.append((spec, subprocess.Popen(cmd)))
                print(f"started {spec.name}", flush=True)
            time.sleep(2)
            for spec, proc in list(active):
                if proc.poll() is not None:
                    active.remove((spec, proc))
                    failed += proc.returncode != 0
                    print(f"{spec.name}: {_status(spec, root)}", flush=True)
        return 1 if failed else 0
    train, test = cifar10_uint8("train", args.data), cifar10_uint8("test", args.data)
    for spec in todo:
        cmd = "python -m dlsg_utils.reference run " + spec.name
        train_reference_run(spec, root, train, test, threads=args.threads, progress=not args.no_progress,
                  max_epochs=args.max_epochs, command=cmd)
        print(f"{spec.name}: {_status(spec, root)}", flush=True)
    return 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m dlsg_utils.reference", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("list", "run", "verify", "index"):
        q = sub.add_parser(name)
        q.add_argument("--root", default=str(store.runs_root()),
                       help="where the runs' folders are (default: reference/runs)")
        if name in ("list", "run", "verify"):
            q.add_argument("names", nargs="*" if name != "run" else "+", default=["all"],
                           help="runs, experiments (R1 ... R5), patterns or 'all'")
        if name == "run":
            q.add_argument("--data", default=None, help="folder of the CIFAR-10 JPEG copy "
                                                        "(default $DLSG_CIFAR10)")
            q.add_argument("--threads", type=int, default=None, help="torch threads per run")
            q.add_argument("--jobs", type=int, default=1, help="runs trained side by side")
            q.add_argument("--max-epochs", type=int, default=None,
                           help="stop each run after this many epochs (it stays resumable)")
            q.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = p.parse_args(argv)
    root = Path(args.root)
    if args.cmd == "list":
        for spec in runs(*args.names):
            print(f"{spec.name:28s} {spec.experiment}  {_status(spec, root)}")
        return 0
    if args.cmd == "run":
        return _run(args)
    if args.cmd == "verify":
        bad = 0
        for spec in runs(*args.names):
            if (root / spec.name / store.MANIFEST).is_file():
                try:
                    store.verify(spec.name, root)
                    print(f"{spec.name}: ok")
                except ValueError as err:
                    bad += 1
                    print(f"{spec.name}: {err}")
        return 1 if bad else 0
    store.write_index(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
