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
    """Text without spaces, hyphens and case, with straight quotes: PDF text extraction drops or
    adds spaces, LaTeX hyphenates long words and typesets ' as a curly quote."""
    text = text.translate(str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'}))
    return re.sub(r"[\s\-\u00ad\u2010\u2011]+", "", text).lower()


@pytest.fixture(scope="module")
def pages():
    from pypdf import PdfReader

    return PdfReader(PDF).pages


def test_the_pdf_has_every_chapter_title_in_book_order(pages):
    text = _squash(" ".join(p.extract_text() for p in pages))
    positions = [text.find(_squash(_title(c))) for c in _chapters()]
    assert all(p >= 0 for p in positions), [c for c, p in zip(_chapters(), positions, strict=True) if p < 0]
    # the PDF's outline (its bookmarks) has one entry per chapter, on pages in book order
    from pypdf import PdfReader

    reader = PdfReader(PDF)
    top = {_squash(entry.title): reader.get_destination_page_number(entry)
           for entry in reader.outline if not isinstance(entry, list)}
    chapter_pages = [top.get(_squash(_title(c))) for c in _chapters()]
    assert None not in chapter_pages, [c for c, p in zip(_chapters(), chapter_pages, strict=True) if p is None]
    assert chapter_pages == sorted(chapter_pages) and len(set(chapter_pages)) == len(chapter_pages)


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


def test_every_character_of_the_book_has_a_glyph_in_the_pdf_fonts():
    """XeLaTeX only warns when a font lacks a character (the PDF then silently drops it)."""
    log = (ROOT / "_build" / "latex" / "book.log").read_text(errors="replace")
    missing = sorted(set(re.findall(r"Missing character: There is no (\S+ \(U\+\w+\)) in font \[?([^\]/]+)", log)))
    assert missing == []
