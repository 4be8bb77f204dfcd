"""The PDF edition (`make pdf`): every chapter with its title and its figures, linked from the
HTML book. Skipped until `make pdf` has run."""

import re

import pytest
import yaml
from browser_support import HTML, ROOT

PDF = ROOT / "_build" / "latex" / "book.pdf"
pytestmark = pytest.mark.skipif(not PDF.exists(), reason="no PDF in _build/latex (run `make pdf`)")


def _chapters():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [c["file"] for part in toc["parts"] for c in part["chapters"]
            if c["file"].startswith("chapters/")]


def _title(chapter: str) -> str:
    import json

    cells = json.loads((ROOT / f"{chapter}.ipynb").read_text())["cells"]
    first = "".join(cells[0]["source"]).splitlines()[0]
    return first.lstrip("# ").strip()


def _squash(text: str) -> str:
    """Text without spaces and case: PDF text extraction drops or adds spaces."""
    return re.sub(r"\s+", "", text).lower()


@pytest.fixture(scope="module")
def pages():
    from pypdf import PdfReader

    return PdfReader(PDF).pages


def test_the_pdf_has_every_chapter_title_in_book_order(pages):
    text = _squash(" ".join(p.extract_text() for p in pages))
    positions = [text.find(_squash(_title(c))) for c in _chapters()]
    assert all(p >= 0 for p in positions), [c for c, p in zip(_chapters(), positions, strict=True) if p < 0]
    # each title's first occurrence after the table of contents comes in book order
    body = [text.find(_squash(_title(c)), text.find("chapterone") if "chapterone" in text else 0)
            for c in _chapters()]
    assert body == sorted(body)


def test_the_pdf_has_the_figures_the_web_chapters_show(pages):
    images = sum(len(p.images) for p in pages)
    figures = 0
    for chapter in _chapters():
        html = (HTML / f"{chapter}.html").read_text(errors="ignore")
        figures += len(re.findall(r'<img[^>]+src="\.\./_images/', html))
    assert len(pages) > 100 and images >= figures, (len(pages), images, figures)


def test_the_web_edition_links_to_the_pdf():
    assert (HTML / "book.pdf").read_bytes() == PDF.read_bytes()
    assert 'href="book.pdf"' in (HTML / "intro.html").read_text()
