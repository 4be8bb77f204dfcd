"""Internal links and anchors of the built book point at pages and ids that exist."""

import functools
import html.parser
import re
import urllib.parse

import pytest
from browser_support import HTML, ROOT, toc_pages

PDF = ROOT / "_build" / "latex" / "book.pdf"

pytestmark = pytest.mark.skipif(not (HTML / "intro.html").exists(),
                                reason="no built book in _build/html (run `make book` first)")


class _Collector(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.hrefs = set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            self.ids.add(attrs["name"])
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])


@functools.cache
def _parse(path):
    collector = _Collector()
    collector.feed(path.read_text(encoding="utf-8"))
    return collector


@pytest.mark.parametrize("page", toc_pages())
def test_internal_links_and_anchors_resolve(page):
    source = HTML / page
    broken = []
    for href in _parse(source).hrefs:
        url = urllib.parse.urlsplit(href)
        if url.scheme or url.netloc or href.startswith(("mailto:", "javascript:")):
            continue  # external: Colab, GitHub, papers
        target = (source.parent / urllib.parse.unquote(url.path)).resolve() if url.path else source
        if not target.exists():
            broken.append(f"{href}: no file {target.relative_to(HTML.resolve())}")
            continue
        if url.fragment and target.suffix == ".html" and url.fragment not in _parse(target).ids:
            broken.append(f"{href}: no id {url.fragment!r}")
    assert broken == []


def test_the_pdf_edition_link_leads_to_the_pdf_or_to_how_to_build_it():
    """A link to the PDF is checked like any other (above); this one is never broken: after
    `make pdf` it leads to a copy of the PDF next to the pages, before it to the README's
    instructions for building it (`make book` and `make pdf` set it; test_readme.py checks
    that step)."""
    html = (HTML / "intro.html").read_text(encoding="utf-8")
    links = re.findall(r'<a href="([^"]*)">PDF edition</a>', html)
    assert len(links) == 1, links
    if PDF.exists():
        assert links == ["book.pdf"]
        assert (HTML / "book.pdf").read_bytes() == PDF.read_bytes()
    else:
        assert links[0].startswith("https://github.com/") and links[0].endswith(
            "#the-pdf-edition"), links[0]
