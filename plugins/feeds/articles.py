"""A feed entry from a Pelican article (read through its attributes; pelican is not imported).

Content and summary are Pelican's rendered HTML (already sanitised by site_content); here
relative links and images are made absolute against the article's URL and the result is
sanitised again, so what reaches a feed reader has passed the same allowlist after rewriting.
"""

from __future__ import annotations

import logging
import mimetypes
import posixpath
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lxml.html

from feeds.model import Enclosure, Entry, Term, entry_id
from feeds.plan import Site
from feeds.urls import make_absolute
from site_content.sanitise import clean

logger = logging.getLogger(__name__)
_LINK_PREFIX = re.compile(r"^\{(static|attach|filename)\}")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Sources:
    """What resolving an article's URLs and images needs from the run."""

    site: Site
    categories: Mapping[str, Mapping[str, str]]  # CATEGORIES setting: slug -> {lang: name}
    category_scheme: str  # absolute URL of the categories index
    tag_scheme: str  # absolute URL of the tags index
    content_path: Path
    static_content: Mapping[str, Any]  # Pelican's context["static_content"]
    iframe_hosts: frozenset[str] = frozenset()
    # (html, page URL) -> html with absolute links, sanitised (feeds.cache); None: uncached
    absolute_html: Callable[[str, str], str] | None = None

    def absolute(self, html: str, base: str) -> str:
        if self.absolute_html is not None:
            return self.absolute_html(html, base)
        return clean(make_absolute(html, base), self.iframe_hosts)


def plain_text(html: str) -> str:
    if not html.strip():
        return ""
    return _SPACE.sub(" ", lxml.html.fragment_fromstring(html, create_parent="div")
                      .text_content()).strip()


def lead_image(article, sources: Sources) -> Enclosure | None:
    """The `image` field as an absolute enclosure, or None (warned) when it cannot be found."""
    value = (getattr(article, "metadata", {}).get("image") or "").strip()
    if not value:
        return None
    alt = (getattr(article, "metadata", {}).get("image_alt") or "").strip()
    media_type = mimetypes.guess_type(value.split("?")[0])[0] or "application/octet-stream"
    if re.match(r"^[a-z][a-z0-9+.-]*:", value, re.IGNORECASE):  # already absolute
        return Enclosure(url=value, media_type=media_type, length=0, alt=alt)
    path = _LINK_PREFIX.sub("", value)
    if path.startswith("/"):
        relative = path.lstrip("/")
    else:  # Pelican resolves a path without a leading slash from the article's folder
        folder = posixpath.dirname(getattr(article, "relative_source_path", "")
                                   .replace("\\", "/"))
        relative = posixpath.normpath(posixpath.join(folder, path))
    static = sources.static_content.get(relative)
    if static is not None:
        return Enclosure(url=sources.site.url(static.url), media_type=media_type,
                         length=Path(static.source_path).stat().st_size, alt=alt)
    source = sources.content_path / relative
    if source.is_file():
        return Enclosure(url=sources.site.url(relative), media_type=media_type,
                         length=source.stat().st_size, alt=alt)
    logger.warning("feeds: %s: field 'image': %s is not a file under the content folder; "
                   "the feeds leave the image out. Fix: write {static}/images/<name> for a "
                   "file in content/images/", getattr(article, "relative_source_path", "?"),
                   value)
    return None


def _key(article) -> str:
    return getattr(article, "translation_key", None) or article.slug


def _category(article) -> str:
    return getattr(article.category, "slug", str(article.category))


def shortlist(articles, site: Site, limit: int) -> list:
    """The articles some feed shows: the newest `limit` overall and in each category.

    Converting content is the costly step (an HTML parse and a sanitiser pass per article);
    on a 10,000-article site this keeps it to a few hundred articles. The order is the one
    `model.select` gives the entries (published, then id, newest first).
    """
    ordered = sorted(articles, reverse=True, key=lambda a: (
        a.date, entry_id(site.authority, site.id_date, _key(a), a.lang)))
    chosen = ordered[:limit]
    seen = {id(article) for article in chosen}
    per_category: dict[str, int] = {}
    for article in ordered:
        slug = _category(article)
        if per_category.get(slug, 0) < limit:
            per_category[slug] = per_category.get(slug, 0) + 1
            if id(article) not in seen:
                seen.add(id(article))
                chosen.append(article)
    return chosen


def to_entry(article, sources: Sources) -> Entry:
    """The feed entry of one published article."""
    site = sources.site
    url = site.url(article.url)
    key = _key(article)
    slug = _category(article)
    label = sources.categories.get(slug, {}).get(article.lang) or str(article.category)
    summary = sources.absolute(article.summary or "", url)
    return Entry(
        id=entry_id(site.authority, site.id_date, key, article.lang),
        url=url,
        title=article.title,
        lang=article.lang,
        published=article.date,
        updated=getattr(article, "modified", None) or article.date,
        content_html=sources.absolute(article.content or "", url),
        summary_html=summary,
        summary_text=plain_text(summary),
        category=Term(term=slug, label=label, scheme=sources.category_scheme),
        tags=tuple(Term(term=tag.slug, label=tag.name, scheme=sources.tag_scheme)
                   for tag in getattr(article, "tags", ())),
        authors=tuple(author.name for author in getattr(article, "authors", ())),
        image=lead_image(article, sources),
    )
