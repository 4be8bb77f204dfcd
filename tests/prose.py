"""What the prose of a chapter states as numbers, for tests/test_prose_numbers.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

# a decimal (0.25, 91.25) or a percentage (13%, 1.4%); integers and counts are not policed
NUMBER = re.compile(r"(?<![\w.])\d+\.\d+(?![\w.])%?|(?<![\w.])\d+(?:\.\d+)?\s?%")
ROLE = re.compile(r"\{[\w:-]+\}`[^`]*`")


def _strip(markdown: str) -> str:
    """The running text: without math, code, roles (glue, cite, eq, ...), links and URLs."""
    text = re.sub(r"\$\$.*?\$\$", " ", markdown, flags=re.S)
    text = re.sub(r"\$[^$\n]+\$", " ", text)
    text = ROLE.sub(" ", text)
    text = re.sub(r"```.*?```", " ", text, flags=re.S)
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"\]\([^)]*\)", "]", text)
    return re.sub(r"https?://\S+", " ", text)


def markdown_cells(notebook: Path) -> list[str]:
    cells = json.loads(notebook.read_text())["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]


def bare_numbers(notebook: Path) -> list[tuple[str, str]]:
    """(number, its sentence) for every decimal or percentage typed into the prose."""
    found = []
    for cell in markdown_cells(notebook):
        for sentence in re.split(r"(?<=[.;:])\s+", _strip(cell)):
            for m in NUMBER.finditer(sentence):
                found.append((m.group(0).replace(" ", ""), " ".join(sentence.split())[:120]))
    return found


def glue_keys_used(notebook: Path) -> set[str]:
    keys = set()
    for cell in markdown_cells(notebook):
        for role in re.findall(r"\{glue(?::\w+)?\}`([^`]+)`", cell):
            keys.add(role.split(":")[0].strip())
    return keys


def glue_key_patterns(notebook: Path) -> list[re.Pattern]:
    """The names the code cells may glue, as patterns: ``glue("acc", ...)`` gives ``acc``, an
    f-string ``glue(f"acc_{name}", ...)`` or ``glue(name + "_acc", ...)`` a pattern with
    ``\\w+`` for the variable part, and a notebook that glues names
    from a variable (``glue(key, value)`` in a loop) may glue any name its code spells out."""
    cells = json.loads(notebook.read_text())["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    patterns = []
    if re.search(r"\bglue\(\s*[A-Za-z_]", code):
        patterns += [re.compile(re.escape(w) + r"\Z") for w in set(re.findall(r"\w+", code))]
    for suffix in re.findall(r"\bglue\(\s*\w+\s*\+\s*[\"'](\w+)[\"']", code):  # key + "_se"
        patterns.append(re.compile(r"\w+" + re.escape(suffix) + r"\Z"))
    for fstring, _, name in re.findall(r"\bglue\(\s*(f?)([\"'])(.+?)\2\s*,", code):
        parts = re.split(r"\{[^}]*\}", name) if fstring else [name]
        patterns.append(re.compile(r"\w+".join(re.escape(p) for p in parts) + r"\Z"))
    return patterns
