"""Site search: Pagefind indexes per language, built over the rendered site.

Each language gets its own search bundle next to its pages — `pagefind/` for the default
language and `en/pagefind/` for English — so a query in one language never returns the
other's articles and a visitor downloads only one language's index. Pagefind indexes only
elements marked `data-pagefind-body` (article and page bodies); the `category` filter comes
from `data-pagefind-filter` in the theme.

A language with more than SEARCH_BUNDLE_PAGES pages is split into several bundles
(`pagefind/`, `pagefind-2/`, …), each page in one of them by a hash of its URL; the search
page merges them in the browser (Pagefind's mergeIndex). Pagefind holds about 0.3 MB per
page while indexing, so this bounds its memory, and the bundles are indexed in parallel.

The plan (which page goes to which bundle) is made from the catalogue before anything is
rendered, so the search page knows its bundles (kept in the catalogue). Each bundle is
indexed as soon as its pages are written: when the shard that writes it whole is done, else
when its language's run ends (sitebuild/engine/README.md); one Pagefind at a time while
pages are still being written, then one per core. A bundle whose pages are the very
files the previous build indexed (the render cache linked them unchanged) is linked from the
previous output instead of being indexed again; another starts from the previous bundle's
files, of which it keeps those it still names (sitebuild/engine/bundle_files.py).

For a language in SEARCH_WORD_FORMS (Ukrainian), Pagefind reads a copy of each page whose
body ends with the keys of its words' forms (sitebuild/wordforms.py), so a query in any case
or number finds the pages with any other; the pages served are unchanged.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
from dataclasses import dataclass
from pathlib import Path

from core.languages import language_prefix

logger = logging.getLogger(__name__)
BUNDLE = "pagefind"
MARK = "data-pagefind-body"  # the theme's mark on the element search indexes
# What Pagefind prints when it did (or did not) find MARK on a site.
_MARKED, _UNMARKED = f"Found a {MARK} element", f"Did not find a {MARK} element"
DEFAULT_BUNDLE_PAGES = 800
_INDEXED = re.compile(r"Indexed (\d+) (page|word|filter)s?\b")
# Page paths a Pagefind glob can name literally (no glob syntax in them).
_PLAIN_PATH = re.compile(r"[\w./-]+")


class SearchIndexError(RuntimeError):
    """Pagefind failed; the message carries its output."""


@dataclass(frozen=True)
class Bundle:
    lang: str
    path: str  # the bundle's folder relative to the site, e.g. "en/pagefind-2"
    pages: tuple[str, ...]  # the HTML files it indexes, relative to the site
    word_forms: bool = False  # Pagefind reads copies with the keys of word forms (wordforms.py)


@dataclass(frozen=True)
class IndexRun:
    lang: str
    bundle: str
    pages: int = 0
    words: int = 0
    filters: int = 0
    marked: bool = False  # Pagefind found data-pagefind-body (else it indexed whole pages)
    reused: bool = False  # linked from the previous output, not indexed again
    deferred: bool = False  # the previous bundle for now; index_deferred brings it up to date


def indexed_pages(site, lang: str) -> list[str]:
    """The output files of a language that carry a searchable body: its articles and pages
    (listings are left out: Pagefind need not even read them)."""
    pages = set()
    not_built = getattr(site, "not_built", {})  # left out of every run: no page to index
    for entry in site.entries:
        if not_built and entry.path in not_built:
            continue
        if entry.lang == lang and entry.status != "draft" and entry.kind in ("article", "page"):
            pages.add(entry.url if entry.url.endswith(".html") else entry.url + "index.html")
    return sorted(pages)


def plan(settings: dict, site) -> dict[str, list[Bundle]]:
    """Which bundles each language has and which pages each one indexes."""
    limit = int(settings.get("SEARCH_BUNDLE_PAGES") or DEFAULT_BUNDLE_PAGES)
    bundles = {}
    forms = set(settings.get("SEARCH_WORD_FORMS") or ())
    for lang in site.languages:
        pages = indexed_pages(site, lang)
        count = max(1, math.ceil(len(pages) / limit))
        groups: list[list[str]] = [[] for _ in range(count)]
        for page in pages:
            groups[_bucket(page, count)].append(page)
        prefix = language_prefix(settings, lang)
        bundles[lang] = [
            Bundle(lang, prefix + (BUNDLE if number == 0 else f"{BUNDLE}-{number + 1}"),
                   tuple(group), lang in forms)
            for number, group in enumerate(groups)]
    return bundles


def _bucket(page: str, count: int) -> int:
    if count == 1:
        return 0
    return int.from_bytes(hashlib.blake2b(page.encode(), digest_size=8).digest(), "big") % count


def bundle_paths(bundles: dict[str, list[Bundle]]) -> dict[str, list[str]]:
    """{lang: [bundle folder, …]}, the first one the primary (Catalogue.search_bundles)."""
    return {lang: [bundle.path for bundle in group] for lang, group in bundles.items()}


def command(site_dir: Path, bundle_dir: Path, lang: str, *, marked: bool = True) -> list[str]:
    """Pagefind over `site_dir`. `marked`: read only the elements marked `data-pagefind-body`
    (the root selector), which is what Pagefind indexes of such pages anyway; it then skips
    the head, menus and footer instead of parsing them, 20 % of its time (the same fragments
    and words: tests/test_search.py). Without any marked element on the site Pagefind would
    index nothing that way, so that case runs unmarked (whole bodies, and a warning)."""
    # The binary itself: `python -m pagefind` only finds it and execs it.
    from pagefind_bin import get_executable

    return [str(get_executable()), "--site", str(site_dir),
            "--output-path", str(bundle_dir), "--force-language", lang,
            *(["--root-selector", f"[{MARK}]"] if marked else [])]


def warnings_for(runs: list[IndexRun], site) -> list[str]:
    """Log what was indexed; warn when a language has nothing to search."""
    warnings = []
    for lang in site.languages:
        own = [run for run in runs if run.lang == lang]
        for run in own:
            note = " (unchanged)" if run.reused else " (updated after the swap)" if run.deferred else ""
            logger.info("search: %s: %d pages, %d words, %d filters in %s/%s", lang, run.pages,
                        run.words, run.filters, run.bundle, note)
        if own and not any(run.marked for run in own) and site.articles(lang):
            # Pagefind then indexes whole pages: menus, footers and listings in every result.
            warnings.append(
                f"search: no {lang} page has a data-pagefind-body element, so the {lang} "
                "index holds whole pages: mark the article body in "
                "theme/templates/article.html with data-pagefind-body")
    return warnings
