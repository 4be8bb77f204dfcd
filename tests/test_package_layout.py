"""The package's shape, as the next maintainer needs it: no import cycles, modules that read in
one sitting, the numeric layer below the plotting layer, and no pasted copies in chapters."""

import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "dlsg_utils"
MAX_LINES = 420  # "about 400": one sitting


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """The dlsg_utils modules ``path`` imports. Importing ``a.b.c`` also runs ``a/b/__init__``,
    except where that package is one of the importer's own (it is already being imported, and
    a sibling import does not need its names); ``from . import name`` of a name that is not a
    module needs the package's ``__init__``: that is the import that makes a cycle."""
    modules = {_module_name(p) for p in PACKAGE.rglob("*.py")}
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    own = {".".join(name.split(".")[:i]) for i in range(1, len(name.split(".")))}
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        targets = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([base] if base else []))
            sub = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in modules]
            targets = sub if len(sub) == len(node.names) else [base] + sub
        for target in targets:
            if not target.startswith("dlsg_utils"):
                continue
            parts = target.split(".")
            found.add(target)
            found.update(p for p in (".".join(parts[:i]) for i in range(1, len(parts)))
                         if p not in own)
    return (found & modules) - {name}


def _graph() -> dict[str, set[str]]:
    return {_module_name(p): _imports(p) for p in PACKAGE.rglob("*.py")}


def test_the_import_graph_has_no_cycles():
    graph, state, cycles = _graph(), {}, []

    def visit(node, stack):
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: _module_name(p))
def test_every_module_reads_in_one_sitting(path):
    assert len(path.read_text().splitlines()) <= MAX_LINES


def test_numeric_modules_never_import_plotting_or_widgets():
    graph = _graph()
    drawing = ("dlsg_utils.plot", "dlsg_utils.widgets", "dlsg_utils.lab")
    numeric = [m for m in graph if m.startswith(("dlsg_utils.optim", "dlsg_utils.conv",
                                                 "dlsg_utils.functions", "dlsg_utils.linear",
                                                 "dlsg_utils.models", "dlsg_utils.train",
                                                 "dlsg_utils.data", "dlsg_utils.visualize",
                                                 "dlsg_utils.schedules", "dlsg_utils.stats"))]
    bad = {m: sorted(i for i in graph[m] if i.startswith(drawing)) for m in numeric}
    assert {m: v for m, v in bad.items() if v} == {}


def test_chapters_never_define_what_the_package_provides():
    """A chapter shows package code with inspect.getsource, never a pasted copy that can drift."""
    public = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_"):
                public.add(node.name)
    copies = []
    for nb in sorted((ROOT / "chapters").glob("*.ipynb")):
        for cell in json.loads(nb.read_text())["cells"]:
            source = "".join(cell["source"])
            if cell["cell_type"] != "code" or "#@title Solution" in source:
                continue  # exercise solutions are the reader's own versions, on purpose
            try:
                tree = ast.parse(source)
            except SyntaxError:
                continue
            copies += [f"{nb.stem}: {n.name}" for n in tree.body
                       if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name in public
                       and not _is_exercise_stub(n)]
    assert copies == []


def _is_exercise_stub(node):
    """``def f(...): raise NotImplementedError`` (an exercise the reader fills in)."""
    body = [s for s in node.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    return (len(body) == 1 and isinstance(body[0], ast.Raise) and body[0].exc is not None
            and "NotImplementedError" in ast.unparse(body[0].exc))


def test_the_api_reference_names_every_module_of_the_package():
    """api.md lists every module (the chapters' exercise checkers aside), so every :mod: link
    in a docstring has a target and a new module cannot stay undocumented."""
    api = (ROOT / "api.md").read_text()
    listed = set(re.findall(r"\.\. automodule:: ([\w.]+)", api))
    modules = set()
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if any(p.startswith("_") for p in parts) or (parts[1:2] == ("exercises",) and parts[-1] not in ("engine", "exercises", "predict")):
            continue
        modules.add(".".join(parts))
    assert sorted(modules - listed) == []
    assert sorted(listed - modules) == []


def test_every_equation_a_docstring_cites_is_labelled_in_a_chapter():
    """The docstrings' ``:eq:`` links (one hop from code to formula) all have a target."""
    labelled = set()
    for nb in (ROOT / "chapters").glob("*.ipynb"):
        for cell in json.loads(nb.read_text())["cells"]:
            if cell["cell_type"] == "markdown":
                labelled |= set(re.findall(r"\$\$ \((eq-[\w-]+)\)", "".join(cell["source"])))
    cited = {}
    for path in PACKAGE.rglob("*.py"):
        for label in re.findall(r":eq:`(eq-[\w-]+)`", path.read_text()):
            cited.setdefault(label, path.name)
    assert len(cited) >= 30
    assert {label: f for label, f in cited.items() if label not in labelled} == {}


def test_no_test_module_builds_a_network_while_pytest_collects():
    """Building networks in a parametrize list or at module level costs every test run the time
    and memory of each (AlexNet: 61M parameters, built five times) even when those tests are
    deselected: the tests build them inside the test, through a factory."""
    import ast

    from dlsg_utils import models

    builders = {name for name in dir(models) if isinstance(getattr(models, name), type)}
    found = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        tree = ast.parse(path.read_text())
        collected = [node for node in tree.body if not isinstance(
            node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
        collected += [d for node in ast.walk(tree) if isinstance(
            node, (ast.FunctionDef, ast.AsyncFunctionDef)) for d in node.decorator_list]
        for part in collected:
            lazy = {id(n) for lam in ast.walk(part) if isinstance(lam, ast.Lambda)
                    for n in ast.walk(lam.body)}
            for node in ast.walk(part):
                if (isinstance(node, ast.Call) and id(node) not in lazy
                        and getattr(node.func, "id", getattr(node.func, "attr", None)) in builders):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []


def _function_bodies():
    """{normalised body: [where]} for every function of two or more statements in the chapters'
    code cells and in the package (docstring and name left out, so a renamed copy still counts)."""
    from collections import defaultdict

    def key(fn):
        fn = ast.parse(ast.unparse(fn)).body[0]
        if fn.body and isinstance(fn.body[0], ast.Expr) and isinstance(
                getattr(fn.body[0], "value", None), ast.Constant):
            fn.body = fn.body[1:]
        fn.name = "f"
        return ast.dump(fn, annotate_fields=False)

    found = defaultdict(list)
    for nb in sorted((ROOT / "chapters").glob("*.ipynb")):
        for index, cell in enumerate(json.loads(nb.read_text())["cells"]):
            if cell["cell_type"] != "code":
                continue
            src = "".join(cell["source"])
            kind = "solution" if src.startswith("#@title Solution") else "chapter"
            src = "\n".join(line for line in src.splitlines()
                            if not line.lstrip().startswith(("!", "%")))
            for node in ast.walk(ast.parse(src)):
                if isinstance(node, ast.FunctionDef) and len(node.body) >= 2:
                    found[key(node)].append((kind, f"{nb.stem} cell {index}: {node.name}"))
    for path in sorted((ROOT / "dlsg_utils").rglob("*.py")):
        kind = "reference" if path.parent.name == "exercises" else "package"
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and len(node.body) >= 2:
                found[key(node)].append((kind, f"{path.relative_to(ROOT)}: {node.name}"))
    return found


def test_no_function_is_written_twice_in_the_chapters_and_the_package():
    """Teaching code has one home: a function the chapters reuse lives in the package (chapters 3
    and 4 and a test each had their own torch_path, chapters 2 and 4 their own design_matrix).
    The one copy allowed is an exercise's hidden solution equal to its checker's reference."""
    copies = []
    for places in _function_bodies().values():
        kinds = sorted(kind for kind, _ in places)
        if len(places) > 1 and kinds != ["reference", "solution"]:
            copies.append([where for _, where in places])
    assert copies == []
