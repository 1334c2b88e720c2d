"""Settings of the feeds plugin: defaults, and one validated Config.

Operators set `FEEDS = {...}` in pelicanconf.py; any key left out takes its value from
DEFAULTS below (the only place defaults are written down). Paths are relative to the
language's root: the plugin puts the run's `LANG_PREFIX` (`""` or `"en/"`) in front.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from core.settings import (Group, Optional, PerLanguage, RelativePath, Template, Text,
                           Whole)

SETTING = "FEEDS"

DEFAULTS: Mapping[str, Any] = MappingProxyType({
    # At most this many entries per feed (the newest ones).
    "max_entries": 20,
    # Output paths; None turns that feed off. Category paths need `{slug}`.
    "all_atom": "feeds/all.atom.xml",
    "all_rss": "feeds/all.rss.xml",
    "all_json": "feeds/all.json",
    "category_atom": "feeds/category/{slug}.atom.xml",
    "category_rss": "feeds/category/{slug}.rss.xml",
    "digest_atom": "feeds/digest.atom.xml",
    # Per language: feed title and subtitle; a missing language falls back to SITENAME
    # and to the title.
    "title": MappingProxyType({}),
    "subtitle": MappingProxyType({}),
    # Per language: format strings with `{title}` (the feed title above) and `{category}`.
    "category_title": MappingProxyType({}),
    # Per language: format string with `{title}`.
    "digest_title": MappingProxyType({}),
    # Site-relative path or absolute URL of the feed icon (square) and logo (2:1, raster
    # for RSS readers); None leaves them out.
    "icon": None,
    "logo": None,
    # The tag: URI authority of entry ids (RFC 4151): a domain the clinic owns, and a date it
    # owned it. Never change either after the first publication: readers would see every
    # entry as new. None = the host name of SITEURL.
    "id_authority": None,
    "id_date": "2025",
    # Where the newsletter keeps its state (sent digests); None = the newsletter's own
    # folder (core.state.state_dir: NEWSLETTER_STATE_DIR, NEWSLETTER["state_dir"], default).
    "digest_state_dir": None,
    # Site-relative page (without the language prefix) the digest feed links to as its
    # web version; "" = the language's home page.
    "digest_page": "",
})

_ID_DATE = r"\d{4}(-\d{2}(-\d{2})?)?"
_AUTHORITY = r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?"
_FEED_PATH = Optional(RelativePath())
_CATEGORY_PATH = Optional(RelativePath(containing="{slug}"))

SETTINGS = Group(
    DEFAULTS,
    max_entries=Whole(low=1),
    all_atom=_FEED_PATH, all_rss=_FEED_PATH, all_json=_FEED_PATH, digest_atom=_FEED_PATH,
    category_atom=_CATEGORY_PATH, category_rss=_CATEGORY_PATH,
    title=PerLanguage(Text(nonempty=True)),
    subtitle=PerLanguage(Text(nonempty=True)),
    category_title=PerLanguage(Template("title", "category")),
    digest_title=PerLanguage(Template("title")),
    icon=Optional(Text(nonempty=True)),
    logo=Optional(Text(nonempty=True)),
    id_authority=Optional(Text(pattern=_AUTHORITY, expected="a domain name such as "
                                                            "'example.org'")),
    id_date=Text(pattern=_ID_DATE, expected="a date 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD'"),
    digest_state_dir=Optional(Text(nonempty=True)),
    digest_page=Text(pattern=r"(?!/).*", expected="a site-relative path without a leading "
                                                   "'/' (or '')"),
)


@dataclass(frozen=True)
class Config:
    """Validated settings; build one with `load()` (or `Config()` for the defaults)."""

    max_entries: int = DEFAULTS["max_entries"]
    all_atom: str | None = DEFAULTS["all_atom"]
    all_rss: str | None = DEFAULTS["all_rss"]
    all_json: str | None = DEFAULTS["all_json"]
    category_atom: str | None = DEFAULTS["category_atom"]
    category_rss: str | None = DEFAULTS["category_rss"]
    digest_atom: str | None = DEFAULTS["digest_atom"]
    title: Mapping[str, str] = field(default_factory=dict)
    subtitle: Mapping[str, str] = field(default_factory=dict)
    category_title: Mapping[str, str] = field(default_factory=dict)
    digest_title: Mapping[str, str] = field(default_factory=dict)
    icon: str | None = DEFAULTS["icon"]
    logo: str | None = DEFAULTS["logo"]
    id_authority: str | None = DEFAULTS["id_authority"]
    id_date: str = DEFAULTS["id_date"]
    digest_state_dir: str | None = DEFAULTS["digest_state_dir"]
    digest_page: str = DEFAULTS["digest_page"]


def load(settings: Mapping[str, Any]) -> Config:
    """Merge `settings["FEEDS"]` over DEFAULTS and validate every value."""
    return Config(**SETTINGS.load(settings, SETTING))
