"""Which articles a digest carries, and what one subscriber sees of it.

Selection (per language): articles of the manifest published after the newest article of the
last digest sent for that language (the ledger, never feed dates), not carried by an earlier
digest, and not dated in the future. With no digest sent yet: the last `first_digest_days`.

The digest is a lead article (the newest one with a lead image, else the newest) and the rest
grouped by category in the order of CATEGORIES. A subscriber with topics sees the lead only when
its category is among them, and only those categories; a subscriber without topics sees all.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from newsletter.digest.manifest import ManifestArticle
from newsletter.digest.settings import DigestConfig


@dataclass(frozen=True)
class Group:
    category: str
    name: str
    articles: tuple[ManifestArticle, ...]


@dataclass(frozen=True)
class DigestContent:
    """What one rendering of a digest shows."""

    lang: str
    lead: ManifestArticle | None
    groups: tuple[Group, ...] = field(default_factory=tuple)

    @property
    def articles(self) -> list[ManifestArticle]:
        return ([self.lead] if self.lead else []) + [a for g in self.groups for a in g.articles]

    @property
    def categories(self) -> list[str]:
        slugs = [self.lead.category] if self.lead else []
        return list(dict.fromkeys(slugs + [g.category for g in self.groups]))

    @property
    def sensitive(self) -> bool:
        return any(article.is_sensitive for article in self.articles)

    def __bool__(self) -> bool:
        return bool(self.lead or self.groups)


def select(articles: list[ManifestArticle], *, since: datetime, mailed: set[str],
           now: datetime, limit: int) -> list[ManifestArticle]:
    """Articles for the next digest, newest first (at most `limit`)."""
    chosen = [a for a in articles if since < a.date <= now and a.url not in mailed]
    chosen.sort(key=lambda a: (a.date, a.url), reverse=True)
    return chosen[:limit]


def since_for(last_articles: list[dict] | None, last_sent_at: datetime | None, now: datetime,
              first_digest_days: int) -> datetime:
    """Lower bound (exclusive) of the next selection.

    The newest article date of the last digest, rather than its send time: an article dated
    before the send but built after it is still picked up next time (the mailed-URL set keeps
    anything from going out twice).
    """
    if last_articles:
        return max(datetime.fromisoformat(item["date"]) for item in last_articles)
    if last_sent_at:
        return last_sent_at
    return now - timedelta(days=first_digest_days)


def arrange(articles: list[ManifestArticle], lang: str, config: DigestConfig) -> DigestContent:
    """Lead + category groups (CATEGORIES order; unknown categories last, by slug)."""
    if not articles:
        return DigestContent(lang=lang, lead=None)
    ordered = sorted(articles, key=lambda a: (a.date, a.url), reverse=True)
    lead = next((a for a in ordered if a.image), ordered[0])
    order = {slug: index for index, slug in enumerate(config.categories)}
    by_category: dict[str, list[ManifestArticle]] = {}
    for article in ordered:
        if article is not lead:
            by_category.setdefault(article.category, []).append(article)
    groups = tuple(
        Group(slug, config.category_name(slug, lang), tuple(items))
        for slug, items in sorted(by_category.items(),
                                  key=lambda kv: (order.get(kv[0], len(order)), kv[0])))
    return DigestContent(lang=lang, lead=lead, groups=groups)


def for_topics(content: DigestContent, topics: frozenset[str]) -> DigestContent:
    """What a subscriber with `topics` sees; no topics = everything."""
    if not topics:
        return content
    lead = content.lead if content.lead and content.lead.category in topics else None
    return replace(content, lead=lead,
                   groups=tuple(g for g in content.groups if g.category in topics))
