"""Site search (sitebuild/search.py, theme/templates/search.html, theme/static/js/search.js).

The browser tests build a small two-language site, serve it over real HTTP with the site's
security headers (the Content-Security-Policy as a response header: a <meta> CSP would hide
Pagefind's WebAssembly failure), and drive the search page in headless Chromium.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from sitebuild import search
from sitebuild.engine import indexing
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


def _build_search_site(root: Path, **settings) -> tuple[Path, int]:
    content = root / "content"
    shutil.copytree(FIXTURE_SITE, content)
    for relative, text in ARTICLES.items():
        path = content / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    port = free_port()
    report = build_into(root / "output", content, SITEURL=f"http://127.0.0.1:{port}",
                        **settings)
    return report.output, port


@pytest.fixture(scope="module")
def search_site(tmp_path_factory):
    """(output folder, port): the fixture site plus ARTICLES, built for http://127.0.0.1:port."""
    return _build_search_site(tmp_path_factory.mktemp("search-site"))


@pytest.fixture(scope="module")
def split_search_site(tmp_path_factory):
    """The same site with at most 3 pages per search bundle: every language has several."""
    return _build_search_site(tmp_path_factory.mktemp("split-search-site"),
                              SEARCH_BUNDLE_PAGES=3)


@pytest.fixture
def served(search_site, request):
    servers = []

    def _serve(headers: dict[str, str], site=None) -> Server:
        output, port = site or search_site
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


def _entry(kind, lang, status, url):
    from types import SimpleNamespace

    return SimpleNamespace(kind=kind, lang=lang, status=status, url=url)


def test_plan_indexes_articles_and_pages_only():
    from types import SimpleNamespace

    entries = [_entry("page", "en", "published", "en/about/"),
               _entry("page", "en", "draft", "en/secret/"),
               _entry("article", "en", "published", "en/articles/a/"),
               _entry("article", "en", "draft", "en/drafts/b/"),
               _entry("page", "uk", "hidden", "privacy/"),
               _entry("article", "uk", "published", "articles/a/")]
    site = SimpleNamespace(languages=("uk", "en"), entries=entries)
    bundles = search.plan({"DEFAULT_LANG": "uk"}, site)
    assert bundles["en"] == [search.Bundle("en", "en/pagefind",
                                           ("en/about/index.html", "en/articles/a/index.html"))]
    assert bundles["uk"] == [search.Bundle("uk", "pagefind",
                                           ("articles/a/index.html", "privacy/index.html"))]
    assert search.bundle_paths(bundles) == {"uk": ["pagefind"], "en": ["en/pagefind"]}


def test_a_large_language_is_split_into_stable_bundles():
    from types import SimpleNamespace

    entries = [_entry("article", "en", "published", f"en/articles/a{n}/") for n in range(50)]
    site = SimpleNamespace(languages=("en",), entries=entries)
    settings = {"DEFAULT_LANG": "uk", "SEARCH_BUNDLE_PAGES": 12}
    bundles = search.plan(settings, site)["en"]
    assert [b.path for b in bundles] == ["en/pagefind", "en/pagefind-2", "en/pagefind-3",
                                         "en/pagefind-4", "en/pagefind-5"]
    pages = [page for bundle in bundles for page in bundle.pages]
    assert sorted(pages) == sorted(f"en/articles/a{n}/index.html" for n in range(50))
    assert all(bundle.pages for bundle in bundles) and max(len(b.pages) for b in bundles) < 25
    # One more article keeps every other page where it was (5 bundles either way).
    more = SimpleNamespace(languages=("en",), entries=[
        *entries, _entry("article", "en", "published", "en/articles/new/")])
    again = search.plan(settings, more)["en"]
    for before, after in zip(bundles, again):
        assert set(before.pages) <= set(after.pages)


class _OneArticle:
    """The catalogue of a uk site with one article, at articles/a/."""

    languages = ("uk",)
    entries = (_entry("article", "uk", "published", "articles/a/"),)

    @staticmethod
    def articles(lang):
        return ["an article"]


def _one_article_site(site_dir: Path, html: str) -> _OneArticle:
    (site_dir / "articles/a").mkdir(parents=True)
    (site_dir / "articles/a/index.html").write_text(html)
    return _OneArticle()


def _fragments(bundle: Path) -> dict[str, dict]:
    """{url: what a search result shows of it (content, title, filters, headings)}."""
    import gzip

    fragments = {}
    for path in (bundle / "fragment").glob("*.pf_fragment"):
        raw = gzip.decompress(path.read_bytes())
        assert raw.startswith(b"pagefind_dcd")
        fragment = json.loads(raw[len(b"pagefind_dcd"):])
        fragments[fragment["url"]] = fragment
    return fragments


@pytest.mark.parametrize("lang", ["uk", "en"])
def test_reading_only_the_marked_element_indexes_the_same(real_site, tmp_path, lang):
    """The root selector (search.command) makes Pagefind skip what it would not index anyway:
    every page of the real site gives the same fragment (text, title, filters, headings for
    sub-results) and the index the same words as Pagefind reading whole pages."""
    site = _marked_pages(real_site, lang)
    [bundle] = search.plan({"DEFAULT_LANG": "uk"}, site)[lang]
    (tmp_path / "pagefind.json").write_text(
        json.dumps({"glob": "{" + ",".join(bundle.pages) + "}"}), encoding="utf-8")
    runs = {}
    for marked in (True, False):
        out = tmp_path / f"marked-{marked}"
        process = subprocess.run(search.command(real_site, out, lang, marked=marked),
                                 cwd=tmp_path, capture_output=True, text=True, check=True)
        runs[marked] = (_fragments(out), search._INDEXED.findall(process.stdout))
    assert ("--root-selector" in search.command(real_site, tmp_path, lang)
            and "--root-selector" not in search.command(real_site, tmp_path, lang, marked=False))
    fragments, counts = runs[True]
    assert len(fragments) == len(bundle.pages) > 3
    assert {kind: int(number) for number, kind in counts}["word"] > 100
    assert any(fragment["anchors"] for fragment in fragments.values())
    assert any(fragment["filters"].get("category") for fragment in fragments.values())
    assert runs[True] == runs[False]


def _marked_pages(output: Path, lang: str):
    """A built site's pages of `lang` that carry a marked body, as search.plan takes them."""
    from types import SimpleNamespace

    entries = []
    for page in sorted(output.rglob("index.html")):
        url = page.relative_to(output).as_posix()
        if (url.startswith("en/") == (lang == "en")
                and search.MARK in page.read_text(encoding="utf-8")):
            entries.append(_entry("article", lang, "published", url))
    return SimpleNamespace(languages=(lang,), entries=entries)


def test_no_indexable_page_is_a_warning(tmp_path):
    # With the root selector Pagefind would fail on such a site: it is indexed unmarked.
    site_dir = tmp_path / "site"
    site = _one_article_site(site_dir, "<html lang=uk><body><p>plain</p></body></html>")
    bundles = search.plan({"DEFAULT_LANG": "uk"}, site)
    indexer = indexing.Indexer(site_dir, tmp_path / "work", bundles, cores=2)
    indexer.start("uk")
    [warning] = search.warnings_for(indexer.wait(), site)
    assert "no uk page has a data-pagefind-body element" in warning
    assert (site_dir / "pagefind/pagefind-entry.json").is_file()


def test_a_bundle_kept_or_deferred_is_linked_from_the_previous_output_unread(tmp_path):
    """Reused (its pages are the files last indexed) or deferred (devserver): the bundle is
    linked from the output being replaced, and no folder of pages is made for Pagefind."""
    site_dir, previous = tmp_path / "site", tmp_path / "previous"
    site = _one_article_site(
        site_dir, "<html lang=uk><body><main data-pagefind-body><p>текст</p></main></body></html>")
    bundles = search.plan({"DEFAULT_LANG": "uk"}, site)
    record: dict = {}
    first = indexing.Indexer(site_dir, tmp_path / "work1", bundles, cores=2, output_root=previous,
                             records=indexing.SearchRecords(record=record))
    first.start("uk")
    assert first.wait()[0].pages == 1 and (previous / "pagefind/pagefind-entry.json").is_file()

    def again(name: str, known: dict, defer: bool):
        out = tmp_path / name
        (out / "articles/a").mkdir(parents=True)
        os.link(site_dir / "articles/a/index.html", out / "articles/a/index.html")
        if name == "deferred":  # an edited page: not the file indexed last time
            (out / "articles/a/index.html").unlink()
            (out / "articles/a/index.html").write_text("<html lang=uk><body>нове</body></html>")
        indexer = indexing.Indexer(out, tmp_path / f"work-{name}", bundles, cores=2,
                                   records=indexing.SearchRecords(previous, known, {}),
                                   defer=defer)
        indexer.start("uk")
        [run] = indexer.wait()
        entry = out / "pagefind/pagefind-entry.json"
        assert entry.stat().st_ino == (previous / "pagefind/pagefind-entry.json").stat().st_ino
        assert not (tmp_path / f"work-{name}" / "search").exists()  # nothing linked to read
        return run, indexer

    run, _ = again("reused", record, defer=False)
    assert run.reused and not run.deferred
    run, indexer = again("deferred", record, defer=True)
    assert run.deferred and indexer.deferred == bundles["uk"]
    assert indexer.record == {"pagefind": "out of date"}


def test_pages_that_stay_are_indexed_in_place_exactly_the_bundles(tmp_path):
    """With `pages_stay`, Pagefind reads a bundle's pages in the site folder, picked by a
    glob: no page outside the bundle gets in (the other language's, a listing carrying a
    body); a path that is not a literal glob is read from a folder of links instead."""
    from types import SimpleNamespace

    body = "<html lang={}><body><main data-pagefind-body><p>{}</p></main></body></html>"
    site_dir = tmp_path / "site"
    urls = {"articles/a/": "uk", "articles/b/": "uk", "articles/c,d/": "uk",
            "en/articles/a/": "en", "category/x/": "uk"}
    for url, lang in urls.items():
        (site_dir / url).mkdir(parents=True)
        (site_dir / url / "index.html").write_text(body.format(lang, url), encoding="utf-8")
    entries = [_entry("article", lang, "published", url)
               for url, lang in urls.items() if url != "category/x/"]
    site = SimpleNamespace(languages=("uk", "en"), entries=entries, articles=lambda lang: [1])
    bundles = search.plan({"DEFAULT_LANG": "uk"}, site)
    plain = {"uk": [search.Bundle("uk", "pagefind",
                                  ("articles/a/index.html", "articles/b/index.html"))],
             "en": bundles["en"]}

    def index(bundles, name):
        # What each language's first bundle is read from (a probe: the real run's folders
        # are deleted once indexed), then the pages each language's Pagefind indexed.
        probe = indexing.Indexer(site_dir, tmp_path / f"{name}-probe", bundles, cores=1,
                               pages_stay=True)
        chosen = {lang: probe._source(group[0]) for lang, group in bundles.items()}
        globs = {lang: json.loads((folder / "pagefind.json").read_text())["glob"]
                 for lang, (read, folder) in chosen.items() if read == site_dir}
        probe.abandon()
        indexer = indexing.Indexer(site_dir, tmp_path / name, bundles, cores=2, pages_stay=True)
        for lang in bundles:
            indexer.start(lang)
        pages = {run.lang: run.pages for run in indexer.wait()}
        left = [path for path in (tmp_path / name / "search").rglob("*") if path.is_file()]
        assert not left  # deleted once indexed (the work folder goes at the end)
        return {lang: read for lang, (read, _) in chosen.items()}, globs, pages

    read, globs, pages = index(plain, "work-plain")
    assert pages == {"uk": 2, "en": 1} and read == {"uk": site_dir, "en": site_dir}
    assert globs == {"uk": "{articles/a/index.html,articles/b/index.html}",
                     "en": "{en/articles/a/index.html}"}
    read, globs, pages = index(bundles, "work-odd")  # articles/c,d/ cannot be in a glob
    assert pages == {"uk": 3, "en": 1} and list(globs) == ["en"]
    assert read["uk"] == tmp_path / "work-odd-probe/search/pagefind"


def test_a_staged_language_is_read_in_place_and_released_once_indexed(tmp_path):
    """A language rendered into a staging folder (not the default one) is read there too:
    its pages may be merged into the site only once `indexed` says its bundles are done."""
    site_dir, staging = tmp_path / "site", tmp_path / "render-en"
    page = staging / "en/articles/a/index.html"
    page.parent.mkdir(parents=True)
    page.write_text("<html lang=en><body><main data-pagefind-body><p>staged text</p></main>"
                    "</body></html>", encoding="utf-8")
    site_dir.mkdir()
    bundles = {"en": [search.Bundle("en", "en/pagefind", ("en/articles/a/index.html",))]}
    probe = indexing.Indexer(site_dir, tmp_path / "probe", bundles, cores=1, pages_stay=True)
    probe.pages_dirs["en"] = staging  # as start("en", staging) records it
    assert probe._source(bundles["en"][0])[0] == staging  # no folder of links
    probe.abandon()
    indexer = indexing.Indexer(site_dir, tmp_path / "work", bundles, cores=2, pages_stay=True)
    indexer.start("en", staging)
    indexer.wait_for("en")
    assert indexer.indexed("en")
    [run] = indexer.wait()
    assert run.pages == 1 and (site_dir / "en/pagefind/pagefind-entry.json").is_file()


@pytest.mark.parametrize("pages_stay", [True, False])
def test_a_word_forms_language_indexes_keys_and_leaves_the_pages_alone(tmp_path, pages_stay):
    """SEARCH_WORD_FORMS: Pagefind reads a copy of each page with its keys (read in place or
    through links, as the build or the devserver gives it); the page served is unchanged."""
    from sitebuild import wordforms

    site_dir = tmp_path / "site"
    html = ("<html lang=uk><body><main data-pagefind-body><h1>Сон</h1><p>Без сну.</p>"
            "</main></body></html>")
    site = _one_article_site(site_dir, html)
    bundles = search.plan({"DEFAULT_LANG": "uk", "SEARCH_WORD_FORMS": ["uk"]}, site)
    assert bundles["uk"][0].word_forms
    assert not search.plan({"DEFAULT_LANG": "uk"}, site)["uk"][0].word_forms
    indexer = indexing.Indexer(site_dir, tmp_path / "work", bundles, cores=2,
                             pages_stay=pages_stay)
    indexer.start("uk")
    [run] = indexer.wait()
    [fragment] = _fragments(site_dir / "pagefind").values()
    text, block = fragment["content"].split(f" {wordforms.BLOCK} ")
    assert text == "Сон. Без сну."
    # «сон» and «сну»: one word, one group of keys, weighing most (the title's)
    assert block.split() == ["безъ", wordforms.GROUP, "снъ", "сонъ"]
    assert (site_dir / "articles/a/index.html").read_text() == html
    assert run.pages == 1 and not list((tmp_path / "work").rglob("*.html"))  # copies deleted


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
    href = links.filter(has_text="ПТСР").evaluate("a => a.href")  # relative in a dev build
    assert href == f"{server.url}/category/ptsd/"
    context.close()


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "uk"])
def test_split_bundles_are_searched_as_one(chromium_browser, served, split_search_site, lang):
    output, _ = split_search_site
    prefix = "en/" if lang == "en" else ""
    bundles = sorted(p.parent.name for p in (output / prefix).glob("pagefind*/pagefind-entry.json"))
    assert len(bundles) > 1 and bundles[0] == "pagefind", bundles
    pages = sum(json.loads((output / prefix / b / "pagefind-entry.json").read_text())
                ["languages"][lang]["page_count"] for b in bundles)
    assert pages == len(search.indexed_pages(_catalogue_of(output), lang))
    server = served(security_headers(), site=split_search_site)
    page, _, problems = open_search(chromium_browser, f"{server.url}/{prefix}search/")
    assert page.locator("[data-search]").get_attribute("data-merge").count("/pagefind-") == (
        len(bundles) - 1)
    query, title = EXPECTED[lang]
    page.locator("#search-query").fill(query)
    first = page.locator(".site-search-result").first
    first.wait_for(timeout=15000)
    assert first.locator("h2 a").inner_text() == title
    if lang == "en":  # results from another bundle than the first article's come too
        page.locator(".site-search-result").nth(1).wait_for(timeout=15000)
        page.locator("#search-category").select_option("PTSD")
        page.locator(".site-search-result h2 >> text=PTSD in veterans").wait_for(timeout=15000)
        page.locator(".site-search-result").nth(1).wait_for(state="detached", timeout=15000)
    page.close()
    assert problems == []


def _catalogue_of(output: Path):
    """The catalogue of the split site's content (which pages each language indexes)."""
    from core import catalogue
    from sitebuild import config

    options = config.BuildOptions(settings_file=ROOT / "pelicanconf.py",
                                  content=output.parent / "content", output=output)
    return catalogue.build(config.read_base(options))


def test_search_bench_indexes_and_queries_a_small_corpus(tmp_path):
    """`make bench` records an error and goes on when a benchmark breaks: this one must not.
    Its own process: this module's browser holds the thread's Playwright loop."""
    done = subprocess.run([sys.executable, "-m", "bench.search_bench", "--n", "40",
                           "--work", str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert {name: bundle["lang"] for name, bundle in figures["bundles"].items()} == {
        "pagefind": "uk", "en/pagefind": "en"}
    assert all(bundle["pages"] >= 20 and bundle["index_bytes"] > 0
               for bundle in figures["bundles"].values())
    for query in figures["first_query"].values():
        assert query["bytes_pagefind"] > 0 and query["bytes_after_typing"] > 0
