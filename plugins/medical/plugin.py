"""Pelican boundary of the medical plugin: the only module here that imports pelican.

Gives every article and page (inside one language run) what the theme partials render:
`reviewer`, `reviewed_on`, `review_due`, `review_overdue`, `review_status`,
`reference_list`, `jsonld_citations`, `is_sensitive`; and writes the review-status page once per
build (from the default language's run, which sees the whole catalogue).
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from pelican import signals

from core import catalogue, run
from medical import references as refs
from medical import report, review, safety
from medical import settings as medical_settings

logger = logging.getLogger(__name__)
PREFIX = "medical: "
REPORT_PATH = "reports/review-status.html"


def review_status(entry, config: medical_settings.Config, today: date) -> review.ReviewStatus:
    return review.status(category=entry.category if entry.kind == "article" else "",
                         reviewed_by=entry.reviewed_by, reviewed_on=entry.reviewed_on,
                         medical_categories=config.medical_categories,
                         interval_months=config.review_interval_months, today=today)


def attach(content, entry, site, config: medical_settings.Config, settings: dict,
           today: date, formatted: dict | None = None) -> None:
    """Set the medical attributes on one article or page from its catalogue entry
    (`formatted`: the citations already formatted in this run, references.reference_list)."""
    lang = run.lang(settings)
    state = review_status(entry, config, today)
    content.reviewer = review.reviewer_for(site.reviewers, entry.reviewed_by, lang,
                                           settings["SITEURL"], run.prefix(settings))
    content.reviewed_on = entry.reviewed_on
    content.review_due = state.due
    content.review_overdue = state.overdue
    content.review_status = state.state
    cited = refs.cited_keys(entry.body)
    order = refs.citation_order(entry.body, entry.references, site.references, cited=cited)
    content.reference_list = refs.reference_list(order, site.references, cited=cited,
                                                 formatted=formatted)
    content.jsonld_citations = refs.jsonld_citations(content.reference_list)
    content.is_sensitive = safety.is_sensitive(entry.tags, config.sensitive_tags)


def attach_medical_data(generator) -> None:
    """article/page_generator_finalized: medical attributes on every content object."""
    settings = generator.settings
    config = medical_settings.load(settings)
    site = catalogue.for_run(settings)
    by_path = {entry.path: entry for entry in site.entries}
    today = run.build_date(settings)
    contents = [*getattr(generator, "articles", ()), *getattr(generator, "translations", ()),
                *getattr(generator, "hidden_articles", ()), *getattr(generator, "drafts", ()),
                *getattr(generator, "pages", ()), *getattr(generator, "hidden_pages", ()),
                *getattr(generator, "draft_pages", ())]
    formatted: dict = {}  # each cited source's citations, formatted once for the run
    for content in contents:
        entry = by_path.get(content.relative_source_path.replace("\\", "/"))
        if entry is None:
            logger.warning("%s%s is not in the build's catalogue; no review data attached",
                           PREFIX, content.relative_source_path)
            continue
        attach(content, entry, site, config, settings, today, formatted)


def write_report(pelican) -> None:
    """finalized: the review-status page, written by the default language's run only."""
    settings = pelican.settings
    if run.lang(settings) != run.default_lang(settings):
        return
    config = medical_settings.load(settings)
    site = catalogue.for_run(settings)
    today = run.build_date(settings)
    # Relative in a development build (RELATIVE_URLS), like the site's own pages.
    base = ("../" * REPORT_PATH.count("/") if settings.get("RELATIVE_URLS")
            else settings["SITEURL"].rstrip("/") + "/")
    rows = []
    for entry in site.built():
        if entry.kind != "article" or entry.status == "draft":
            continue
        reviewer = review.reviewer_for(site.reviewers, entry.reviewed_by, entry.lang, "", "")
        rows.append(report.Row(
            lang=entry.lang, title=entry.title,
            url=base + entry.url, path=entry.path,
            category=entry.category,
            reviewer=reviewer["name"] if reviewer else entry.reviewed_by,
            status=review_status(entry, config, today)))
    target = Path(settings["OUTPUT_PATH"]) / REPORT_PATH
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(report.render(rows, today, config.review_interval_months),
                      encoding="utf-8")


def register() -> None:
    signals.article_generator_finalized.connect(attach_medical_data)
    signals.page_generator_finalized.connect(attach_medical_data)
    signals.finalized.connect(write_report)
