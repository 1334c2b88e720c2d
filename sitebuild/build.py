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

    fresh = output.fresh_directory(target, "new")
    work = output.fresh_directory(target, "work")
    try:
        with clock("prepare"):
            runs = _run_settings(base, site, options, fresh, work)
            catalogue_module.save(site, Path(runs[0]["SITE_CATALOGUE_PATH"]))
            conversion = _start_conversion(base, site, runs, options)
        # The checks and the related index run here while the pool converts Markdown.
        with clock("checks"):
            report.findings = run_all(site, base)
        for finding in report.findings:
            (logger.warning if finding.level == WARNING else logger.info)("%s", finding)
        with clock("related"):
            related_lists = related.compute(site, base, report.findings)
            catalogue_module.save(site, Path(runs[0]["SITE_CATALOGUE_PATH"]))  # with related
        with clock("markdown"):
            if conversion is not None:
                for settings in runs:
                    conversion.save_results(settings["SITE_LANG"],
                                            Path(settings["SITE_CONVERTED_PATH"]))
                conversion.close()
        with clock("render"):
            report.render_warnings = _render_languages(runs, fresh, options)
        with clock("post"):
            report.render_warnings += poststeps.run(fresh, base, site, options)
            if options.related_report:
                related.write_report(related_lists, fresh)
        if options.strict and report.warnings:
            raise BuildFailed(
                f"{report.warnings} warning(s) in a strict build; output/ left unchanged"
            )
        if swap:
            with clock("swap"):
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


def _run_settings(base: dict, site, options: config.BuildOptions, fresh: Path,
                  work: Path) -> list[dict]:
    """One settings dict per language run, the default language first."""
    cache_root = Path(base["CACHE_PATH"]).resolve()
    runs = []
    for lang in sorted(site.languages, key=lambda code: code != base["DEFAULT_LANG"]):
        # Non-default languages render into a staging folder, merged afterwards, so two
        # processes never write the same file (shared static files are compared instead).
        destination = fresh if lang == base["DEFAULT_LANG"] else work / f"render-{lang}"
        settings = config.for_language(base, lang, output_path=destination,
                                       catalogue_path=work / "catalogue.pickle",
                                       cache_root=cache_root)
        if options.parallel:
            settings["SITE_CONVERTED_PATH"] = str(work / f"converted-{lang}.pickle")
        runs.append(settings)
    return runs


def _start_conversion(base: dict, site, runs: list[dict], options: config.BuildOptions):
    if not options.parallel:
        return None  # each run converts its own files, one after another
    from sitebuild.conversion import ConversionJob

    cache_root = Path(base["CACHE_PATH"]).resolve() / "markdown" if options.cache else None
    return ConversionJob(site, {s["SITE_LANG"]: s for s in runs}, workers=_cores(),
                         cache_root=cache_root)


def _render_languages(runs: list[dict], fresh: Path, options: config.BuildOptions) -> list[str]:
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
