"""Site search (sitebuild/search.py, theme/templates/search.html, theme/static/js/search.js).

The browser tests build a small two-language site, serve it over real HTTP with the site's
security headers (the Content-Security-Policy as a response header: a <meta> CSP would hide
Pagefind's WebAssembly failure), and drive the search page in headless Chromium.
"""

from __future__ import annotations

import functools
import json
import shutil
import socket
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from sitebuild import search
from tests.browser import launch
from tests.conftest import FIXTURE_SITE, ROOT, build_into


# (path, text): the right answer for each query, plus rivals that mention the word less.
ARTICLES = {
    "articles/ketamine-therapy/bpd-pilot.en.md": (
        "title: Ketamine in borderline personality disorder\ndate: 2025-02-01\n"
        "category: ketamine-therapy\nreferences: sample2020\n\n"
        "A pilot trial compared ketamine with midazolam [@sample2020]. Midazolam is a sedative; "
        "the midazolam group improved too.\n"),
    "articles/ptsd/veterans.en.md": (
        "title: PTSD in veterans\ndate: 2025-01-10\ncategory: ptsd\n\n"
        "Veterans carry memories home. One paper used midazolam as a control once.\n"),
    "articles/ketamine-therapy/bpd-pilot.uk.md": (
        "title: Кетамін при прикордонному розладі особистості\ndate: 2025-02-01\n"
        "category: ketamine-therapy\nreferences: sample2020\n\n"
        "Пілотне випробування порівнювало кетамін із мідазоламом [@sample2020]. Мідазолам — "
        "заспокійливий засіб; група мідазоламу теж покращилася.\n"),
    "articles/ptsd/veterans.uk.md": (
        "title: ПТСР у ветеранів\ndate: 2025-01-10\ncategory: ptsd\n\n"
        "Ветерани повертаються додому зі спогадами. Заземлення допомагає в моменти тривоги.\n"),
}
EXPECTED = {  # language -> (query, title of the article that must come first)
    "en": ("midazolam", "Ketamine in borderline personality disorder"),
    "uk": ("мідазолам", "Кетамін при прикордонному розладі особистості"),
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def security_headers() -> dict[str, str]:
    import pelicanconf

    return dict(pelicanconf.SECURITY_HEADERS)


class HeaderHandler(SimpleHTTPRequestHandler):
    """Static files with the site's security headers, as a production server sends them."""

    extra_headers: dict[str, str] = {}

    def end_headers(self) -> None:
        for name, value in self.extra_headers.items():
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, *args) -> None:  # keep test output quiet
        pass


class Server:
    def __init__(self, root: Path, port: int, headers: dict[str, str]) -> None:
        handler = type("Handler", (HeaderHandler,), {"extra_headers": headers})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port),
                                         functools.partial(handler, directory=str(root)))
        self.url = f"http://127.0.0.1:{port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def search_site(tmp_path_factory):
    """(output folder, port): the fixture site plus ARTICLES, built for http://127.0.0.1:port."""
    root = tmp_path_factory.mktemp("search-site")
    content = root / "content"
    shutil.copytree(FIXTURE_SITE, content)
    for relative, text in ARTICLES.items():
        path = content / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    port = free_port()
    report = build_into(root / "output", content, SITEURL=f"http://127.0.0.1:{port}")
    return report.output, port


@pytest.fixture(scope="module")
def chromium_browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def served(search_site):
    output, port = search_site
    servers = []

    def _serve(headers: dict[str, str]) -> Server:
        server = Server(output, port, headers)
        servers.append(server)
        return server

    yield _serve
    for server in servers:
        server.close()


def open_search(browser, url: str):
    """A page on `url` with every console error and CSP report collected."""
    page = browser.new_page()
    problems: list[str] = []

    def console(message) -> None:
        # Chromium asks for /favicon.ico on its own; the fixture site has none.
        if message.type == "error" and not message.location["url"].endswith("/favicon.ico"):
            problems.append(f"{message.text} ({message.location['url']})")

    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    response = page.goto(url)
    return page, response, problems


# --- the index ---------------------------------------------------------------------------

def test_each_language_gets_its_own_index(search_site):
    output, _ = search_site
    uk = json.loads((output / "pagefind" / "pagefind-entry.json").read_text())
    en = json.loads((output / "en" / "pagefind" / "pagefind-entry.json").read_text())
    assert set(uk["languages"]) == {"uk"} and set(en["languages"]) == {"en"}
    uk_articles = sum(1 for p in ARTICLES if p.endswith(".uk.md")) + 1  # + the fixture's
    assert uk["languages"]["uk"]["page_count"] >= uk_articles
    # English pages live under en/ only: the uk index must not have counted them.
    html_en = len([p for p in (output / "en").rglob("*.html")
                   if "data-pagefind-body" in p.read_text(encoding="utf-8")])
    assert en["languages"]["en"]["page_count"] == html_en


def test_language_glob_reads_articles_and_pages_only():
    from types import SimpleNamespace

    settings = {"DEFAULT_LANG": "uk", "ARTICLE_SAVE_AS": "articles/{slug}/index.html"}
    page = SimpleNamespace(kind="page", lang="en", status="published", url="en/about/")
    draft = SimpleNamespace(kind="page", lang="en", status="draft", url="en/secret/")
    uk_page = SimpleNamespace(kind="page", lang="uk", status="hidden", url="privacy/")
    site = SimpleNamespace(languages=("uk", "en"), entries=[page, draft, uk_page])
    assert search.language_glob(settings, site, "en") == (
        "{en/about/index.html,en/articles/**/*.html}")
    assert search.language_glob(settings, site, "uk") == (
        "{articles/**/*.html,privacy/index.html}")


def test_no_indexable_page_is_a_warning(tmp_path):
    (tmp_path / "articles/a").mkdir(parents=True)
    (tmp_path / "articles/a/index.html").write_text(
        "<html lang=uk><body><p>plain</p></body></html>")

    class Site:
        languages = ("uk",)
        entries = ()

        @staticmethod
        def articles(lang):
            return ["an article"]

    settings = {"DEFAULT_LANG": "uk", "ARTICLE_SAVE_AS": "articles/{slug}/index.html"}
    [warning] = search.run(tmp_path, settings, Site())
    assert "no uk page has a data-pagefind-body element" in warning


# --- in the browser, under the CSP header -----------------------------------------------

@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "uk"])
def test_query_finds_the_right_article_first(chromium_browser, served, lang):
    server = served(security_headers())
    prefix = "en/" if lang == "en" else ""
    page, response, problems = open_search(chromium_browser, f"{server.url}/{prefix}search/")
    assert "'wasm-unsafe-eval'" in response.headers["content-security-policy"]
    query, title = EXPECTED[lang]
    page.locator("#search-query").fill(query)
    first = page.locator(".site-search-result").first
    first.wait_for(timeout=15000)
    assert first.locator("h2 a").inner_text() == title
    assert first.locator(".site-search-excerpt mark").count() >= 1
    href = first.locator("h2 a").get_attribute("href")
    assert href.startswith(f"/{prefix}articles/") and href.endswith("/bpd-pilot/")
    assert page.locator(".site-search-status").inner_text().strip() != ""
    page.close()
    assert problems == []


@pytest.mark.browser
def test_category_filter(chromium_browser, served):
    server = served(security_headers())
    page, _, problems = open_search(chromium_browser, f"{server.url}/en/search/")
    page.locator("#search-query").fill("midazolam")
    page.locator(".site-search-result").nth(1).wait_for(timeout=15000)  # both articles
    page.locator("#search-category").select_option("PTSD")
    page.locator(".site-search-result h2 >> text=PTSD in veterans").wait_for(timeout=15000)
    page.locator(".site-search-result").nth(1).wait_for(state="detached", timeout=15000)
    assert page.locator(".site-search-result").count() == 1
    assert "category=PTSD" in page.url
    page.close()
    assert problems == []


@pytest.mark.browser
def test_without_wasm_unsafe_eval_search_fails_visibly(chromium_browser, served):
    """The control: the same page under a CSP without 'wasm-unsafe-eval' reports the block."""
    headers = security_headers()
    headers["Content-Security-Policy"] = headers["Content-Security-Policy"].replace(
        " 'wasm-unsafe-eval'", "")
    server = served(headers)
    page, _, problems = open_search(chromium_browser, f"{server.url}/en/search/")
    page.locator("#search-query").fill("midazolam")
    page.wait_for_timeout(3000)  # a failure has no element to wait for
    assert page.locator(".site-search-result").count() == 0
    page.close()
    assert any("WebAssembly" in p or "Content Security Policy" in p for p in problems), problems


@pytest.mark.browser
def test_without_javascript_the_page_lists_categories(chromium_browser, served, search_site):
    server = served(security_headers())
    context = chromium_browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{server.url}/search/")
    assert not page.locator("[data-search]").is_visible()
    assert page.locator("[data-search-nojs]").is_visible()
    links = page.locator(".search-categories a")
    names = links.all_inner_texts()
    assert "ПТСР" in names and "Кетамінова терапія" in names
    href = links.filter(has_text="ПТСР").get_attribute("href")
    assert href == f"{server.url}/category/ptsd/"
    context.close()
