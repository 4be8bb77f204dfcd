"""The PDF edition (`make pdf`): every chapter with its title and its figures, numbered as the
HTML book numbers them, under its part, and nothing in the margin. The tests that read the PDF
are skipped until `make pdf` has run; those of the LaTeX extension's text rules always run."""

import importlib.util
import re

import pytest
import yaml
from browser_support import HTML, ROOT

PDF = ROOT / "_build" / "latex" / "book.pdf"
needs_pdf = pytest.mark.skipif(not PDF.exists(), reason="no PDF in _build/latex (run `make pdf`)")


def _chapters():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [c["file"] for part in toc["parts"] for c in part["chapters"]
            if c["file"].startswith("chapters/")]


def _title(chapter: str) -> str:
    import json

    cells = json.loads((ROOT / f"{chapter}.ipynb").read_text())["cells"]
    first = "".join(cells[0]["source"]).splitlines()[0]
    return first.lstrip("# ").strip()


def _page_title(page: str) -> str:
    """The first heading of a Markdown page of the book (api.md: "The package: API reference")."""
    text = (ROOT / f"{page}.md").read_text()
    return next(line[2:].strip() for line in text.splitlines() if line.startswith("# "))


def _squash(text: str) -> str:
    """Text without spaces, hyphens and case, with straight quotes: PDF text extraction drops or
    adds spaces, LaTeX hyphenates long words and typesets ' as a curly quote."""
    text = text.translate(str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'}))
    return re.sub(r"[\s\-\u00ad\u2010\u2011]+", "", text).lower()


@pytest.fixture(scope="module")
def pages():
    from pypdf import PdfReader

    return PdfReader(PDF).pages


@needs_pdf
def test_the_pdf_has_every_chapter_title_in_book_order(pages):
    text = _squash(" ".join(p.extract_text() for p in pages))
    positions = [text.find(_squash(_title(c))) for c in _chapters()]
    assert all(p >= 0 for p in positions), [c for c, p in zip(_chapters(), positions, strict=True) if p < 0]


def _outline():
    """The PDF's bookmarks as a tree: [(title, page index, children), ...]."""
    from pypdf import PdfReader

    reader = PdfReader(PDF)

    def tree(entries):
        out = []
        for entry in entries:
            if isinstance(entry, list):  # the children of the entry before it
                title, page, _ = out[-1]
                out[-1] = (title, page, tree(entry))
            else:
                out.append((entry.title, reader.get_destination_page_number(entry), []))
        return out

    return tree(reader.outline)


def _toc_parts():
    """_toc.yml's numbered parts: [(caption, [chapter file, ...]), ...] for the parts whose caption
    starts with "Part" (a part before them, "Prerequisites", is front matter)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [(part["caption"], [c["file"] for c in part["chapters"]]) for part in toc["parts"]
            if part["caption"].startswith("Part")]


def _front_parts():
    """The chapter files of the _toc.yml parts that come before the first "Part"."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = []
    for part in toc["parts"]:
        if part["caption"].startswith("Part"):
            break
        files += [c["file"] for c in part["chapters"]]
    return files


@needs_pdf
def test_chapter_n_of_the_pdf_is_chapter_n_of_the_book_under_its_part():
    """The prose says "chapter 4" and means chapters/04_...: the PDF numbers the chapters the same
    way (the introduction is not counted), under part pages headed with _toc.yml's captions."""
    outline = _outline()
    tops = [title for title, _, _ in outline]
    number = 0
    previous_part = -1
    for caption, chapters in _toc_parts():
        assert caption in tops, (caption, tops)
        assert tops.index(caption) > previous_part, f"{caption!r} is out of order in {tops}"
        previous_part = tops.index(caption)
        children = outline[previous_part][2]
        assert len(children) == len(chapters), (caption, [t for t, _, _ in children])
        for (title, _, _), chapter in zip(children, chapters, strict=True):
            number += 1
            assert int(chapter.split("/")[1][:2]) == number, chapter  # chapters/NN_... is chapter NN
            label, _, name = title.partition(" ")
            assert label == str(number) and _squash(name) == _squash(_title(chapter)), (
                f"bookmark {title!r}: expected chapter {number}, {_title(chapter)!r}")
    pages = [page for _, page, _ in outline]
    assert pages == sorted(pages)


@needs_pdf
def test_front_and_back_matter_are_unnumbered_and_there_is_one_bibliography():
    outline = _outline()
    parts = {caption for caption, _ in _toc_parts()}
    unnumbered = [title for title, _, _ in outline if title not in parts]
    assert unnumbered[0] == "Introduction" and len(unnumbered) > 3, unnumbered
    # the prerequisites page follows the introduction, before Part I, without a number
    front = [_squash(_title(f)) for f in _front_parts()]
    assert [_squash(t) for t in unnumbered[1:1 + len(front)]] == front, (unnumbered, front)
    first_part = min(i for i, (t, _, _) in enumerate(outline) if t in parts)
    assert [_squash(t) for t, _, _ in outline[1:first_part]] == front
    assert not [t for t in unnumbered if re.match(r"\d", t)], unnumbered
    assert [t for t in unnumbered if _squash(t) == "bibliography"] == ["Bibliography"], unnumbered
    # the back matter follows the last part, in the order of _toc.yml, not filed under it
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    back = [_page_title(c["file"]) for part in toc["parts"] for c in part["chapters"]
            if not c["file"].startswith("chapters/")]
    last_part = max(i for i, (t, _, _) in enumerate(outline) if t in parts)
    after = [t for t, _, _ in outline[last_part + 1:]]
    assert [_squash(t) for t in after[:len(back)]] == [_squash(t) for t in back], (after, back)


@needs_pdf
def test_no_page_is_empty_but_for_its_header_and_footer(pages):
    """Chapters start on the next page, not the next odd one: no page without images holds two
    lines or fewer (a running header and footer), except the part pages (heading and number)."""
    parts = {_squash(caption) for caption, _ in _toc_parts()}
    empty = []
    for number, page in enumerate(pages, 1):
        lines = [line for line in (page.extract_text() or "").splitlines() if line.strip()]
        if len(lines) <= 2 and not page.images and not parts & {_squash(line) for line in lines}:
            empty.append(number)
    assert empty == [], f"pages with nothing but a header and footer: {empty}"


def _overfull_boxes():
    """(points, where) of every "Overfull \\hbox" warning of the last LaTeX run."""
    log = (ROOT / "_build" / "latex" / "book.log").read_text(errors="replace")
    return [(float(m[1]), m[2]) for m in
            re.finditer(r"Overfull \\hbox \(([\d.]+)pt too wide\) (.*)", log)]


MARGIN_TOLERANCE_PT = 10.0


@needs_pdf
def test_nothing_runs_more_than_10pt_into_the_margin():
    """Tables, code outputs and equations fit the text width: LaTeX reports each line wider than
    the text as an overfull box; a few points are invisible, more than 10pt is text in the margin."""
    boxes = _overfull_boxes()
    wide = sorted((b for b in boxes if b[0] > MARGIN_TOLERANCE_PT), reverse=True)
    assert wide == [], (f"{len(wide)} overfull boxes wider than {MARGIN_TOLERANCE_PT}pt "
                        f"(and {len(boxes) - len(wide)} smaller ones): {wide[:10]}")


# A tqdm bar as text, spaces removed: "epochs:100%|██████████|30/30[00:12<00:00,2.41s/epoch]"
PROGRESS_BAR = re.compile(r"(\d+)%\|([█▉▊▋▌▍▎▏]*)\|(\d+)/(\d+)\[")


@needs_pdf
def test_every_progress_bar_in_the_pdf_shows_how_its_run_ended(pages):
    """A progress bar's text form is its state when it was created ("0%|   | 0/30 [00:00<?,
    ?it/s]"): the PDF prints instead the state the web page draws, the bar's last one."""
    text = " ".join(page.extract_text() or "" for page in pages).replace(" ", "")
    bars = PROGRESS_BAR.findall(text)
    unfinished = [bar for bar in bars if bar[0] != "100" or bar[2] != bar[3]]
    assert unfinished == [], f"{len(unfinished)} of {len(bars)} progress bars stopped early"
    assert "[00:00<?," not in text  # tqdm's "no time yet"


@needs_pdf
def test_the_pdf_has_the_figures_the_web_chapters_show(pages):
    images = sum(len(p.images) for p in pages)
    figures = 0
    for chapter in _chapters():
        html = (HTML / f"{chapter}.html").read_text(errors="ignore")
        figures += len(re.findall(r'<img[^>]+src="\.\./_images/', html))
    assert len(pages) > 100 and images >= figures, (len(pages), images, figures)


@needs_pdf
def test_each_chapter_numbers_its_figures_as_the_web_edition_does(pages):
    """The web pages number figures through the book (Fig. 1 ... Fig. N); the PDF does the same,
    so "Fig. 37" names the same figure in both editions."""
    if not (HTML / f"{_chapters()[0]}.html").exists():
        pytest.skip("no HTML book in _build/html (run `make book`)")
    chapters = [(title, page) for caption, _ in _toc_parts()
                for part, _, children in _outline() if part == caption
                for title, page, _ in children]
    numbered = [c for _, files in _toc_parts() for c in files]  # the front matter's figures
    assert len(chapters) == len(numbered), f"chapters in the PDF's outline: {chapters}"
    starts = [page for _, page in chapters] + [len(pages)]  # count too: chapter 1 starts at Fig. 2
    for i, chapter in enumerate(numbered):
        html = (HTML / f"{chapter}.html").read_text(errors="ignore")
        web = [int(n) for n in re.findall(r'caption-number">Fig\. (\d+)', html)]
        text = "".join(p.extract_text() for p in pages[starts[i]:starts[i + 1]]).replace(" ", "")
        pdf = [int(n) for n in re.findall(r"Fig\.(\d+):", text)]
        assert pdf == web, f"{chapter}: figure numbers {pdf} in the PDF, {web} on the web page"


@needs_pdf
def test_equations_have_the_numbers_of_the_web_pages():
    """Equation (13) is Adagrad's update in both editions: the number LaTeX gave each labelled
    equation (book.aux) is the number its web page shows."""
    if not (HTML / f"{_chapters()[0]}.html").exists():
        pytest.skip("no HTML book in _build/html (run `make book`)")
    aux = (ROOT / "_build" / "latex" / "book.aux").read_text(errors="replace")
    pdf = {label: int(n) for label, n in
           re.findall(r"\\newlabel\{equation:[^:}]+:([^}]+)\}\{\{(\d+)\}", aux)}
    web = {}
    for chapter in _chapters():
        html = (HTML / f"{chapter}.html").read_text(errors="ignore")
        web.update({label: int(n) for n, label in re.findall(
            r'class="eqno">\((\d+)\)<a class="headerlink" href="#equation-([^"]+)"', html)})
    assert web and pdf == web, sorted(set(pdf.items()) ^ set(web.items()))[:10]


@needs_pdf
def test_the_web_edition_links_to_the_pdf():
    assert (HTML / "book.pdf").read_bytes() == PDF.read_bytes()
    assert 'href="book.pdf"' in (HTML / "intro.html").read_text()


@needs_pdf
def test_every_character_of_the_book_has_a_glyph_in_the_pdf_fonts():
    """XeLaTeX only warns when a font lacks a character (the PDF then silently drops it)."""
    log = (ROOT / "_build" / "latex" / "book.log").read_text(errors="replace")
    missing = sorted(set(re.findall(r"Missing character: There is no (\S+ \(U\+\w+\)) in font \[?([^\]/]+)", log)))
    assert missing == []


def _latex_extension():
    """_ext/dlsg_latex.py, the extension that lays out the PDF."""
    spec = importlib.util.spec_from_file_location("dlsg_latex", ROOT / "_ext" / "dlsg_latex.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tqdm_states(value, total, left, right, box="HBoxModel"):
    """Widget models as tqdm's notebook bar leaves them (an HBox of label, bar and label)."""
    return {
        "box": {"model_name": box, "state": {"children": ["IPY_MODEL_l", "IPY_MODEL_b", "IPY_MODEL_r"]}},
        "l": {"model_name": "HTMLModel", "state": {"value": left}},
        "b": {"model_name": "FloatProgressModel", "state": {"value": value, "max": total}},
        "r": {"model_name": "HTMLModel", "state": {"value": right}},
    }


def test_a_progress_bar_is_printed_in_its_last_state_as_tqdm_prints_it():
    ext = _latex_extension()
    states = _tqdm_states(4.0, 4.0, "epochs:\u2007100%",
                          "\u20074/4\u2007[01:05&lt;00:00,\u200716.63s/epoch,\u2007loss=1.4935]")
    assert ext.progress_bar_text("box", states) == (
        "epochs: 100%|██████████| 4/4 [01:05<00:00, 16.63s/epoch, loss=1.4935]")
    # a bar stopped half-way is drawn half full, as tqdm draws it
    half = ext.progress_bar_text("box", _tqdm_states(1.0, 2.0, "runs:\u200750%", "\u20071/2"))
    assert half == "runs: 50%|█████     | 1/2"
    # other widgets (a VBox of sliders) and unknown models are not progress bars
    assert ext.progress_bar_text("box", _tqdm_states(1, 2, "", "", box="VBoxModel")) is None
    assert ext.progress_bar_text("missing", states) is None


def test_the_text_of_an_unstarted_progress_bar_is_recognised():
    ext = _latex_extension()
    assert ext.PROGRESS_AT_START.search("learning-rate grid:   0%|          | 0/2 [00:00<?, ?it/s]")
    assert not ext.PROGRESS_AT_START.search("runs: 100%|██████████| 12/12 [04:36<00:00, 21.33s/it]")


def test_only_outputs_that_cannot_break_into_the_page_get_a_smaller_font():
    ext = _latex_extension()
    width = ext.CODE_CHARS_AT_9PT
    rule = "=" * (width + 10)  # torchinfo's rules: no space to break at
    table = "Conv2d (conv1)" + " " * 30 + "[1, 16, 32, 32]" + " " * (width - 50) + "432"
    sentence = " ".join(["word"] * (width // 3))  # a long printed sentence breaks at its spaces
    assert ext._needs_smaller_font(rule) == width + 10
    assert ext._needs_smaller_font(table) == len(table)
    assert ext._needs_smaller_font(sentence) == 0
    assert ext._needs_smaller_font("short line\n" + "x" * width) == 0
