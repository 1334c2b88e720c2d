"""One build, start to finish: the table of contents of `make html` / `make publish`."""

from __future__ import annotations

import logging
import resource
import time
from dataclasses import dataclass, field
from pathlib import Path

from core import catalogue as catalogue_module
from core import sources
from core.findings import WARNING, Finding
from sitebuild import config, output, poststeps, related, release, search
from sitebuild.checks import run_all
from sitebuild.engine import Engine, indexing, staging
from sitebuild.engine.reuse import Reuse
from sitebuild.engine.runs import cores

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
    reuse: Reuse | None = None
    retired_output: Path | None = None  # the replaced output, left for the caller to discard
    retired_work: Path | None = None  # with defer_search, the work folder, likewise

    @property
    def warnings(self) -> int:
        return sum(f.level == WARNING for f in self.findings) + len(self.render_warnings)


@dataclass
class BuildState:
    """What the devserver keeps between its rebuilds: the catalogue (unchanged files are not
    read again), the related lists (a language whose articles did not change is not scored
    again) and, with `stage_ahead`, the next build's folders, made while it waits for an
    edit (engine/staging.py; `close` removes them when the devserver stops)."""

    catalogue: catalogue_module.Catalogue | None = None
    related: dict = field(default_factory=dict)  # each language's related lists, by inputs
    stage_ahead: bool = True
    staged: staging.Staged | None = None

    def take_staged(self) -> staging.Staged | None:
        staged, self.staged = self.staged, None
        return staged

    def close(self) -> None:
        if (staged := self.take_staged()) is not None:
            staged.discard()


def build(options: config.BuildOptions, *, swap: bool = True,
          state: BuildState | None = None) -> BuildReport:
    """Build the site; raise BuildFailed (leaving output/ untouched) when it must not publish.

    The story of a build; how each step is made fast is the engine's business (engine/)."""
    report = BuildReport()
    clock = _Clock(report.timings)
    base = config.read_base(options)
    target = Path(base["OUTPUT_PATH"])
    publishing = swap and options.strict  # recorded: `make deploy` refuses a failed publish
    # One build at a time into one output/: a second one waits (saying so) until the first
    # has swapped its site in, so neither sees the other's half-built folders or records.
    lock = output.BuildLock(target)
    engine = None
    served = False  # the new site is in place (the work folder may outlive the build)
    try:
        if publishing:
            release.publish_started(target)
        # Its workers fork before the catalogue exists, with the devserver's previous one.
        catalogue_module.inherit(state.catalogue if state is not None else None)
        engine = Engine(base, options, target)
        # Which files are sources, which are links never to follow.
        found = sources.scan(base)
        engine.stage(found, state.take_staged() if state is not None else None)
        with clock("catalogue"):
            site = catalogue_module.build(base, state.catalogue if state else None, found)
            if state is not None:
                state.catalogue = site
            engine.prepare(site)  # the workers convert Markdown from here on
        with clock("related"):
            pin_findings: list[Finding] = []  # logged by related.compute
            related_lists = related.compute(site, base, pin_findings,
                                            state.related if state else None)
            engine.related_ready(site)  # the runs start rendering
        with clock("checks"):
            report.findings = run_all(site, base)
        for finding in report.findings:
            (logger.warning if finding.level == WARNING else logger.info)("%s", finding)
        report.findings += pin_findings
        with clock("render"):  # and search indexing, as each language finishes
            report.render_warnings += engine.render(site)
        with clock("post"):
            poststeps.check_languages_rendered(engine.fresh, base, site)
            report.render_warnings += poststeps.run(engine.fresh, base, site, options)
            if options.related_report:
                related.write_report(related_lists, engine.fresh)
        if options.strict and report.warnings:
            raise BuildFailed(
                f"{report.warnings} warning(s) in a strict build; output/ left unchanged"
            )
        if swap:
            with clock("swap"):
                report.retired_output = output.swap_in(engine.hand_over(), target,
                                                       keep_old=options.defer_search)
                release.swapped(target, release.PUBLISH if publishing else release.DEVELOPMENT,
                                base["SITEURL"])
                engine.commit(site)
            report.output = target
            report.deferred_search, report.reuse = engine.deferred_search(), engine.reused
            served = True
        else:
            report.output = engine.hand_over()
    except BaseException as error:
        if publishing:
            release.publish_failed(target, error)
        if engine is not None:
            engine.abandon()
        raise
    finally:
        try:
            if engine is not None:
                report.retired_work = engine.close(keep_work=served and options.defer_search)
        finally:
            lock.release()
            catalogue_module.inherit(None)  # the workers are gone: nothing holds it now
    if served and state is not None and state.stage_ahead:
        state.staged = engine.stage_ahead()  # once the work folder is left alone
    return report


def refresh_search(report: BuildReport) -> list[search.IndexRun]:
    """Index the bundles a deferred-search build left out of date, in the served output."""
    if not report.deferred_search or report.output is None:
        return []
    record = report.reuse.search_record if report.reuse is not None else None
    runs = indexing.index_deferred(report.output, report.deferred_search, cores=cores(),
                                 record=record)
    if report.reuse is not None:
        report.reuse.save_search()
    report.deferred_search = []
    return runs


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
