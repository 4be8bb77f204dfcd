"""The book's structure: table of contents, stored notebooks, setup cells, exercises, citations."""

import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]

CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
# The numbered chapters; chapter 00 ("Before you start") is front matter without exercises.
MAIN_CHAPTERS = [p for p in CHAPTERS if not p.name.startswith("00_")]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())


def _toc_files(node):
    if isinstance(node, dict):
        if "file" in node:
            yield node["file"]
        for value in node.values():
            yield from _toc_files(value)
    elif isinstance(node, list):
        for item in node:
            yield from _toc_files(item)


TOC_FILES = [TOC["root"], *_toc_files(TOC)]


def _cells(path):
    return json.loads(path.read_text())["cells"]


def _source(cell):
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def test_there_are_chapters():
    assert CHAPTERS, "no notebooks in chapters/"


@pytest.mark.parametrize("nb", CHAPTERS, ids=lambda p: p.name)
def test_every_notebook_is_in_the_toc(nb):
    assert nb.relative_to(ROOT).with_suffix("").as_posix() in TOC_FILES


@pytest.mark.parametrize("entry", TOC_FILES)
def test_every_toc_entry_exists(entry):
    assert any((ROOT / f"{entry}{ext}").exists() for ext in (".md", ".ipynb")), entry


def test_chapters_are_numbered_in_toc_order():
    chapters = [f for f in TOC_FILES if f.startswith("chapters/")]
    assert chapters == sorted(chapters)


@pytest.mark.parametrize("nb", CHAPTERS, ids=lambda p: p.name)
def test_notebook_is_stored_without_outputs_and_with_python3_kernel(nb):
    data = json.loads(nb.read_text())
    assert data["metadata"]["kernelspec"]["name"] == "python3"
    for cell in data["cells"]:
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [], "stored outputs"
            assert cell.get("execution_count") is None, "stored execution count"


@pytest.mark.parametrize("nb", CHAPTERS, ids=lambda p: p.name)
def test_first_code_cell_installs_the_package_from_the_configured_repo_only_in_colab(nb):
    code = [c for c in _cells(nb) if c["cell_type"] == "code"]
    setup = _source(code[0])
    url = CONFIG["repository"]["url"]
    assert f"git+{url}" in setup, f"setup cell must install from {url}"
    assert re.findall(r"https://github\.com/[\w./-]+", setup) == [url]
    assert 'if "google.colab" in sys.modules:' in setup
    assert "hide-cell" in code[0]["metadata"].get("tags", [])


def _section(markdown: str, heading: str) -> str:
    """The text of the level-2 section ``heading`` of ``markdown``, up to the next one."""
    match = re.search(rf"^## {heading}\n(.*?)(?=^## |\Z)", markdown, re.S | re.M)
    assert match, f"no ## {heading} section"
    return match.group(1)


@pytest.mark.parametrize("nb", MAIN_CHAPTERS, ids=lambda p: p.name)
def test_chapter_has_title_takeaways_recall_references_and_an_exercise(nb):
    cells = _cells(nb)
    assert _source(cells[0]).startswith("# "), "first cell is the chapter title"
    markdown = "\n".join(_source(c) for c in cells if c["cell_type"] == "markdown")
    assert "## References" in markdown
    assert "## Exercises" in markdown
    takeaways = _section(markdown, "Takeaways")
    assert len(re.findall(r"^- ", takeaways, re.M)) == 3, "exactly three takeaways"
    recall = _section(markdown, "Recall")
    assert len(re.findall(r"^\d+\. ", recall, re.M)) == 5, "five recall questions"
    assert recall.count(":::{admonition} Answer") == 5 and recall.count(":class: dropdown") == 5, \
        "each recall question has its answer in a closed dropdown"
    code = [_source(c) for c in cells if c["cell_type"] == "code"]
    assert any("raise NotImplementedError" in c for c in code), "an exercise stub"
    assert any(re.search(r"^check_\w+\(", c, re.M) for c in code), "a checker call"


@pytest.mark.parametrize("nb", CHAPTERS, ids=lambda p: p.name)
def test_every_cell_that_draws_a_figure_gives_it_a_caption_and_alt_text(nb):
    """Without myst-nb figure metadata the built page shows the image with its file name as
    alt text and no caption (the browser test finds it only after a 15-minute build)."""
    missing = []
    for index, cell in enumerate(_cells(nb)):
        source = _source(cell)
        if cell["cell_type"] != "code" or "FuncAnimation" in source:
            continue  # an animation is an HTML player with alt text of its own
        if re.search(r"plt\.(subplots|figure|show)\(", source):
            meta = cell["metadata"].get("mystnb", {})
            caption = meta.get("figure", {}).get("caption", "").strip()
            alt = meta.get("image", {}).get("alt", "").strip()
            if not caption or len(alt) < 40:
                missing.append(f"cell {index}: {source.splitlines()[0][:60]!r}")
    assert missing == []


@pytest.mark.parametrize("nb", MAIN_CHAPTERS, ids=lambda p: p.name)
def test_solutions_are_hidden_in_book_colab_and_jupyter(nb):
    solutions = [c for c in _cells(nb)
                 if c["cell_type"] == "code" and "#@title Solution" in _source(c)]
    assert solutions, "at least one solution cell"
    for cell in solutions:
        assert _source(cell).startswith('#@title Solution { display-mode: "form" }')
        assert "hide-cell" in cell["metadata"].get("tags", [])
        assert cell["metadata"].get("jupyter", {}).get("source_hidden") is True


def _bib_keys():
    return set(re.findall(r"^@\w+\{([^,]+),", (ROOT / "references.bib").read_text(), re.M))


def test_every_citation_is_in_references_bib():
    keys = _bib_keys()
    sources = [ROOT / "intro.md", *CHAPTERS]
    cited = set()
    for path in sources:
        for group in re.findall(r"\{cite[:\w]*\}`([^`]+)`", path.read_text()):
            cited.update(k.strip() for k in group.split(","))
    assert cited, "no citations found"
    assert cited <= keys, f"missing from references.bib: {sorted(cited - keys)}"


def test_colab_launch_button_is_configured():
    assert CONFIG["launch_buttons"]["colab_url"] == "https://colab.research.google.com"
    assert CONFIG["repository"]["url"].startswith("https://github.com/")


def test_book_fails_on_cell_errors():
    assert CONFIG["sphinx"]["config"]["nb_execution_raise_on_error"] is True


def _book_extension():
    import importlib.util

    spec = importlib.util.spec_from_file_location("dlsg_book", ROOT / "_ext" / "dlsg_book.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_executions_are_cached_under_a_key_of_what_the_chapters_depend_on(tmp_path, monkeypatch):
    assert CONFIG["execute"]["execute_notebooks"] == "cache"
    key = _book_extension().execution_cache_key
    for name in ("dlsg_utils/optim.py", "data/cifar10/a.zip", "requirements.txt",
                 "pyproject.toml", "chapters/01.ipynb"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("v1")
    (tmp_path / "pyproject.toml").write_text('[project]\ndependencies = ["numpy>=1"]\n')
    monkeypatch.delenv("DLSG_SMOKE", raising=False)
    base = key(tmp_path)
    assert key(tmp_path) == base  # stable: an unchanged rebuild reuses the cache
    (tmp_path / "chapters/01.ipynb").write_text("v2")  # jupyter-cache itself tracks the cells
    assert key(tmp_path) == base
    for name in ("dlsg_utils/optim.py", "data/cifar10/a.zip", "requirements.txt"):
        (tmp_path / name).write_text("v2")
        assert key(tmp_path) != base, name  # a change the chapters depend on: a new cache
        (tmp_path / name).write_text("v1")
    assert key(tmp_path) == base
    monkeypatch.setenv("DLSG_SMOKE", "1")  # smoke-mode outputs never reach a full build
    assert key(tmp_path) != base


def test_the_cache_key_follows_the_data_outside_the_repository_and_the_thread_count(
        tmp_path, monkeypatch):
    """A stale result must not be served when the CIFAR-10 folder behind $DLSG_CIFAR10 changes,
    when full MNIST appears in the download folder (what source="auto" then reads), or when the
    thread count changes the last bits of the sums; a derived cache file there changes nothing."""
    key = _book_extension().execution_cache_key
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo/requirements.txt").write_text("numpy\n")
    cifar, downloads = tmp_path / "cifar", tmp_path / "downloads"
    cifar.mkdir()
    downloads.mkdir()
    (cifar / "cifar10-train-jpeg.zip").write_bytes(b"v1")
    monkeypatch.setenv("DLSG_CIFAR10", str(cifar))
    monkeypatch.setenv("DLSG_DATA", str(downloads))
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    base = key(tmp_path / "repo")
    (cifar / "cifar10-train-jpeg.zip").write_bytes(b"v2")  # same path, other contents
    assert key(tmp_path / "repo") != base
    (cifar / "cifar10-train-jpeg.zip").write_bytes(b"v1")
    (downloads / "cifar10-uint8-0123.npz").write_bytes(b"derived")
    assert key(tmp_path / "repo") == base
    (downloads / "train-images-idx3-ubyte.gz").write_bytes(b"full MNIST")
    assert key(tmp_path / "repo") != base
    (downloads / "train-images-idx3-ubyte.gz").unlink()
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert key(tmp_path / "repo") != base


def test_a_file_that_vanishes_while_the_key_is_computed_counts_as_absent(tmp_path, monkeypatch):
    """Another build (or an editor) may delete a file between the listing and the read: the key
    is then that of the tree without it, not a FileNotFoundError that aborts the build."""
    import pathlib

    ext = _book_extension()
    (tmp_path / "dlsg_utils").mkdir()
    (tmp_path / "dlsg_utils/a.py").write_text("a")
    without = ext.execution_cache_key(tmp_path)
    (tmp_path / "dlsg_utils/gone.py").write_text("listed, then deleted")
    real_open = pathlib.Path.open

    def open_after_deletion(self, *args, **kwargs):
        if self.name == "gone.py":
            raise FileNotFoundError(2, "No such file or directory", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "open", open_after_deletion)
    assert ext.execution_cache_key(tmp_path) == without


def test_a_build_never_deletes_the_cache_folder_of_a_build_running_beside_it(tmp_path):
    ext = _book_extension()
    caches = tmp_path / ".jupyter_cache"
    running, stale, mine = (caches / name for name in ("a" * 16, "b" * 16, "c" * 16))
    for folder in (running, stale, mine):
        folder.mkdir(parents=True)
    held = ext._lock(running, exclusive=False)  # another build, with another key, is running
    try:
        assert ext.prune_caches(caches, keep=mine) == ["b" * 16]
        assert running.is_dir() and mine.is_dir() and not stale.exists()
    finally:
        held.close()
    assert ext.prune_caches(caches, keep=mine) == ["a" * 16]  # once it has ended


def test_the_cache_key_follows_the_libraries_the_chapters_use_and_not_the_tools():
    # `make lab` installs JupyterLab into .venv and the tests run under pytest: neither changes
    # what a chapter computes, so neither may re-execute the book
    used = {line.split("==")[0] for line in _book_extension().used_distributions(ROOT)}
    assert {"torch", "numpy", "matplotlib", "scipy", "tqdm"} <= used
    assert not used & {"pytest", "jupyter-book", "sphinx", "ruff", "jupyterlab", "nbclient"}


def test_a_new_version_of_a_library_the_chapters_use_gives_a_new_cache_key(monkeypatch):
    import importlib.metadata

    ext = _book_extension()
    base = ext.execution_cache_key(ROOT)
    real = importlib.metadata.distribution

    class Bumped:
        def __init__(self, dist):
            self.version, self.requires = dist.version + ".post1", dist.requires

    monkeypatch.setattr(importlib.metadata, "distribution",
                        lambda name: Bumped(real(name)) if name == "numpy" else real(name))
    assert ext.execution_cache_key(ROOT) != base


def test_the_about_page_is_executed_at_every_build():
    front = (ROOT / "about.md").read_text().split("---")[1]
    assert yaml.safe_load(front)["mystnb"]["execution_mode"] == "force"


def test_no_test_module_changes_torchs_global_default_dtype_at_import():
    # a module-level torch.set_default_dtype leaks into every test collected after it
    for path in (ROOT / "tests").rglob("*.py"):
        for line in path.read_text().splitlines():
            assert not line.startswith("torch.set_default_dtype"), path.name


@pytest.mark.parametrize("nb", CHAPTERS, ids=lambda p: p.name)
def test_the_colab_cell_installs_only_the_package_and_leaves_colabs_torch_alone(nb):
    import ast

    setup = _source([c for c in _cells(nb) if c["cell_type"] == "code"][0])
    calls = [n for n in ast.walk(ast.parse(setup)) if isinstance(n, ast.Call)
             and getattr(n.func, "attr", "") == "run"]
    assert len(calls) == 1, "one subprocess.run in the setup cell"
    args = ast.literal_eval(ast.unparse(calls[0].args[0]).replace("sys.executable", "'python'"))
    url = CONFIG["repository"]["url"]
    # no --upgrade, no pins, nothing else: pip keeps every library Colab already has when it
    # satisfies the package's ranges (torch above all: reinstalling it costs gigabytes)
    assert args == ["python", "-m", "pip", "install", "-q", f"dlsg-utils @ git+{url}"]


def test_the_package_metadata_suits_a_colab_runtime():
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["name"] == "dlsg-utils" and project["requires-python"] == ">=3.10"
    for dep in project["dependencies"]:
        spec = dep.split("#")[0]
        assert ">=" in spec and "<" not in spec.replace("<=", "") and "==" not in spec, dep
    torch = next(d for d in project["dependencies"] if d.startswith("torch"))
    assert torch == "torch>=2.2"  # tested by `make test-oldest`; Colab's torch is newer


def test_references_bib_parses_and_has_no_key_twice():
    from pybtex.database import parse_file  # sphinxcontrib-bibtex's parser: what the build reads

    text = (ROOT / "references.bib").read_text()
    keys = re.findall(r"^@\w+\{([^,]+),", text, flags=re.M)
    assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)
    assert len(parse_file(str(ROOT / "references.bib")).entries) == len(keys)


def _package_modules_imported(cells) -> set[str]:
    """The ``dlsg_utils.<module>`` a chapter's code imports from (the exercise checkers aside)."""
    import ast

    found = set()
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        try:
            tree = ast.parse("".join(cell["source"]))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("dlsg_utils."):
                module = ".".join(node.module.split(".")[:2])
                if module not in ("dlsg_utils.exercises", "dlsg_utils.slides"):
                    found.add(module)
    return found


@pytest.mark.parametrize("nb", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_links_to_the_reference_of_every_package_module_it_imports(nb):
    """One hop from a chapter to the code it runs: a {py:mod} link per module it imports."""
    cells = json.loads(nb.read_text())["cells"]
    prose = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    linked = set(re.findall(r"\{py:mod\}`~?(dlsg_utils\.\w+)`", prose))
    imported = _package_modules_imported(cells)
    assert imported, "a chapter calls the package"
    assert sorted(imported - linked) == []


def test_each_figure_name_labels_one_cell_of_the_book_and_never_a_markdown_cell():
    """A figure's name is its link target: two cells with one name make one of them unreachable
    (chapter 14 had seven such pairs, the captions copied onto the cell before the figure)."""
    seen, repeated, on_markdown = {}, [], []
    for nb in CHAPTERS:
        for index, cell in enumerate(_cells(nb)):
            meta = cell["metadata"].get("mystnb", {})
            if meta and cell["cell_type"] == "markdown":
                on_markdown.append(f"{nb.stem} cell {index}")
            name = meta.get("figure", {}).get("name")
            if name:
                if name in seen:
                    repeated.append(f"{name}: {seen[name]} and {nb.stem} cell {index}")
                seen[name] = f"{nb.stem} cell {index}"
    assert (repeated, on_markdown) == ([], [])


@pytest.mark.parametrize("nb", MAIN_CHAPTERS, ids=lambda p: p.name)
def test_predict_first_questions_are_asked_before_their_run_and_checked_after_it(nb):
    """Practice inside the reading: at least three checked predict-first questions a chapter;
    each checked prediction variable is set to None (unanswered) in a cell of its own before
    the cell that checks it, and a "Predict first" prompt precedes that cell."""
    cells = _cells(nb)
    checked = []
    for index, cell in enumerate(cells):
        source = _source(cell)
        if cell["cell_type"] != "code":
            continue
        for name in re.findall(r"compare_prediction\(\s*(\w+)", source):
            asked = [i for i in range(index) if cells[i]["cell_type"] == "code"
                     and re.search(rf"^{name} = None\b", _source(cells[i]), re.M)]
            assert asked, f"cell {index}: {name} is checked but never asked"
            prompt = [i for i in range(asked[-1]) if cells[i]["cell_type"] == "markdown"
                      and "Predict first" in _source(cells[i])]
            assert prompt, f"cell {index}: no Predict-first prompt before {name}"
            checked.append(name)
    assert len(checked) >= 3, checked
    assert len(set(checked)) == len(checked), "one variable per question"


@pytest.mark.parametrize("nb", CHAPTERS, ids=lambda p: p.name)
def test_every_predict_first_prompt_is_answered_in_a_cell_and_checked(nb):
    """A bold **Predict first** prompt is practice only when the reader's answer is recorded and
    judged: after each prompt, before the next prompt, comes a code cell that sets a
    prediction to None and a later one that passes it to compare_prediction (chapter 0 once had
    two prompts with no cell to answer in)."""
    cells = _cells(nb)
    prompts = [i for i, c in enumerate(cells)
               if c["cell_type"] == "markdown" and "**Predict first" in _source(c)]
    unanswered = []
    for k, start in enumerate(prompts):
        end = prompts[k + 1] if k + 1 < len(prompts) else len(cells)
        asked = [m.group(1) for c in cells[start + 1:end] if c["cell_type"] == "code"
                 for m in re.finditer(r"^(\w+) = None\b", _source(c), re.M)]
        checked = any(re.search(rf"compare_prediction\(\s*{name}\b", _source(c))
                      for name in asked for c in cells[start + 1:] if c["cell_type"] == "code")
        if not checked:
            unanswered.append(f"cell {start}: {_source(cells[start])[:60]!r}")
    assert unanswered == []


def test_each_chapter_header_links_to_its_deck_and_the_link_is_never_broken(tmp_path):
    """A chapter page gets a "Slides" header button to ../slides/<chapter>.slides.html; until
    `make slides` has written the deck, the build leaves a page there saying how to make it,
    and it never overwrites a deck that is there."""
    from types import SimpleNamespace

    ext = _book_extension()
    context = {"header_buttons": []}
    ext._slides_button(None, "chapters/03_momentum_and_nesterov", "page.html", context, None)
    ext._slides_button(None, "intro", "page.html", {"header_buttons": []}, None)
    assert [b["url"] for b in context["header_buttons"]] == [
        "../slides/03_momentum_and_nesterov.slides.html"]
    (tmp_path / "slides").mkdir()
    (tmp_path / "slides/01_gradient_descent.slides.html").write_text("the real deck")
    app = SimpleNamespace(outdir=str(tmp_path), builder=SimpleNamespace(format="html"),
                          env=SimpleNamespace(found_docs={"intro", "chapters/01_gradient_descent",
                                                          "chapters/03_momentum_and_nesterov"},
                                              titles={}))
    ext._slides_placeholders(app, None)
    assert (tmp_path / "slides/01_gradient_descent.slides.html").read_text() == "the real deck"
    page = (tmp_path / "slides/03_momentum_and_nesterov.slides.html").read_text()
    assert "make slides" in page and 'href="../chapters/03_momentum_and_nesterov.html"' in page
    assert not (tmp_path / "slides/intro.slides.html").exists()
