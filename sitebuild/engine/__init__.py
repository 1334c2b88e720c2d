"""The build engine: how a build is made fast without changing what it builds.

`build()` (sitebuild/build.py) tells the story — catalogue, related lists, checks, render,
search, post-steps, swap — and calls this package for everything about speed:

- worker processes (runs.py): Markdown converted on every core before the language runs,
  then one Pelican run per language, each writing its pages over shards (shards.py);
- reuse (reuse.py): a language run whose inputs are all unchanged is not run, its files
  linked from the output being replaced; single pages likewise (writer.py, by the
  fingerprints of fingerprint.py); search bundles by the files they index (indexing.Indexer);
- the records of what was reused, kept only once the new output is in place.

The output never depends on any of it: `test_speedups_do_not_change_the_output` builds the
same site serially without caches and compares every byte.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from core import catalogue as catalogue_module
from core import sources
from core.languages import language_prefix
from sitebuild import config, output, search
from sitebuild.engine import indexing
from sitebuild.engine import reuse as reuse_module
from sitebuild.engine import staging
from sitebuild.engine.runs import Workers, preload, render_language

logger = logging.getLogger(__name__)
RELATED = "related.pickle"


class Engine:
    """One build's staging folders, workers and reuse records (`close` in a finally)."""

    def __init__(self, base: dict, options: config.BuildOptions, target: Path) -> None:
        self.base, self.options, self.target = base, options, target
        if options.parallel:
            preload(base)  # before the workers fork: they start with every import done
        self.workers = Workers(options.parallel, base.get("BUILD_WORKERS"))
        self.fresh = self.work = self.indexer = None
        self.reused = None
        self.runs: list[dict] = []  # each language run's settings
        self._runs: list[tuple] = []  # (settings, its future, or warnings if not run, or None)
        self.keys: dict[str, str | None] = {}  # each language run's reuse key
        self._unchanged: set[str] = set()  # languages whose every input is as last time
        self._made: dict[str, list[str]] = {}  # folders made ahead for each run (render)
        self._folders: threading.Thread | None = None  # making them
        # {lang: {shard: bundle paths}}: the search bundles each shard writes whole
        self._bundles_of_shard: dict[str, dict[int, set[str]]] = {}
        self._early_error: BaseException | None = None  # of a bundle started by a shard

    # --- Before rendering -----------------------------------------------------------------

    def stage(self, found: sources.Sources, staged: staging.Staged | None = None) -> None:
        """The new site's folder, the work folder, and each language run's settings. With
        `staged` (what the previous build made ahead for this one: stage_ahead), its folders,
        and the runs' folders made in them."""
        taken = staged.take(self.target) if staged is not None else None
        if taken is not None:
            self.fresh, self.work, made = taken
            self._made = {lang: list(paths) for lang, paths in made.items()}
        else:
            self.fresh = output.fresh_directory(self.target, "new")
            self.work = output.fresh_directory(self.target, "work")
        cache_root = Path(self.base["CACHE_PATH"]).resolve()
        if self.options.cache:
            self.reused = reuse_module.Reuse(cache_root, self.target, self.work)
        self.runs = [self._run_settings(lang, found, cache_root)
                     for lang in sorted(self.base["SITE_LANGUAGES"],
                                        key=lambda code: code != self.base["DEFAULT_LANG"])]
        # The workers convert while this process reads the catalogue.
        self.workers.convert_before_catalogue(self.runs, found.markdown,
                                              self.base["DEFAULT_LANG"], self.work / "conversions")

    def _run_settings(self, lang: str, found: sources.Sources, cache_root: Path) -> dict:
        base, work = self.base, self.work
        destination = self._destination(lang, self.fresh, work)
        settings = config.for_language(base, lang, output_path=destination,
                                       catalogue_path=work / f"catalogue-{lang}.pickle",
                                       cache_root=cache_root)
        settings["SITE_RELATED_PATH"] = str(work / RELATED)
        # Without the cache (publish, --no-cache) the workers' conversions still reach the
        # run (SITE_CONVERSIONS), but nothing is kept for the next build.
        settings["SITE_MARKDOWN_CACHE"] = (str(cache_root / "markdown") if self.options.cache
                                           else None)
        settings["SITE_CONVERSIONS"] = ()  # the workers' conversion files: stage(), prepare()
        settings["SITE_FEEDS_CACHE"] = str(cache_root / "feeds") if self.options.cache else None
        settings["SITE_RENDER_CACHE"] = (self.reused.settings_for(lang)
                                         if self.reused is not None else None)
        # Pelican walks into linked folders (os.walk with followlinks): keep it out of them.
        for name in ("ARTICLE_EXCLUDES", "PAGE_EXCLUDES", "STATIC_EXCLUDES"):
            settings[name] = [*base.get(name, ()), *found.linked_folders]
        settings["SITE_LINKS"] = tuple(found.links)  # what the reader and static files skip
        return settings

    def _destination(self, lang: str, fresh: Path, work: Path) -> Path:
        """Where a language run writes. Non-default languages render into a staging folder,
        merged afterwards, so two processes never write the same file (shared static files
        are compared instead)."""
        return fresh if lang == self.base["DEFAULT_LANG"] else work / f"render-{lang}"

    def prepare(self, site) -> None:
        """Once the catalogue is read: the search plan, the catalogue for each run, and the
        Markdown conversions started on the workers (the parent goes on meanwhile)."""
        bundles = search.plan(self.base, site)
        site.search_bundles = search.bundle_paths(bundles)
        reused = self.reused
        self.indexer = indexing.Indexer(
            self.fresh, self.work, bundles, cores=self.workers.shards(),
            records=reused.search_records() if reused else None,
            defer=self.options.defer_search, pages_stay=True)
        for settings in self.runs:
            catalogue_module.save(site, Path(settings["SITE_CATALOGUE_PATH"]),
                                  bodies_of=settings["SITE_LANG"])
            # The pages whose search copies the run's writers make as they render them.
            pages = {page: bundle.path for bundle in bundles.get(settings["SITE_LANG"], ())
                     if bundle.word_forms for page in bundle.pages}
            settings["SITE_SEARCH_FORMS"] = ({"folder": str(self.work / "search"),
                                              "pages": pages} if pages else None)
        if reused is not None:
            code = reuse_module.code_fingerprint(self.base)
            self.keys = {settings["SITE_LANG"]: reuse_module.run_key(settings, site,
                                                                     settings["SITE_LANG"], code)
                         for settings in self.runs}
        self._unchanged = {settings["SITE_LANG"] for settings in self.runs
                           if self.keys.get(settings["SITE_LANG"])
                           and reused.may_skip(settings["SITE_LANG"],
                                               self.keys[settings["SITE_LANG"]])}
        running = [s for s in self.runs if s["SITE_LANG"] not in self._unchanged]
        self._share_cores(running, site)
        self._follow_bundles(running, bundles)
        self.workers.watch_written(self._shard_written)
        self.workers.submit_conversions(running, site, self.work / "conversions")
        # The runs read their articles while this process scores the related lists.
        self.workers.start_after_conversions(running)

    def _share_cores(self, running: list[dict], site) -> None:
        """Each run's page-writing shards, by its share of the sources: two languages of
        equal size on two cores write one process each (they keep both cores busy already),
        one language alone gets both."""
        sizes = {s["SITE_LANG"]: sum(entry.lang == s["SITE_LANG"] for entry in site.entries)
                 for s in running}
        total = sum(sizes.values()) or 1
        cores = self.workers.shards()
        for settings in running:
            share = cores * sizes[settings["SITE_LANG"]] / total
            settings["SITE_SHARDS"] = max(1, min(cores, round(share)))

    def _follow_bundles(self, running: list[dict], bundles: dict) -> None:
        """The shards write whole search bundles where the counts allow, so that a bundle is
        indexed as soon as its shard has written its share (_shard_written), not once the
        run ends: the bundles, largest first, dealt in turns from shard 0 to the last shard
        (which writes the feeds too: shards.py); of a count that does not divide evenly, the
        last ones are left out (their pages go by hash, as every other page)."""
        for settings in running:
            lang, shards = settings["SITE_LANG"], settings["SITE_SHARDS"]
            own = bundles.get(lang, [])
            whole = sorted(own, key=lambda bundle: -len(bundle.pages))
            whole = whole[:len(whole) - len(whole) % shards]
            shard_of = {bundle.path: number % shards for number, bundle in enumerate(whole)}
            by_shard = self._bundles_of_shard[lang] = {}
            for path, shard in shard_of.items():
                by_shard.setdefault(shard, set()).add(path)
            settings["SITE_SHARD_OF"] = ({page: shard_of[bundle.path] for bundle in whole
                                          for page in bundle.pages} if shards > 1 else None)

    def _shard_written(self, lang: str, shard: int) -> None:
        """A shard of the `lang` run has written its pages (from the workers' watcher
        thread): its bundles are indexed from now on."""
        paths = self._bundles_of_shard.get(lang, {}).get(shard)
        if not paths or self._early_error is not None:
            return
        try:
            settings = next(s for s in self.runs if s["SITE_LANG"] == lang)
            self.indexer.start_written(lang, Path(settings["OUTPUT_PATH"]), paths)
        except BaseException as error:  # noqa: BLE001 - raised by render
            self._early_error = error

    def related_ready(self, site) -> None:
        """The related lists are known: with the catalogue, all a run reads from the parent.
        The runs started at the end of `prepare` go on past their wait for the lists (the
        parent's checks overlap them); a run whose every input but its related lists is as
        last time is started only now if those changed, else its files are linked."""
        catalogue_module.save_related(site.related, self.work / RELATED)
        self.workers.release_runs()
        started = self.workers.started()
        self.workers.wait_for_conversions()
        if started and self.reused is not None:
            # A thread makes the folders the runs will write into while they read their
            # articles (not earlier: it would slow the scoring down, when that is what a
            # rebuild waits for).
            self._folders = threading.Thread(
                target=self._make_folders, name="make-folders", daemon=True,
                args=([s for s in self.runs if s["SITE_LANG"] in started],))
            self._folders.start()
        reused = self.reused
        self._runs = []
        for settings in self.runs:
            lang = settings["SITE_LANG"]
            if lang in started:
                self._runs.append((settings, started[lang]))
            elif lang in self._unchanged and reused.link_previous_run(
                    lang, self.keys[lang], reuse_module.related_key(site, lang),
                    Path(settings["OUTPUT_PATH"])):
                logger.info("%s: nothing it reads changed; last build's files kept", lang)
                self._runs.append((settings, reused.previous_warnings(lang)))
            else:
                self._runs.append((settings, self.workers.start(settings)))

    # --- Rendering ------------------------------------------------------------------------

    def render(self, site) -> list[str]:
        """Every language run's pages (or its previous files), each language indexed for
        search as it finishes and merged into the new site. Returns warnings."""
        runs = self._runs
        warnings: list[str] = []
        default = self.base["DEFAULT_LANG"]
        self._folders_made()
        finished = self._finished(runs)
        to_merge = []
        for settings, found in finished:
            warnings += found
            lang = settings["SITE_LANG"]
            run_dir = Path(settings["OUTPUT_PATH"])
            self._drop_unused_folders(lang)
            files = self._files_of_run(run_dir, site)
            if lang == default:  # it rendered into the new site itself
                self._record(site, lang, files, found)
            else:
                to_merge.append((settings, files, found))
            if len(self.done) == len(runs):
                self.indexer.all_rendered()  # nothing renders any more: every core indexes
            self.indexer.start(lang, run_dir)  # overlaps the other languages' rendering
            # Others are merged once the default language is done (a file that run writes
            # must never be one linked into the new site from the old output: it would be
            # written through the link) and their own bundles are indexed.
            if default in self.done:
                for ready in [r for r in to_merge if self.indexer.indexed(r[0]["SITE_LANG"])]:
                    self._merge(site, ready)
                    to_merge.remove(ready)
        # Every run is over: the workers go, and with them the runs' memory, before the
        # last languages' Pagefinds need theirs.
        self.workers.shutdown()
        if self._early_error is not None:
            raise self._early_error
        for lang in list(self._made):  # made ahead for a language no longer built
            self._drop_unused_folders(lang)
        for ready in to_merge:  # while the languages indexed last are still indexing
            self.indexer.wait_for(ready[0]["SITE_LANG"])
            self._merge(site, ready)
        return warnings + search.warnings_for(self.indexer.wait(), site)

    def _make_folders(self, runs: list[dict]) -> None:
        """In a thread, while the runs read their articles (started once the related lists
        are written): the folders they wrote into last time. Made by the shards as they link
        or write their pages, a thousand of them took 0.5 s of a devserver rebuild at 1,000
        articles. Those a run leaves empty (an article deleted or moved) go when it ends
        (_drop_unused_folders)."""
        for settings in runs:
            previous = self.reused.runs_previous.get(settings["SITE_LANG"])
            if previous:  # those made ahead (stage) exist already, and are skipped
                staging.make_folders(settings["OUTPUT_PATH"],
                                     staging.folders_of(previous["files"], settings),
                                     self._made.setdefault(settings["SITE_LANG"], []))

    def _folders_made(self) -> None:
        """Wait for _make_folders (before a run's empty folders are dropped, or the staging
        folders removed)."""
        if self._folders is not None:
            self._folders.join()
            self._folders = None

    def _drop_unused_folders(self, lang: str) -> None:
        """The run is over: of the folders made for it, those it left empty go, deepest
        first, so its output is a cold build's."""
        for path in reversed(self._made.pop(lang, [])):
            try:
                os.rmdir(path)
            except OSError:  # not empty: used
                pass

    def _finished(self, runs):
        """(settings, warnings) of each run: unchanged ones first, then as they finish."""
        from concurrent.futures import as_completed

        self.done: set[str] = set()
        for settings, outcome in runs:
            if isinstance(outcome, list):
                self.done.add(settings["SITE_LANG"])
                yield settings, outcome
        for settings, outcome in runs:
            if outcome is None:  # serial: run it now
                warnings = render_language(settings)
                self.done.add(settings["SITE_LANG"])
                yield settings, warnings
        running = {outcome: settings for settings, outcome in runs
                   if outcome is not None and not isinstance(outcome, list)}
        for future in as_completed(running):
            self.done.add(running[future]["SITE_LANG"])
            yield running[future], future.result()

    def _merge(self, site, ready) -> None:
        settings, files, found = ready
        output.merge_tree(Path(settings["OUTPUT_PATH"]), self.fresh)
        # After the merge: a file both languages wrote is the one kept.
        self._record(site, settings["SITE_LANG"], files, found)

    def _record(self, site, lang: str, files: list[str], warnings: list[str]) -> None:
        """What the run wrote, for the next build. A skipped run is recorded again too: the
        files it shares with another language (the theme's) are that run's new ones, and a
        record of the old ones would not match the next build's output, which then ran the
        skipped language again on every other rebuild."""
        reused = self.reused
        if reused is not None and self.keys.get(lang):
            reused.record_run(lang, self.keys[lang], reuse_module.related_key(site, lang),
                              self.fresh, files, warnings)

    def _files_of_run(self, run_dir: Path, site) -> list[str]:
        """The files a finished run wrote, relative to the site. The default language's run
        writes into the new site itself: what lies under another language's folder is not
        its, nor the search bundles being written there (started by its shards)."""
        base = self.base
        others = tuple(language_prefix(base, lang) for lang in site.languages
                       if lang != base["DEFAULT_LANG"])
        bundles = {os.path.join(run_dir, path) for paths in site.search_bundles.values()
                   for path in paths} if run_dir == self.fresh else set()
        files = []
        root = str(run_dir)
        # The folder's part of each path cut off as text: os.path.relpath, once per file,
        # was most of the time this took (3,000 files at 1,000 articles).
        for directory, folders, names in os.walk(root):
            folders[:] = [name for name in folders
                          if os.path.join(directory, name) not in bundles]
            folder = directory[len(root) + 1:].replace(os.sep, "/")
            prefix = folder + "/" if folder else ""
            for name in names:
                relative = prefix + name
                if run_dir != self.fresh or not relative.startswith(others):
                    files.append(relative)
        return sorted(files)

    # --- After rendering ------------------------------------------------------------------

    def hand_over(self) -> Path:
        """The new site's folder, now the caller's: the engine no longer discards it."""
        fresh, self.fresh = self.fresh, None
        return fresh

    def deferred_search(self) -> list[search.Bundle]:
        return list(self.indexer.deferred) if self.indexer is not None else []

    def commit(self, site) -> None:
        """The new output is in place: its records describe it from now on."""
        if self.reused is not None:
            self.reused.commit(site.languages)

    def stage_ahead(self) -> staging.Staged | None:
        """Once committed: the next build's folders, and in them the folders each run wrote
        into this time, made by a thread while the devserver waits for an edit (staging.py).
        None when nothing was recorded (no cache)."""
        records = self.reused.runs_record if self.reused is not None else {}
        if not records:
            return None
        fresh = output.fresh_directory(self.target, "new")
        work = output.fresh_directory(self.target, "work")
        folders = {settings["SITE_LANG"]: (
            self._destination(settings["SITE_LANG"], fresh, work),
            staging.folders_of(records[settings["SITE_LANG"]]["files"], settings))
            for settings in self.runs if settings["SITE_LANG"] in records}
        return staging.Staged(self.target, folders, fresh, work)

    def abandon(self) -> None:
        """The build failed: nothing more starts, and what runs is waited for (a run writes
        into the new site and the work folder until it ends); close then discards them."""
        self.workers.shutdown(cancel=True)
        self._folders_made()
        if self.indexer is not None:
            self.indexer.abandon()

    def close(self, keep_work: bool = False) -> Path | None:
        """Once the workers have ended: the work folder goes (with `keep_work`, once the
        build succeeded, it is returned for the caller to discard: the devserver does once
        the new pages are served), and the new site too unless it was handed over."""
        self.workers.shutdown()
        self._folders_made()
        kept = self.work if keep_work and self.fresh is None else None
        for folder in (self.fresh, self.work):
            if folder is not None and folder != kept:
                output.discard(folder)
        self.fresh = self.work = None
        return kept
