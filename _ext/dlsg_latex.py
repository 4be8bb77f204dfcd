"""The PDF edition's structure and layout (Sphinx's LaTeX builder; `make pdf`).

Sphinx's LaTeX builder inlines every document of the table of contents into the root document
(intro.md), whose title becomes the book's title. Left alone, the root page's five sections then
become Chapters 1-5, the parts of ``_toc.yml`` leave no trace, the one-sentence
bibliography page and the bibliography Sphinx gathers become two chapters, and every chapter
starts on an odd page. This extension rearranges the assembled document instead:

- front matter: the root page's text as one unnumbered chapter, "Introduction", then the pages of
  any ``_toc.yml`` part that comes before the first "Part" (the "Before you start" page), also
  unnumbered, their pages numbered i, ii, ... after the contents;
- main matter: each ``_toc.yml`` part whose caption starts with "Part" becomes a part page headed
  with that caption, and its chapters are numbered from 1 (chapters/04_... is chapter 4, as the
  prose counts them);
- back matter: the remaining pages (API, bibliography, about) as unnumbered chapters, outside the
  parts in the PDF's bookmarks; the bibliography page's heading and sentence are followed by the
  one list of works (Sphinx's own "Bibliography" chapter is not made);
- figures, tables and equations numbered through the book (Fig. 1, 2, ...), as the web pages
  number them, not per chapter;
- chapters start on the next page, not the next odd page (no blank pages);
- tables get columns wide enough for their words, printed tables (network summaries) a smaller
  font when they are wider than the page, and progress bars their final state (see each class).
"""

import html
import json
import re

from docutils import nodes
from sphinx.builders.latex.nodes import thebibliography
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.texescape import escape as tex_escape

logger = logging.getLogger(__name__)

FRONT_MATTER_TITLE = "Introduction"

# \dlsgfrontmatter, \dlsgpart, \dlsgmainmatter and \dlsgbackmatter, used by BookStructure.
PREAMBLE = r"""
% --- dlsg_latex: front matter, parts, back matter (see _ext/dlsg_latex.py) ---
\usepackage{etoolbox}
\usepackage{bookmark}
% the PDF's bookmarks carry the chapter and section numbers the prose refers to ("3.2 ...")
\bookmarksetup{numbered}
% the contents page is "Contents", not the first part's caption (Sphinx's choice)
\addto\captionsenglish{\renewcommand{\contentsname}{Contents}}
\makeatletter
% the contents and the front matter share roman page numbers; \dlsgmainmatter starts arabic ones
\patchcmd{\sphinxtableofcontents}{\pagenumbering{arabic}}{}{}%
  {\PackageWarningNoLine{dlsg_latex}{could not patch \string\sphinxtableofcontents}}
\newcommand\dlsgfrontmatter{\xdef\dlsg@secnumdepth{\the\c@secnumdepth}\setcounter{secnumdepth}{-2}}
\newcommand\dlsgmainmatter{\clearpage\pagenumbering{arabic}\setcounter{secnumdepth}{\dlsg@secnumdepth}}
% a part page headed with the caption alone ("Part I: ..."), not "Part I" above it again
\newcommand\dlsgpart[1]{\setcounter{secnumdepth}{-2}\part{#1}\setcounter{secnumdepth}{\dlsg@secnumdepth}}
\newcommand\dlsgbackmatter{\clearpage\setcounter{secnumdepth}{-2}\bookmarksetup{startatroot}%
  \addtocontents{toc}{\protect\addvspace{1em}}}
% the list of works goes under the bibliography page's own heading, not under a second one
\renewenvironment{sphinxthebibliography}[1]%
  {\renewcommand\chapter[2]{}\begin{thebibliography}{#1}}{\end{thebibliography}}
\makeatother
% --- dlsg_latex: layout ---
% tabulary gives a column of short words (a table's "method" column) at least this width, so
% that no word is cut (Sphinx's default is the width of three digits)
\setlength{\tymin}{5em}
% ... and sets its columns ragged right, not justified: narrow columns without wide gaps
% (Sphinx's T column is tabulary's J; the \let lets \newcolumntype redefine it without a warning)
\makeatletter\expandafter\let\csname NC@find@T\endcsname\relax\makeatother
\newcolumntype{T}{L}
"""


def _raw(latex: str) -> nodes.raw:
    return nodes.raw("", latex + "\n", format="latex")


class BookStructure(SphinxPostTransform):
    """Rearrange the assembled book (see the module docstring) into front, main and back matter.

    Runs after Sphinx's BibliographyTransform (priority 750) has gathered the citations into one
    ``thebibliography`` node at the end of the document."""

    default_priority = 800
    builders = ("latex",)

    def run(self, **kwargs):
        root = self.config.root_doc
        if self.document.get("docname") != root:
            return
        top = next((c for c in self.document.children if isinstance(c, nodes.section)), None)
        if top is None or not isinstance(top[0], nodes.title):
            logger.warning("dlsg_latex: the root document has no title section; PDF left as is")
            return
        wrappers = [c for c in top.children
                    if isinstance(c, nodes.compound) and "toctree-wrapper" in c["classes"]]
        captions = [t.get("caption") or "" for t in
                    self.env.get_doctree(root).findall(lambda n: n.tagname == "toctree")]
        if len(captions) != len(wrappers):
            logger.warning("dlsg_latex: %d toctrees but %d inlined tables of contents; "
                           "PDF left as is", len(captions), len(wrappers))
            return

        # front matter: the root page's text under one unnumbered chapter heading
        front = nodes.section("", nodes.title(text=FRONT_MATTER_TITLE))
        for child in list(top.children[1:]):
            if child not in wrappers:
                top.remove(child)
                front += child
        top.insert(1, _raw(r"\dlsgfrontmatter"))
        top.insert(2, front)

        # main matter and back matter, in the order of _toc.yml
        engine = self.config.latex_engine
        in_main = in_back = False
        for wrapper, caption in zip(wrappers, captions, strict=True):
            at = top.index(wrapper)
            if caption.startswith("Part") and not in_back:
                heading = _raw(rf"\dlsgpart{{{tex_escape(caption, engine)}}}")
                top.insert(at, [heading] if in_main else [_raw(r"\dlsgmainmatter"), heading])
                in_main = True
            elif not in_main:
                pass  # a part before Part I (prerequisites): unnumbered front matter
            elif not in_back:
                top.insert(at, _raw(r"\dlsgbackmatter"))
                in_back = True
            elif caption.startswith("Part"):
                logger.warning("dlsg_latex: part %r comes after the back matter", caption)

        # one bibliography: the gathered list of works under the bibliography page's heading
        bib = next(iter(self.document.findall(thebibliography)), None)
        if bib is not None and len(bib):
            home = bib[0].get("docname")
            target = next((s for s in top.findall(nodes.section) if s.get("docname") == home), None)
            if target is not None:
                bib.parent.remove(bib)
                target += bib


# Characters of DejaVu Sans Mono that fit the text width in a code box at \small (9pt, Sphinx's
# size for code): measured on this book's letter-size page; at a size s, 105 * 9 / s fit.
CODE_CHARS_AT_9PT = 105
SMALLER_CODE = (("footnotesize", 8), ("scriptsize", 7))  # smaller is too small to read in print
ALIGNED_COLUMNS = re.compile(r"\S {2,}\S")


def _needs_smaller_font(text: str) -> int:
    """The width in characters of an output that LaTeX cannot break into the page, else 0.

    LaTeX breaks a long code line at spaces. That suits a printed sentence, but scrambles a table
    whose columns are aligned with runs of spaces, and a run without spaces (a table's "====="
    rule) cannot break at all."""
    lines = [line.expandtabs() for line in text.splitlines()]
    wide = [line for line in lines if len(line) > CODE_CHARS_AT_9PT]
    if not wide:
        return 0
    unbreakable = max(len(run) for line in wide for run in line.split(" "))
    if unbreakable > CODE_CHARS_AT_9PT or any(ALIGNED_COLUMNS.search(line) for line in wide):
        return max(len(line) for line in wide)
    return 0


class FitWideOutputs(SphinxPostTransform):
    """Set a cell's output in a smaller font when it is a table wider than the page.

    Network summaries (torchinfo's tables, 115 characters wide) and other printed tables would
    otherwise run into the margin or have their columns broken across lines. Printed sentences
    and code cells keep the normal size: their long lines break at spaces and stay readable."""

    default_priority = 810
    builders = ("latex",)

    def run(self, **kwargs):
        for block in list(self.document.findall(nodes.literal_block)):
            parent = block.parent
            if "cell_output" not in parent.get("classes", []):
                continue
            widest = _needs_smaller_font(block.astext())
            if not widest:
                continue
            size = next((name for name, pt in SMALLER_CODE
                         if widest <= CODE_CHARS_AT_9PT * 9 // pt), SMALLER_CODE[-1][0])
            at = parent.index(block)
            parent.insert(at + 1, _raw(r"\endgroup"))
            parent.insert(at, _raw(rf"\begingroup\fvset{{fontsize=\{size}}}"))


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
BAR_WIDTH = 10  # characters, as tqdm draws a bar in text
# tqdm's text when nothing has run yet: "  0%|          | 0/30 [00:00<?, ?it/s]"
PROGRESS_AT_START = re.compile(r"(?<!\d)0%\|.*\| 0/\d+ \[00:00<\?")


def _widget_states(env, docname: str) -> dict:
    """The widget models of a notebook as it was executed (myst-nb keeps them for the HTML page),
    or {} when it has none."""
    js_files = getattr(env, "nb_metadata", {}).get(docname, {}).get("js_files", {})
    _, kwargs = js_files.get("ipywidgets_state", (None, {}))
    try:
        return json.loads(kwargs.get("body", "{}")).get("state", {})
    except ValueError:
        return {}


def progress_bar_text(model_id: str, states: dict) -> str | None:
    """A tqdm bar's last state as tqdm prints it in text ("runs: 100%|██████████| 12/12 [04:36<00:00,
    21.33s/it]"), from its widget models; None if ``model_id`` is not a tqdm bar with a state.

    tqdm's notebook bar is an HBox of three widgets: an HTML label (description and percentage),
    a progress bar and an HTML label (count, times, postfix)."""
    box = states.get(model_id, {})
    if box.get("model_name") != "HBoxModel":
        return None
    parts = [states.get(ref.removeprefix("IPY_MODEL_"), {})
             for ref in box.get("state", {}).get("children", [])]
    names = [part.get("model_name") for part in parts]
    if names not in (["HTMLModel", "FloatProgressModel", "HTMLModel"],
                     ["HTMLModel", "IntProgressModel", "HTMLModel"]):
        return None
    left, bar, right = (part.get("state", {}) for part in parts)
    total = bar.get("max") or 0
    filled = round(BAR_WIDTH * min(1.0, (bar.get("value") or 0) / total)) if total else 0
    drawn = "█" * filled + " " * (BAR_WIDTH - filled)

    def label(state):
        return html.unescape(state.get("value", "")).replace("\u2007", " ")

    return f"{label(left)}|{drawn}|{label(right)}"


class ProgressBarsAtTheirEnd(SphinxPostTransform):
    """Print each progress bar as it ended, not as it started.

    A widget output (a tqdm progress bar) has a text form too, which is what LaTeX gets: the
    widget's state when it was created ("epochs:   0%|   | 0/30 [00:00<?, ?epoch/s]"). The
    web page draws the bar from the widget models saved with the executed notebook, that is, in
    its last state; the PDF prints that state in tqdm's text form, with its final count, times
    and losses. A bar whose models were not saved is left out rather than shown at 0%.
    Runs before myst-nb picks each output's format (SelectMimeType, priority 4)."""

    default_priority = 3
    builders = ("latex",)

    def run(self, **kwargs):
        states: dict[str, dict] = {}
        for bundle in list(self.document.findall(nodes.container)):
            if bundle.get("nb_element") != "mime_bundle":
                continue
            views = [c for c in bundle.children if c.get("mime_type") == WIDGET_VIEW]
            texts = [c for c in bundle.children if c.get("mime_type") == "text/plain"]
            if not views or not texts:
                continue
            found = re.search(r'"model_id": "(\w+)"', views[0].astext())
            docname = self._docname(bundle)
            if docname not in states:
                states[docname] = _widget_states(self.env, docname)
            text = progress_bar_text(found[1], states[docname]) if found else None
            if text is None:
                if PROGRESS_AT_START.search(texts[0].astext()):
                    bundle.parent.remove(bundle)
                continue
            old = next(iter(texts[0].findall(nodes.literal_block)), None)
            if old is not None:
                new = nodes.literal_block(text, text, classes=old["classes"])
                new["language"] = "none"
                old.replace_self(new)

    def _docname(self, node) -> str:
        """The document a node comes from: Sphinx marks each section of the assembled book with
        its document's name (the sections' parents are not reliable there)."""
        while node is not None:
            if isinstance(node, nodes.section) and node.get("docname"):
                return node["docname"]
            node = node.parent
        return self.env.docname



def _latex_settings(app, config):
    """Class options and preamble of the PDF (added to _config.yml's latex_elements)."""
    elements = dict(config.latex_elements)
    # openany: a chapter starts on the next page; oneside: no blank page before odd pages
    options = [o for o in elements.get("extraclassoptions", "").split(",") if o]
    elements["extraclassoptions"] = ",".join(dict.fromkeys([*options, "openany", "oneside"]))
    # figures, tables, code listings and equations numbered through the book, as on the web pages
    elements["passoptionstopackages"] = (elements.get("passoptionstopackages", "")
                                         + "\n\\PassOptionsToPackage{nonumfigreset}{sphinx}\n")
    elements["preamble"] = elements.get("preamble", "") + PREAMBLE
    config.latex_elements = elements


def setup(app):
    app.add_post_transform(BookStructure)
    app.add_post_transform(FitWideOutputs)
    app.add_post_transform(ProgressBarsAtTheirEnd)
    app.connect("config-inited", _latex_settings)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
