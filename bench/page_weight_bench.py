"""Page weight of the theme: bytes and requests per template type, and Lighthouse scores.

`run(site_dir=None)` serves a built site (by default the real content built into a temporary
folder for a free port) from a static server that sends the site's security headers, then:

- per template type and language: HTML bytes, CSS and JS bytes, and the number of requests
  the page makes in Chromium (Playwright), all of them from our own origin;
- Lighthouse 12 (node_modules/.bin/lighthouse, CHROME_PATH=/usr/bin/chromium) on an article and
  the home page: performance, accessibility, best practices and SEO scores (0-100).

CLI: `python -m bench.page_weight_bench [SITE_DIR]` prints the figures as JSON. A site given on
the command line must have been built for the URL it is served at (`--port`, default 8000).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from tests.browser import LAUNCH_ARGS, launch

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CHROME_FLAGS = ["--headless=new", *LAUNCH_ARGS]
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
# Template type -> path (without language prefix) of a page rendered with it.
TEMPLATES = {
    "article": "articles/ptsd-in-veterans/",
    "index": "",
    "page": "about/",
    "category": "category/ptsd/",
    "archives": "archives/",
    "subscribe": "subscribe/",
    "subscribe-result": "subscribe/confirmed/",
    "search": "search/",
    "404": "404.html",
}
LANG_PREFIXES = {"uk": "", "en": "en/"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Handler(http.server.SimpleHTTPRequestHandler):
    extra_headers: dict[str, str] = {}

    def end_headers(self) -> None:
        for name, value in self.extra_headers.items():
            self.send_header(name, value)
        if "/theme/" in self.path:  # fingerprinted assets: what a CDN would be told
            self.send_header("Cache-Control", "public, max-age=31536000, immutable")
        super().end_headers()

    def log_message(self, *args) -> None:
        pass


@contextlib.contextmanager
def serve(site: Path, port: int, headers: dict[str, str]):
    handler = type("Handler", (_Handler,), {"extra_headers": dict(headers)})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port),
                                             functools.partial(handler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()


def _security_headers() -> dict[str, str]:
    from pelican.settings import read_settings

    return read_settings(str(ROOT / "pelicanconf.py")).get("SECURITY_HEADERS") or {}


def build_real_site(output: Path, base: str) -> None:
    from sitebuild.build import build
    from sitebuild.config import BuildOptions

    build(BuildOptions(settings_file=ROOT / "pelicanconf.py", content=ROOT / "content",
                       output=output, cache=False,
                       overrides=(("SITEURL", base), ("FEED_DOMAIN", base))))


def weigh(base: str) -> dict[str, dict]:
    """Bytes and requests of each template type in each language, measured in Chromium."""
    from playwright.sync_api import sync_playwright

    figures: dict[str, dict] = {}
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            for lang, prefix in LANG_PREFIXES.items():
                for template, path in TEMPLATES.items():
                    figures[f"{template} ({lang})"] = _weigh_page(browser, f"{base}/{prefix}{path}",
                                                                  base)
        finally:
            browser.close()
    return figures


def _weigh_page(browser, url: str, base: str) -> dict:
    context = browser.new_context()
    page = context.new_page()
    sizes: dict[str, int] = {"document": 0, "stylesheet": 0, "script": 0, "other": 0}
    requests: list[str] = []

    def on_response(response) -> None:
        kind = response.request.resource_type
        key = kind if kind in sizes else "other"
        # The static server always sends Content-Length (bytes on the wire, uncompressed).
        sizes[key] += int(response.headers.get("content-length") or 0)

    page.on("request", lambda request: requests.append(request.url))
    page.on("response", on_response)
    page.goto(url, wait_until="networkidle")
    context.close()
    return {"html_bytes": sizes["document"], "css_bytes": sizes["stylesheet"],
            "js_bytes": sizes["script"], "other_bytes": sizes["other"],
            "html_css_bytes": sizes["document"] + sizes["stylesheet"],
            "requests": len(requests),
            "third_party_requests": sum(not r.startswith(base) for r in requests)}


def lighthouse(url: str, work: Path) -> dict:
    """Lighthouse category scores (0-100) for one URL, or {"error": ...}."""
    if not LIGHTHOUSE.exists():
        return {"error": f"{LIGHTHOUSE} is missing: run `make test-setup`"}
    report = work / "lighthouse.json"
    env = {**os.environ, "CHROME_PATH": "/usr/bin/chromium"}
    result = subprocess.run(
        [str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={report}",
         f"--only-categories={','.join(CATEGORIES)}", f"--chrome-flags={' '.join(CHROME_FLAGS)}"],
        capture_output=True, text=True, env=env, timeout=300)
    if result.returncode != 0 or not report.exists():
        return {"error": (result.stderr or result.stdout)[-500:]}
    data = json.loads(report.read_text(encoding="utf-8"))
    scores = {name: round((data["categories"][name]["score"] or 0) * 100) for name in CATEGORIES}
    failed = [audit_id for audit_id, audit in data["audits"].items()
              if audit.get("score") is not None and audit["score"] < 1
              and audit.get("scoreDisplayMode") in ("binary", "numeric")]
    scores["audits_below_full_score"] = sorted(failed)[:20]
    return scores


def run(site_dir: Path | None = None, port: int | None = None) -> dict:
    """Figures for the built site at `site_dir` (served on `port`), or for a fresh build."""
    with tempfile.TemporaryDirectory(prefix="page-weight-") as scratch:
        work = Path(scratch)
        if site_dir is None:
            port = _free_port()
            site_dir = work / "output"
            build_real_site(site_dir, f"http://127.0.0.1:{port}")
        with serve(Path(site_dir), port or 8000, _security_headers()) as base:
            pages = weigh(base)
            scores = {name: lighthouse(f"{base}/{path}", work)
                      for name, path in (("article (uk)", TEMPLATES["article"]),
                                         ("index (uk)", ""))}
    return {"pages": pages, "lighthouse": scores}


if __name__ == "__main__":
    arguments = sys.argv[1:]
    site = Path(arguments[0]) if arguments else None
    print(json.dumps(run(site), indent=1, ensure_ascii=False))
