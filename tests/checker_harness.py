"""The tests every exercise checker gets, written once.

A chapter's test module lists, per checker, a correct answer and known-wrong answers with the
hint each must trigger, then asks for the standard tests::

    CASES = {check_gd_step: (correct_fn, [(wrong_fn, "hint text"), ...]), ...}
    (test_checker_accepts_the_reference,
     test_checker_rejects_a_known_mistake_with_its_hint,
     test_checker_reports_a_wrong_signature_without_raising,
     test_checker_reports_an_unattempted_stub) = checker_tests(CASES)
"""

import ast
import json
from pathlib import Path

import pytest

CHAPTERS = Path(__file__).resolve().parents[1] / "chapters"


def solution_sources(chapter: str) -> list[str]:
    """The source of every hidden solution cell (a code cell that starts ``#@title Solution``)
    of ``chapters/<chapter>*.ipynb``, in order; ``chapter`` is its number, e.g. ``"08"``."""
    (path,) = CHAPTERS.glob(f"{chapter}_*.ipynb")
    sources = ["".join(c["source"]) for c in json.loads(path.read_text())["cells"]
               if c["cell_type"] == "code"]
    found = [s for s in sources if s.startswith("#@title Solution")]
    assert found, f"{path.name} has no hidden solution cell"
    return found


def solution_definitions(chapter: str, namespace: dict, *, imports: bool = True) -> dict:
    """Run only the ``def``s (and, with ``imports``, the import statements) of every hidden
    solution cell of ``chapter`` in ``namespace`` and return it: the rest of a cell uses the
    chapter's variables, which a test does not have."""
    kinds = (ast.FunctionDef, ast.Import, ast.ImportFrom) if imports else (ast.FunctionDef,)
    for source in solution_sources(chapter):
        tree = ast.parse(source)
        tree.body = [node for node in tree.body if isinstance(node, kinds)]
        exec(compile(tree, f"chapter {chapter} solution", "exec"), namespace)
    return namespace


def solution_cells_run(chapter: str, namespace: dict, *, checkers: tuple[str, ...] = ()) -> dict:
    """Run every hidden solution cell of ``chapter`` whole, in order, in ``namespace``, with the
    named checkers replaced by no-ops and ``print`` silenced; return the namespace."""
    namespace = {"print": lambda *a, **k: None, **namespace}
    namespace.update({name: (lambda fn, **kw: None) for name in checkers})
    for source in solution_sources(chapter):
        exec(compile(source, f"chapter {chapter} solution", "exec"), namespace)
    return namespace


def solution_function(chapter: str, name: str, namespace: dict):
    """The function ``name`` as the hidden solution cell of ``chapter`` defines it (only its
    ``def`` runs, in a copy of ``namespace``)."""
    for source in solution_sources(chapter):
        for node in ast.parse(source).body:
            if isinstance(node, ast.FunctionDef) and node.name == name:
                scope = dict(namespace)
                exec(compile(ast.Module([node], []), name, "exec"), scope)
                return scope[name]
    raise LookupError(f"no solution cell of chapter {chapter} defines {name}")


def _name(value):
    return getattr(value, "__name__", str(value))[:30]


def checker_tests(cases):
    """The four standard tests of the checkers in ``cases``, as pytest test functions."""
    checkers = list(cases)
    mistakes = [(c, w, h) for c, (_, wrongs) in cases.items() for w, h in wrongs]

    @pytest.mark.parametrize("checker", checkers, ids=_name)
    def accepts_the_reference(checker):
        assert checker(cases[checker][0], verbose=False)

    @pytest.mark.parametrize("checker, wrong, hint", mistakes, ids=_name)
    def rejects_a_known_mistake_with_its_hint(checker, wrong, hint):
        result = checker(wrong, verbose=False)
        assert not result
        assert hint in result.message, result.message

    @pytest.mark.parametrize("checker", checkers, ids=_name)
    def reports_a_wrong_signature_without_raising(checker):
        result = checker(lambda *_, extra_required: 0, verbose=False)
        assert not result and "expected a function" in result.message

    @pytest.mark.parametrize("checker", checkers, ids=_name)
    def reports_an_unattempted_stub(checker):
        def stub(*args):
            raise NotImplementedError

        result = checker(stub, verbose=False)
        assert not result and "not attempted yet" in result.message

    return (accepts_the_reference, rejects_a_known_mistake_with_its_hint,
            reports_a_wrong_signature_without_raising, reports_an_unattempted_stub)
