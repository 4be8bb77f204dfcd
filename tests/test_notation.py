"""One meaning per symbol: the chapters against the notation table of intro.md (issue 24).

The table is the source of truth. ``tests/notation_uses.yml`` says, chapter by chapter, which
symbols the markdown uses and for what; the tests check that the registry is complete (every
Greek letter a chapter writes is in it), that it agrees with the table, and that a few patterns
known to mix meanings do not come back. Today's violations are strict expected failures, one
per chapter and symbol: fixing the chapter makes the test pass and the marker must go.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb"))
REGISTRY = yaml.safe_load((ROOT / "tests" / "notation_uses.yml").read_text(encoding="utf-8"))

GREEK = (
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho sigma tau "
    "upsilon phi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega"
).split()
VARIANTS = {"varepsilon": "epsilon", "vartheta": "theta", "varphi": "phi", "varrho": "rho",
            "varsigma": "sigma", "varpi": "pi"}
UNICODE = dict(zip("αβγδεζηθικλμνξπρστυφχψωΓΔΘΛΞΠΣΥΦΨΩϵϑϕϱς",
                   GREEK + ["epsilon", "theta", "phi", "rho", "sigma"], strict=True))
MACRO = re.compile(r"\\(" + "|".join(sorted(GREEK + list(VARIANTS), key=len, reverse=True))
                   + r")(?![A-Za-z])")

# (chapter, symbol) -> why the registry's use breaks the table today
VIOLATIONS = {
}


def _markdown(notebook: Path, kinds: tuple[str, ...] = ("markdown",)) -> str:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] in kinds)


def greek_letters(text: str) -> set[str]:
    """The Greek letters a markdown text writes, as LaTeX names without the backslash, in maths
    (``\\gamma``) or as characters (γ); variant forms count as their letter."""
    found = {VARIANTS.get(name, name) for name in MACRO.findall(text)}
    return found | {UNICODE[ch] for ch in text if ch in UNICODE}


def notation_table() -> dict[str, str]:
    """{symbol cell: meaning cell} of the table under intro.md's "## Notation" heading."""
    intro = (ROOT / "intro.md").read_text(encoding="utf-8")
    section = re.search(r"^## Notation\n(.*?)(?=^## |\Z)", intro, flags=re.S | re.M)
    if section is None:
        raise AssertionError("intro.md has no '## Notation' section")
    rows = {}
    for line in section.group(1).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) >= 2 and cells[0] != "symbol" and set(cells[0]) != {"-"}:
            rows[cells[0]] = cells[1]
    return rows


def _symbol_in_cell(symbol: str, cell: str) -> bool:
    if symbol in GREEK:
        return symbol in {VARIANTS.get(n, n) for n in MACRO.findall(cell)}
    return re.search(r"(?<![\\A-Za-z])" + re.escape(symbol) + r"(?![A-Za-z])", cell) is not None


def _meanings(value) -> list[str]:
    return list(value) if isinstance(value, list) else [value]


TABLE_KEYS: dict[str, str] = REGISTRY["table"]
USES = [(chapter, symbol) for chapter, uses in REGISTRY["chapters"].items() for symbol in uses]


def _xfail(params, reasons):
    """The parameter sets, each a tuple; those in `reasons` marked as strict expected failures."""
    out = []
    for p in params:
        p = p if isinstance(p, tuple) else (p,)
        marks = [pytest.mark.xfail(strict=True, reason=reasons[p])] if p in reasons else []
        out.append(pytest.param(*p, marks=marks, id="-".join(p)))
    return out


def test_every_table_symbol_has_a_key_that_quotes_its_meaning():
    table = notation_table()
    assert len(table) >= 15, f"parsed only {len(table)} rows from intro.md's notation table"
    for symbol, key in TABLE_KEYS.items():
        rows = [meaning for cell, meaning in table.items() if _symbol_in_cell(symbol, cell)]
        assert rows, f"{symbol} is in tests/notation_uses.yml's table but not in intro.md's"
        assert any(key in meaning for meaning in rows), (
            f"the key of {symbol}, {key!r}, is not words of its meaning in intro.md: {rows}")
    in_table = set().union(*(greek_letters(cell) for cell in table))
    assert in_table <= set(TABLE_KEYS), (
        f"intro.md's table defines {sorted(in_table - set(TABLE_KEYS))} without a key in the registry")


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
def test_registry_lists_exactly_the_greek_letters_a_chapter_writes(notebook):
    used = greek_letters(_markdown(notebook))
    registered = {s for s in REGISTRY["chapters"].get(notebook.stem, {}) if s in GREEK}
    assert notebook.stem in REGISTRY["chapters"], f"{notebook.stem} is missing from the registry"
    assert used - registered == set(), (
        f"{notebook.stem} writes {sorted(used - registered)}: say in tests/notation_uses.yml what "
        "each denotes (a table symbol with its table meaning, or a chapter-local letter)")
    assert registered - used == set(), f"{notebook.stem} no longer writes {sorted(registered - used)}"


def test_registry_names_only_existing_chapters():
    assert set(REGISTRY["chapters"]) == {p.stem for p in CHAPTERS}


def test_every_violation_marker_names_a_registered_use():
    """A fixed chapter drops its entry from the registry; its marker must go with it."""
    stale = sorted(set(VIOLATIONS) - set(USES))
    assert not stale, f"VIOLATIONS names uses the registry no longer has: {stale}"


@pytest.mark.parametrize(("chapter", "symbol"), _xfail(USES, VIOLATIONS))
def test_symbol_has_one_meaning_the_tables(chapter, symbol):
    meanings = _meanings(REGISTRY["chapters"][chapter][symbol])
    if symbol in TABLE_KEYS:
        other = [m for m in meanings if m != TABLE_KEYS[symbol]]
        assert not other, (f"{chapter} uses {symbol} for {other}; the notation table gives it only "
                           f"{TABLE_KEYS[symbol]!r}")
    else:
        aliased = {m: s for s, k in TABLE_KEYS.items() for m in meanings if m == k}
        assert not aliased, (f"{chapter} writes {symbol} for what the table writes as "
                             f"{sorted(set(aliased.values()))}: {sorted(aliased)}")


def sym(name: str) -> str:
    """A letter as a macro or its character, not followed by a subscript 1 or 2 (beta_1 and
    beta_2 are Adam's)."""
    char = next(c for c, n in UNICODE.items() if n == name)
    return r"(?:\\" + name + r"(?![A-Za-z])|" + char + r")(?!\s*_?\s*\{?[12₁₂])"


# Patterns that put a table symbol next to words of another meaning: (name, the symbol's regex,
# the words' regex, how many characters apart, the chapters where they occur today).
FORBIDDEN = [
    ("gamma for batch norm", sym("gamma"), r"batch.?norm|BatchNorm|\bBN\b|scale and shift", 80, set()),
    ("beta for batch norm", sym("beta"), r"batch.?norm|BatchNorm|\bBN\b|scale and shift", 80, set()),
    ("mu for momentum", sym("mu"), r"momentum\W{0,3}(schedule\W{0,3})?\Z|\A\W{0,3}_t", 0, set()),
    ("theta for an angle", sym("theta"), r"orientation|angle|°", 80, set()),
    ("rho for a decay", sym("rho"), r"\bdecay\b|AdaDelta|RMSProp", 60, set()),
    ("lambda for weight decay", sym("lambda"), r"weight.decay|\bL2\b|penalty|regulari", 60, set()),
    ("eta for rprop's factors", r"\\eta\^\{?[+-]|η[⁺⁻]", r"", 0, set()),
    ("eta for a noise level", sym("eta"), r"noise level", 80, set()),
    ("gamma for an exponent", sym("gamma"), r"\bexponent\b", 60, set()),
]


def forbidden_hits(text: str, symbol: str, words: str, window: int) -> list[str]:
    """Each place where `symbol` (a regex) has `words` (a regex) within `window` characters; with
    window 0 the words are matched against the 30 characters before the symbol (``\\Z``) and
    the 30 after it (``\\A``)."""
    near = re.compile(words, flags=re.I)
    hits = []
    for m in re.finditer(symbol, text):
        if window:
            found = near.search(text[max(0, m.start() - window):m.end() + window])
        else:
            found = near.search(text[max(0, m.start() - 30):m.start()]) or near.search(text[m.end():m.end() + 30])
        if found:
            hits.append(" ".join(text[max(0, m.start() - 60):m.end() + 60].split()))
    return hits


FORBIDDEN_CASES = [(name, nb.stem) for name, *_ in FORBIDDEN for nb in CHAPTERS]
FORBIDDEN_NOW = {(name, ch): f"{ch} writes {name} today"
                 for name, _, _, _, chapters in FORBIDDEN for ch in chapters}


@pytest.mark.parametrize(("pattern", "chapter"), _xfail(FORBIDDEN_CASES, FORBIDDEN_NOW))
def test_no_known_mixed_meaning(pattern, chapter):
    _, symbol, words, window, _ = next(f for f in FORBIDDEN if f[0] == pattern)
    # what a reader sees: the prose, and the code with its comments and figure labels
    text = _markdown(ROOT / "chapters" / f"{chapter}.ipynb", ("markdown", "code"))
    hits = forbidden_hits(text, symbol, words, window)
    assert not hits, f"{chapter}: {pattern}: {hits[:3]}"


# mu is the smallest curvature: each occurrence must have words of that meaning nearby. This
# catches what a list of wrong meanings would miss (PyTorch's momentum written mu, as chapter 3
# did before commit c677383; a channel mean; NAdam's schedule).
MU_CONTEXT = re.compile(
    r"\bL\b|_L\b|curvature|smallest|\\kappa|κ|eigenvalue|condition|ravine|convex|\\lambda|flat"
    r"|1\s*-\s*\\eta\\mu",
    flags=re.I,
)
MU_ELSEWHERE_NOW = {
}


def mu_without_curvature(text: str, window: int = 100) -> list[str]:
    return [
        " ".join(text[max(0, m.start() - 60) : m.end() + 60].split())
        for m in re.finditer(sym("mu"), text)
        if not MU_CONTEXT.search(text[max(0, m.start() - window) : m.end() + window])
    ]


@pytest.mark.parametrize(
    "chapter", _xfail([nb.stem for nb in CHAPTERS], {(k,): v for k, v in MU_ELSEWHERE_NOW.items()})
)
def test_mu_appears_only_as_the_smallest_curvature(chapter):
    text = _markdown(ROOT / "chapters" / f"{chapter}.ipynb", ("markdown", "code"))
    hits = mu_without_curvature(text)
    assert not hits, f"{chapter} writes mu with no curvature in sight: {hits[:3]}"


def test_forbidden_patterns_can_fire():
    """The detector itself: the violations the issue named must be caught in a sample text."""
    cases = {name: (symbol, words, window) for name, symbol, words, window, _ in FORBIDDEN}
    assert forbidden_hits(r"BN scales by $\gamma$ and shifts by $\beta$", *cases["gamma for batch norm"])
    assert forbidden_hits(r"BN scales by $\gamma$ and shifts by $\beta$", *cases["beta for batch norm"])
    assert forbidden_hits("`SGD(momentum=μ)`", *cases["mu for momentum"])
    assert forbidden_hits(r"PyTorch's momentum $\mu$", *cases["mu for momentum"])
    assert not forbidden_hits(r"the momentum of a ravine with curvatures $\mu$ and $L$", *cases["mu for momentum"])
    assert not forbidden_hits(r"Adam's $\beta_1$ after batch norm", *cases["beta for batch norm"])
    assert forbidden_hits(r"the wavelength $\lambda$, the orientation $\theta$", *cases["theta for an angle"])
    assert greek_letters(r"$\varepsilon$ and γ") == {"epsilon", "gamma"}
    assert mu_without_curvature(r"PyTorch keeps $b_t = \mu\, b_{t-1} + g_t$ with `momentum=mu`")
    assert not mu_without_curvature(r"the smallest curvature $\mu$ of the ravine")
