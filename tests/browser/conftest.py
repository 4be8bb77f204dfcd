"""Browser tests: the built book (_build/html) served on 127.0.0.1, read by headless Chromium.

They run when `_build/html` exists (run `make book` first) and Debian's Chromium is installed
(`apt-get install chromium`); otherwise they are skipped with the reason.
"""

from browser_support import browser, pytest_collection_modifyitems, server, visit  # noqa: F401
