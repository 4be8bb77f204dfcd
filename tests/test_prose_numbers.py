"""The promise of the introduction, "every number in the text is computed", checked on the
stored notebooks: a number that depends on a run reaches the prose through myst-nb's glue (or is
printed right above it), and every decimal or percentage typed into a chapter's prose is on that
chapter's allow-list (tests/prose_numbers.yml) as a constant the code sets, a figure quoted from a
cited source, or a section number. A new typed number needs a reason there, or a glue.
"""

from pathlib import Path

import pytest
import yaml
from prose import bare_numbers, glue_key_patterns, glue_keys_used

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
ALLOWED = yaml.safe_load((ROOT / "tests" / "prose_numbers.yml").read_text())


@pytest.mark.parametrize("nb", CHAPTERS, ids=lambda p: p.stem)
def test_every_glued_number_in_the_text_is_recorded_by_a_cell(nb):
    patterns = glue_key_patterns(nb)
    missing = [k for k in sorted(glue_keys_used(nb)) if not any(p.match(k) for p in patterns)]
    assert missing == [], f"{{glue}} roles without a glue(...) call: {missing}"


@pytest.mark.parametrize("nb", CHAPTERS, ids=lambda p: p.stem)
def test_typed_numbers_are_constants_paper_figures_or_sections(nb):
    allowed = {str(v) for group in (ALLOWED.get(nb.stem) or {}).values() for v in group}
    unexplained = [(n, s) for n, s in bare_numbers(nb) if n not in allowed]
    assert unexplained == [], "glue these, or add them to tests/prose_numbers.yml with a reason"


@pytest.mark.parametrize("nb", CHAPTERS, ids=lambda p: p.stem)
def test_every_value_a_cell_glues_by_name_is_used_by_the_text(nb):
    """A glued value no sentence reads is a verdict computed for nothing, or one the prose lost
    in an edit (chapter 14's summary of its filter families, chapter 5's offset claim): use it or
    drop it. Values glued under a computed name (a loop over methods) are not checked."""
    import json
    import re

    cells = json.loads(nb.read_text())["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    markdown = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    used = glue_keys_used(nb) | set(re.findall(r"\{glue:\w+\}\s+(\w+)", markdown))
    glued = set(re.findall(r"\bglue\(\s*[\"'](\w+)[\"']", code))
    assert sorted(glued - used) == []
