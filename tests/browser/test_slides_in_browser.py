"""The slide decks of `make slides` (tools/slides.py) in headless Chromium at a projector's
1280x720: every slide of every deck fits without horizontal overflow, the arrow keys move
through a deck, the optimizer lab runs a path on its slide (and keeps its arrow keys), the
convolution explorer steps on its slide, no request leaves the page (everything that is not a
file or 127.0.0.1 is aborted and recorded), and axe-core finds nothing.

The built decks (`_build/slides`, after `make book` and `make slides`) are read from a server on
127.0.0.1; without them those tests skip. One small deck, built here from a made-up executed
chapter with the real card, figure and lab, is always tested (it needs only the vendored
reveal.js of tools/vendor_js.py). A screenshot of the lab's slide goes to _build/screenshots.
"""

import functools
import http.server
import json
import shutil
import sys
import threading
from pathlib import Path

import pytest
from browser_support import ROOT, SCREENSHOTS, PageVisit, why_no_chromium

pytestmark = pytest.mark.skipif(why_no_chromium() is not None, reason=str(why_no_chromium()))

SLIDES = ROOT / "_build" / "slides"
AXE = ROOT / "_vendor" / "test" / "axe-core" / "axe.min.js"
REVEAL = ROOT / "_vendor" / "slides" / "reveal.js" / "dist" / "reveal.js"
PROJECTOR = (1280, 720)
BUILT = sorted(p.name for p in SLIDES.glob("*.slides.html"))

# Every slide, one after the other: what sticks out of it sideways (elements past its left or
# right edge, or scrolled sideways inside it), and what falls below its bottom.
MEASURE = """() => {
  const R = window.Reveal, width = R.getConfig().width, height = R.getConfig().height;
  const report = [];
  for (const s of R.getSlides()) {
    const at = R.getIndices(s);
    R.slide(at.h, at.v);
    const cur = R.getCurrentSlide(), box = cur.getBoundingClientRect();
    const scale = box.width / width, wide = [], tall = [];
    for (const el of cur.querySelectorAll('*')) {
      if (el.closest('aside.notes')) continue;
      const r = el.getBoundingClientRect();
      if (r.width <= 1 || r.height <= 1) continue;  // screen-reader-only text
      const name = el.tagName + '.' + String(el.className).split(' ')[0];
      if (r.right > box.right + 2 || r.left < box.left - 2) wide.push(name);
      const overflowX = getComputedStyle(el).overflowX;
      if (['auto', 'scroll', 'hidden'].includes(overflowX) && el.scrollWidth > el.clientWidth + 1)
        wide.push('scrolls sideways: ' + name);
      if (!cur.hasAttribute('data-dlsg-live') && r.bottom > box.top + height * scale + 2)
        tall.push(name);
    }
    report.push({h: at.h, v: at.v, wide: wide.slice(0, 5), tall: tall.length,
                 title: (cur.querySelector('h1, h2, h3, figcaption') || {}).textContent || ''});
  }
  R.slide(0, 0);
  return report;
}"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _serve(folder: Path):
    handler = functools.partial(_Quiet, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


@pytest.fixture(scope="module")
def built():
    if not BUILT:
        pytest.skip("no decks in _build/slides (run `make book`, then `make slides`)")
    httpd = _serve(SLIDES)
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def small_deck(tmp_path_factory):
    """A deck built here by tools/slides.py from a made-up executed chapter (the unit tests'),
    with the vendored reveal.js, served on 127.0.0.1."""
    if not REVEAL.is_file():
        pytest.skip("reveal.js is not vendored: run `python tools/vendor_js.py _vendor`")
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        import test_slides_build as unit
    finally:
        sys.path.pop(0)
    root = unit._mini_book(tmp_path_factory.mktemp("slides"))
    shutil.rmtree(root / "_vendor")
    (root / "_vendor" / "static" / "widgets").mkdir(parents=True)
    shutil.copytree(REVEAL.parents[1], root / "_vendor" / "slides" / "reveal.js")
    shutil.copy2(ROOT / "_vendor" / "static" / "widgets" / "require.js",
                 root / "_vendor" / "static" / "widgets" / "require.js")
    unit.slides.build(root, cache_dir=root / "no-cache", log=lambda s: None)
    httpd = _serve(root / "_build" / "slides")
    yield f"http://127.0.0.1:{httpd.server_address[1]}/99_small.slides.html"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def open_deck(browser):
    visits = []

    def open_(url):
        v = PageVisit(browser, url, viewport=PROJECTOR)
        v.page.wait_for_function("() => window.Reveal && window.Reveal.isReady()", timeout=30000)
        visits.append(v)
        return v

    yield open_
    for v in visits:
        v.close()


def _fits(v):
    report = v.page.evaluate(MEASURE)
    wide = [(s["h"], s["v"], s["title"][:40], s["wide"]) for s in report if s["wide"]]
    return report, wide


def _indices(v):
    return v.page.evaluate("() => Reveal.getIndices()")


def _go_to_lab(v, selector=".dlsg-lab", drawn="canvas"):
    at = v.page.evaluate("""(sel) => {
        const s = Reveal.getSlides().find(s => s.querySelector(sel));
        if (!s) return null;
        const at = Reveal.getIndices(s); Reveal.slide(at.h, at.v); return at; }""", selector)
    assert at is not None, f"no slide holds {selector}"
    v.page.wait_for_function(
        f"() => Reveal.getCurrentSlide().querySelector('{selector} {drawn}')")
    return at


# --- every built deck --------------------------------------------------------------------------

@pytest.mark.parametrize("deck", BUILT or ["(none built)"])
def test_every_slide_fits_1280x720_and_no_request_leaves_the_page(built, open_deck, deck):
    v = open_deck(f"{built}/{deck}")
    report, wide = _fits(v)
    assert len(report) == v.page.evaluate("() => Reveal.getTotalSlides()") > 3
    assert wide == [], f"slides wider than 1280 px: {wide}"
    assert v.external == [], f"requests that would leave the machine: {v.external[:5]}"
    assert v.failed == [] and v.console_errors == []
    titled = [s["title"] for s in report]
    assert any(t.startswith("What the book measured") for t in titled)
    assert "Discussion" in titled


@pytest.mark.parametrize("deck", BUILT or ["(none built)"])
def test_axe_finds_nothing_on_the_first_slide_and_the_slides_with_live_components(
        built, open_deck, deck):
    if not AXE.exists():
        pytest.skip("axe-core is not vendored: run `python tools/vendor_js.py _vendor`")
    v = open_deck(f"{built}/{deck}")
    v.page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    slides = v.page.evaluate("""() => [{h: 0, v: 0}].concat(Reveal.getSlides()
        .filter(s => s.hasAttribute('data-dlsg-live')).map(s => Reveal.getIndices(s)))""")
    problems = []
    for at in slides[:4]:
        v.page.evaluate("(at) => Reveal.slide(at.h, at.v)", at)
        result = v.page.evaluate("""() => axe.run(document, {runOnly: {type: 'tag', values:
            ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})""")
        problems += [(at, r["id"], r["help"], [n["html"][:80] for n in r["nodes"][:3]])
                     for r in result["violations"]]
    assert problems == []


def test_the_right_arrow_advances_and_the_down_arrow_opens_the_figures_below(built, open_deck):
    deck = "03_momentum_and_nesterov.slides.html"
    if deck not in BUILT:
        pytest.skip(f"{deck} is not built")
    v = open_deck(f"{built}/{deck}")
    assert _indices(v)["h"] == 0
    v.page.keyboard.press("ArrowRight")
    assert _indices(v)["h"] == 1
    v.page.keyboard.press("ArrowDown")
    assert _indices(v)["h"] == 1 and _indices(v)["v"] == 1


def test_the_lab_runs_a_path_on_its_slide_of_the_momentum_deck(built, open_deck):
    deck = "03_momentum_and_nesterov.slides.html"
    if deck not in BUILT:
        pytest.skip(f"{deck} is not built")
    v = open_deck(f"{built}/{deck}")
    _run_the_lab(v, SCREENSHOTS / "slides_lab_momentum.png")


def test_the_conv_explorer_steps_on_its_slide(built, open_deck):
    deck = "09_convolution_arithmetic.slides.html"
    if deck not in BUILT:
        pytest.skip(f"{deck} is not built")
    v = open_deck(f"{built}/{deck}")
    _go_to_lab(v, ".dlsg-conv", "svg")
    ex = v.page.locator("section.present .dlsg-conv").first
    button = ex.get_by_role("button", name="Next position")
    before = ex.inner_text()
    button.click()
    button.click()
    assert ex.inner_text() != before
    assert v.console_errors == [] and v.external == []


# --- the deck built here ------------------------------------------------------------------------

def _run_the_lab(v, screenshot):
    at = _go_to_lab(v)
    lab = v.page.locator("section.present .dlsg-lab").first
    status = lab.locator(".dlsg-lab-status")
    # the arrow keys on the map move the lab's start, not the deck
    before = status.text_content()
    lab.locator("canvas.dlsg-lab-map").focus()
    v.page.keyboard.press("ArrowLeft")
    assert status.text_content() != before and "Start (" in status.text_content()
    assert {k: _indices(v)[k] for k in ("h", "v")} == {k: at[k] for k in ("h", "v")}
    # Play runs the path from step 0: the step shown advances
    lab.locator("button.dlsg-lab-play").click()
    scrub = lab.locator("input[type=range][id$='-t']")
    v.page.wait_for_function("el => Number(el.value) > 0", arg=scrub.element_handle(),
                             timeout=5000)
    v.page.wait_for_function("el => Number(el.value) === Number(el.max)",
                             arg=scrub.element_handle(), timeout=15000)
    assert "After" in status.text_content() and "f − f*" in status.text_content()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    v.page.screenshot(path=str(screenshot))
    assert screenshot.stat().st_size > 20_000
    assert v.console_errors == [] and v.external == []


def test_small_deck_every_slide_fits_and_nothing_leaves_the_page(open_deck, small_deck):
    v = open_deck(small_deck)
    report, wide = _fits(v)
    assert [s["title"] for s in report][-3:] == ["What the book measured",
                                                 "What the book measured: the numbers",
                                                 "Discussion"]
    assert wide == [] and v.external == [] and v.console_errors == [] and v.failed == []
    assert all(s["tall"] == 0 for s in report), json.dumps(report)[:500]


def test_small_deck_arrow_keys_move_between_slides(open_deck, small_deck):
    v = open_deck(small_deck)
    v.page.keyboard.press("ArrowRight")
    assert _indices(v)["h"] == 1  # the card's slide
    v.page.keyboard.press("ArrowDown")
    assert _indices(v)["v"] == 1  # the figure below it
    v.page.keyboard.press("ArrowLeft")
    assert _indices(v)["h"] == 0


def test_small_deck_lab_runs_a_path_on_its_slide(open_deck, small_deck):
    _run_the_lab(open_deck(small_deck), SCREENSHOTS / "slides_lab_small_deck.png")


def test_small_deck_math_is_typeset_offline(open_deck, small_deck):
    v = open_deck(small_deck)
    v.page.evaluate("() => window.MathJax.startup.promise")
    assert v.page.locator("mjx-container").count() >= 2  # the Momentum card's equations
    assert v.external == []


def test_small_deck_prints_one_pdf_page_per_slide_with_print_pdf(open_deck, small_deck):
    v = open_deck(small_deck + "?print-pdf")
    v.page.wait_for_function("() => document.querySelectorAll('.pdf-page').length > 0")
    pages = v.page.evaluate("() => document.querySelectorAll('.pdf-page').length")
    assert pages == v.page.evaluate("() => Reveal.getTotalSlides()") == 7
    assert v.external == [] and v.console_errors == []
