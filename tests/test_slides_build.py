"""`make slides` (tools/slides.py): which cell of an executed chapter plays which part in its
deck, the decks' pages load only local files, the meeting follows the 2016 slides' order, and a
missing build says to run `make book`. The decks in a browser: tests/browser/test_slides_in_browser.py.
"""

import base64
import importlib.util
import io
import json
import re
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


slides = _load("dlsg_slides_tool", ROOT / "tools" / "slides.py")
vendor_js = _load("dlsg_vendor_js", ROOT / "tools" / "vendor_js.py")
cc = slides.cc


def _png() -> str:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (40, 30), "steelblue").save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode()


def _md(text, **meta):
    return {"cell_type": "markdown", "metadata": meta, "source": text}


def _code(src, outputs=(), **meta):
    return {"cell_type": "code", "metadata": meta, "source": src, "execution_count": 1,
            "outputs": list(outputs)}


def _display(data):
    return {"output_type": "display_data", "metadata": {}, "data": data}


def _glue(name, value):
    prefix = "application/papermill.record/"
    return {"output_type": "display_data", "data": {prefix + "text/plain": value},
            "metadata": {"scrapbook": {"name": name, "mime_prefix": prefix}}}


def _card(title, frame=None):
    from dlsg_utils.slides import slide_card

    card = slide_card(title, frame=frame)
    return _code(f"slide_card({title!r})", [_display({"text/html": card._repr_html_(),
                                                      "text/plain": repr(card)})],
                 tags=["remove-input"])


def _chapter(card_title="Momentum", extra=()):
    """An executed chapter: a title, a card, a figure, prose quoting a glued value, the lab,
    exercises with a solution."""
    from dlsg_utils.lab import optimizer_lab

    lab = optimizer_lab("Ravine", ["SGD", "Momentum"], steps=20)
    cells = [
        _md("# A small chapter\n\nIt opens here."),
        _code("import numpy as np"),
        _card(card_title),
        _code("plot()", [{"output_type": "stream", "name": "stdout", "text": "printed\n"},
                         _display({"image/png": _png(), "text/plain": "<Figure>"})],
              mystnb={"figure": {"caption": "Momentum's path, {glue:text}`gain:.2f` times closer."},
                      "image": {"alt": "A zigzag path & a straight one"}}),
        _md("Momentum ends {glue:text}`gain:.1f` times closer. Nothing else is glued here."),
        _code("glue('gain', 12.345)", [_glue("gain", "12.345")]),
        _code("x = 1"),
        _code("optimizer_lab()", [_display({"text/html": lab._repr_html_(),
                                            "text/plain": repr(lab)})]),
        *extra,
        _md("## Exercises\n\n### Exercise 1 (warm-up): one momentum step\n\nWrite it."),
        _code("def momentum_step():\n    raise NotImplementedError"),
        _code("#@title Solution\ndef momentum_step():\n    return 1", tags=["hide-cell"]),
        _md("### Exercise 2 (derive): the rate\n\nDerive it."),
    ]
    for i, cell in enumerate(cells):
        cell["id"] = f"cell{i}"
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}


@pytest.fixture(scope="module")
def book():
    return cc.book_facts(ROOT, cc.book_url(ROOT))


def _roles(chapter):
    return [(c["cell_type"], c["metadata"]["slideshow"]["slide_type"], c.get("id"))
            for s in chapter.sections for c in s.cells]


def test_default_roles_card_slide_figures_below_prose_as_notes_code_and_exercises_skipped(book):
    ch = slides.plan_chapter(_chapter(), "chapters/99_small", book)
    assert ch.title == "A small chapter"
    assert ch.numbers == [13]  # "Momentum" is slide 13 of the 2016 deck
    assert _roles(ch) == [
        ("markdown", "notes", "cell0"),      # the opening prose: speaker notes
        ("code", "slide", "cell2"),          # the card starts a slide
        ("code", "subslide", "cell3"),       # the figure below it
        ("markdown", "notes", None),         # its caption, for the speaker
        ("markdown", "notes", "cell4"),
        ("code", "subslide", "cell7"),       # the lab below it
    ]  # imports, glue, plain code, exercise code and the solution: skipped
    figure, caption = ch.sections[1].cells[1:3]
    [shown] = figure["outputs"]  # not the print
    assert re.fullmatch(r'<img src="data:image/png;base64,[^"]+" alt="A zigzag path &amp; a '
                        r'straight one">', shown["data"]["text/html"])  # the chapter's alt text
    assert re.fullmatch(r"\*Figure:\* Momentum's path, <abbr[^>]*>12\.35</abbr> times closer\.",
                        caption["source"])
    card = ch.sections[1].cells[0]
    assert [list(o["data"]) for o in card["outputs"]] == [["text/html"]]
    lab = ch.sections[1].cells[-1]
    assert lab["metadata"]["slideshow"]["data"] == {"dlsg_live": "1"}  # a scrolling slide


def test_measured_slide_has_the_key_figure_and_the_glued_sentences_with_their_values(book):
    ch = slides.plan_chapter(_chapter(), "chapters/99_small", book)
    heading, figure, caption, numbers = ch.measured
    assert heading["source"] == "## What the book measured"
    assert heading["metadata"]["slideshow"]["slide_type"] == "slide"
    assert figure["id"] == "cell3" and figure["metadata"]["slideshow"]["slide_type"] == "-"
    assert caption["metadata"]["slideshow"]["slide_type"] == "notes"
    assert numbers["metadata"]["slideshow"]["slide_type"] == "subslide"
    assert re.search(r"Momentum ends <abbr[^>]*>12\.3</abbr> times closer\.", numbers["source"])
    assert "Nothing else" not in numbers["source"]  # only sentences that quote a value


def test_a_tagged_figure_is_the_key_figure(book):
    tagged = _code("key()", [_display({"image/png": _png()})], tags=[slides.KEY_FIGURE_TAG])
    late = _code("late()", [_display({"image/png": _png()})])
    ch = slides.plan_chapter(_chapter(extra=[tagged, late]), "chapters/99_small", book)
    assert ch.measured[1]["source"] == "key()"  # not the last figure, late()


def test_discussion_lists_the_exercise_headings(book):
    ch = slides.plan_chapter(_chapter(), "chapters/99_small", book)
    text = ch.discussion[0]["source"]
    assert text.startswith("## Discussion")
    assert "- Exercise 1 (warm-up): one momentum step" in text
    assert "- Exercise 2 (derive): the rate" in text


def test_explicit_slideshow_metadata_wins_over_the_default(book):
    nb = _chapter()
    nb["cells"][4]["metadata"]["slideshow"] = {"slide_type": "fragment"}  # prose shown
    nb["cells"][3]["metadata"]["slideshow"] = {"slide_type": "skip"}      # figure hidden
    nb["cells"][6]["metadata"]["slideshow"] = {"slide_type": "-"}         # code shown
    ch = slides.plan_chapter(nb, "chapters/99_small", book)
    roles = {cid: role for _, role, cid in _roles(ch)}
    assert roles["cell4"] == "fragment" and roles["cell6"] == "-" and "cell3" not in roles


def test_an_unknown_slide_type_is_refused_naming_the_cell(book):
    nb = _chapter()
    nb["cells"][3]["metadata"]["slideshow"] = {"slide_type": "Slide"}
    with pytest.raises(slides.SlidesError, match="cell cell3: metadata.slideshow.slide_type "
                                                 "must be one of slide, subslide"):
        slides.plan_chapter(nb, "chapters/99_small", book)


def test_a_deck_loads_only_the_local_copies_of_reveal_mathjax_and_require(book):
    ch = slides.plan_chapter(_chapter(), "chapters/99_small", book)
    page = slides.render(slides.chapter_deck(ch, "99"), ch.title)
    loaded = re.findall(r"<(?:script|link)\b[^>]*?(?:src|href)=\"([^\"]*)\"", page)
    loaded += re.findall(r"\"([^\"]*\.js)\"", page.split("require([", 1)[1][:300])
    assert loaded and all(not re.match(r"[a-z]+:|//", u) for u in loaded), loaded
    assert "_static/reveal.js/dist/reveal.js" in loaded
    assert "_static/mathjax/tex-chtml.js" in loaded and "_static/require.js" in loaded
    assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", page)
    assert "import numpy" not in page and "momentum_step" not in page  # inputs hidden
    assert page.count('<aside class="notes">') == 4  # two of prose, the caption twice
    assert "data-dlsg-live=\"1\"" in page
    # title, card, figure, lab, measured, its numbers, discussion
    assert slides.count_slides(page) == 7


def test_the_meeting_follows_the_2016_order_and_shows_a_shared_slide_once(book):
    a = slides.plan_chapter(_chapter("ResNet"), "chapters/97_a", book)
    b = slides.plan_chapter(_chapter("LeNet"), "chapters/98_b", book)
    c = slides.plan_chapter(_chapter("LeNet"), "chapters/99_c", book)
    cells = slides.meeting_deck([a, b, c])
    cards = [slides.card_number(x) for x in cells if slides.card_number(x) is not None]
    assert cards == sorted(cards) and len(cards) == 2  # LeNet once, before ResNet
    assert cells[0]["metadata"]["slideshow"]["slide_type"] == "slide"
    assert sum(x["source"] == "## What the book measured" for x in cells) == 3


def _mini_book(tmp_path, executed_outputs=True):
    root = tmp_path / "book"
    (root / "chapters").mkdir(parents=True)
    (root / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n"
                                   "- file: chapters/99_small\n")
    (root / "intro.md").write_text("# Intro\n")
    (root / "_config.yml").write_text("title: t\nbibtex_bibfiles: [references.bib]\n")
    (root / "references.bib").write_text("")
    nb = _chapter()
    source = json.loads(json.dumps(nb))
    for cell in source["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    (root / "chapters" / "99_small.ipynb").write_text(json.dumps(source))
    if executed_outputs:
        out = root / "_build" / "jupyter_execute" / "chapters"
        out.mkdir(parents=True)
        (out / "99_small.ipynb").write_text(json.dumps(nb))
    vendor = root / "_vendor"
    (vendor / "slides" / "reveal.js" / "dist").mkdir(parents=True)
    (vendor / "slides" / "reveal.js" / "dist" / "reveal.js").write_text("// reveal")
    (vendor / "static" / "widgets").mkdir(parents=True)
    (vendor / "static" / "widgets" / "require.js").write_text("// require")
    return root


def test_build_writes_a_deck_per_chapter_the_meeting_an_index_and_the_local_scripts(tmp_path):
    root = _mini_book(tmp_path)
    log = []
    decks = slides.build(root, cache_dir=tmp_path / "no-cache", log=log.append)
    out = root / "_build" / "slides"
    assert [d[0] for d in decks] == ["99_small.slides.html", "meeting.slides.html"]
    for name, _, count in decks:
        assert (out / name).is_file() and count >= 5
    assert (out / "_static" / "reveal.js" / "dist" / "reveal.js").read_text() == "// reveal"
    assert (out / "_static" / "require.js").is_file()
    assert (out / "_static" / "mathjax" / "tex-chtml.js").is_file()
    assert "99_small.slides.html" in (out / "index.html").read_text()
    assert any("2 decks" in line for line in log)


def test_without_an_executed_run_it_says_to_run_make_book(tmp_path):
    root = _mini_book(tmp_path, executed_outputs=False)
    with pytest.raises(slides.SlidesError, match="run `make book` first"):
        slides.build(root, cache_dir=tmp_path / "no-cache", log=lambda s: None)
    shutil.rmtree(root / "_build", ignore_errors=True)
    assert slides.main(["--root", str(root)]) == 1


def test_a_changed_chapter_is_not_shown_with_an_old_run(tmp_path):
    root = _mini_book(tmp_path)
    path = root / "chapters" / "99_small.ipynb"
    nb = json.loads(path.read_text())
    nb["cells"][1]["source"] = "import numpy as np  # changed"
    path.write_text(json.dumps(nb))
    with pytest.raises(slides.SlidesError, match="no executed run of chapters/99_small.ipynb"):
        slides.build(root, cache_dir=tmp_path / "no-cache", log=lambda s: None)


def test_reveal_js_is_pinned_with_its_integrity_and_licence_and_make_slides_fetches_it():
    pinned = {name: (version, integrity, rules)
              for name, version, integrity, rules in vendor_js.PACKAGES}
    version, integrity, rules = pinned["reveal.js"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version) and integrity.startswith("sha512-")
    assert rules["package/dist/reveal.js"] == "slides/reveal.js/dist"
    assert rules["package/LICENSE"] == "slides/reveal.js"
    assert "package/plugin/notes/notes.js" in rules  # the speaker notes
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^slides: .*\$\(REVEAL_JS\)", makefile, re.M)
    assert "REVEAL_JS := _vendor/" + rules["package/dist/reveal.js"] + "/reveal.js" in makefile
