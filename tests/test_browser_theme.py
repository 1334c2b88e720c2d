"""The theme in headless Chromium: every template type in both languages.

The real content is built once for this module with SITEURL pointing at a static HTTP server
on a free port, which also sends the site's SECURITY_HEADERS (so the strict CSP is enforced as
a real header, not a meta tag). For each page: no console errors, no failed requests, no
horizontal overflow at 375 and 1280 px, zero axe-core violations (WCAG 2.0/2.1/2.2 A+AA),
and axe over every published article and page at both widths (content, unlike templates, varies:
a wide table scrolls at 375 px only); keyboard use of the menu, the language switch, share links and pagination. Screenshots are
written to test-artifacts/theme/ (gitignored) for people to look at.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import threading
from pathlib import Path

import pytest
from pelican.settings import read_settings

from core import catalogue
from tests.browser import launch
from tests.conftest import ROOT, build_into
from tests.fakes.fixtures import pick_port

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts" / "theme"
WIDTHS = (375, 1280)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]
PREFIXES = {"uk": "", "en": "en/"}


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Static files plus the site's security headers; 404s get the site's 404 page."""

    headers_to_send: dict[str, str] = {}

    def end_headers(self) -> None:
        for name, value in self.headers_to_send.items():
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, *args) -> None:  # keep test output readable
        pass


@contextlib.contextmanager
def static_server(root: Path, port: int, headers: dict[str, str]):
    handler = type("Handler", (_Handler,), {"headers_to_send": dict(headers)})
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", port), functools.partial(handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """(base URL, output folder) of the real site built for and served on a free port."""
    port = pick_port()
    base = f"http://127.0.0.1:{port}"
    output = tmp_path_factory.mktemp("theme-site") / "output"
    build_into(output, ROOT / "content", SITEURL=base, FEED_DOMAIN=base)
    headers = read_settings(str(ROOT / "pelicanconf.py"))["SECURITY_HEADERS"]
    assert "Content-Security-Policy" in headers
    with static_server(output, port, headers) as url:
        yield url, output


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


def sample_paths(output: Path, lang: str) -> dict[str, str]:
    """One URL path per template type in `lang`, chosen from what the build wrote."""
    prefix = PREFIXES[lang]
    root = output / prefix if prefix else output

    def first(folder: str) -> str:
        found = sorted(p for p in (root / folder).iterdir() if (p / "index.html").exists())
        assert found, f"no page under {prefix}{folder}/"
        return f"{prefix}{folder}/{found[0].name}/"

    article = f"{prefix}articles/ptsd-in-veterans/"
    assert (output / article / "index.html").exists()
    pages = {
        "index": prefix,
        "index-page-2": f"{prefix}page/2/",
        "article": article,
        "page": f"{prefix}about/",
        "category": f"{prefix}category/ptsd/",
        "tag": first("tag"),
        "author": first("author"),
        "archives": f"{prefix}archives/",
        "period-archives": first("archives"),
        "categories": f"{prefix}categories/",
        "tags": f"{prefix}tags/",
        "authors": f"{prefix}authors/",
        "search": f"{prefix}search/",
        "subscribe": f"{prefix}subscribe/",
        "subscribe-result": f"{prefix}subscribe/confirmed/",
        "subscribe-error": f"{prefix}subscribe/invalid-email/",
        "feeds": f"{prefix}feeds/",
        "404": f"{prefix}404.html",
    }
    for name, path in pages.items():
        target = output / path / "index.html" if path.endswith("/") or not path else output / path
        assert target.exists(), f"{name}: {path} was not built"
    return pages


CASES = [(lang, name) for lang in PREFIXES for name in (
    "index", "index-page-2", "article", "page", "category", "tag", "author", "archives",
    "period-archives", "categories", "tags", "authors", "search", "subscribe",
    "subscribe-result", "subscribe-error", "feeds", "404")]


def open_page(chromium, url: str, width: int, *, bypass_csp: bool = False):
    """A new page at `width` that records console errors and failed requests.

    `bypass_csp` only for injecting axe-core (the CSP rightly refuses injected scripts).
    """
    context = chromium.new_context(viewport={"width": width, "height": 900},
                                   bypass_csp=bypass_csp)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
            if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url} {r.failure}"))
    page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}")
            if r.status >= 400 and not r.url.endswith("404.html") else None)
    page.goto(url, wait_until="load")
    return context, page, problems


@pytest.mark.parametrize(("lang", "name"), CASES)
def test_template_loads_cleanly_and_fits(site, chromium, lang, name):
    base, output = site
    path = sample_paths(output, lang)[name]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        context, page, problems = open_page(chromium, f"{base}/{path}", width)
        try:
            assert page.locator("html").get_attribute("lang") == lang
            assert page.locator("h1").count() == 1, "every page has exactly one h1"
            overflow = page.evaluate(
                "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
            page.screenshot(path=str(ARTIFACTS / f"{lang}-{name}-{width}.png"), full_page=True)
            assert overflow <= 0, f"{path} overflows horizontally by {overflow}px at {width}px"
            assert problems == [], f"{path} at {width}px: {problems}"
        finally:
            context.close()


@pytest.mark.parametrize(("lang", "name"), CASES)
def test_template_has_no_axe_violations(site, chromium, lang, name):
    base, output = site
    path = sample_paths(output, lang)[name]
    context, page, _ = open_page(chromium, f"{base}/{path}", 1280, bypass_csp=True)
    try:
        violations = axe_violations(page)
        assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)
    finally:
        context.close()


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG A+AA violations on the loaded page (needs a context with bypass_csp)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        AXE_TAGS)
    return [{"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"]]


def published_content_paths() -> list[str]:
    """The URL path of every article and page content/ builds (all but drafts), both languages."""
    settings = read_settings(str(ROOT / "pelicanconf.py"), override={"PATH": str(ROOT / "content")})
    return sorted(entry.url for entry in catalogue.build(settings).entries
                  if entry.status != catalogue.DRAFT)


@pytest.mark.parametrize("width", WIDTHS)
def test_every_article_and_page_has_no_axe_violations(site, chromium, width):
    base, output = site
    paths = published_content_paths()
    assert len(paths) >= 40 and any(p.startswith("en/") for p in paths), paths
    context = chromium.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    found: dict[str, list[dict]] = {}
    try:
        for path in paths:
            assert (output / path / "index.html").exists(), f"{path} was not built"
            page.goto(f"{base}/{path}", wait_until="load")
            violations = axe_violations(page)
            if violations:
                found[path] = violations
    finally:
        context.close()
    assert found == {}, f"at {width}px: " + json.dumps(found, ensure_ascii=False, indent=1)


def _tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching `selector` has focus (fails after `limit`)."""
    target = page.locator(selector).first
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"could not reach {selector} with the Tab key")


def test_skip_link_and_treat_menu_by_keyboard(site, chromium):
    base, _ = site
    context, page, problems = open_page(chromium, f"{base}/en/", 375)
    try:
        page.keyboard.press("Tab")
        skip = page.locator(".skip-link")
        assert skip.evaluate("el => el === document.activeElement")
        assert skip.is_visible(), "the skip link shows when it has focus"
        _tab_to(page, ".menu summary")
        menu_link = page.locator(".menu ul a").first
        assert not menu_link.is_visible()
        page.keyboard.press("Enter")
        assert menu_link.is_visible(), "Enter on the summary opens the menu"
        page.keyboard.press("Tab")
        assert menu_link.evaluate("el => el === document.activeElement")
        href = menu_link.evaluate("a => a.href")  # resolved: relative in a development build
        page.keyboard.press("Enter")
        page.wait_for_url(href)
        assert problems == []
    finally:
        context.close()


def test_language_switch_by_keyboard_goes_to_the_translation(site, chromium):
    base, _ = site
    context, page, _ = open_page(chromium, f"{base}/articles/ptsd-in-veterans/", 1280)
    try:
        _tab_to(page, "a.lang-switch")
        page.keyboard.press("Enter")
        page.wait_for_url(f"{base}/en/articles/ptsd-in-veterans/")
        assert page.locator("html").get_attribute("lang") == "en"
    finally:
        context.close()


def test_share_links_and_copy_button_by_keyboard(site, chromium):
    base, _ = site
    url = f"{base}/en/articles/ptsd-in-veterans/"
    context, page, problems = open_page(chromium, url, 375)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    try:
        links = page.locator(".share a")
        assert links.count() == 7
        hrefs = [links.nth(i).get_attribute("href") for i in range(7)]
        assert all("ptsd-in-veterans" in h for h in hrefs), hrefs
        _tab_to(page, ".share a")
        for _ in range(6):
            page.keyboard.press("Tab")
        assert links.nth(6).evaluate("el => el === document.activeElement")
        page.keyboard.press("Tab")
        button = page.locator("[data-copy-link]")
        assert button.is_visible(), "our script reveals the copy button"
        assert button.evaluate("el => el === document.activeElement")
        page.keyboard.press("Enter")
        status = page.locator("[data-copy-status]")
        status.filter(has_text="Link copied").wait_for()
        assert page.evaluate("() => navigator.clipboard.readText()") == url
        assert problems == []
    finally:
        context.close()


def test_pagination_by_keyboard(site, chromium):
    base, _ = site
    context, page, _ = open_page(chromium, f"{base}/", 1280)
    try:
        _tab_to(page, "a[rel=next]")
        page.keyboard.press("Enter")
        page.wait_for_url(f"{base}/page/2/")
        _tab_to(page, "a[rel=prev]")
        page.keyboard.press("Enter")
        page.wait_for_url(f"{base}/")
    finally:
        context.close()


def test_article_page_needs_at_most_three_requests(site, chromium):
    base, _ = site
    context = chromium.new_context()
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(f"{base}/articles/ptsd-in-veterans/", wait_until="networkidle")
        own = [u for u in requests if u.startswith(base)]
        assert len(own) <= 3, own
        assert len(requests) == len(own), "no third-party requests"
    finally:
        context.close()


def test_menu_works_without_javascript(site, chromium):
    base, _ = site
    context = chromium.new_context(java_script_enabled=False, viewport={"width": 375, "height": 800})
    page = context.new_page()
    try:
        page.goto(f"{base}/")
        page.locator(".menu summary").click()
        assert page.locator(".menu ul a").first.is_visible()
        assert not page.locator("[data-copy-link]").count() or \
            not page.locator("[data-copy-link]").first.is_visible()
    finally:
        context.close()


BPD = "articles/ketamine-borderline-personality-disorder/"  # four related publications


@pytest.mark.parametrize("lang", PREFIXES)
def test_related_cards_leave_no_card_alone_on_a_row(site, chromium, lang):
    """Four related cards: 2 x 2 on a wide screen (not 3 + a lone one), one column on a phone."""
    base, _ = site
    for width, expected in ((1280, [2, 2]), (375, [1, 1, 1, 1])):
        context, page, problems = open_page(chromium, f"{base}/{PREFIXES[lang]}{BPD}", width)
        try:
            boxes = page.eval_on_selector_all(
                ".related .cards > li",
                "cards => cards.map(c => { const r = c.getBoundingClientRect();"
                " return [Math.round(r.top), r.right]; })")
            rows: dict[int, int] = {}
            for top, _ in boxes:
                rows[top] = rows.get(top, 0) + 1
            assert list(rows.values()) == expected, f"{lang} at {width}px: cards per row {rows}"
            assert max(right for _, right in boxes) <= width
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.locator(".related").screenshot(
                path=str(ARTIFACTS / f"{lang}-related-{width}.png"))
            assert problems == []
        finally:
            context.close()


_PIXELS = """async (png) => {
    const bytes = Uint8Array.from(atob(png), c => c.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([bytes], {type: 'image/png'}));
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext('2d');
    context.drawImage(bitmap, 0, 0);
    const y = Math.floor(bitmap.height / 2);
    const grey = x => { const [r, g, b] = context.getImageData(x, y, 1, 1).data;
                        return (r + g + b) / 3; };
    return [grey(3), grey(Math.floor(bitmap.width / 2)), grey(bitmap.width - 4)];
}"""


def test_a_wide_table_shows_a_shadow_on_the_side_with_more(site, chromium):
    """CSS-only scroll cue: at the start a shadow on the right edge only, at the end on the
    left only (measured on the pixels of a wide, empty table in a real page's table box)."""
    import base64

    base, _ = site
    context, page, problems = open_page(chromium, f"{base}/en/{BPD}", 375)
    reader = context.new_page()
    try:
        table = page.locator(".prose .table-scroll").first  # the article's own table
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        table.screenshot(path=str(ARTIFACTS / "en-table-scroll-375.png"))
        page.evaluate("""() => {
            const box = document.createElement('div');
            box.className = 'table-scroll';
            box.id = 'probe';
            const cell = document.createElement('table').insertRow().insertCell();
            cell.textContent = '\\u00a0'.repeat(400);
            box.append(cell.closest('table'));
            document.querySelector('.prose').prepend(box);
        }""")
        box = page.locator("#probe")
        assert box.evaluate("b => b.scrollWidth > b.clientWidth + 200")

        def edges() -> list[float]:
            png = base64.b64encode(box.screenshot()).decode()
            return reader.evaluate(_PIXELS, png)

        left, middle, right = edges()
        assert abs(left - middle) < 3 and middle - right > 20, (left, middle, right)
        box.evaluate("b => { b.scrollLeft = b.scrollWidth; }")
        left, middle, right = edges()
        assert middle - left > 20 and abs(right - middle) < 3, (left, middle, right)
        assert problems == []
    finally:
        context.close()
