"""Settings of the feeds plugin: defaults, and one validated Config.

Operators set `FEEDS = {...}` in pelicanconf.py; any key left out takes its value from
DEFAULTS below (the only place defaults are written down). Paths are relative to the
language's root: the plugin puts the run's `LANG_PREFIX` (`""` or `"en/"`) in front.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from sitebuild.settings_dict import merged

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

_PATH_KEYS = ("all_atom", "all_rss", "all_json", "category_atom", "category_rss", "digest_atom")
_PER_LANG_KEYS = ("title", "subtitle", "category_title", "digest_title")
_ID_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
_AUTHORITY = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?")


class FeedsSettingsError(ValueError):
    """FEEDS holds an unknown key or a value of the wrong type."""


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


def _fail(name: str, expected: str, value: Any) -> FeedsSettingsError:
    return FeedsSettingsError(
        f"{SETTING}[{name!r}] must be {expected}, got {value!r}; fix it in pelicanconf.py"
    )


def _path(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if (not isinstance(value, str) or not value or value.startswith("/")
            or ".." in value.split("/") or "\\" in value):
        raise _fail(name, "a relative path inside the site (or None)", value)
    if name.startswith("category_") and "{slug}" not in value:
        raise _fail(name, "a path containing {slug}", value)
    return value


def _per_lang(name: str, value: Any, placeholders: tuple[str, ...]) -> Mapping[str, str]:
    if not isinstance(value, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) and v for k, v in value.items()):
        raise _fail(name, "a dict of language code -> non-empty text", value)
    for lang, text in value.items():
        try:
            text.format(**{p: "" for p in placeholders})
        except (KeyError, IndexError, ValueError):
            allowed = ", ".join("{" + p + "}" for p in placeholders) or "no placeholders"
            raise _fail(f"{name}.{lang}", f"text using only {allowed}", text) from None
    return dict(value)


def _optional_text(name: str, value: Any) -> str | None:
    if value is not None and (not isinstance(value, str) or not value):
        raise _fail(name, "non-empty text or None", value)
    return value


def load(settings: Mapping[str, Any]) -> Config:
    """Merge `settings["FEEDS"]` over DEFAULTS and validate every value."""
    raw = merged(settings, SETTING, DEFAULTS, FeedsSettingsError)
    count = raw["max_entries"]
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise _fail("max_entries", "a whole number, 1 or more", count)
    authority = raw["id_authority"]
    if authority is not None and not (isinstance(authority, str)
                                      and _AUTHORITY.fullmatch(authority)):
        raise _fail("id_authority", "a domain name such as 'example.org' (or None)", authority)
    id_date = raw["id_date"]
    if not isinstance(id_date, str) or not _ID_DATE.fullmatch(id_date):
        raise _fail("id_date", "a date 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD'", id_date)
    digest_page = raw["digest_page"]
    if not isinstance(digest_page, str) or digest_page.startswith("/"):
        raise _fail("digest_page", "a site-relative path without a leading '/' (or '')",
                    digest_page)
    placeholders = {"title": (), "subtitle": (), "category_title": ("title", "category"),
                    "digest_title": ("title",)}
    return Config(
        max_entries=count,
        **{name: _path(name, raw[name]) for name in _PATH_KEYS},
        **{name: _per_lang(name, raw[name], placeholders[name]) for name in _PER_LANG_KEYS},
        icon=_optional_text("icon", raw["icon"]),
        logo=_optional_text("logo", raw["logo"]),
        id_authority=authority,
        id_date=id_date,
        digest_state_dir=_optional_text("digest_state_dir", raw["digest_state_dir"]),
        digest_page=digest_page,
    )
