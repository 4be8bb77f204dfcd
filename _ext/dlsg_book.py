"""Small additions to Jupyter Book 1's build, each found necessary by a test.

- The execution cache is keyed on everything a chapter's outputs depend on besides its own
  cells: myst-nb's jupyter-cache re-executes a notebook only when its code cells change, so a
  change to ``dlsg_utils``, the data files, the requirements, the libraries the chapters use or
  the workload (smoke/full, GPU/CPU) would otherwise ship stale results. Each such state gets
  its own cache folder, ``_build/.jupyter_cache/<key>``: an unchanged rebuild re-executes
  nothing, and any of those changes re-executes everything. "The libraries the chapters use"
  are the package's dependencies and what the chapters import, with everything those require:
  installing JupyterLab (``make lab``) or a linter changes none of them and keeps the cache.
  Data outside the repository count too: the contents of the CIFAR-10 folder named by
  ``$DLSG_CIFAR10``, and which official downloads (``*.gz``: full MNIST, the CIFAR-10 archive)
  the loaders' download folder holds, since ``source="auto"`` uses them when they are there;
  so do the thread counts (``OMP_NUM_THREADS``, ``MKL_NUM_THREADS``), which change the last
  bits of a float sum and with them a trained network's numbers.
  Builds may run side by side: each holds a shared lock on its cache folder while it runs, and
  a folder of another state is removed only when no build holds it. A file that vanishes while
  the key is computed counts as absent.

- The PDF edition cannot fold a cell away, so the cells the web pages hide are left out of it:
  the Colab setup cell entirely, and each exercise's solution in favour of a line saying where
  to find it (so a reader of the paper copy still tries the exercise first).

- Each chapter's header has a "Slides" button to its study-group deck,
  ``slides/<chapter>.slides.html``, which ``make slides`` writes. Until it has run, the book
  leaves a short page there that says how to build the deck, so the link is never broken.

- sphinx-thebe and sphinx-togglebutton add their inline configuration <script> twice (once with
  filename None, once with ""), which throws "Identifier 'THEBE_JS_URL' has already been
  declared" in every page's console: keep one copy of each script.
"""

import fcntl
import hashlib
import importlib.metadata
import os
import shutil
import sys
from pathlib import Path

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        key = (str(script.filename or ""), tuple(sorted(script.attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


ROOT = Path(__file__).resolve().parents[1]
# What a chapter's outputs depend on besides its own cells.
CACHE_INPUTS = ("dlsg_utils", "data", "reference", "requirements.txt", "pyproject.toml",
                "chapters/matplotlibrc")
CACHE_ENV = ("DLSG_SMOKE", "DLSG_OFFLINE", "DLSG_CIFAR10", "DLSG_DATA", "CUDA_VISIBLE_DEVICES",
             "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _download_folder() -> Path:
    """``dlsg_utils.data.download.cache_dir()``, without importing the package (and torch)."""
    return Path(os.environ.get("DLSG_DATA") or Path.home() / ".cache" / "dlsg")


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if "__pycache__" not in p.parts
                      and p.suffix != ".pyc" and p.is_file())
    return [path]


def _digest(path: Path) -> bytes | None:
    """The file's SHA-256, or None when it does not exist (any more)."""
    h = hashlib.sha256()
    try:
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
    return h.digest()


def _imported_modules(root: Path) -> set[str]:
    """The top-level modules the chapters' code cells import (shell and magic lines skipped)."""
    import ast
    import json

    mods: set[str] = set()
    for nb in sorted((root / "chapters").glob("*.ipynb")):
        try:
            cells = json.loads(nb.read_text()).get("cells", [])
        except ValueError:  # not a notebook: the build reports it
            continue
        for cell in cells:
            if cell.get("cell_type") != "code":
                continue
            src = "".join(cell.get("source", []))
            lines = [line for line in src.splitlines() if not line.lstrip().startswith(("!", "%"))]
            try:
                tree = ast.parse("\n".join(lines))
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    mods.update(a.name.split(".")[0] for a in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    mods.add(node.module.split(".")[0])
    return mods


def used_distributions(root: Path = ROOT) -> list[str]:
    """``name==version`` of the package's dependencies (pyproject.toml), of the distributions
    that provide what the chapters import, and of everything those require, sorted."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    todo: list[str] = []
    pyproject = root / "pyproject.toml"
    try:
        import tomllib  # Python 3.11 and newer
    except ImportError:  # 3.10: the installed package's requirements say the same
        todo += importlib.metadata.requires("dlsg-utils") or []
    else:
        if pyproject.is_file():
            todo += tomllib.loads(pyproject.read_text()).get("project", {}).get("dependencies", [])
    providers = importlib.metadata.packages_distributions()
    for mod in _imported_modules(root):
        todo += providers.get(mod, [])
    seen: dict[str, str | None] = {}
    while todo:
        req = Requirement(todo.pop())
        name = canonicalize_name(req.name)
        if name in seen:
            continue
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            seen[name] = None
            continue
        seen[name] = dist.version
        for r in dist.requires or []:
            sub = Requirement(r)
            if sub.marker is None or sub.marker.evaluate({"extra": ""}):
                todo.append(str(sub))
    return sorted(f"{n}=={v}" for n, v in seen.items())


def execution_cache_key(root: Path = ROOT) -> str:
    """A hash of the package, the data, the requirements, the libraries the chapters use, the
    Python version and the environment variables that change what a chapter computes."""
    h = hashlib.sha256()
    for name in CACHE_INPUTS:
        for f in _files(root / name):
            digest = _digest(f)
            if digest is not None:
                h.update(f.relative_to(root).as_posix().encode())
                h.update(digest)
    cifar = os.environ.get("DLSG_CIFAR10", "").strip()
    if cifar:  # the folder the CIFAR-10 loaders read instead of a download
        folder = Path(cifar).expanduser()
        for f in _files(folder):
            digest = _digest(f)
            if digest is not None:
                h.update(b"cifar:" + f.relative_to(folder).as_posix().encode() + digest)
    downloads = _download_folder()
    if downloads.is_dir():  # which official files `auto` finds (the loaders check their hashes)
        for f in sorted(downloads.glob("*.gz")):
            try:
                size = f.stat().st_size
            except FileNotFoundError:
                continue
            h.update(f"download:{f.name}:{size}".encode())
    h.update("\n".join(used_distributions(root)).encode())
    h.update(sys.version.encode())
    for var in CACHE_ENV:
        h.update(f"{var}={os.environ.get(var, '')}".encode())
    return h.hexdigest()[:16]


def _lock(folder: Path, exclusive: bool):
    """An open lock file beside ``folder`` holding a shared (or exclusive, non-blocking) flock,
    or None when another build holds a conflicting one. Closing the file releases it."""
    f = open(folder.with_name(folder.name + ".lock"), "a+b")  # noqa: SIM115 - held for the build
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB if exclusive else fcntl.LOCK_SH)
    except BlockingIOError:
        f.close()
        return None
    return f


def prune_caches(caches: Path, keep: Path) -> list[str]:
    """Remove the cache folders of other states that no running build holds; their names."""
    removed = []
    if not caches.is_dir():
        return removed
    for old in sorted(caches.iterdir()):
        if old == keep or not old.is_dir() or len(old.name) != 16:
            continue
        lock = _lock(old, exclusive=True)
        if lock is None:  # a build with that key is running: leave its cache alone
            continue
        try:
            shutil.rmtree(old, ignore_errors=True)
            removed.append(old.name)
        finally:
            lock.close()  # the lock file stays: removing it could let two builds lock apart
    return removed


def _keyed_execution_cache(app, config):
    if config.nb_execution_mode != "cache" or config.nb_execution_cache_path:
        return
    caches = Path(app.outdir).parent / ".jupyter_cache"
    current = caches / execution_cache_key()
    caches.mkdir(parents=True, exist_ok=True)
    app._dlsg_cache_lock = _lock(current, exclusive=False)  # held until the build ends
    prune_caches(caches, keep=current)  # caches of other states are not used again
    config.nb_execution_cache_path = str(current)


SOLUTION_NOTE = ("Solution: in the web edition and in the notebook, folded away so that you "
                 "can try the exercise first.")


class DropHiddenCellsInPDF(SphinxPostTransform):
    """In LaTeX output, drop the cells tagged ``hide-cell``; a solution leaves a note."""

    default_priority = 5
    builders = ("latex",)

    def run(self, **kwargs):
        for cell in list(self.document.findall(nodes.container)):
            if "tag_hide-cell" not in cell.get("classes", []):
                continue
            if "#@title Solution" in cell.astext():
                note = nodes.paragraph()
                note += nodes.emphasis(text=SOLUTION_NOTE)
                cell.replace_self(note)
            else:
                cell.parent.remove(cell)


SLIDES_PLACEHOLDER = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Slides: {title}</title></head>
<body><main>
<h1>Slides: {title}</h1>
<p>This chapter's study-group deck has not been built yet. In a clone of the book run
<code>make book</code>, then <code>make slides</code>: the decks are written to
<code>_build/slides/</code> and copied here (the README's section "Slides" says more).</p>
<p><a href="../{page}.html">Back to the chapter</a></p>
</main></body>
</html>
"""


def _slides_button(app, pagename, templatename, context, doctree):
    if not pagename.startswith("chapters/") or "header_buttons" not in context:
        return
    deck = pagename.split("/", 1)[1]
    context["header_buttons"].append({
        "type": "link", "url": f"../slides/{deck}.slides.html",
        "tooltip": "Slides of this chapter for a study-group meeting", "icon": "fas fa-chalkboard",
        "label": "slides-button"})


def _slides_placeholders(app, exception):
    """A page where each chapter's deck will be, unless ``make slides`` has put the deck there."""
    if exception is not None or app.builder.format != "html":
        return
    folder = Path(app.outdir) / "slides"
    for doc in app.env.found_docs:
        if doc.startswith("chapters/"):
            name = doc.split("/", 1)[1]
            target = folder / f"{name}.slides.html"
            if not target.exists():
                folder.mkdir(parents=True, exist_ok=True)
                title = app.env.titles[doc].astext() if doc in app.env.titles else name
                target.write_text(SLIDES_PLACEHOLDER.format(title=title, page=f"chapters/{name}"),
                                  encoding="utf-8")


def setup(app):
    app.add_post_transform(DropHiddenCellsInPDF)
    app.connect("config-inited", _keyed_execution_cache)
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    app.connect("html-page-context", _slides_button, priority=600)  # after the theme's buttons
    app.connect("build-finished", _slides_placeholders)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
