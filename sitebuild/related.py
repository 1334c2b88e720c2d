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
    # initialises, on cores the language runs are using; the index is sparse
    # arithmetic and does not use it.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from related_publications.index import compute_all
    from related_publications.model import docs_of
    from related_publications.settings import load

    docs = docs_of(site)
    result = compute_all(docs, load(settings), memo)
    site.related = dict(result.lists)
    for finding in result.findings:
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
