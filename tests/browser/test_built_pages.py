"""Static checks of the built HTML book (no browser needed): what every reader sees on the page.

They run after `make book` (in `make browser`, as CI does) and are skipped before it exists.
"""

import re

import pytest
from browser_support import HTML, toc_pages

pytestmark = pytest.mark.skipif(not (HTML / "intro.html").exists(),
                                reason="no built book in _build/html (run `make book` first)")


@pytest.mark.parametrize("path", toc_pages())
def test_no_page_shows_a_warning_that_names_a_temporary_kernel_file(path):
    text = (HTML / path).read_text(errors="ignore")
    leaks = re.findall(r"[^<>\n]{0,80}ipykernel_\d+[^<>\n]{0,80}", text)
    assert not leaks, leaks[:3]


class _Images(__import__("html.parser").parser.HTMLParser):
    """Each <img> of a page with its alt text and whether a <figcaption> shares its <figure>."""

    def __init__(self):
        super().__init__()
        self.images, self._figures = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "figure":
            self._figures.append([])
        elif tag == "img":
            image = {"src": attrs.get("src", ""), "alt": attrs.get("alt"), "id": attrs.get("id", ""),
                     "caption": False}
            self.images.append(image)
            if self._figures:
                self._figures[-1].append(image)
        elif tag == "figcaption" and self._figures:
            for image in self._figures[-1]:
                image["caption"] = True

    def handle_endtag(self, tag):
        if tag == "figure" and self._figures:
            self._figures.pop()


@pytest.mark.parametrize("path", [p for p in toc_pages() if p.startswith("chapters/")])
def test_every_figure_has_a_caption_and_alt_text_that_describes_it(path):
    parser = _Images()
    parser.feed((HTML / path).read_text(errors="ignore"))
    problems = []
    for image in parser.images:
        alt = (image["alt"] or "").strip()
        if not alt or alt.startswith(("../_images", "_images")) or alt.endswith(".png"):
            problems.append(f"{image['src'][:60]}: alt text {image['alt']!r}")
        elif image["id"].startswith("_anim_img"):
            continue  # an animation player's frame: described by its alt text
        elif image["src"].startswith(("../_images/", "_images/")) and not image["caption"]:
            problems.append(f"{image['src'][:60]}: no caption ({alt[:40]!r})")
    assert problems == []


def test_the_api_reference_documents_every_public_name_with_its_source():
    import importlib
    import inspect

    page = (HTML / "api.html").read_text(errors="ignore")
    # modules documented with :members: (the others are listed for their docstring and link target)
    # (a module given an explicit member list is checked for those members: dlsg_utils.exercises
    # re-exports the engine's names, which the engine's own entry documents)
    modules = re.findall(r"\.\. automodule:: ([\w.]+)\n   :members:(.*)", (HTML.parents[1] / "api.md").read_text())
    missing = []
    for name, listed in modules:
        module = importlib.import_module(name)
        public = [m.strip() for m in listed.split(",") if m.strip()] or getattr(module, "__all__", [])
        if name == "dlsg_utils":
            public = ["budget", "device", "glue", "in_colab", "is_smoke", "seed_everything"]
        missing += [f"{name}.{p}" for p in public if f'id="{name}.{p}"' not in page
                    and (inspect.isfunction(getattr(module, p)) or inspect.isclass(getattr(module, p)))]
    assert missing == []
    assert page.count("[source]") >= 50 and "_modules/dlsg_utils/optim/theory.html" in page
