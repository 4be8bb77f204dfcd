"""Every verdict of the book is decided by dlsg_utils.stats: no chapter calls a difference real by
a rule of its own (two standard errors, a z threshold, 1.96 times a standard error), which with
three to five seeds is far from 95% confidence."""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))

HOMEMADE_RULES = {
    "a comparison against two standard errors": re.compile(
        r"[<>]=?\s*2(\.0)?\s*\*\s*\w*(se|sd|std|sem|err)\w*\b"),
    "a z threshold": re.compile(r"\bz\w*\)?\s*[<>]=?\s*[12](\.\d+)?\b"),
    "1.96 times a standard error": re.compile(r"\b1\.96\s*\*\s*\w*(se|sd|std)\w*"),
    "Difference.real()": re.compile(r"\.real\("),
    "'twice its standard error' as a verdict": re.compile(r"twice (its|the) standard error"),
}


def _code(nb: Path) -> list[tuple[int, str]]:
    cells = json.loads(nb.read_text())["cells"]
    return [(i, "".join(c["source"])) for i, c in enumerate(cells) if c["cell_type"] == "code"]


@pytest.mark.parametrize("nb", CHAPTERS, ids=lambda p: p.stem)
def test_no_chapter_decides_a_verdict_by_a_rule_of_its_own(nb):
    found = [(i, what, m.group(0)) for i, code in _code(nb)
             for what, rule in HOMEMADE_RULES.items() for m in rule.finditer(code)]
    assert found == [], "decide verdicts with dlsg_utils.stats (intervals, holm, verdict)"


def test_the_rules_catch_what_they_name():
    samples = {"a comparison against two standard errors": "if abs(d) > 2 * se:",
               "a z threshold": "real = z > 2",
               "1.96 times a standard error": "lo = p - 1.96 * se",
               "Difference.real()": "d.real()",
               "'twice its standard error' as a verdict": "'larger than twice its standard error'"}
    for what, text in samples.items():
        assert HOMEMADE_RULES[what].search(text), what
    assert not any(r.search("ci = welch_interval(a, b)") for r in HOMEMADE_RULES.values())
