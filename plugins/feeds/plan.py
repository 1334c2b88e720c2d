"""Which feeds a language run writes, where, and under which titles.

Built once per run from the settings and the categories that have articles, before any page
is rendered, so the templates (discovery links, the Feeds page) and the writer agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from core import run
from feeds.model import ALL, ATOM, CATEGORY, DIGEST, JSON, RSS, Feed, FeedFile, FeedIndex, feed_id
from feeds.settings import Config
from feeds.urls import absolute


@dataclass(frozen=True)
class Site:
    """The run's site-wide values the feeds need (from Pelican's settings)."""

    lang: str
    prefix: str  # "" or "en/"
    site_url: str  # root of the site, absolute, no trailing slash
    name: str
    author: str
    authority: str  # tag: URI authority
    id_date: str

    @property
    def lang_url(self) -> str:
        return self.site_url + "/" + self.prefix  # ends with "/"

    def url(self, path: str) -> str:
        """Absolute URL of a site-relative path (already carrying any language prefix)."""
        return absolute(path.lstrip("/"), self.site_url + "/")

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], config: Config) -> Site:
        site_url = settings["SITEURL"].rstrip("/")
        return cls(
            lang=run.lang(settings),
            prefix=run.prefix(settings),
            site_url=site_url,
            name=settings.get("SITENAME") or site_url,
            author=settings.get("AUTHOR") or settings.get("SITENAME") or site_url,
            authority=config.id_authority or urlsplit(site_url).hostname or "localhost",
            id_date=config.id_date,
        )


def _files(site: Site, paths: Iterable[tuple[str, str | None]], slug: str = "") -> tuple:
    files = []
    for fmt, pattern in paths:
        if pattern:
            path = site.prefix + pattern.format(slug=slug)
            files.append(FeedFile(format=fmt, path=path, url=site.url(path)))
    return tuple(files)


def build_index(site: Site, config: Config, *, has_articles: bool,
                categories: Iterable[tuple[str, str, str]], has_digests: bool) -> FeedIndex:
    """The run's feeds. `categories`: (slug, label, page path) of categories with articles."""
    title = config.title.get(site.lang) or site.name
    subtitle = config.subtitle.get(site.lang) or title
    icon = absolute(config.icon, site.site_url + "/") if config.icon else None
    logo = absolute(config.logo, site.site_url + "/") if config.logo else None
    common = {"lang": site.lang, "author": site.author, "icon": icon, "logo": logo}

    language = None
    files = _files(site, [(ATOM, config.all_atom), (RSS, config.all_rss),
                          (JSON, config.all_json)])
    if has_articles and files:
        language = Feed(id=feed_id(site.authority, site.id_date, site.lang, ALL), kind=ALL,
                        title=title, subtitle=subtitle, home_url=site.lang_url, files=files,
                        **common)

    category_feeds = []
    category_title = config.category_title.get(site.lang, "{title} — {category}")
    for slug, label, page in categories:
        files = _files(site, [(ATOM, config.category_atom), (RSS, config.category_rss)], slug)
        if files:
            category_feeds.append(Feed(
                id=feed_id(site.authority, site.id_date, site.lang, CATEGORY, slug),
                kind=CATEGORY, category=slug,
                title=category_title.format(title=title, category=label),
                subtitle=subtitle, home_url=site.url(page), files=files, **common))

    digest = None
    files = _files(site, [(ATOM, config.digest_atom)])
    if has_digests and files:
        digest_title = config.digest_title.get(site.lang, "{title} — digest").format(title=title)
        digest = Feed(id=feed_id(site.authority, site.id_date, site.lang, DIGEST), kind=DIGEST,
                      title=digest_title, subtitle=digest_title,
                      home_url=site.url(site.prefix + config.digest_page), files=files,
                      **common)
    return FeedIndex(lang=site.lang, language=language, categories=tuple(category_feeds),
                     digest=digest)
