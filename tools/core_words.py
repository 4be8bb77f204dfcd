"""How long each chapter is to read: the words of its core path, of its optional "Deeper"
blocks, of its exercises and of its end matter.

    python tools/core_words.py [--json]

A chapter's **core path** is its prose from the title to the ``## Exercises`` heading, less the
collapsible ``Deeper`` blocks (``:::{admonition} Deeper: …`` with ``:class: dropdown``); the
exercises run to the next level-2 heading, and the end matter (takeaways, recall questions,
references) follows. A word is a whitespace-separated token once every inline formula, code
span and role (``{cite}`…```) counts as one word and display maths and code blocks count as
none. The reading time uses 200 words a minute for prose.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORDS_PER_MINUTE = 200

_DISPLAY = re.compile(r"\$\$.*?\$\$|```.*?```|^:::?\{math\}.*?^:::?$", re.S | re.M)
_INLINE = re.compile(r"\{[\w:.-]+\}`[^`]*`|`[^`]*`|\$[^$\n]+\$")
_DEEPER = re.compile(r"^(:{3,})\{admonition\}\s*Deeper\b.*?^\1\s*$", re.S | re.M)


def words(markdown: str) -> int:
    """Words of ``markdown`` prose, as the module docstring counts them."""
    text = _DISPLAY.sub(" ", markdown)
    text = _INLINE.sub(" w ", text)
    text = re.sub(r"^\s*(:{3,}|:class:|:label:|:name:)[^\n]*$", " ", text, flags=re.M)
    text = re.sub(r"[#>*|_-]+", " ", text)
    return len([t for t in text.split() if re.search(r"\w", t)])


def chapter_lengths(path: Path) -> dict:
    """Core-path, Deeper, exercise and end-matter words of one chapter notebook."""
    part, counts = "core", {"core": 0, "deeper": 0, "exercises": 0, "end": 0, "deeper_blocks": 0}
    for cell in json.loads(path.read_text())["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        source = "".join(cell["source"])
        level2 = re.findall(r"^## (.+)$", source, re.M)
        if any(h.strip() == "Exercises" for h in level2):
            part = "exercises"
        elif part == "exercises" and level2:
            part = "end"
        deeper = _DEEPER.findall(source)
        blocks = [m.group(0) for m in _DEEPER.finditer(source)]
        counts["deeper_blocks"] += len(deeper)
        counts["deeper"] += sum(words(b) for b in blocks)
        counts[part] += words(_DEEPER.sub(" ", source))
    counts["core_minutes"] = round(counts["core"] / WORDS_PER_MINUTE, 1)
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    rows = {p.stem: chapter_lengths(p) for p in sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb"))}
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    print(f"{'chapter':40s} {'core':>6s} {'deeper':>7s} {'blocks':>6s} {'exerc.':>6s} {'end':>5s} {'min':>5s}")
    for name, c in rows.items():
        print(f"{name:40s} {c['core']:6d} {c['deeper']:7d} {c['deeper_blocks']:6d} "
              f"{c['exercises']:6d} {c['end']:5d} {c['core_minutes']:5.1f}")
    total = sum(c["core"] for c in rows.values())
    print(f"{'all chapters':40s} {total:6d} {'':7s} {'':6s} {'':6s} {'':5s} {total / WORDS_PER_MINUTE:5.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
