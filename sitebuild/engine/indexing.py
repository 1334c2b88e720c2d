"""Search indexing as the engine schedules it: Pagefind over each language's bundles as soon
as that language is rendered, in background threads, reusing a bundle whose pages are the
very files the previous build indexed (sitebuild/search.py holds what is indexed and how).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from sitebuild import wordforms
from sitebuild.engine import bundle_files
from sitebuild.search import (_INDEXED, _MARKED, _PLAIN_PATH, _UNMARKED, Bundle, IndexRun,
                              SearchIndexError, command)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SearchRecords:
    """What an index run may reuse and where it notes what it indexed: the output being
    replaced (None: nothing to reuse), {bundle path: key of the files it indexed} there, and
    this build's (filled in; None: not noted, e.g. publish)."""

    previous_output: Path | None = None
    previous: dict | None = None
    record: dict | None = None


class Indexer:
    """Indexes bundles into the new site folder, in background threads, as languages finish.

    `records`: what may be reused, and where this build's keys go (None: nothing is
    reused or noted, e.g. publish). With `defer` (the
    devserver), a bundle that needs indexing keeps its previous version for now and is
    listed in `deferred`, for index_deferred once the new pages are being served.
    `output_root`: where bundles are written (default: the site folder).
    `pages_stay`: a language's pages stay in the folder `start` was given until its bundles
    are indexed (`wait_for`), so Pagefind may read them there instead of from a folder of
    links to them.
    """

    def __init__(self, site_dir: Path, work: Path, bundles: dict[str, list[Bundle]], *,
                 cores: int, records: SearchRecords | None = None, defer: bool = False,
                 output_root: Path | None = None, pages_stay: bool = False) -> None:
        self.site_dir, self.work, self.bundles = site_dir, work, bundles
        records = records or SearchRecords()
        self.previous_output, self.previous = records.previous_output, records.previous
        self.record = records.record
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
        self._claimed: set[str] = set()  # the bundles started (start, start_written)
        self._starting = threading.Lock()

    def start(self, lang: str, pages_dir: Path | None = None) -> None:
        """The language's pages are all in `pages_dir` (the site folder, or the folder its
        run rendered into, not yet merged): index its bundles (those start_written has not)."""
        with self._starting:
            self.pages_dirs[lang] = pages_dir or self.site_dir
            self._start([bundle for bundle in self.bundles.get(lang, ())
                         if bundle.path not in self._claimed])

    def start_written(self, lang: str, pages_dir: Path, paths) -> None:
        """Before the language's run ends: the bundles at `paths` have every page written,
        in `pages_dir` (a shard has written its share, and they are in it). Each is indexed
        from now on, but for one with a page not there (then `start` does it at the run's
        end)."""
        with self._starting:
            self.pages_dirs[lang] = pages_dir
            written = [bundle for bundle in self.bundles.get(lang, ())
                       if bundle.path in paths and bundle.path not in self._claimed
                       and all(os.path.exists(pages_dir / page) for page in bundle.pages)]
            for bundle in written:
                logger.debug("search: %s is indexed while its language's run goes on",
                             bundle.path)
            self._start(written)

    def _start(self, bundles: list[Bundle]) -> None:
        """Every future of a language is known once `start` returns (indexed, wait_for)."""
        self._claimed.update(bundle.path for bundle in bundles)
        ready = []
        for bundle in bundles:
            key = self._key(bundle)
            action = self._action(bundle, key)
            # Now, not in the threads: without `pages_stay` the pages may be moved as soon
            # as this returns, and the links made here keep them. Only for a bundle Pagefind
            # will read: a devserver rebuild links nothing for those it defers (bench/DIARY.md).
            ready.append((bundle, key, action,
                          self._source(bundle) if action == "index" else None))
        with self._slots:  # all of them before any starts: see _index
            self._waiting += sum(action == "index" for _, _, action, _ in ready)
        for bundle, key, action, source in ready:
            future = self.pool.submit(self._index, bundle, key, action, source)
            self.futures.append(future)
            self._futures_of.setdefault(bundle.lang, []).append(future)
        if all(bundle.path in self._claimed for group in self.bundles.values()
               for bundle in group):
            self.all_rendered()  # every page is written: what is left of the runs is short

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
                return self._seeded_run(bundle, site, folder, threads=self.cores if last else 1)
            finally:
                with self._slots:
                    self._running -= 1
                    self._slots.notify_all()
        finally:
            # Here, while other bundles are still indexing, not at the end of the build
            # with nothing else left to run (bench/DIARY.md).
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
            # Saves making and deleting a folder and a link per page, between a language's
            # last page written and its Pagefind starting (bench/DIARY.md).
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "pagefind.json").write_text(
                json.dumps({"glob": "{" + ",".join(bundle.pages) + "}"}), encoding="utf-8")
            return pages_dir, folder
        return self._link_tree(bundle, pages_dir, folder), folder

    def _word_form_copies(self, bundle: Bundle, site: Path, folder: Path) -> Path:
        """The bundle's pages as Pagefind is to read them: each with the keys of its words'
        forms at the end of its body (wordforms.index_copy), in `folder`/forms. Pages this
        build rendered have theirs already; those linked from the previous output not."""
        tree = folder / "forms"
        for page in bundle.pages:
            source = site / page
            target = tree / page
            if target.exists():  # made by the writer that rendered the page (engine/writer.py)
                continue
            if source.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(wordforms.index_copy(source.read_text(encoding="utf-8"),
                                                       self._shared_keys()), encoding="utf-8")
        tree.mkdir(parents=True, exist_ok=True)
        return tree

    def _shared_keys(self) -> wordforms.Keys:
        """The dictionary's keys, loaded by the first copy this process makes: a cold build
        makes none (its writers made them all), and need not load the dictionary here."""
        with self._keys_lock:  # one dictionary for every bundle
            if self._keys is None:
                self._keys = wordforms.shared_keys()
        return self._keys

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

    def _seeded_run(self, bundle: Bundle, site: Path, folder: Path, threads: int) -> IndexRun:
        """Pagefind into the bundle's folder seeded with the previous bundle's files (those
        of unchanged pages are not compressed again), then rid of every file the new index
        does not name (sitebuild/engine/bundle_files.py)."""
        output = self.output_root / bundle.path
        seeded = (bundle_files.seed(self.previous_output / bundle.path, output)
                  if self.previous_output is not None else set())
        run = self._run_pagefind(bundle, site, folder, threads)
        if seeded and not bundle_files.prune(output, seeded):
            # A seed that is not what its name says (new content with an old file's hash
            # prefix), which Pagefind kept as it was: again, from nothing.
            shutil.rmtree(output)
            run = self._run_pagefind(bundle, site, folder, threads)
        return run

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
        # Seeded with the bundles being served: their unchanged pages' files are kept.
        indexer = Indexer(site_dir, work, by_lang, cores=cores,
                          records=SearchRecords(previous_output=site_dir, record=record),
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
