"""Every page of the book, as a reader's browser shows it."""

import re
import urllib.request

import pytest
from browser_support import HTML, SCREENSHOTS, toc_pages

pytestmark = pytest.mark.browser
PAGES = toc_pages()
CHAPTERS = [p for p in PAGES if p.startswith("chapters/")]


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_without_console_errors_failed_or_external_requests(visit, path):
    v = visit(path)
    assert v.console_errors == []
    assert v.failed == []
    assert v.external == [], "the book must work offline"


@pytest.mark.parametrize("path", PAGES)
def test_math_is_typeset(visit, path):
    v = visit(path)
    text = v.page.evaluate("""() => {
        const main = document.querySelector('main') || document.body;
        const copy = main.cloneNode(true);
        copy.querySelectorAll('pre, code, .cell_output, mjx-container, script, style')
            .forEach(e => e.remove());
        return copy.innerText;
    }""")
    for raw in ("$$", "\\(", "\\[", "\\begin{"):
        assert raw not in text, f"untypeset math {raw!r} left in the visible text"
    source = (HTML / path).read_text()
    if "class=\"math" in source:
        assert v.page.locator("mjx-container").count() > 0, "MathJax rendered nothing"


@pytest.mark.parametrize("path", PAGES)
def test_every_image_has_loaded(visit, path):
    v = visit(path)
    v.page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    broken = v.page.evaluate("""() => Array.from(document.images)
        .filter(img => !(img.complete && img.naturalWidth > 0)).map(img => img.src)""")
    assert broken == []


@pytest.mark.parametrize("path", CHAPTERS)
def test_chapter_has_figures(visit, path):
    v = visit(path)
    assert v.page.locator("main img").count() > 0


@pytest.mark.parametrize("path", CHAPTERS)
def test_open_in_colab_points_at_this_chapters_colab_ready_copy(visit, path):
    # colab/NN_*.ipynb: the chapter without raw MyST (tools/colab_copies.py, make colab)
    v = visit(path)
    hrefs = v.page.eval_on_selector_all(
        "a[href*='colab.research.google.com']", "els => els.map(e => e.href)")
    notebook = "colab/" + path.split("/")[-1].replace(".html", ".ipynb")
    assert hrefs, "no Colab launch button"
    assert all(re.fullmatch(
        rf"https://colab\.research\.google\.com/github/[\w.-]+/[\w.-]+/blob/[\w.-]+/{notebook}",
        h) for h in hrefs), hrefs


@pytest.mark.parametrize("path", CHAPTERS)
def test_download_button_offers_the_notebook(visit, server, path):
    v = visit(path)
    hrefs = v.page.eval_on_selector_all("a[href$='.ipynb']", "els => els.map(e => e.href)")
    local = [h for h in hrefs if h.startswith(server)]
    assert local, "no .ipynb download link"
    with urllib.request.urlopen(local[0]) as response:
        assert response.status == 200
        assert b'"cells"' in response.read()


@pytest.mark.parametrize("path", CHAPTERS)
def test_javascript_animations_advance_when_stepped(visit, path):
    v = visit(path)
    animations = v.page.locator("div.animation")
    for i in range(animations.count()):
        anim = animations.nth(i)
        anim.scroll_into_view_if_needed()
        slider = anim.locator("input[type=range]")
        before = int(slider.input_value())
        anim.locator("button[onclick*='next_frame']").first.click()
        assert int(slider.input_value()) == before + 1, f"animation {i} did not step"
        anim.locator("button[onclick*='play_animation']").first.click()
        for _ in range(50):  # frames may be up to a second apart
            if int(slider.input_value()) > before + 1:
                break
            v.page.wait_for_timeout(100)
        assert int(slider.input_value()) > before + 1, f"animation {i} did not play"
        anim.locator("button[onclick*='pause_animation']").first.click()


def test_search_finds_nesterov(visit):
    v = visit("search.html?q=Nesterov")
    v.page.wait_for_selector("#search-results ul.search li", timeout=15000)
    assert v.page.locator("#search-results ul.search li").count() > 0


@pytest.mark.parametrize("path", PAGES)
def test_full_page_screenshot_is_saved(visit, path):
    v = visit(path)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    out = SCREENSHOTS / (path.replace("/", "__").replace(".html", ".png"))
    v.page.screenshot(path=str(out), full_page=True)
    assert out.stat().st_size > 10_000
