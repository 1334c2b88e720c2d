"""Related publications, computed once per build over every language (see the plugin)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from core.catalogue import Catalogue
from core.findings import Finding

logger = logging.getLogger(__name__)


def compute(site: Catalogue, settings: dict, findings: list[Finding], memo: dict | None = None):
    """Fill `site.related`; pin warnings join the content findings. `memo`: see compute_all.

    Returns (docs, result) for the editors' report, or None when the plugin is off.
    """
    if "related_publications" not in settings.get("PLUGINS", []):
        return None
    # Before numpy's first import: OpenBLAS starts a thread per core that spins while it
    # initialises, on cores the language runs are using (0.15 s of CPU); the index is sparse
    # arithmetic and does not use it.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from related_publications.index import compute_all
    from related_publications.model import Doc
    from related_publications.settings import load

    entries = {(e.lang, e.slug): e for e in site.articles() if e.date is not None}
    docs = [
        Doc(lang=e.lang, slug=e.slug, key=e.key, title=e.title, summary=e.summary, text=e.body,
            tags=e.tags, category=e.category, date=e.date, related=e.related,
            related_exclude=e.related_exclude, path=e.path)
        for e in entries.values()
    ]
    result = compute_all(docs, load(settings), memo)
    site.related = dict(result.lists)
    for message in result.warnings:
        # The plugin words them "path: field: problem; fix: how".
        path, _, rest = message.partition(": ")
        field, _, rest = rest.partition(": ")
        problem, _, fix = rest.partition("; fix: ")
        finding = Finding(path, _line(site, path, field), field, problem,
                          fix or "use the slug of a published article in the same language")
        logger.warning("%s", finding)
        findings.append(finding)
    return docs, result


def write_report(computed, site_dir: Path) -> None:
    """`make related-report`: reports/related.{html,csv} in the new output."""
    from related_publications.report import write_report as write

    if computed is None:
        raise RuntimeError("related_publications is not in PLUGINS: there is nothing to report")
    docs, result = computed
    for path in write(result, docs, site_dir / "reports"):
        logger.info("related report: %s", path)


def _line(site: Catalogue, path: str, field: str) -> int:
    for entry in site.entries:
        if entry.path == path:
            return entry.line_of(field)
    return 1
