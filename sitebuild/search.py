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


def language_glob(site_dir: Path, settings: dict, lang: str, languages) -> str:
    """Files of one language: its prefix folder, or everything outside the other prefixes."""
    prefix = config.language_prefix(settings, lang)
    if prefix:
        return f"{prefix}**/*.html"
    others = {config.language_prefix(settings, code).strip("/") for code in languages
              if code != lang}
    parts = ["*.html"] + sorted(
        f"{child.name}/**/*.html" for child in site_dir.iterdir()
        if child.is_dir() and child.name not in others and child.name != BUNDLE
    )
    return "{" + ",".join(parts) + "}"


def command(site_dir: Path, glob: str, bundle: str, lang: str) -> list[str]:
    return [sys.executable, "-m", "pagefind", "--site", str(site_dir), "--glob", glob,
            "--output-subdir", bundle, "--force-language", lang]


def build_index(site_dir: Path, settings: dict, languages) -> list[IndexRun]:
    """Index every language (the runs go in parallel); raises SearchIndexError on failure."""
    started = []
    for lang in languages:
        bundle = config.language_prefix(settings, lang) + BUNDLE
        glob = language_glob(site_dir, settings, lang, languages)
        process = subprocess.Popen(command(site_dir, glob, bundle, lang), stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)
        started.append((IndexRun(lang, glob, bundle), process))
    runs = []
    for run, process in started:
        output, _ = process.communicate()
        if process.returncode != 0:
            raise SearchIndexError(
                f"pagefind failed for {run.lang} (exit {process.returncode}):\n{output}")
        counts = {kind: int(number) for number, kind in _INDEXED.findall(output)}
        runs.append(IndexRun(run.lang, run.glob, run.bundle, counts.get("page", 0),
                             counts.get("word", 0), counts.get("filter", 0),
                             "Found a data-pagefind-body element" in output))
    return runs


def run(site_dir: Path, settings: dict, site) -> list[str]:
    """The post-build step: index each language; warn when one has nothing to search."""
    warnings = []
    for result in build_index(site_dir, settings, site.languages):
        logger.info("search: %s: %d pages, %d words, %d filters in %s/", result.lang,
                    result.pages, result.words, result.filters, result.bundle)
        if not result.marked and site.articles(result.lang):
            # Pagefind then indexes whole pages: menus, footers and listings in every result.
            warnings.append(
                f"search: no {result.lang} page has a data-pagefind-body element, so the "
                f"{result.lang} index holds whole pages: mark the article body in "
                "theme/templates/article.html with data-pagefind-body")
    return warnings
