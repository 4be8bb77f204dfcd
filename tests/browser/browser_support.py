"""Support for the browser tests: the built book (_build/html) served on 127.0.0.1, read by headless Chromium.

They run when `_build/html` exists (run `make book` first) and Debian's Chromium is installed
(`apt-get install chromium`); otherwise they are skipped with the reason.
"""

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = os.environ.get("DLSG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def why_no_chromium():
    """Why a browser test cannot run here (no Chromium, no playwright), or None if it can."""
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    return None


def _why_skip():
    if not (HTML / "intro.html").exists():
        return "no built book in _build/html (run `make book` first)"
    return why_no_chromium()


def pytest_collection_modifyitems(config, items):
    reason = _why_skip()
    if reason:
        for item in items:
            if item.get_closest_marker("browser"):  # not "browser" in keywords: the folder
                item.add_marker(pytest.mark.skip(reason=reason))


def toc_pages():
    """The HTML path of every page in _toc.yml, in book order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                pages.append(node["file"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(toc.get("parts", toc.get("chapters", [])))
    return [f"{p}.html" for p in pages]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def server():
    handler = functools.partial(_Quiet, directory=str(HTML))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class PageVisit:
    """A page opened with every console error, failed request and off-machine request recorded."""

    def __init__(self, browser, url, viewport=(1280, 900)):
        self.context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
        self.console_errors, self.failed, self.external = [], [], []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        self.page.on("pageerror", lambda e: self.console_errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.failed.append(f"{r.url} ({r.failure})"))
        self.page.on("response", lambda r: r.status >= 400 and self.failed.append(
            f"{r.url} (HTTP {r.status})"))
        self.page.goto(url, wait_until="load")
        self.wait_for_math()

    def _route(self, route):
        url = route.request.url
        if url.startswith(("http://127.0.0.1", "file:", "data:", "blob:", "about:")):
            route.continue_()
        else:
            self.external.append(url)
            route.abort()

    def wait_for_math(self):
        self.page.wait_for_function(
            "() => !window.MathJax || (window.MathJax.startup && window.MathJax.startup.promise)",
            timeout=15000)
        self.page.evaluate("() => window.MathJax ? window.MathJax.startup.promise : null")

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser, server):
    visits = []

    def open_page(path, viewport=(1280, 900)):
        v = PageVisit(browser, f"{server}/{path}", viewport=viewport)
        visits.append(v)
        return v

    yield open_page
    for v in visits:
        v.close()
