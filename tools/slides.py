"""Study-group slide decks from the executed chapters: ``_build/slides/*.slides.html`` (make slides).

    python tools/slides.py [--cache FOLDER] [--latest] [--out FOLDER]

One reveal.js deck per chapter (``NN_topic.slides.html``) and one for the whole meeting in the
order of the 2016 deck (``meeting.slides.html``), written by nbconvert's ``SlidesExporter`` from
the chapters *as executed by* ``make book``: nothing is executed here. A chapter's run is taken
from the book's execution cache (the folder ``_ext/dlsg_book.py`` names for the present state),
else from ``_build/jupyter_execute/`` when that copy has outputs and the chapter's code; with
``--latest``, else from the newest run of the chapter in any cache folder (its cells as they were
then). Without any, the script stops and names ``make book``.

Which cells become what is the convention nbconvert and RISE read: ``metadata.slideshow.
slide_type`` one of ``slide``, ``subslide``, ``fragment``, ``skip``, ``notes`` or ``-`` (continue
the current slide). A cell that has it is shown as it says (code inputs stay hidden); every other
cell gets a default role (:func:`default_role`):

- each ``slide_card(...)`` cell (the 2016 slide a section follows) starts a slide;
- a cell whose output is a figure, the optimizer lab or the convolution explorer is a sub-slide
  below it (only its figures and live HTML, not its printed text);
- prose is the speaker notes of the slide it follows (press ``s``); other code is skipped, and so
  is everything from the chapter's "Exercises" heading on (exercise code, solutions).

Each deck opens with the chapter's title, follows its original slides, then shows "What the book
measured" (the chapter's key figure: the cell tagged ``slides-key-figure``, else the last figure
before the exercises; then the sentences of the prose that quote glued values, with the values
of the build) and ends with the chapter's exercises as discussion questions. The meeting deck
puts every chapter's sections in the order of the 2016 slides (a slide several chapters follow is
shown once, with all their figures below it), each chapter's measurements after its last
section, and all the discussion questions at the end.

The markdown is converted by ``tools/colab_copies.py`` (glued values filled in, citations and
cross-references written out). reveal.js (``_vendor/slides/``, fetched by ``tools/vendor_js.py``
with a pinned integrity), MathJax (``sphinx-mathjax-offline``'s copy) and require.js are copied
next to the decks and loaded by relative paths, so a deck needs no network; when the HTML book
exists the decks are copied to ``_build/html/slides/`` too. ``?print-pdf`` after a deck's
address prints it to PDF from the browser.
"""

from __future__ import annotations

import argparse
import copy
import html
import importlib.util
import json
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
import colab_copies as cc  # noqa: E402  (a sibling script, not a package)

SLIDE_TYPES = ("slide", "subslide", "fragment", "skip", "notes", "-")
KEY_FIGURE_TAG = "slides-key-figure"
STATIC = "_static"
REVEAL_URL = f"{STATIC}/reveal.js"
MATHJAX_URL = f"{STATIC}/mathjax/tex-chtml.js"
REQUIRE_URL = f"{STATIC}/require.js"
WIDTH, HEIGHT = 1280, 720
MAX_GLUE_SENTENCES = 6
DISPLAY_MIMES = ("image/png", "image/svg+xml", "image/jpeg", "text/html")
SLIDE_NUMBER = re.compile(r"Slide (\d+) of the 2016 deck")
EXERCISES = re.compile(r"^#{2,3}\s+Exercises\b", re.M)
EXERCISE_HEADING = re.compile(r"^#{3,4}\s+(Exercise\b.*)$", re.M)


class SlidesError(RuntimeError):
    """The decks cannot be built (the message says why and what to run)."""


# --------------------------------------------------------------------------------------------
# Where the executed chapters come from


def _code(nb) -> list[str]:
    return [cc._source(c) for c in nb["cells"] if c["cell_type"] == "code"]


def _has_outputs(nb) -> bool:
    return any(c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code")


def executed_chapters(root: Path, cache_dir: Path | None = None, latest: bool = False,
                      log=print) -> dict[str, dict]:
    """page -> the executed notebook of every chapter of _toc.yml (see the module docstring)."""
    import nbformat
    from jupyter_cache import get_cache

    pages = [p for p in cc.toc_pages(root) if (root / f"{p}.ipynb").is_file()]
    if not pages:
        raise SlidesError("no notebook in _toc.yml")
    build = root / "_build"
    if not (build / "jupyter_execute").is_dir() and not (build / ".jupyter_cache").is_dir():
        raise SlidesError(f"no executed chapters: {build / 'jupyter_execute'} is missing; "
                          "run `make book` first, then `make slides`")
    cache_dir = Path(cache_dir) if cache_dir else cc.default_cache(root)
    cache = get_cache(str(cache_dir)) if (cache_dir / "global.db").is_file() else None
    others = []
    if latest:
        others = [get_cache(str(p.parent)) for p in
                  sorted((build / ".jupyter_cache").glob("*/global.db"),
                         key=lambda p: p.stat().st_mtime, reverse=True)]
    found, missing = {}, []
    for page in pages:
        nb = nbformat.read(str(root / f"{page}.ipynb"), as_version=4)
        executed = None
        if cache is not None:
            try:
                executed = cache.merge_match_into_notebook(nb)[1]
            except KeyError:
                pass
        copy_path = build / "jupyter_execute" / f"{page}.ipynb"
        if executed is None and copy_path.is_file():
            candidate = nbformat.read(str(copy_path), as_version=4)
            if _has_outputs(candidate) and _code(candidate) == _code(nb):
                executed = candidate
        if executed is None and latest:
            executed = _latest_run(nb, str((root / f"{page}.ipynb").resolve()), others, page,
                                   log)
        if executed is None:
            missing.append(f"{page}.ipynb")
        else:
            found[page] = json.loads(nbformat.writes(executed))
    if missing:
        raise SlidesError(
            f"no executed run of {', '.join(missing)} as {'it is' if len(missing) == 1 else 'they are'}"
            f" now (in {cache_dir} or _build/jupyter_execute): run `make book` first, then "
            "`make slides` (or --latest to show the chapters' latest runs)")
    return found


def _latest_run(nb, uri: str, caches: list, page: str, log):
    """The chapter ``nb`` with the outputs of its newest run in ``caches``: each code cell gets
    the outputs of the run's cell with the same source (a changed cell gets none), and the run's
    glued values ride on a first cell of their own, so the prose that quotes them converts."""
    import nbformat

    for c in caches:  # a run of the chapter as it is now, in a cache of another state
        try:
            return c.merge_match_into_notebook(nb)[1]
        except KeyError:
            pass
    runs = [(r.created, c, r) for c in caches for r in c.list_cache_records() if r.uri == uri]
    if not runs:
        return None
    when, c, record = max(runs, key=lambda t: t[0])
    run = c.get_cache_bundle(record.pk).nb
    outputs = {}
    for cell in run.cells:
        if cell.cell_type == "code":
            outputs.setdefault(cell.source, cell.get("outputs", []))
    merged = copy.deepcopy(nb)
    for cell in merged.cells:
        if cell.cell_type == "code":
            cell.outputs = copy.deepcopy(outputs.get(cell.source, []))
    glue = [o for cell in run.cells for o in cell.get("outputs", [])
            if o.get("metadata", {}).get("scrapbook")]
    holder = nbformat.v4.new_code_cell("# glued values of the run", outputs=glue)
    holder.metadata["slideshow"] = {"slide_type": "skip"}
    merged.cells.insert(0, holder)
    log(f"{page}: changed since its latest run ({when:%Y-%m-%d %H:%M}); its deck shows that "
        "run's outputs for the cells unchanged since")
    return merged


# --------------------------------------------------------------------------------------------
# Which cell plays which role


def slide_type(cell) -> str | None:
    """The cell's explicit ``metadata.slideshow.slide_type``, or None; an unknown value is an
    error that names the cell."""
    value = (cell.get("metadata", {}).get("slideshow") or {}).get("slide_type")
    if value is None:
        return None
    if value not in SLIDE_TYPES:
        raise SlidesError(f"cell {cell.get('id', '?')}: metadata.slideshow.slide_type must be one "
                          f"of {', '.join(SLIDE_TYPES)}; got {value!r}")
    return value


def card_number(cell) -> int | None:
    """The 2016 slide number of a ``slide_card`` cell's output, or None for any other cell."""
    if cell["cell_type"] != "code":
        return None
    for out in cell.get("outputs", []):
        text = out.get("data", {}).get("text/html")
        if text and "dlsg-slide" in "".join(text):
            m = SLIDE_NUMBER.search("".join(text))
            if m:
                return int(m[1])
    return None


def _html_text(out) -> str:
    text = out.get("data", {}).get("text/html", "")
    return "".join(text) if isinstance(text, list) else text


def is_live(cell) -> bool:
    """True for a cell whose output is the optimizer lab or the convolution explorer."""
    return any("dlsg-widget" in _html_text(o) for o in cell.get("outputs", []))


def is_scripted(cell) -> bool:
    """True for a cell whose HTML output runs a script (the lab, the explorer, an animation)."""
    return any("<script" in _html_text(o) for o in cell.get("outputs", []))


def is_figure(cell) -> bool:
    return cell["cell_type"] == "code" and any(
        m in o.get("data", {}) for o in cell.get("outputs", [])
        for m in ("image/png", "image/svg+xml", "image/jpeg"))


def is_solution(cell) -> bool:
    return cell["cell_type"] == "code" and cc._source(cell).lstrip().startswith(
        "#@title Solution")


def default_role(cell, after_exercises: bool) -> str:
    """The role a cell without slideshow metadata plays (see the module docstring)."""
    if after_exercises or is_solution(cell):
        return "skip"
    if cell["cell_type"] == "markdown":
        return "notes"
    if card_number(cell) is not None:
        return "slide"
    if is_figure(cell) or is_scripted(cell):
        return "subslide"
    return "skip"


def shown_outputs(cell) -> list:
    """What a code cell shows on a slide: its figures and HTML (no printed text, no glue
    records); a slide card keeps only its HTML form."""
    outs = []
    for out in cell.get("outputs", []):
        if out.get("output_type") not in ("display_data", "execute_result"):
            continue
        data = {m: v for m, v in out.get("data", {}).items() if m in DISPLAY_MIMES}
        if not data:
            continue
        out = copy.deepcopy(out)
        out["data"] = data
        out.setdefault("metadata", {})
        outs.append(out)
    return outs


# --------------------------------------------------------------------------------------------
# A chapter, cut into the pieces of its deck


def _md(text: str, role: str, **extra) -> dict:
    cell = {"cell_type": "markdown", "metadata": {"slideshow": {"slide_type": role}},
            "source": text}
    cell["metadata"].update(extra)
    return cell


def _with_role(cell, role: str) -> dict:
    cell = copy.deepcopy(cell)
    cell.setdefault("metadata", {})["slideshow"] = {"slide_type": role}
    if is_scripted(cell):  # its slide scrolls (the lab is taller than a slide); see CSS
        cell["metadata"]["slideshow"]["data"] = {"dlsg_live": "1"}
    if cell["cell_type"] == "code":
        alt = ((cell["metadata"].get("mystnb") or {}).get("image") or {}).get("alt", "")
        cell["outputs"] = [_with_alt(o, alt) for o in shown_outputs(cell)]
        cell["execution_count"] = None
    return cell


def _with_alt(output, alt: str):
    """A PNG or JPEG output as an <img> with the chapter's alt text (myst-nb's
    ``metadata.mystnb.image.alt``; nbconvert writes a placeholder)."""
    for mime in ("image/png", "image/jpeg"):
        if mime in output["data"]:
            data = output["data"][mime]
            data = "".join(data) if isinstance(data, list) else data
            text = html.escape(" ".join(alt.split()) or "A figure of the chapter", quote=True)
            return {**output, "data": {"text/html": f'<img src="data:{mime};base64,'
                                                    f'{data.strip()}" alt="{text}">'}}
    return output


def caption_cell(cell, conv: cc.Page) -> dict | None:
    """The chapter's caption of a figure cell (``metadata.mystnb.figure.caption``) as a speaker
    note of the figure's slide (the captions are paragraphs: on the slide they would push the
    figure off it), or None."""
    caption = ((cell["metadata"].get("mystnb") or {}).get("figure") or {}).get("caption", "")
    if not caption.strip() or cell["cell_type"] != "code":
        return None
    return _md("*Figure:* " + conv.blocks(caption.strip()), "notes")


@dataclass
class Section:
    """The cells from one slide card (or the chapter's start) to the next."""

    number: int | None                       # the 2016 slide's number; None: before any card
    cells: list = field(default_factory=list)


@dataclass
class Chapter:
    page: str
    title: str
    sections: list[Section]
    measured: list                         # the "What the book measured" cells
    discussion: list                       # the exercises' headings (markdown)
    glue_count: int = 0

    @property
    def name(self) -> str:
        return Path(self.page).name

    @property
    def numbers(self) -> list[int]:
        return [s.number for s in self.sections if s.number is not None]


def _sentences(markdown: str) -> list[str]:
    """The sentences of converted prose that quote a glued value (an <abbr> of the converter)."""
    out = []
    for para in re.split(r"\n\s*\n", markdown):
        if para.lstrip().startswith(("#", ">", "<details", "$$", "|")):
            continue
        text = " ".join(para.split())
        text = re.sub(r"^[-*]\s+", "", text)
        for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z(])", text):
            if "<abbr" in sentence and len(sentence) <= 400:
                out.append(sentence)
    return out


def _unglue(text: str, glue: dict) -> str:
    """``text`` with every glue role whose key the run lacks written as "(not in this run)"."""
    def sub(m):
        if not m["name"].startswith("glue"):
            return m[0]
        key = m["body"].rsplit(":", 1)[0] if m["name"] == "glue:text" else m["body"]
        return m[0] if key in glue else "(not in this run)"
    return cc.ROLE.sub(sub, text)


def plan_chapter(nb: dict, page: str, book: cc.Book, lenient: bool = False) -> Chapter:
    """Cut an executed chapter into its title, sections, measurements and discussion.

    ``lenient``: a glued value the run lacks (a chapter changed since, ``--latest``) is written
    as "(not in this run)" instead of stopping."""
    glue = cc.glue_values(nb)
    conv = cc.Page(book=book, page=page, glue=glue)
    cells = nb["cells"]
    title = page
    for cell in cells:
        if cell["cell_type"] == "markdown":
            m = re.search(r"^# (.+)$", cc._source(cell), re.M)
            if m:
                title = m[1].strip()
                break
    sections = [Section(None)]
    after = False
    key, last_figure, sentences, discussion = None, None, [], []
    for cell in cells:
        src = cc._source(cell)
        if cell["cell_type"] == "markdown" and EXERCISES.search(src):
            after = True
        if cell["cell_type"] == "markdown" and after:
            discussion += [" ".join(h.split()) for h in EXERCISE_HEADING.findall(src)]
        explicit = slide_type(cell)
        role = explicit or default_role(cell, after)
        number = card_number(cell)
        if number is not None and role == "slide":
            sections.append(Section(number))
        if not after and is_figure(cell):
            last_figure = cell
            if KEY_FIGURE_TAG in cell.get("metadata", {}).get("tags", []):
                key = cell
        if cell["cell_type"] == "markdown":
            try:
                text = conv.blocks(src)
            except cc.MissingBuildError:
                if not lenient:
                    raise
                text = conv.blocks(_unglue(src, glue))
            except cc.ConversionError as exc:
                raise SlidesError(f"{exc} (cell {cell.get('id', '?')})") from exc
            if not after:
                sentences += _sentences(text)
            if role == "skip":
                continue
            cell = copy.deepcopy(cell)
            cell["source"] = text
        if role == "skip":
            continue
        if sections[-1].number is None and not sections[-1].cells and role == "-":
            role = "notes"  # nothing to continue yet: keep it for the speaker
        sections[-1].cells.append(_with_role(cell, role))
        caption = caption_cell(cell, conv) if role not in ("notes",) and is_figure(cell) else None
        if caption is not None:
            sections[-1].cells.append(caption)
    measured = [_md("## What the book measured", "slide", dlsg_slides="measured")]
    measured[0]["metadata"]["slideshow"]["data"] = {"dlsg_measured": "1"}
    key = key or last_figure
    if key is not None:
        measured.append(_with_role(key, "-"))
        caption = caption_cell(key, conv)
        if caption is not None:
            measured.append(caption)
    else:
        measured.append(_md("*This chapter draws no figure.*", "-"))
    if sentences:
        chosen = sentences[:MAX_GLUE_SENTENCES]
        measured.append(_md("### What the book measured: the numbers\n\n"
                            + "\n".join(f"- {s}" for s in chosen), "subslide"))
    discussion_cells = [_md(
        "## Discussion\n\n" + ("\n".join(f"- {_heading_text(h, conv)}" for h in discussion)
                               if discussion else "*This chapter has no exercises.*")
        + f"\n\n<small>From *{html.escape(title)}*; the exercises, with checkers and solutions, "
          "are at the end of the chapter.</small>", "slide", dlsg_slides="discussion")]
    return Chapter(page, title, [s for s in sections if s.cells or s.number is not None],
                   measured, discussion_cells, len(conv.used_glue))


def _heading_text(heading: str, conv: cc.Page) -> str:
    return conv.inline(heading)


def title_cell(title: str, subtitle: str) -> dict:
    return _md(f"# {title}\n\n{subtitle}", "slide", dlsg_slides="title")


BOOK_TITLE = "Gradient Descent Algorithms and an Introduction to ConvNets"
SUBTITLE = ("Slides of the Deep Learning Study Group's session #3 (2016), with every figure and "
            "number computed by the book")


def chapter_deck(ch: Chapter, number: str) -> list:
    cells = [title_cell(ch.title, f"Chapter {number} of *{BOOK_TITLE}*\n\n{SUBTITLE}")]
    for section in ch.sections:
        cells += section.cells
    return cells + ch.measured + ch.discussion


def meeting_deck(chapters: list[Chapter]) -> list:
    """Every section of every chapter in the order of the 2016 slides (see the module doc)."""
    first = next((i for i, ch in enumerate(chapters) if ch.numbers), None)
    if first is None:
        raise SlidesError("no chapter follows a slide of the 2016 deck (no slide_card cells)")
    entries = []  # (sort key, chapter index, kind, payload)
    position = 0
    for i, ch in enumerate(chapters[first:], start=first):
        position = max(ch.numbers, default=position)
        for s in ch.sections:
            key = s.number if s.number is not None else (min(ch.numbers) if ch.numbers
                                                         else position)
            entries.append((key, i, 1 if s.number is not None else 0, s))
        entries.append((position, i, 2, ch))
    # by the 2016 slide; on one slide, chapter by chapter: its opening, its sections, its
    # measurements (after the chapter's last slide)
    entries.sort(key=lambda e: (e[0], e[1], e[2]))
    cells = [title_cell(BOOK_TITLE, SUBTITLE + "\n\nThe whole meeting, in the order of the "
                        "2016 slides")]
    shown: set[int] = set()
    for _, i, kind, item in entries:
        if kind == 2:
            cells += item.measured[:1] + [_md(f"*{html.escape(item.title)}*", "-")] \
                + item.measured[1:]
            continue
        section_cells = copy.deepcopy(item.cells)
        if item.number is None:  # the chapter's opening: a slide with its title first
            section_cells.insert(0, _md(f"## {chapters[i].title}", "slide"))
        elif item.number in shown:  # a slide shown already: its card once, these below it
            section_cells = [c for c in section_cells if card_number(c) != item.number]
            shown_first = next((c for c in section_cells if slide_type(c) != "notes"), None)
            if shown_first is not None and slide_type(shown_first) in ("-", "fragment"):
                shown_first["metadata"]["slideshow"]["slide_type"] = "subslide"
        if item.number is not None:
            shown.add(item.number)
        cells += section_cells
    cells.append(_md("## Discussion\n\nThe exercises of each chapter, one chapter a slide below "
                     "(press ↓).", "slide"))
    for ch in chapters:
        body = cc._source(ch.discussion[0]) if isinstance(ch.discussion[0]["source"], list) \
            else ch.discussion[0]["source"]
        cells.append(_md(body.replace("## Discussion", f"### {ch.title}", 1), "subslide"))
    return _first_is_slide(cells)


def _first_is_slide(cells: list) -> list:
    if cells and cells[0]["metadata"]["slideshow"]["slide_type"] != "slide":
        cells[0]["metadata"]["slideshow"]["slide_type"] = "slide"
    return cells


# --------------------------------------------------------------------------------------------
# HTML


CSS = """
.reveal { font-size: 30px; }
.reveal .slides { text-align: left; }
.reveal h1 { font-size: 1.9em; } .reveal h2 { font-size: 1.45em; } .reveal h3 { font-size: 1.15em; }
.reveal .slides h1, .reveal .slides h2, .reveal .slides h3 { text-transform: none; }
.reveal section img { width: 100%; max-height: 600px; height: auto; object-fit: contain;
  margin: 0 auto; display: block; border: 0; box-shadow: none; }
.reveal .jp-RenderedHTMLCommon, .reveal .jp-OutputArea-output { font-size: 28px; }
.reveal .jp-RenderedHTMLCommon h1 { font-size: 1.8em; } .reveal .jp-RenderedHTMLCommon h2 { font-size: 1.4em; }
.reveal .jp-RenderedHTMLCommon h3 { font-size: 1.15em; }
.reveal .jp-OutputArea-output { max-width: 100%; }
.reveal pre { white-space: pre-wrap; overflow-wrap: anywhere; box-shadow: none; width: 100%; }
.reveal p, .reveal li { overflow-wrap: break-word; line-height: 1.35; }
.reveal section, .reveal .jp-Cell, .reveal .jp-OutputArea { max-width: 100%; }
.reveal .jp-OutputPrompt, .reveal .jp-InputPrompt { display: none; }
.reveal abbr { text-decoration: none; border-bottom: 0; font-weight: 600; }
.reveal small { font-size: 0.6em; color: #444; }
.reveal a { color: #1a5a96; }
.reveal .slide-number { background-color: rgba(0, 0, 0, 0.75); }  /* contrast 4.5:1 or more */
figure.dlsg-slide { margin: 0; padding: 0.5em 1em; border: 1px solid #bbb;
  border-left: 0.3em solid #1a5a96; border-radius: 0.25em; font-size: 0.85em;
  overflow-wrap: break-word; background: #f7f9fc; color: #111; }
figure.dlsg-slide figcaption { margin-bottom: 0.4em; }
figure.dlsg-slide .dlsg-slide-label { display: block; font-size: 0.8em; font-style: italic; }
figure.dlsg-slide .dlsg-slide-title { display: block; font-size: 1.2em; font-weight: bold; }
figure.dlsg-slide ul, figure.dlsg-slide p { margin: 0.3em 0; }
figure.dlsg-slide pre { font-size: 0.7em; white-space: pre-wrap; }
.reveal .dlsg-widget { font-size: 16px; text-align: left; }
.reveal .slides section[data-dlsg-measured] img { max-height: 520px; }
.reveal .slides section[data-dlsg-live] { height: 720px; overflow-y: auto; scrollbar-gutter: stable; }
.reveal .dlsg-widget canvas { max-width: 100%; }
"""

TEMPLATE = r"""{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}
<script src="{{ resources.require_js_url }}"></script>
{%- endblock html_head_js -%}
{%- block html_head_js_mathjax -%}
<script>
window.MathJax = {
  tex: {inlineMath: [['$', '$'], ['\\(', '\\)']], displayMath: [['$$', '$$'], ['\\[', '\\]']],
        processEscapes: true, tags: 'ams'},
  options: {ignoreHtmlClass: 'tex2jax_ignore|mathjax_ignore', processHtmlClass: 'tex2jax_process'},
  startup: {typeset: true}
};
</script>
<script src="{{ resources.mathjax_url }}" async></script>
<style>{{ resources.dlsg_css }}</style>
{%- endblock html_head_js_mathjax -%}
{% block footer_js %}
<script>
require([
  "{{ resources.reveal.url_prefix }}/dist/reveal.js",
  "{{ resources.reveal.url_prefix }}/plugin/notes/notes.js"
], function (Reveal, RevealNotes) {
  Reveal.initialize({
    controls: true, progress: true, history: true, hash: true, center: false,
    transition: "none", slideNumber: "c/t", plugins: [RevealNotes],
    // keys pressed in the lab or the explorer (arrows move the start) stay there
    keyboardCondition: function (event) {
      var el = document.activeElement;
      return !(el && el.closest && el.closest(".dlsg-widget"));
    },
    width: {{ resources.reveal.width }}, height: {{ resources.reveal.height }}, margin: 0.04
  });
  window.Reveal = Reveal;
});
</script>
{% endblock footer_js %}
"""


def exporter():
    import jinja2
    from nbconvert import SlidesExporter

    ex = SlidesExporter(
        template_file="dlsg_slides.html.j2",
        extra_loaders=[jinja2.DictLoader({"dlsg_slides.html.j2": TEMPLATE})],
        exclude_input=True, exclude_input_prompt=True, exclude_anchor_links=True, exclude_output_prompt=True,
        reveal_url_prefix=REVEAL_URL, reveal_theme="white", reveal_transition="none",
        reveal_width=str(WIDTH), reveal_height=str(HEIGHT),
        require_js_url=REQUIRE_URL, mathjax_url=MATHJAX_URL,
        jquery_url="", mermaid_js_url="", font_awesome_url="")
    return ex


def render(cells: list, title: str) -> str:
    """The reveal.js page of ``cells`` (notebook cells as JSON, each with its slide type)."""
    import nbformat

    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {"title": title}, "cells": []}
    for i, cell in enumerate(cells):
        cell = copy.deepcopy(cell)
        cell["id"] = f"c{i}"
        if cell["cell_type"] == "code":
            cell.setdefault("outputs", [])
            cell["execution_count"] = None
        nb["cells"].append(cell)
    node = nbformat.reads(json.dumps(nb), as_version=4)  # joins multi-line strings
    body, _ = exporter().from_notebook_node(node, resources={"dlsg_css": CSS})
    # headings repeat (the chapter's title in the notes, "What the book measured" in the meeting
    # deck): their ids would clash, and nothing links to them
    return re.sub(r"<(h[1-6]) id=\"[^\"]*\"", r"<\1", body)


def count_slides(page_html: str) -> int:
    """The slides of a deck: the <section> elements that hold no other."""
    count, depth, leaf = 0, 0, []
    for m in re.finditer(r"<(/?)section\b", page_html):
        if m[1]:
            if leaf and leaf.pop():
                count += 1
            depth -= 1
        else:
            if leaf:
                leaf[-1] = False
            leaf.append(True)
            depth += 1
    return count


# --------------------------------------------------------------------------------------------
# The files


def mathjax_folder() -> Path:
    spec = importlib.util.find_spec("sphinx-mathjax-offline") or importlib.util.find_spec(
        "sphinx_mathjax_offline")
    if spec is None or not spec.origin:
        raise SlidesError("sphinx-mathjax-offline is not installed (requirements.txt)")
    return Path(spec.origin).parent / "static" / "mathjax"


def copy_static(root: Path, out: Path) -> None:
    reveal = root / "_vendor" / "slides" / "reveal.js"
    require = root / "_vendor" / "static" / "widgets" / "require.js"
    if not (reveal / "dist" / "reveal.js").is_file() or not require.is_file():
        raise SlidesError(f"{reveal} or {require} is missing: run `python tools/vendor_js.py "
                          "_vendor` (make slides does)")
    static = out / STATIC
    shutil.rmtree(static, ignore_errors=True)
    shutil.copytree(reveal, static / "reveal.js")
    shutil.copy2(require, static / "require.js")
    mj = mathjax_folder()
    for part in ("tex-chtml.js", "output/chtml", "input/tex/extensions", "ui", "a11y",
                 "adaptors"):
        src = mj / part
        if src.is_dir():
            shutil.copytree(src, static / "mathjax" / part)
        elif src.is_file():
            (static / "mathjax").mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, static / "mathjax" / part)


def index_page(decks: list[tuple[str, str, int]]) -> str:
    items = "\n".join(f'<li><a href="{html.escape(f)}">{html.escape(t)}</a> ({n} slides)</li>'
                      for f, t, n in decks)
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>Slides: {BOOK_TITLE}</title>\n</head>\n<body>\n<main>\n"
            f"<h1>Slides of {html.escape(BOOK_TITLE)}</h1>\n<p>{html.escape(SUBTITLE)}. Keys: "
            "arrows move, <kbd>s</kbd> opens the speaker notes, <kbd>Esc</kbd> the overview; "
            "add <code>?print-pdf</code> to a deck's address and print to save a PDF.</p>\n"
            f"<ul>\n{items}\n</ul>\n</main>\n</body>\n</html>\n")


def build(root: Path = ROOT, out: Path | None = None, cache_dir: Path | None = None,
          latest: bool = False, log=print) -> list[tuple[str, str, int]]:
    """Write every deck; return (file, title, slides) of each, the meeting deck last."""
    start = time.perf_counter()
    out = Path(out) if out else root / "_build" / "slides"
    executed = executed_chapters(root, cache_dir, latest, log)
    book = cc.book_facts(root, cc.book_url(root))
    chapters = [plan_chapter(nb, page, book, latest) for page, nb in executed.items()]
    out.mkdir(parents=True, exist_ok=True)
    copy_static(root, out)
    decks = []
    for ch in chapters:
        number = re.match(r"(\d+)", ch.name)
        page_html = render(chapter_deck(ch, str(int(number[1])) if number else ch.name),
                           ch.title)
        target = out / f"{ch.name}.slides.html"
        target.write_text(page_html, encoding="utf-8")
        decks.append((target.name, ch.title, count_slides(page_html)))
        log(f"{target.relative_to(out.parent)}: {decks[-1][2]} slides, "
            f"{len(ch.numbers)} of the 2016 slides, {ch.glue_count} glued values")
    page_html = render(meeting_deck(chapters), "The whole meeting")
    (out / "meeting.slides.html").write_text(page_html, encoding="utf-8")
    decks.append(("meeting.slides.html", "The whole meeting", count_slides(page_html)))
    log(f"{out.name}/meeting.slides.html: {decks[-1][2]} slides")
    (out / "index.html").write_text(index_page(decks), encoding="utf-8")
    html_dir = root / "_build" / "html"
    if (html_dir / "intro.html").is_file() and out == root / "_build" / "slides":
        shutil.rmtree(html_dir / "slides", ignore_errors=True)
        shutil.copytree(out, html_dir / "slides")
        log("copied to _build/html/slides/")
    log(f"{len(decks)} decks, {sum(d[2] for d in decks)} slides in "
        f"{time.perf_counter() - start:.1f} s")
    return decks


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--root", type=Path, default=ROOT, help="the book's folder")
    p.add_argument("--cache", type=Path, default=None,
                   help="an execution-cache folder (default: the one make book uses now)")
    p.add_argument("--latest", action="store_true",
                   help="for a chapter changed since its run, show its latest run")
    p.add_argument("--out", type=Path, default=None, help="where to write (default: "
                   "_build/slides)")
    args = p.parse_args(argv)
    try:
        build(args.root, args.out, args.cache, args.latest)
    except (SlidesError, cc.MissingBuildError, cc.ConversionError) as exc:
        print(f"slides: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
