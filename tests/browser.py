"""The one way tests (and the page-weight and search benches) start Debian's Chromium.

Never `playwright install`: Playwright drives /usr/bin/chromium. The flags keep Chromium from
reaching for the network this machine does not have (see shared/notes/toolchain.md).
"""

from __future__ import annotations

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run", "--disable-quic"]


def launch(playwright):
    """A headless Chromium browser from a `sync_playwright()` instance."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
