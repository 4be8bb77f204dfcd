"""How the built book's pages fit a screen: nothing widens a phone's page, every figure's
smallest text is readable at desktop width, and a figure shown smaller than drawn opens at
full size when tapped.

The figure check measures instead of guessing: each figure the book shows records, when it is
drawn, its smallest font size in points and its resolution (dlsg_utils.book.record_figure_
text_sizes: tEXt chunks of the PNG; an animation player's frame image carries them as
data-dlsg-* attributes). The text then shows at pt × dpi / 72 × (shown width / drawn width)
CSS pixels.
"""

from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

import pytest
from browser_support import HTML, toc_pages
from PIL import Image

from dlsg_utils.book import FIGURE_DPI_KEY, FIGURE_TEXT_KEY

pytestmark = pytest.mark.browser
PAGES = toc_pages()
CHAPTERS = [p for p in PAGES if p.startswith("chapters/")]
PHONE, DESKTOP = (390, 844), (1280, 900)
MIN_TEXT_PX = 9

# The outermost elements that reach past the window's right edge without a scrolling or
# clipping box around them: what makes the page wider than the window.
WIDENERS = """() => {
    const W = window.innerWidth;
    const free = e => { for (let a = e.parentElement; a && a !== document.body; a = a.parentElement)
        if (getComputedStyle(a).overflowX !== 'visible') return false; return true; };
    const wide = Array.from(document.querySelectorAll('body *')).filter(e => {
        const r = e.getBoundingClientRect(); return r.width > 0 && r.right > W + 0.5 && free(e); });
    return wide.filter(e => !wide.some(o => o !== e && o.contains(e))).slice(0, 8).map(e =>
        `${e.tagName.toLowerCase()}.${String(e.className).split(' ')[0]}: `
        + `${(e.textContent || '').trim().slice(0, 60)}`);
}"""


@pytest.mark.parametrize("path", PAGES)
def test_no_page_scrolls_sideways_on_a_phone(visit, path):
    """At 390 px the page is no wider than the window: long signatures and words wrap, code
    and wide outputs scroll inside their own box."""
    v = visit(path, viewport=PHONE)
    width, window = v.page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= window, (f"{path} is {width} px wide in a {window} px window",
                             v.page.evaluate(WIDENERS))


FIGURE_IMAGES = "main .cell_output img, main figure img"  # as dlsg.js
FIGURES = """(selector) => {
    document.querySelectorAll('details').forEach(d => { d.open = true; });  // folded outputs
    return Array.from(document.querySelectorAll(selector)).map(img => ({
        src: img.currentSrc || img.src, natural: img.naturalWidth, shown: img.clientWidth,
        pt: img.dataset.dlsgSmallestTextPt || null, dpi: img.dataset.dlsgDpi || null,
        anim: img.id.startsWith('_anim_img'), alt: (img.alt || '').slice(0, 60)}));
}"""


def _png_text(src: str, server: str) -> dict:
    """The tEXt chunks of a page's image file (served from _build/html)."""
    if not src.startswith(server):
        return {}
    path = HTML / PurePosixPath(unquote(urlsplit(src).path)).relative_to("/")
    if path.suffix.lower() != ".png":
        return {}
    with Image.open(path) as im:
        return dict(im.text)


def _text_px(fig: dict, server: str):
    """(smallest text in CSS px, why it cannot be known) for one figure <img>, or (None, None)
    when it is not a matplotlib figure."""
    if not fig["natural"]:
        return None, "the image has not loaded"
    if fig["anim"]:
        meta = {FIGURE_TEXT_KEY: fig["pt"], FIGURE_DPI_KEY: fig["dpi"]} if fig["dpi"] else {}
        if not meta:
            return None, "an animation player without data-dlsg-dpi (made without animation_html)"
    else:
        meta = _png_text(fig["src"], server)
        if not meta.get("Software", "").startswith("Matplotlib"):
            return None, None  # a photograph or a drawing, not a figure drawn here
        if FIGURE_DPI_KEY not in meta:
            return None, "a matplotlib PNG without its text size (not shown by the inline backend " \
                         "with dlsg_utils imported?)"
    if meta.get(FIGURE_TEXT_KEY) is None:
        return float("inf"), None  # no text at all
    pt, dpi = float(meta[FIGURE_TEXT_KEY]), float(meta[FIGURE_DPI_KEY])
    return pt * dpi / 72 * fig["shown"] / fig["natural"], None


# Chapters with figures under 9 px, expected to fail until their cells are resized: none since
# the 42 such figures were redrawn (issue 22, 2026-12-07). A chapter may be listed here only
# while its figures are being fixed.
SMALL_TEXT_CHAPTERS: set[str] = set()


@pytest.mark.parametrize("path", [
    pytest.param(p, marks=pytest.mark.xfail(reason="figure text under 9 px: cells to resize"))
    if p.split("/")[-1][:2] in SMALL_TEXT_CHAPTERS else p for p in CHAPTERS])
def test_every_figures_smallest_text_is_readable_at_desktop_width(visit, server, path):
    """At 1280 px every figure's smallest text is at least 9 CSS px tall (its font size: the
    em box, as CSS measures a font)."""
    v = visit(path, viewport=DESKTOP)
    v.page.wait_for_function(
        "() => Array.from(document.images).every(i => i.complete)")
    figures = v.page.evaluate(FIGURES, FIGURE_IMAGES)
    small, unknown, measured = [], [], []
    for fig in figures:
        px, why = _text_px(fig, server)
        if why:
            unknown.append((fig["src"][-40:], why))
        elif px is not None:
            measured.append(px)
            if px < MIN_TEXT_PX:
                small.append((round(px, 1), fig["src"][-40:], fig["alt"]))
    print(f"\n{path}: {len(measured)} figures measured, smallest text "
          f"{min(measured, default=float('nan')):.1f} px")
    assert unknown == []
    assert small == []


@pytest.mark.parametrize("path", ["chapters/13_resnet.html", "chapters/14_what_convnets_learn.html"])
def test_a_figure_shown_smaller_than_drawn_opens_full_size_when_tapped(visit, path):
    """On a phone every figure narrower on screen than drawn is a link to its own image, which
    the keyboard reaches (Tab) and opens (Enter); animation players are left alone."""
    v = visit(path, viewport=PHONE)
    state = v.page.evaluate("""(selector) => Array.from(document.querySelectorAll(selector))
        .filter(i => !i.id.startsWith('_anim_img') && i.naturalWidth > i.clientWidth + 1)
        .map(i => { const a = i.closest('a');
                    return {src: i.currentSrc || i.src, href: a ? a.href : null,
                            full: !!(a && a.classList.contains('dlsg-full-size'))}; })""",
                            FIGURE_IMAGES)
    assert state, "no figure is shown smaller than drawn on a phone"
    assert all(s["full"] and s["href"] == s["src"] for s in state), state
    link = v.page.locator("a.dlsg-full-size").first
    link.focus()
    assert v.page.evaluate("document.activeElement.classList.contains('dlsg-full-size')")
    v.page.keyboard.press("Enter")
    v.page.wait_for_url(state[0]["src"])
    assert v.page.evaluate("document.contentType").startswith("image/")
