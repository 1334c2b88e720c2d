"""Search benchmark: Pagefind index time and size at N articles, and bytes for a first query.

`run(n, corpus=None)` (the bench harness calls it for every N) measures, per language:

- index time: every bundle a build of the corpus has (`sitebuild.search.plan` on its catalogue)
  indexed by `sitebuild.engine.indexing.Indexer` as a build does once rendering is done (two Pagefinds
  side by side on two cores), wall clock; and each bundle's size on disk (files and bytes, and
  the index itself without Pagefind's UI scripts);
- bytes fetched for a first query: Chromium opens the search page (served over HTTP with the
  site's CSP header), types a query, waits for the first result; every response under the
  page is summed (body + headers, as sent, uncompressed by the server), split into the page
  itself and Pagefind's files.

The pages indexed are our build of the corpus (`<corpus>/../out-ours`, when the harness built
it), or else pages rendered here from the corpus sources in the shape of the article template
(`<article data-pagefind-body>`, title, category filter, the body as paragraphs and headings),
which keeps 10,000 articles within a minute. Results say which was used.

CLI: `python -m bench.search_bench --n 1000 [--n 10000] [--work DIR]`.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench import corpus as corpus_module
from core import catalogue
from core.languages import language_prefix
from sitebuild import config, search
from sitebuild.engine import indexing

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
WORK = BENCH / "work"
SETTINGS = {"DEFAULT_LANG": "uk", "ARTICLE_SAVE_AS": "articles/{slug}/index.html"}
LANGS = ("uk", "en")
_HEADER = re.compile(r"^(?P<key>[a-z_]+):\s*(?P<value>.*)$")


# --- pages ------------------------------------------------------------------------------

def _parse(text: str) -> tuple[dict[str, str], str]:
    fields, lines = {}, text.splitlines()
    for index, line in enumerate(lines):
        match = _HEADER.match(line)
        if not match:
            return fields, "\n".join(lines[index:])
        fields[match["key"]] = match["value"]
    return fields, ""


def _body_html(markdown: str) -> str:
    markdown = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", markdown)  # links: keep their text
    markdown = re.sub(r"\[@[^\]]+\]", "", markdown)
    blocks = []
    for block in re.split(r"\n\s*\n", markdown.strip()):
        if block.startswith("## "):
            blocks.append(f"<h2>{html.escape(block[3:])}</h2>")
        elif block.strip():
            blocks.append(f"<p>{html.escape(block)}</p>")
    return "\n".join(blocks)


def render_pages(content: Path, site: Path) -> int:
    """One page per article source, laid out like theme/templates/article.html."""
    count = 0
    for source in sorted((content / "articles").rglob("*.md")):
        slug, lang = source.name[:-3].rsplit(".", 1)
        fields, body = _parse(source.read_text(encoding="utf-8"))
        prefix = "" if lang == SETTINGS["DEFAULT_LANG"] else f"{lang}/"
        target = site / f"{prefix}articles/{slug}/index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(
            f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            f"<title>{html.escape(fields.get('title', slug))}</title></head><body>"
            f"<header><nav>Menu</nav></header><main><article data-pagefind-body>"
            f"<h1>{html.escape(fields.get('title', slug))}</h1>"
            f'<span data-pagefind-filter="category" hidden>{fields.get("category", "")}</span>'
            f"{_body_html(body)}</article></main><footer>Footer</footer></body></html>",
            encoding="utf-8")
        count += 1
    return count


def search_pages(site: Path, bundles: dict[str, list[search.Bundle]]) -> None:
    """A search page per language: the real template's markup and script."""
    (site / "theme" / "js").mkdir(parents=True, exist_ok=True)
    for script in ("search.js", "wordforms.js"):
        shutil.copy(ROOT / "theme" / "static" / "js" / script, site / "theme" / "js" / script)
    for lang in LANGS:
        prefix = "" if lang == SETTINGS["DEFAULT_LANG"] else f"{lang}/"
        page = site / prefix / "search" / "index.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(
            f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>Search</title>'
            f'</head><body><div data-search data-bundle="/{prefix}pagefind/" data-base-url="/" '
            f'data-merge="{" ".join(f"/{b.path}/" for b in bundles[lang][1:])}" '
            f'{"data-word-forms " if bundles[lang][0].word_forms else ""}'
            'data-msg-searching="…" data-msg-none="none" data-msg-count="{count}" '
            'data-msg-error="error" hidden><form><input id="search-query" name="q">'
            '<select name="category"><option value=""></option></select></form>'
            '<p role="status"></p><ol class="site-search-results"></ol></div>'
            '<script type="module" src="/theme/js/search.js"></script></body></html>',
            encoding="utf-8")


# --- measurements --------------------------------------------------------------------------

def bundle_size(site: Path, bundle: str) -> dict:
    files = [p for p in (site / bundle).rglob("*") if p.is_file()]
    index = [p for p in files if p.parent.name in ("index", "fragment", "filter")
             or p.suffix == ".pf_meta"]
    return {"files": len(files), "bytes": sum(p.stat().st_size for p in files),
            "index_files": len(index), "index_bytes": sum(p.stat().st_size for p in index)}


def first_query_bytes(site: Path, queries: dict[str, str]) -> dict:
    """Bytes Chromium fetches to load the search page and show the first query's results."""
    from playwright.sync_api import sync_playwright

    from tests.browser import launch
    from tests.test_search import Server, free_port, security_headers

    server = Server(site, free_port(), security_headers())
    results = {}
    try:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            for lang, query in queries.items():
                context = browser.new_context()  # a fresh cache per language
                page = context.new_page()
                fetched: list[tuple[str, int]] = []

                def finished(request, fetched=fetched):
                    sizes = request.sizes()
                    fetched.append((request.url, sizes["responseBodySize"]
                                    + sizes["responseHeadersSize"]))

                page.on("requestfinished", finished)
                prefix = "" if lang == SETTINGS["DEFAULT_LANG"] else f"{lang}/"
                page.goto(f"{server.url}/{prefix}search/")
                page.wait_for_load_state("networkidle")
                before = len(fetched)
                started = time.perf_counter()
                page.locator("#search-query").fill(query)
                page.locator(".site-search-result").first.wait_for(timeout=60000)
                page.wait_for_load_state("networkidle")
                elapsed = time.perf_counter() - started
                pagefind = sum(size for url, size in fetched if "/pagefind/" in url)
                results[lang] = {
                    "query": query,
                    "requests": len(fetched),
                    "bytes_total": sum(size for _, size in fetched),
                    "bytes_pagefind": pagefind,
                    "bytes_after_typing": sum(size for _, size in fetched[before:]),
                    "first_results_ms": round(elapsed * 1000),
                }
                context.close()
            browser.close()
    finally:
        server.close()
    return results


def _query_for(content: Path, lang: str) -> str:
    """A word from the title of the first article in `lang` (something that has results)."""
    source = sorted((content / "articles").rglob(f"*.{lang}.md"))[0]
    title = _parse(source.read_text(encoding="utf-8"))[0]["title"]
    return max(title.split(), key=len).strip(".,:;!?«»\"'").lower()


def _settings(content: Path, work: Path) -> dict:
    options = config.BuildOptions(settings_file=ROOT / "pelicanconf.py", content=content,
                                  overrides=(("CACHE_PATH", str(work / "cache")),))
    return config.read_base(options)


def _served_from_root(site: Path, settings: dict) -> None:
    """Our build's search pages name the bundles by SITEURL (127.0.0.1:8000); served here on
    another port, that origin is another site the CSP rightly refuses: make them relative."""
    for lang in LANGS:
        page = site / language_prefix(settings, lang) / "search" / "index.html"
        page.write_text(page.read_text(encoding="utf-8").replace(f"{settings['SITEURL']}/", "/"),
                        encoding="utf-8")


def _index(site: Path, bundles: dict[str, list[search.Bundle]]) -> list[search.IndexRun]:
    with tempfile.TemporaryDirectory(dir=site.parent) as scratch:
        indexer = indexing.Indexer(site, Path(scratch), bundles, cores=os.cpu_count() or 1,
                                 pages_stay=True)
        indexer.all_rendered()  # nothing renders here: the cores are the indexes'
        for lang in bundles:
            indexer.start(lang)
        return indexer.wait()


def run(n: int, corpus: Path | None = None, *, work: Path | None = None) -> dict:
    """Index time and size for N articles, and the bytes of a first query in each language;
    scratch files under `work` (default bench/work)."""
    work = (work or WORK) / f"search-n{n}"
    if corpus is None:
        corpus = work / "corpus"
        if not (corpus / "content").is_dir():
            corpus_module.generate(corpus, n)
    content = Path(corpus) / "content"
    built = Path(corpus).parent / "out-ours"
    site = work / "site"
    settings = _settings(content, work)
    bundles = search.plan(settings, catalogue.build(settings))  # as a build of this corpus
    if site.exists():
        shutil.rmtree(site)
    if (built / "index.html").exists():
        shutil.copytree(built, site, ignore=shutil.ignore_patterns("pagefind*"))
        _served_from_root(site, settings)
        source, pages = "our build (out-ours)", None
    else:
        site.mkdir(parents=True)
        pages = render_pages(content, site)
        search_pages(site, bundles)
        source = "pages rendered from the corpus in the article template's shape"
    started = time.perf_counter()
    runs = _index(site, bundles)
    seconds = time.perf_counter() - started
    figures = {
        "n": n, "pages_source": source, "index_seconds": round(seconds, 2),
        "bundles": {run.bundle: {"lang": run.lang, "pages": run.pages, "words": run.words,
                                 **bundle_size(site, run.bundle)} for run in runs},
    }
    if pages is not None:
        figures["pages_rendered"] = pages
    figures["first_query"] = first_query_bytes(
        site, {lang: _query_for(content, lang) for lang in LANGS})
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.search_bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, action="append", help="articles (repeatable)")
    parser.add_argument("--work", type=Path, help=f"scratch folder (default {WORK})")
    args = parser.parse_args(argv)
    for n in args.n or [1000]:
        print(json.dumps(run(n, work=args.work), indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
