"""The core path's length (tools/core_words.py): how words are counted, and the budget a learner
can finish (issue 24: the core path of all chapters in under four hours)."""

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("core_words", ROOT / "tools" / "core_words.py")
cw = importlib.util.module_from_spec(_spec)
sys.modules["core_words"] = cw
_spec.loader.exec_module(cw)

CHAPTERS = sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb"))
MAIN = [p for p in CHAPTERS if not p.name.startswith("00_")]

# The goal is 2,500-3,000 words of core path a chapter; today's longest is 3,060 (chapter 4). A
# chapter may not grow past this cap without moving depth into a Deeper block.
MAX_CORE_WORDS = 3100


def test_inline_maths_code_and_roles_count_as_one_word_and_display_maths_as_none():
    text = "The step $\\theta - \\eta g$ uses `lr`, see {cite}`ruder2016overview`.\n\n$$a = b + c$$\n"
    assert cw.words(text) == 7  # The step w uses w, see w.


def test_deeper_blocks_and_exercises_are_not_core(tmp_path):
    import json

    cells = [
        "# Title\n\nOne two three.",
        "## Section\n\nFour five.\n\n:::{admonition} Deeper: aside\n:class: dropdown\n"
        "Hidden words here.\n:::\n\nSix.",
        "## Exercises\n\nExercise words.",
        "## Takeaways\n\n- End words.",
    ]
    nb = tmp_path / "01_x.ipynb"
    nb.write_text(json.dumps({"cells": [{"cell_type": "markdown", "source": c} for c in cells]}))
    counts = cw.chapter_lengths(nb)
    assert counts["core"] == 1 + 3 + 1 + 2 + 1  # Title, One two three, Section, Four five, Six
    assert counts["deeper"] == 3 and counts["deeper_blocks"] == 1  # its text; the title line is markup
    assert counts["exercises"] == 1 + 2 and counts["end"] == 1 + 2


@pytest.mark.parametrize("nb", MAIN, ids=lambda p: p.stem)
def test_no_chapters_core_path_outgrows_the_budget(nb):
    assert cw.chapter_lengths(nb)["core"] <= MAX_CORE_WORDS


def test_the_core_path_of_all_chapters_reads_in_under_four_hours():
    minutes = sum(cw.chapter_lengths(nb)["core"] for nb in MAIN) / cw.WORDS_PER_MINUTE
    assert minutes < 240, f"{minutes:.0f} minutes"
