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
