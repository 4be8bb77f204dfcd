"""The book's launch buttons open the Colab-ready copies of the chapters.

- sphinx-book-theme's Colab button opens ``<colab_url>/github/<org>/<repo>/blob/<branch>/
  <path_to_book>/<page>.ipynb``: the chapter itself, whose MyST (citations, glued numbers,
  equation labels) Colab shows as raw text. On a chapter page the launch buttons open
  ``colab/<chapter>.ipynb`` instead, the copy that ``tools/colab_copies.py`` (``make colab``)
  writes; a chapter without a copy keeps the link to itself.
- Pages that are not notebooks of ``chapters/`` get no launch buttons: the theme offers them for
  any page with a kernel (about.md is a MyST notebook), and Colab cannot open a Markdown file.
- The bibliography's entries get the id ``cite-<key>`` (sphinxcontrib-bibtex's
  ``bibtex_cite_id``, unless _config.yml sets one) instead of an ``id<N>`` that changes from
  build to build, so that a copy's citations can link to their entry.
"""

from __future__ import annotations

from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

#: The anchor of a bibliography entry (tools/colab_copies.py links to it).
CITE_ID = "cite-{key}"
#: Where the copies are, relative to the book's folder.
COPIES = "colab"
CHAPTERS = "chapters/"


def colab_copy(srcdir: str | Path, pagename: str) -> str | None:
    """``colab/<name>.ipynb`` for a chapter page that has a copy, else None."""
    if not pagename.startswith(CHAPTERS):
        return None
    name = pagename.rsplit("/", 1)[-1]
    copy = Path(srcdir) / COPIES / f"{name}.ipynb"
    return f"{COPIES}/{name}.ipynb" if copy.is_file() else None


def redirect_launch_buttons(app, pagename, templatename, context, doctree):
    """Point a chapter's launch buttons at its copy; drop them on every other page."""
    buttons = context.get("header_buttons")
    if not buttons:
        return
    groups = [b for b in buttons if b.get("label") == "launch-buttons"]
    if not groups:
        return
    source = Path(app.env.doc2path(pagename))
    is_chapter = pagename.startswith(CHAPTERS) and source.suffix == ".ipynb"
    if not is_chapter:
        for group in groups:
            buttons.remove(group)
        return
    copy = colab_copy(app.srcdir, pagename)
    if copy is None:
        logger.info(f"{pagename}: no {COPIES}/ copy (make colab); its launch buttons open the "
                    "chapter")
        return
    old = f"/{pagename}.ipynb"
    for group in groups:
        for button in group.get("buttons", []):
            url = button.get("url")
            if url and old in url:
                button["url"] = url.replace(old, f"/{copy}")


def _stable_citation_ids(app, config):
    if not getattr(config, "bibtex_cite_id", ""):
        config.bibtex_cite_id = CITE_ID


def setup(app):
    app.connect("config-inited", _stable_citation_ids)
    # after sphinx-book-theme's add_launch_buttons (priority 501)
    app.connect("html-page-context", redirect_launch_buttons, priority=502)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
