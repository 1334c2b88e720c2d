"""Site search: one Pagefind index per language, built over the rendered site.

Runs after the per-language renders are merged (a post-build step), with the Pagefind binary
shipped in the `pagefind[bin]` wheel. Each language gets its own bundle next to its pages —
`pagefind/` for the default language (every file outside the other languages' folders) and
`en/pagefind/` for English — so a query in one language never returns the other's articles
and a visitor downloads only one language's index. Pagefind indexes only elements marked
`data-pagefind-body` (article and page bodies), and the `category` filter comes from
`data-pagefind-filter` in the theme.
"""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from sitebuild import config

logger = logging.getLogger(__name__)
BUNDLE = "pagefind"
_INDEXED = re.compile(r"Indexed (\d+) (page|word|filter)s?\b")


class SearchIndexError(RuntimeError):
    """Pagefind failed; the message carries its output."""


@dataclass(frozen=True)
class IndexRun:
    lang: str
    glob: str
    bundle: str  # output folder relative to the site, e.g. "en/pagefind"
    pages: int = 0
    words: int = 0
    filters: int = 0
    marked: bool = False  # Pagefind found data-pagefind-body (else it indexed whole pages)


def language_glob(settings: dict, site, lang: str) -> str:
    """The files Pagefind reads for one language: its article folder and its pages.

    Only article and page bodies are indexed (data-pagefind-body); leaving the listings
    (tags, categories, archives) out of the glob spares Pagefind reading them at all.
    """
    prefix = config.language_prefix(settings, lang)
    article_root = settings["ARTICLE_SAVE_AS"].split("{", 1)[0]
    parts = {f"{prefix}{article_root}**/*.html" if article_root else f"{prefix}**/*.html"}
    for entry in site.entries:
        if entry.kind == "page" and entry.lang == lang and entry.status != "draft":
            url = entry.url if entry.url.endswith(".html") else entry.url + "index.html"
            parts.add(url)
    return "{" + ",".join(sorted(parts)) + "}"


def command(site_dir: Path, glob: str, bundle: str, lang: str) -> list[str]:
    return [sys.executable, "-m", "pagefind", "--site", str(site_dir), "--glob", glob,
            "--output-subdir", bundle, "--force-language", lang]


def build_index(site_dir: Path, settings: dict, site) -> list[IndexRun]:
    """Index every language, one after the other; raises SearchIndexError on failure.

    Pagefind already uses every core, and holds about 1.6 GB for 5,000 pages: two at once
    took no less time and twice the memory.
    """
    runs = []
    for lang in site.languages:
        bundle = config.language_prefix(settings, lang) + BUNDLE
        glob = language_glob(settings, site, lang)
        process = subprocess.run(command(site_dir, glob, bundle, lang), stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True)
        output = process.stdout
        if process.returncode != 0:
            raise SearchIndexError(
                f"pagefind failed for {lang} (exit {process.returncode}):\n{output}")
        counts = {kind: int(number) for number, kind in _INDEXED.findall(output)}
        runs.append(IndexRun(lang, glob, bundle, counts.get("page", 0),
                             counts.get("word", 0), counts.get("filter", 0),
                             "Found a data-pagefind-body element" in output))
    return runs


def run(site_dir: Path, settings: dict, site) -> list[str]:
    """The post-build step: index each language; warn when one has nothing to search."""
    warnings = []
    for result in build_index(site_dir, settings, site):
        logger.info("search: %s: %d pages, %d words, %d filters in %s/", result.lang,
                    result.pages, result.words, result.filters, result.bundle)
        if not result.marked and site.articles(result.lang):
            # Pagefind then indexes whole pages: menus, footers and listings in every result.
            warnings.append(
                f"search: no {result.lang} page has a data-pagefind-body element, so the "
                f"{result.lang} index holds whole pages: mark the article body in "
                "theme/templates/article.html with data-pagefind-body")
    return warnings
