"""Pelican boundary: hands each article its related publications inside a language run.

Under the build driver the lists are computed once per build, in its parent process
(`sitebuild` calls `index.compute_all` over every published article of every language), and
each language run looks them up. Under plain `pelican`, the run computes them itself, once,
over the catalogue it reads (core.catalogue.for_run). Either way this module turns slugs
into the run's Article objects.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

from pelican import signals

from core import catalogue

logger = logging.getLogger(__name__)
PREFIX = "related_publications: "


def attach(articles: Iterable, matches_by_key: Mapping) -> list[str]:
    """Set `related_publications` and `related_matches` on every article.

    `matches_by_key` maps (lang, slug) to a tuple of Matches. `related_publications` becomes
    the list of article objects (from `articles`) for those matches, in order;
    `related_matches` the matches that were found, in the same order. Returns a message for
    each match whose article is not among `articles` (it is then left out).
    """
    articles = list(articles)
    by_key = {(article.lang, article.slug): article for article in articles}
    problems = []
    for article in articles:
        related, found = [], []
        for match in matches_by_key.get((article.lang, article.slug), ()):
            target = by_key.get((article.lang, match.slug))
            if target is None:
                problems.append(
                    f"{getattr(article, 'relative_source_path', article.slug)}: related article "
                    f"{match.slug!r} ({article.lang}) is not part of this build; it is left out")
                continue
            related.append(target)
            found.append(match)
        article.related_publications = related
        article.related_matches = tuple(found)
    return problems


def _articles_of(generator) -> list:
    """Every article object of this run: listed, translations and hidden ones."""
    return [
        *generator.articles,
        *getattr(generator, "translations", ()),
        *getattr(generator, "hidden_articles", ()),
        *getattr(generator, "hidden_translations", ()),
    ]


def lists_for_run(settings: dict) -> Mapping:
    """(lang, slug) -> Matches: the driver's, or computed here under plain `pelican` (once:
    kept in the run's catalogue, whose `related` is where the driver keeps them too)."""
    lists = catalogue.related_for_run(settings)
    if lists is not None:
        return lists
    site = catalogue.for_run(settings)
    if not site.related:  # numpy and scipy are imported only by a run that scores
        from related_publications.index import compute_all
        from related_publications.model import docs_of
        from related_publications.settings import load

        result = compute_all(docs_of(site), load(settings))
        for finding in result.findings:
            logger.warning("%s%s", PREFIX, finding)
        site.related = dict(result.lists)
    return site.related


def add_related(generator) -> None:
    """article_generator_finalized: attach the build's lists to the run's articles."""
    for problem in attach(_articles_of(generator), lists_for_run(generator.settings)):
        logger.warning("%s%s", PREFIX, problem)


def register() -> None:
    signals.article_generator_finalized.connect(add_related)
