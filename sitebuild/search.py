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
rendered, so the search page knows its bundles (kept in the catalogue). Each language's
bundles are indexed as soon as that language is rendered, one Pagefind at a time while
another language is still rendering, then one per core. A bundle whose pages are the very
files the previous build indexed (the render cache linked them unchanged) is linked from the
previous output instead of being indexed again.

For a language in SEARCH_WORD_FORMS (Ukrainian), Pagefind reads a copy of each page whose
body ends with the keys of its words' forms (sitebuild/wordforms.py), so a query in any case
or number finds the pages with any other; the pages served are unchanged.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import shutil
import subprocess
import tempfile
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from core.languages import language_prefix
from sitebuild import wordforms

logger = logging.getLogger(__name__)
BUNDLE = "pagefind"
MARK = "data-pagefind-body"  # the theme's mark on the element search indexes
# What Pagefind prints when it did (or did not) find MARK on a site.
_MARKED, _UNMARKED = f"Found a {MARK} element", f"Did not find a {MARK} element"
DEFAULT_BUNDLE_PAGES = 1500
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
    # The binary itself: `python -m pagefind` only finds it and execs it (0.08 s a run).
    from pagefind_bin import get_executable

    return [str(get_executable()), "--site", str(site_dir),
            "--output-path", str(bundle_dir), "--force-language", lang,
            *(["--root-selector", f"[{MARK}]"] if marked else [])]


class Indexer:
    """Indexes bundles into the new site folder, in background threads, as languages finish.

    `previous` / `record`: {bundle path: key of the files it indexed} of the output being
    replaced and of this build (None: nothing is reused, e.g. publish). With `defer` (the
    devserver), a bundle that needs indexing keeps its previous version for now and is
    listed in `deferred`, for index_deferred once the new pages are being served.
    `output_root`: where bundles are written (default: the site folder).
    `pages_stay`: a language's pages stay in the folder `start` was given until its bundles
    are indexed (`wait_for`), so Pagefind may read them there instead of from a folder of
    links to them.
    """

    def __init__(self, site_dir: Path, work: Path, bundles: dict[str, list[Bundle]], *,
                 cores: int, previous_output: Path | None = None,
                 previous: dict | None = None, record: dict | None = None,
                 defer: bool = False, output_root: Path | None = None,
                 pages_stay: bool = False) -> None:
        self.site_dir, self.work, self.bundles = site_dir, work, bundles
        self.previous_output, self.previous, self.record = previous_output, previous, record
        self.defer, self.pages_stay = defer, pages_stay
        self.output_root = output_root or site_dir
        self.deferred: list[Bundle] = []
        self.cores = max(1, cores)
        self.pool = ThreadPoolExecutor(max_workers=self.cores, thread_name_prefix="pagefind")
        self.futures: list[Future] = []
        self._futures_of: dict[str, list[Future]] = {}
        self._slots = threading.Condition()
        self._limit = 1  # while a language is still rendering, it has the other core
        self._running = 0
        self._waiting = 0  # submitted, not yet indexing
        self.pages_dirs: dict[str, Path] = {}
        self._keys: wordforms.Keys | None = None
        self._keys_lock = threading.Lock()

    def start(self, lang: str, pages_dir: Path | None = None) -> None:
        """The language's pages are all in `pages_dir` (the site folder, or the folder its
        run rendered into, not yet merged): index its bundles."""
        self.pages_dirs[lang] = pages_dir or self.site_dir
        ready = []
        for bundle in self.bundles.get(lang, ()):
            key = self._key(bundle)
            action = self._action(bundle, key)
            # Now, not in the threads: without `pages_stay` the pages may be moved as soon
            # as this returns, and the links made here keep them. Only for a bundle Pagefind
            # will read: a devserver rebuild links nothing for those it defers (0.2 s of mkdir).
            ready.append((bundle, key, action,
                          self._source(bundle) if action == "index" else None))
        with self._slots:  # all of them before any starts: see _index
            self._waiting += sum(action == "index" for _, _, action, _ in ready)
        for bundle, key, action, source in ready:
            future = self.pool.submit(self._index, bundle, key, action, source)
            self.futures.append(future)
            self._futures_of.setdefault(lang, []).append(future)

    def indexed(self, lang: str) -> bool:
        """Whether every bundle of `lang` is done (its pages may move now)."""
        return all(future.done() for future in self._futures_of.get(lang, ()))

    def wait_for(self, lang: str) -> None:
        """Until every bundle of `lang` is done; raises the error of one that failed."""
        for future in self._futures_of.get(lang, ()):
            future.result()

    def all_rendered(self) -> None:
        with self._slots:
            self._limit = self.cores
            self._slots.notify_all()

    def wait(self) -> list[IndexRun]:
        self.all_rendered()
        try:
            return [future.result() for future in self.futures]
        finally:
            self.pool.shutdown(wait=True)

    def abandon(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def _action(self, bundle: Bundle, key: str) -> str:
        """What this build does for a bundle: nothing (it has no pages: Pagefind refuses an
        empty folder), `reuse` the previous output's (it indexed these very files), `defer`
        (link the previous one until index_deferred runs), or `index` it."""
        if not bundle.pages:
            return "empty"
        if self._has_previous(bundle, key):
            return "reuse"
        if self.defer and self._has_previous(bundle):
            return "defer"
        return "index"

    def _index(self, bundle: Bundle, key: str, action: str,
               source: tuple[Path, Path] | None) -> IndexRun:
        if action == "empty":
            return IndexRun(bundle.lang, bundle.path, marked=True)
        if self.record is not None:
            self.record[bundle.path] = key if action != "defer" else "out of date"
        if action in ("reuse", "defer"):
            self._link_previous(bundle)
            if action == "defer":
                self.deferred.append(bundle)
            return IndexRun(bundle.lang, bundle.path, len(bundle.pages), marked=True,
                            reused=action == "reuse", deferred=action == "defer")
        try:
            with self._slots:
                self._slots.wait_for(lambda: self._running < self._limit)
                self._running += 1
                self._waiting -= 1
                # The last to start once nothing renders may use every core: it has them all
                # as soon as the ones before it end (else one core idles while it finishes).
                last = self._limit == self.cores and not self._waiting
            try:
                site, folder = source
                if bundle.word_forms:
                    site = self._word_form_copies(bundle, site, folder)
                return self._run_pagefind(bundle, site, folder, threads=self.cores if last else 1)
            finally:
                with self._slots:
                    self._running -= 1
                    self._slots.notify_all()
        finally:
            # Here, while other bundles are still indexing: deleting every tree at the end
            # of the build took 1.2 s at 10,000 articles, with nothing else left to run.
            shutil.rmtree(source[1], ignore_errors=True)

    def _source(self, bundle: Bundle) -> tuple[Path, Path]:
        """(the folder Pagefind reads as the site, the folder it runs in): the second is
        ours, deleted once the bundle is indexed.

        Pages that stay where they are (`pages_stay`) are read there: the working folder
        holds a Pagefind config whose glob names just this bundle's pages (a config file, as
        thousands of paths are too long for one command-line argument). Otherwise, or if a
        path would not read literally as a glob, Pagefind reads a folder of links to them.
        """
        folder = self.work / "search" / bundle.path
        pages_dir = self.pages_dirs.get(bundle.lang, self.site_dir)
        if bundle.word_forms and self.pages_stay:
            folder.mkdir(parents=True, exist_ok=True)  # _word_form_copies reads them there
            return pages_dir, folder
        if self.pages_stay and all(map(_PLAIN_PATH.fullmatch, bundle.pages)):
            # Saves making and deleting a folder and a link per page: 0.1-0.45 s for 500
            # pages, between a language's last page written and its Pagefind starting.
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "pagefind.json").write_text(
                json.dumps({"glob": "{" + ",".join(bundle.pages) + "}"}), encoding="utf-8")
            return pages_dir, folder
        return self._link_tree(bundle, pages_dir, folder), folder

    def _word_form_copies(self, bundle: Bundle, site: Path, folder: Path) -> Path:
        """The bundle's pages as Pagefind is to read them: each with the keys of its words'
        forms at the end of its body (wordforms.index_copy), in `folder`/forms."""
        with self._keys_lock:  # one dictionary for every bundle (30 MB, 0.1 s to load)
            if self._keys is None:
                self._keys = wordforms.Keys.with_dictionary()
        tree = folder / "forms"
        for page in bundle.pages:
            source = site / page
            if source.exists():
                target = tree / page
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(wordforms.index_copy(source.read_text(encoding="utf-8"),
                                                       self._keys), encoding="utf-8")
        tree.mkdir(parents=True, exist_ok=True)
        return tree

    @staticmethod
    def _link_tree(bundle: Bundle, pages_dir: Path, tree: Path) -> Path:
        """A folder holding just this bundle's pages (links, which keep them if moved)."""
        for page in bundle.pages:
            source = pages_dir / page
            if source.exists():
                target = tree / page
                target.parent.mkdir(parents=True, exist_ok=True)
                os.link(source, target)
        tree.mkdir(parents=True, exist_ok=True)
        return tree

    def _run_pagefind(self, bundle: Bundle, site: Path, folder: Path,
                      threads: int) -> IndexRun:
        # Side by side with other work, one thread each: two single-threaded Pagefinds use
        # the cores better than two using both (their threads mostly wait on each other).
        env = {**os.environ, "RAYON_NUM_THREADS": str(threads)}

        def run(marked: bool) -> subprocess.CompletedProcess:
            # Absolute: Pagefind runs in `folder`, where it looks for its config.
            return subprocess.run(
                command(site.resolve(), (self.output_root / bundle.path).resolve(),
                        bundle.lang, marked=marked),
                cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)

        process = run(marked=True)
        if process.returncode != 0 and _UNMARKED in process.stdout:
            process = run(marked=False)
        # It repeats the glob it was given: all of a bundle's pages.
        output = re.sub(r"(matching \{[^,\n]*,)[^\n]*", r"\1 …}", process.stdout)
        if process.returncode != 0:
            raise SearchIndexError(
                f"pagefind failed for {bundle.path} (exit {process.returncode}):\n{output}")
        counts = {kind: int(number) for number, kind in _INDEXED.findall(output)}
        return IndexRun(bundle.lang, bundle.path, counts.get("page", 0), counts.get("word", 0),
                        counts.get("filter", 0),
                        _MARKED in output or not bundle.pages)

    def _key(self, bundle: Bundle) -> str:
        """The files a bundle indexes, by identity: a page the render cache linked unchanged
        is the same file (inode, mtime) the previous build indexed."""
        digest = hashlib.blake2b(digest_size=20)
        digest.update(f"{bundle.lang}\0{_pagefind_version()}\0".encode())
        if bundle.word_forms:  # other rules or another dictionary, other keys
            digest.update(Path(wordforms.__file__).read_bytes())
            digest.update(_version("pymorphy3-dicts-uk").encode())
        for page in bundle.pages:
            try:
                stat = os.stat(self.pages_dirs.get(bundle.lang, self.site_dir) / page)
            except OSError:
                digest.update(f"{page}\0missing\0".encode())
                continue
            digest.update(f"{page}\0{stat.st_ino}:{stat.st_mtime_ns}:{stat.st_size}\0".encode())
        return digest.hexdigest()

    def _has_previous(self, bundle: Bundle, key: str | None = None) -> bool:
        """Whether the output being replaced has this bundle: one that indexed the files
        `key` stands for, or (None) any, as a stand-in until it is indexed again."""
        if self.previous_output is None or (
                key is not None and (not self.previous or self.previous.get(bundle.path) != key)):
            return False
        return (self.previous_output / bundle.path / "pagefind-entry.json").is_file()

    def _link_previous(self, bundle: Bundle) -> None:
        source = self.previous_output / bundle.path
        target = self.site_dir / bundle.path
        for path in sorted(source.rglob("*")):
            destination = target / path.relative_to(source)
            if path.is_dir():
                destination.mkdir(parents=True, exist_ok=True)
            else:
                destination.parent.mkdir(parents=True, exist_ok=True)
                os.link(path, destination)


def index_deferred(site_dir: Path, bundles: list[Bundle], *, cores: int,
                   record: dict | None = None) -> list[IndexRun]:
    """Index bundles of a site being served and swap each in when it is ready (devserver).

    Pagefind writes beside the site; a bundle's folder is replaced by two renames, so a
    visitor's search always reads one whole bundle, old or new.
    """
    if not bundles:
        return []
    work = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}-search-", dir=site_dir.parent))
    try:
        by_lang: dict[str, list[Bundle]] = {}
        for bundle in bundles:
            by_lang.setdefault(bundle.lang, []).append(bundle)
        indexer = Indexer(site_dir, work, by_lang, cores=cores, record=record,
                          output_root=work / "out")
        for lang in by_lang:
            indexer.start(lang)
        runs = indexer.wait()
        for bundle in bundles:
            current = site_dir / bundle.path
            retired = work / "retired" / bundle.path
            retired.parent.mkdir(parents=True, exist_ok=True)
            if current.exists():
                os.replace(current, retired)
            os.replace(work / "out" / bundle.path, current)
        return runs
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _pagefind_version() -> str:
    return _version("pagefind")


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


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
