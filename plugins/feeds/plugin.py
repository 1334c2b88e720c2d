"""Pelican boundary of the feeds plugin: the only module here that imports pelican.

1. article_generator_finalized: decide which feeds this language run has (FeedIndex) and put
   it in the template context as `feeds`, before any page is rendered.
2. article_writer_finalized: turn the run's published articles (and sent digests) into
   entries and write every feed of the index.
"""

from __future__ import annotations

import logging
from pathlib import Path

from pelican import signals

from feeds import digests, render
from feeds.cache import AbsoluteHtml
from feeds.articles import Sources, shortlist, to_entry
from feeds.model import FeedIndex, select
from feeds.plan import Site, build_index
from feeds.settings import load

logger = logging.getLogger(__name__)
CONTEXT_NAME = "feeds"
# Set on the ArticlesGenerator between the two signals (the same object receives both).
_DIGESTS_ATTRIBUTE = "feeds_digest_entries"


def plan_feeds(generator) -> None:
    """article_generator_finalized: the run's FeedIndex, as template context `feeds`."""
    settings = generator.settings
    config = load(settings)
    site = Site.from_settings(settings, config)
    digest_entries = []
    if config.digest_atom:
        sent = digests.sent_digests(digests.state_dir(config.digest_state_dir, settings),
                                    site.lang)
        digest_entries = digests.entries(sent, site_url=site.site_url,
                                         authority=site.authority, id_date=site.id_date)
    setattr(generator, _DIGESTS_ATTRIBUTE, digest_entries)

    used = {article.category.slug for article in generator.articles}
    names = settings.get("CATEGORIES", {})
    categories = [
        (category.slug, names.get(category.slug, {}).get(site.lang) or category.name,
         category.url)
        for category, _ in generator.categories if category.slug in used
    ]
    order = {slug: position for position, slug in enumerate(names)}
    categories.sort(key=lambda item: (order.get(item[0], len(order)), item[0]))
    generator.context[CONTEXT_NAME] = build_index(
        site, config, has_articles=bool(generator.articles), categories=categories,
        has_digests=bool(digest_entries))


def write_feeds(generator, writer=None) -> None:
    """article_writer_finalized: render and write every feed planned for this run."""
    index: FeedIndex | None = generator.context.get(CONTEXT_NAME)
    if index is None:
        return
    settings = generator.settings
    config = load(settings)
    site = Site.from_settings(settings, config)
    iframe_hosts = frozenset(settings.get("IFRAME_HOSTS", ()))
    cache_dir = settings.get("SITE_FEEDS_CACHE")  # set by the build driver when caching
    absolute = AbsoluteHtml(Path(cache_dir) / f"{site.lang}.pickle" if cache_dir else None,
                            iframe_hosts)
    sources = Sources(
        site=site,
        categories=settings.get("CATEGORIES", {}),
        category_scheme=site.url(settings["CATEGORIES_URL"]),
        tag_scheme=site.url(settings["TAGS_URL"]),
        content_path=Path(settings["PATH"]),
        static_content=generator.context.get("static_content", {}),
        iframe_hosts=iframe_hosts,
        absolute_html=absolute,
    )
    # Content and summaries link to other pages against the context's `localsiteurl`, which
    # Pelican's writer sets to the last page's relative path under RELATIVE_URLS (the
    # development build): feeds need the site's absolute address, as Pelican's own feed
    # writer uses (`get_content(site_url)`).
    context = generator.context
    page_siteurl = context.get("localsiteurl")
    context["localsiteurl"] = settings["SITEURL"].rstrip("/")
    try:
        entries = [to_entry(article, sources)
                   for article in shortlist(generator.articles, site, config.max_entries)]
    finally:
        context["localsiteurl"] = page_siteurl
    absolute.save()
    output = Path(settings["OUTPUT_PATH"])
    written = 0
    if index.language is not None:
        written += _write(output, render.render(index.language,
                                                select(entries, config.max_entries)))
    for feed in index.categories:
        chosen = select((e for e in entries if e.category and e.category.term == feed.category),
                        config.max_entries)
        written += _write(output, render.render(feed, chosen))
    if index.digest is not None:
        chosen = select(getattr(generator, _DIGESTS_ATTRIBUTE, []), config.max_entries)
        written += _write(output, render.render(index.digest, chosen))
    logger.info("feeds: wrote %d feed files for %s", written, site.lang)


def _write(output: Path, files: dict[str, bytes]) -> int:
    root = output.resolve()
    for relative, data in files.items():
        target = (output / relative).resolve()
        if root not in target.parents:  # settings are validated; this guards the invariant
            raise ValueError(f"feeds: {relative} would be written outside {output}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return len(files)


def register() -> None:
    signals.article_generator_finalized.connect(plan_feeds)
    signals.article_writer_finalized.connect(write_feeds)
