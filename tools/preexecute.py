"""Execute the chapters side by side into the book's execution cache before Sphinx reads them.

``jupyter-book build`` executes the notebooks that are not in its cache one after another, and
a chapter spends much of its time on one core (the kernel's start, Python loops, matplotlib).
This script runs ``--workers`` chapters at a time (default: one per two cores, at least 2), each
kernel with an equal share of the cores' threads, and stores each executed notebook in the
cache folder that the build will use (``_ext/dlsg_book.py`` names it), exactly as myst-nb
stores it. The build then finds every chapter cached and only renders it.

A chapter that fails here is left out of the cache: the build executes it again and reports its
error as usual, so this script never hides a failure and never needs to stop the build.

    python tools/preexecute.py [--workers N] [--timeout 900]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "_ext"))

# A chapter's execution time on 2 cores in full mode (seconds, measured 2026-12-07), used only
# to start the longest first; a chapter missing here counts as 60 s.
TYPICAL_SECONDS = {"01": 7, "02": 111, "03": 15, "04": 37, "05": 28, "06": 120, "07": 7, "08": 13,
                   "09": 14, "10": 18, "11": 87, "12": 120, "13": 134, "14": 50}


def chapters(root: Path = ROOT) -> list[Path]:
    """The notebooks of the table of contents, in its order."""
    import yaml

    toc = yaml.safe_load((root / "_toc.yml").read_text())
    files = [c["file"] for part in toc.get("parts", []) for c in part.get("chapters", [])]
    return [root / f"{f}.ipynb" for f in files if (root / f"{f}.ipynb").is_file()]


def _execute(path: str, timeout: int, threads: int) -> tuple[str, object, float, str | None]:
    """Execute one notebook in its own folder, as myst-nb does; return it with its time."""
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)  # the kernel inherits this process's environment
    import nbformat
    from jupyter_cache.executors.utils import single_nb_execution

    nb = nbformat.read(path, as_version=4)
    result = single_nb_execution(nb, cwd=str(Path(path).parent), timeout=timeout,
                                 allow_errors=False, meta_override=True)
    return path, nb, result.time, (None if result.err is None else result.exc_string)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cores = os.cpu_count() or 1
    p.add_argument("--workers", type=int, default=max(2, cores // 2))
    p.add_argument("--timeout", type=int, default=900, help="seconds per cell, as _config.yml")
    args = p.parse_args(argv)
    if os.environ.get("DLSG_PREEXECUTE", "1") == "0":
        return 0

    from dlsg_book import _lock, execution_cache_key
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    folder = ROOT / "_build" / ".jupyter_cache" / execution_cache_key()
    folder.parent.mkdir(parents=True, exist_ok=True)
    held = _lock(folder, exclusive=False)  # a build of another key leaves this folder alone
    try:
        return _run(folder, args, cores, get_cache, CacheBundleIn)
    finally:
        held.close()


def _run(folder, args, cores, get_cache, CacheBundleIn) -> int:
    import nbformat

    cache = get_cache(str(folder))
    todo = []
    for path in chapters():
        try:
            cache.match_cache_notebook(nbformat.read(path, as_version=4))
        except KeyError:
            todo.append(path)
    if not todo:
        print("preexecute: every chapter is in the cache")
        return 0
    todo.sort(key=lambda f: -TYPICAL_SECONDS.get(f.name[:2], 60))
    workers = max(1, min(args.workers, len(todo)))
    threads = max(1, cores // workers)
    print(f"preexecute: {len(todo)} chapters, {workers} at a time, {threads} thread(s) each")
    start = time.perf_counter()
    failed = []
    with ProcessPoolExecutor(workers) as pool:
        jobs = [pool.submit(_execute, str(f), args.timeout, threads) for f in todo]
        for job in as_completed(jobs):
            path, nb, seconds, error = job.result()
            name = Path(path).name
            if error is not None:
                failed.append(name)
                print(f"preexecute: {name} failed after {seconds:.0f} s (the build will run it again)")
                continue
            uri = cache.add_nb_to_project(path).uri
            cache.cache_notebook_bundle(CacheBundleIn(nb, uri, data={"execution_seconds": seconds}),
                                        check_validity=False, overwrite=True)
            print(f"preexecute: {name} in {seconds:.0f} s")
    print(f"preexecute: done in {time.perf_counter() - start:.0f} s"
          + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
