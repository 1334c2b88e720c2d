"""The sitemap and robots.txt of the whole site, from the catalogue (no pelican import).

Every URL lists all its language versions, itself included, plus `x-default` (the default
language's version, or the only one), as Google's hreflang-in-sitemap format asks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape, quoteattr


@dataclass
class UrlSet:
    """One page in every language: {lang: site path}, and its last modification."""

    versions: dict[str, str]
    lastmod: datetime | None = None


def content_groups(translations: Mapping[str, Mapping]) -> list[UrlSet]:
    """Published articles and pages grouped by translation key."""
    groups = []
    for key in sorted(translations):
        versions = {lang: entry for lang, entry in translations[key].items()
                    if entry.status == "published"}
        if not versions:
            continue
        dates = [d for e in versions.values() for d in (e.modified, e.date) if d is not None]
        groups.append(UrlSet({lang: e.url for lang, e in versions.items()},
                             max(dates) if dates else None))
    return groups


def listing_groups(entries: Iterable, prefixes: Mapping[str, str],
                   category_url: str) -> list[UrlSet]:
    """Home pages and category pages, in the languages that have them."""
    groups = [UrlSet({lang: prefix for lang, prefix in prefixes.items()})]
    categories: dict[str, dict[str, str]] = {}
    for entry in entries:
        if entry.kind == "article" and entry.status == "published" and entry.lang in prefixes:
            slug = entry.category or "uncategorized"
            categories.setdefault(slug, {})[entry.lang] = (
                prefixes[entry.lang] + category_url.format(slug=slug))
    groups += [UrlSet(versions) for _, versions in sorted(categories.items())]
    return groups


def render_sitemap(groups: Sequence[UrlSet], siteurl: str, default_lang: str) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
             'xmlns:xhtml="http://www.w3.org/1999/xhtml">']
    for group in groups:
        alternates = [(lang, f"{siteurl}/{path}") for lang, path in sorted(group.versions.items())]
        default = group.versions.get(default_lang) or next(iter(group.versions.values()))
        alternates.append(("x-default", f"{siteurl}/{default}"))
        for _, path in sorted(group.versions.items()):
            lines.append("  <url>")
            lines.append(f"    <loc>{escape(siteurl + '/' + path)}</loc>")
            if group.lastmod is not None:
                lines.append(f"    <lastmod>{group.lastmod.date().isoformat()}</lastmod>")
            for lang, href in alternates:
                lines.append(f'    <xhtml:link rel="alternate" hreflang={quoteattr(lang)} '
                             f"href={quoteattr(href)}/>")
            lines.append("  </url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def render_robots(siteurl: str, sitemap_path: str, disallow: Sequence[str],
                  prefixes: Iterable[str]) -> str:
    lines = ["User-agent: *"]
    for prefix in sorted(set(prefixes)):
        for path in disallow:
            lines.append(f"Disallow: /{prefix}{path}")
    lines += ["", f"Sitemap: {siteurl}/{sitemap_path}"]
    return "\n".join(lines) + "\n"
