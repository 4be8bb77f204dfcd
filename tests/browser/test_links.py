"""Internal links and anchors of the built book point at pages and ids that exist."""

import functools
import html.parser
import urllib.parse

import pytest
from browser_support import HTML, ROOT, toc_pages

PDF_BUILT = (ROOT / "_build" / "latex" / "book.pdf").exists()

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
        if not target.exists() and target.suffix == ".pdf" and not PDF_BUILT:
            continue  # the PDF edition exists once `make pdf` ran; test_pdf.py checks it then
        if not target.exists():
            broken.append(f"{href}: no file {target.relative_to(HTML.resolve())}")
            continue
        if url.fragment and target.suffix == ".html" and url.fragment not in _parse(target).ids:
            broken.append(f"{href}: no id {url.fragment!r}")
    assert broken == []
