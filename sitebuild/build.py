"""One build, start to finish: the table of contents of `make html` / `make publish`."""

from __future__ import annotations

import logging
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from sitebuild import catalogue as catalogue_module
from sitebuild import config, output, poststeps, related
from sitebuild.checks import WARNING, Finding, run_all

logger = logging.getLogger(__name__)


class BuildFailed(Exception):
    """The build did not produce an output worth publishing; output/ was left as it was."""


@dataclass
class BuildReport:
    findings: list[Finding] = field(default_factory=list)
    render_warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    output: Path | None = None

    @property
    def warnings(self) -> int:
        return sum(f.level == WARNING for f in self.findings) + len(self.render_warnings)


def build(options: config.BuildOptions, *, swap: bool = True) -> BuildReport:
    """Build the site; raise BuildFailed (leaving output/ untouched) when it must not publish."""
    report = BuildReport()
    clock = _Clock(report.timings)
    base = config.read_base(options)
    target = Path(base["OUTPUT_PATH"])

    with clock("catalogue"):
        site = catalogue_module.build(base)
    with clock("checks"):
        report.findings = run_all(site, base)
    for finding in report.findings:
        log = logger.warning if finding.level == WARNING else logger.info
        log("%s", finding)
    with clock("related"):
        related.compute(site, base, report.findings)

    fresh = output.fresh_directory(target, "new")
    work = output.fresh_directory(target, "work")
    try:
        catalogue_path = work / "catalogue.pickle"
        catalogue_module.save(site, catalogue_path)
        with clock("render"):
            report.render_warnings = _render_languages(base, site, options, fresh, work,
                                                        catalogue_path)
        with clock("post"):
            report.render_warnings += poststeps.run(fresh, base, site, options)
        if options.strict and report.warnings:
            raise BuildFailed(
                f"{report.warnings} warning(s) in a strict build; output/ left unchanged"
            )
        if swap:
            output.swap_in(fresh, target)
            report.output = target
        else:
            report.output = fresh
            fresh = None
    except BaseException:
        if fresh is not None:
            output.discard(fresh)
        raise
    finally:
        output.discard(work)
    return report


def _render_languages(base: dict, site, options: config.BuildOptions, fresh: Path, work: Path,
                      catalogue_path: Path) -> list[str]:
    cache_root = Path(base.get("CACHE_PATH") or "cache").resolve()
    runs = []
    for lang in site.languages:
        # Non-default languages render into a staging folder, merged afterwards, so two
        # processes never write the same file (shared static files are compared instead).
        destination = fresh if lang == base["DEFAULT_LANG"] else work / f"render-{lang}"
        runs.append(config.for_language(base, lang, output_path=destination,
                                        catalogue_path=catalogue_path, cache_root=cache_root,
                                        cache=options.cache))
    if options.parallel and len(runs) > 1:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=min(len(runs), _cores()),
                                 mp_context=context) as pool:
            results = list(pool.map(render_language, runs))
    else:
        results = [render_language(settings) for settings in runs]
    for settings in runs:
        staged = Path(settings["OUTPUT_PATH"])
        if staged != fresh:
            output.merge_tree(staged, fresh)
    return [warning for result in results for warning in result]


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


class _WarningCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"[{record.name}] {record.getMessage()}")


def render_language(settings: dict) -> list[str]:
    """Run Pelican for one language; returns the warnings it logged."""
    from pelican import Pelican

    collector = _WarningCollector()
    logging.getLogger("pelican").setLevel(logging.WARNING)
    root = logging.getLogger()
    root.addHandler(collector)
    try:
        Pelican(settings).run()
    finally:
        root.removeHandler(collector)
    prefix = settings["SITE_LANG"]
    return [f"{prefix}: {message}" for message in collector.messages]


class _Clock:
    def __init__(self, timings: dict[str, float]) -> None:
        self.timings = timings

    def __call__(self, name: str) -> _Clock:
        self.name = name
        return self

    def __enter__(self) -> None:
        self.start = time.perf_counter()

    def __exit__(self, *exc) -> None:
        self.timings[self.name] = time.perf_counter() - self.start
