"""One build, start to finish: the table of contents of `make html` / `make publish`."""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from core import catalogue as catalogue_module
from core import sources
from core.findings import WARNING, Finding
from core.languages import language_prefix
from sitebuild import config, output, pelican_log, poststeps, related, release, reuse, search
from sitebuild.checks import run_all

logger = logging.getLogger(__name__)


class BuildFailed(Exception):
    """The build did not produce an output worth publishing; output/ was left as it was."""


@dataclass
class BuildReport:
    findings: list[Finding] = field(default_factory=list)
    render_warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    output: Path | None = None
    # With BuildOptions.defer_search: bundles still to index (refresh_search does it).
    deferred_search: list[search.Bundle] = field(default_factory=list)
    reuse: reuse.Reuse | None = None
    retired_output: Path | None = None  # the replaced output, left for the caller to discard

    @property
    def warnings(self) -> int:
        return sum(f.level == WARNING for f in self.findings) + len(self.render_warnings)


@dataclass
class BuildState:
    """What the devserver keeps between its rebuilds: the catalogue (unchanged files are not
    read again) and the related lists (a language whose articles did not change is not scored
    again)."""

    catalogue: catalogue_module.Catalogue | None = None
    related: dict = field(default_factory=dict)  # each language's related lists, by inputs


def build(options: config.BuildOptions, *, swap: bool = True,
          state: BuildState | None = None) -> BuildReport:
    """Build the site; raise BuildFailed (leaving output/ untouched) when it must not publish."""
    report = BuildReport()
    clock = _Clock(report.timings)
    base = config.read_base(options)
    target = Path(base["OUTPUT_PATH"])
    publishing = swap and options.strict  # recorded: `make deploy` refuses a failed publish
    # One build at a time into one output/: a second one waits (saying so) until the first
    # has swapped its site in, so neither sees the other's half-built folders or records.
    lock = output.BuildLock(target)
    try:
        if publishing:
            release.publish_started(target)
        # Worker processes are forked before the catalogue exists, so they do not carry a
        # copy of every source's text for the whole build (3.4 GB at 10,000 articles else).
        if options.parallel:
            _preload(base)
        language_runs = _Runs(len(base["SITE_LANGUAGES"]) if options.parallel else 0)
    except BaseException:
        lock.release()  # a lock left held would make the next build in this process wait
        raise
    fresh = work = indexer = None
    try:
        # Before any run starts: which files are sources, which are links never to follow.
        found = sources.scan(base)
        fresh = output.fresh_directory(target, "new")
        work = output.fresh_directory(target, "work")
        reused = (reuse.Reuse(Path(base["CACHE_PATH"]).resolve(), target, work)
                  if options.cache else None)
        runs = _run_settings(base, options, fresh, work, reused, found)
        # With nothing to reuse whole (a cold build), the runs start at once: they convert
        # their Markdown while this process reads the catalogue, and wait for it (and later
        # for the related lists) only when they attach translations, after reading every file.
        early = reused is None or not reused.runs_previous
        if early:
            for settings in runs:
                language_runs.start(settings)
        with clock("catalogue"):
            site = catalogue_module.build(base, state.catalogue if state else None, found)
            if state is not None:
                state.catalogue = site
        with clock("prepare"):
            bundles = search.plan(base, site)
            site.search_bundles = search.bundle_paths(bundles)
            indexer = search.Indexer(
                fresh, work, bundles, cores=_cores(),
                previous_output=reused.previous_output if reused else None,
                previous=reused.search_previous if reused else None,
                record=reused.search_record if reused else None,
                defer=options.defer_search, pages_stay=True)
            for settings in runs:
                catalogue_module.save(site, Path(settings["SITE_CATALOGUE_PATH"]),
                                      bodies_of=settings["SITE_LANG"])
            keys = _run_keys(base, runs, site) if reused is not None else {}
            # Otherwise a run starts now, unless everything it reads but its related lists
            # is as last time: then it waits, and if its related lists are unchanged too, the
            # files it wrote last time are all it would write.
            maybe_unchanged = []
            for settings in runs if not early else ():
                lang = settings["SITE_LANG"]
                if keys.get(lang) and reused.may_skip(lang, keys[lang]):
                    maybe_unchanged.append(settings)
                else:
                    language_runs.start(settings)
        # Related lists first: the runs wait for them once they have read their files.
        with clock("related"):
            pin_findings: list[Finding] = []  # logged by related.compute
            related_lists = related.compute(site, base, pin_findings,
                                            state.related if state else None)
            catalogue_module.save_related(site.related, work / RELATED)
            for settings in maybe_unchanged:
                lang = settings["SITE_LANG"]
                if reused.link_previous_run(lang, keys[lang], reuse.related_key(site, lang),
                                            Path(settings["OUTPUT_PATH"])):
                    logger.info("%s: nothing it reads changed; last build's files kept", lang)
                    language_runs.unchanged(settings, reused.previous_warnings(lang))
                else:
                    language_runs.start(settings)
        with clock("checks"):
            report.findings = run_all(site, base)
        for finding in report.findings:
            (logger.warning if finding.level == WARNING else logger.info)("%s", finding)
        report.findings += pin_findings
        with clock("render"):
            report.render_warnings += _collect_runs(language_runs, base, site, fresh, indexer,
                                                    reused, keys)
        with clock("post"):
            poststeps.check_languages_rendered(fresh, base, site)
            report.render_warnings += search.warnings_for(indexer.wait(), site)
            report.render_warnings += poststeps.run(fresh, base, site, options)
            if options.related_report:
                related.write_report(related_lists, fresh)
        if options.strict and report.warnings:
            raise BuildFailed(
                f"{report.warnings} warning(s) in a strict build; output/ left unchanged"
            )
        if swap:
            with clock("swap"):
                report.retired_output = output.swap_in(fresh, target,
                                                       keep_old=options.defer_search)
                release.swapped(target, release.PUBLISH if publishing else release.DEVELOPMENT,
                                base["SITEURL"])
                if reused is not None:
                    reused.commit(site.languages)
            report.output = target
            report.deferred_search, report.reuse = list(indexer.deferred), reused
        else:
            report.output = fresh
            fresh = None
    except BaseException as error:
        if publishing:
            release.publish_failed(target, error)
        language_runs.abandon()
        if indexer is not None:
            indexer.abandon()
        if fresh is not None:
            output.discard(fresh)
        if work is not None:  # a run still waiting for the catalogue or related lists quits
            output.discard(work)
        language_runs.join()
        raise
    finally:
        if work is not None:
            output.discard(work)
        lock.release()
    return report


RELATED = "related.pickle"


def refresh_search(report: BuildReport) -> list[search.IndexRun]:
    """Index the bundles a deferred-search build left out of date, in the served output."""
    if not report.deferred_search or report.output is None:
        return []
    record = report.reuse.search_record if report.reuse is not None else None
    runs = search.index_deferred(report.output, report.deferred_search, cores=_cores(),
                                 record=record)
    if report.reuse is not None:
        report.reuse.save_search()
    report.deferred_search = []
    return runs


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def _run_settings(base: dict, options: config.BuildOptions, fresh: Path, work: Path,
                  reused: reuse.Reuse | None, found: sources.Sources) -> list[dict]:
    """One settings dict per language run, the default language first."""
    cache_root = Path(base["CACHE_PATH"]).resolve()
    runs = []
    for lang in sorted(base["SITE_LANGUAGES"], key=lambda code: code != base["DEFAULT_LANG"]):
        # Non-default languages render into a staging folder, merged afterwards, so two
        # processes never write the same file (shared static files are compared instead).
        destination = fresh if lang == base["DEFAULT_LANG"] else work / f"render-{lang}"
        settings = config.for_language(base, lang, output_path=destination,
                                       catalogue_path=work / f"catalogue-{lang}.pickle",
                                       cache_root=cache_root)
        settings["SITE_RELATED_PATH"] = str(work / RELATED)
        settings["SITE_MARKDOWN_CACHE"] = str(cache_root / "markdown") if options.cache else None
        settings["SITE_FEEDS_CACHE"] = str(cache_root / "feeds") if options.cache else None
        # Unchanged pages are linked from the output being replaced (render_cache plugin).
        settings["SITE_RENDER_CACHE"] = reused.settings_for(lang) if reused is not None else None
        # Pelican walks into linked folders (os.walk with followlinks): keep it out of them.
        for name in ("ARTICLE_EXCLUDES", "PAGE_EXCLUDES", "STATIC_EXCLUDES"):
            settings[name] = [*base.get(name, ()), *found.linked_folders]
        settings["SITE_LINKS"] = tuple(found.links)  # what the reader and static files skip
        runs.append(settings)
    return runs


def _collect_runs(language_runs: _Runs, base: dict, site, fresh: Path, indexer,
                  reused: reuse.Reuse | None, keys: dict) -> list[str]:
    """As each run finishes: note what it wrote (for the next build), start indexing its
    language, and move it into the new site once its search bundles are indexed (Pagefind
    reads the run's folder in place). Returns the runs' warnings."""
    default = base["DEFAULT_LANG"]
    warnings: list[str] = []
    to_merge: list[tuple[dict, list[str], list[str]]] = []

    def merge(ready) -> None:
        settings, files, found = ready
        output.merge_tree(Path(settings["OUTPUT_PATH"]), fresh)
        # After the merge: a file both languages wrote is the one kept.
        _record(reused, keys, site, settings["SITE_LANG"], files, found, fresh)

    for settings, found in language_runs.completed():
        warnings += found
        lang = settings["SITE_LANG"]
        run_dir = Path(settings["OUTPUT_PATH"])
        files = _files_of_run(run_dir, fresh, base, site)
        if lang == default:  # it rendered into the new site itself
            _record(reused, keys, site, lang, files, found, fresh)
        else:
            to_merge.append((settings, files, found))
        if language_runs.all_done():
            indexer.all_rendered()  # nothing renders any more: indexes may use every core
        indexer.start(lang, run_dir)  # overlaps the other languages' rendering
        # Others are merged once the default language is done (a file that run writes must
        # never be one linked into the new site from the old output: it would be written
        # through the link) and their own bundles are indexed.
        if default in language_runs.done:
            for ready in [r for r in to_merge if indexer.indexed(r[0]["SITE_LANG"])]:
                merge(ready)
                to_merge.remove(ready)
    for ready in to_merge:  # while the languages indexed last are still indexing
        indexer.wait_for(ready[0]["SITE_LANG"])
        merge(ready)
    return warnings


def _record(reused, keys: dict, site, lang: str, files: list[str], warnings: list[str],
            fresh: Path) -> None:
    """What the run wrote, for the next build (a skipped run keeps last time's record)."""
    if reused is not None and keys.get(lang) and lang not in reused.skipped:
        reused.record_run(lang, keys[lang], reuse.related_key(site, lang), fresh, files,
                          warnings)


def _run_keys(base: dict, runs: list[dict], site) -> dict[str, str | None]:
    code = reuse.code_fingerprint(base)
    return {settings["SITE_LANG"]: reuse.run_key(settings, site, settings["SITE_LANG"], code)
            for settings in runs}


def _files_of_run(run_dir: Path, fresh: Path, base: dict, site) -> list[str]:
    """The files a finished run wrote, relative to the site. The default language's run
    writes into the new site itself: what lies under another language's folder is not its."""
    others = tuple(language_prefix(base, lang) for lang in site.languages
                   if lang != base["DEFAULT_LANG"])
    files = []
    for directory, _, names in os.walk(run_dir):
        for name in names:
            relative = os.path.relpath(os.path.join(directory, name), run_dir)
            relative = relative.replace(os.sep, "/")
            if run_dir != fresh or not relative.startswith(others):
                files.append(relative)
    return sorted(files)


def _preload(settings: dict) -> None:
    """Import Pelican, the plugins and the Markdown extensions before the workers fork, so
    each worker starts with them instead of importing them again (a few tenths of a second
    of CPU per worker)."""
    import importlib

    import pelican.generators  # noqa: F401 (imported for the workers)
    from markdown import Markdown

    for name in settings["PLUGINS"]:
        if isinstance(name, str):
            importlib.import_module(name)
    # A converter made here imports the extensions and reads the installed packages' entry
    # points (Markdown looks extension names up there, once per process: 0.1 s).
    Markdown(extensions=[name for name in [*settings["MARKDOWN"].get("extension_configs", {}),
                                           *settings["MARKDOWN"].get("extensions", ()),
                                           "markdown.extensions.meta"]
                         if isinstance(name, str)])


class _Runs:
    """The language runs: in worker processes started before the heavy data exists (or one
    after another in this process, with `workers=0`), or unchanged since the last build."""

    def __init__(self, workers: int) -> None:
        self.pool = None
        if workers:
            context = multiprocessing.get_context("fork")
            # gc.freeze: a worker's full collections skip what it inherited (modules,
            # settings), and do not copy those pages by touching them.
            self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                            initializer=gc.freeze)
            for ready in [self.pool.submit(os.getpid) for _ in range(workers)]:
                ready.result()  # the workers exist now, forked from a lean process
        self.pending: list[tuple[dict, object]] = []  # (settings, future | warnings | None)
        self.done: set[str] = set()

    def start(self, settings: dict) -> None:
        future = self.pool.submit(render_language, settings) if self.pool else None
        self.pending.append((settings, future))

    def all_done(self) -> bool:
        return len(self.done) == len(self.pending)

    def unchanged(self, settings: dict, warnings: list[str]) -> None:
        self.pending.append((settings, list(warnings)))

    def completed(self):
        """(settings, warnings) of each run, unchanged ones first, then as they finish."""
        from concurrent.futures import as_completed

        try:
            for settings, outcome in [p for p in self.pending if isinstance(p[1], list)]:
                self.done.add(settings["SITE_LANG"])
                yield settings, outcome
            running = {future: settings for settings, future in self.pending
                       if future is not None and not isinstance(future, list)}
            for settings, outcome in self.pending:
                if outcome is None:  # serial: run it now
                    warnings = render_language(settings)
                    self.done.add(settings["SITE_LANG"])
                    yield settings, warnings
            for future in as_completed(running):
                self.done.add(running[future]["SITE_LANG"])
                yield running[future], future.result()
        finally:
            if self.pool is not None:
                self.pool.shutdown()

    def abandon(self) -> None:
        """The build failed: no run starts any more. Runs under way stop once the build's work
        folder is gone (they may be waiting for the catalogue or the related lists)."""
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)

    def join(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True)


class _WarningCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"[{record.name}] {record.getMessage()}")


def render_language(settings: dict) -> list[str]:
    """Run Pelican for one language; returns the warnings it logged. Pelican's own are held
    back and given once the run is over: those a content check words already are left out,
    the others said again with paths relative to the content folder (pelican_log)."""
    from pelican import Pelican

    collector = _WarningCollector()
    logging.getLogger("pelican").setLevel(logging.WARNING)
    root = logging.getLogger()
    root.addHandler(collector)
    held = pelican_log.Held()
    try:
        with held:
            Pelican(settings).run()
    finally:
        root.removeHandler(collector)
        reworded = held.reworded(settings)
        for message in reworded:
            logger.warning("%s: %s", settings["SITE_LANG"], message)
    prefix = settings["SITE_LANG"]
    return [f"{prefix}: {message}" for message in [*collector.messages, *reworded]]


class _Clock:
    """Each phase's wall seconds, "<phase> cpu": CPU seconds of this process (every thread),
    and "<phase> cpu-children": of the child processes that ended and were waited for in it
    (the language workers, Pagefind), for bench/ to say where the CPU goes."""

    def __init__(self, timings: dict[str, float]) -> None:
        self.timings = timings

    def __call__(self, name: str) -> _Clock:
        self.name = name
        return self

    def __enter__(self) -> None:
        self.start = time.perf_counter(), time.process_time(), _children_cpu()

    def __exit__(self, *exc) -> None:
        wall, cpu, children = self.start
        self.timings[self.name] = time.perf_counter() - wall
        self.timings[f"{self.name} cpu"] = time.process_time() - cpu
        if (children := _children_cpu() - children) > 0.005:
            self.timings[f"{self.name} cpu-children"] = children


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
