"""Digest settings: `DIGEST = {...}` in pelicanconf.py merged over DEFAULTS, validated once.

Everything the digest reads from the site settings is gathered into one frozen `DigestConfig`:
the DIGEST block itself plus CATEGORIES, CRISIS_LINES, CLINIC, SITEURL, TIMEZONE and the
languages. Secrets never pass through here (they stay in `newsletter.config`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from core.settings import (DictOf, Group, Number, OneOf, Optional, PerLanguage, SettingsError,
                           Template, Text, Whole, languages_of)

SETTING = "DIGEST"
PERIODS = ("weekly", "monthly")

DEFAULTS: Mapping[str, Any] = MappingProxyType({
    # How often a digest goes out; the digest key is per (language, period).
    "period": "weekly",
    # Query parameters added to every article link; "{key}" becomes the digest key.
    "utm": MappingProxyType({"utm_source": "newsletter", "utm_medium": "email",
                             "utm_campaign": "{key}"}),
    # Subject per language; {site} = clinic name, {period} = human period label, {count}.
    "subject": MappingProxyType({"uk": "{site}: нові публікації ({period})",
                                 "en": "{site}: new publications ({period})"}),
    # Preheader (inbox preview text) per language; {lead} = the lead article's title.
    "preheader": MappingProxyType({"uk": "{lead} та інші матеріали: {count}",
                                   "en": "{lead} and more: {count} new"}),
    # Sender name per language (the address comes from NEWSLETTER["sender"]).
    "from_name": MappingProxyType({"uk": "Експіо Центр", "en": "Expio Center"}),
    # Reply-To address; None = NEWSLETTER["reply_to"], else CLINIC["email"].
    "reply_to": None,
    # At most this many articles in one digest (newest first after the lead).
    "max_articles": 15,
    # Article summaries are cut to this many characters at a word boundary.
    "summary_chars": 280,
    # Lead image box in the email, CSS pixels (also the maximum content width).
    "content_width": 600,
    # Gmail clips HTML above ~102 KB; rendering fails above this budget.
    "max_html_bytes": 90_000,
    # First digest of a language: articles of the last this-many days (no ledger entry yet).
    "first_digest_days": 31,
    # Mailchimp: wrap the lead and each category in *|INTERESTED:…|* blocks so subscribers
    # see only their topics (subscribers with no topic see everything).
    "mailchimp_interest_blocks": True,
    # Local backend: pause between two messages (seconds), to be gentle with the relay.
    "smtp_pause": 0.0,
})


SETTINGS = Group(
    DEFAULTS,
    period=OneOf(*PERIODS),
    utm=DictOf(Template("key", "lang", nonempty=False), key="query parameter"),
    subject=PerLanguage(Template("site", "period", "count"), every_language=True),
    preheader=PerLanguage(Template("lead", "count", "site"), every_language=True),
    from_name=PerLanguage(Text(nonempty=True), every_language=True),
    reply_to=Optional(Text(nonempty=True, expected="an email address")),
    max_articles=Whole(low=1),
    summary_chars=Whole(low=40),
    content_width=Whole(low=320),
    max_html_bytes=Whole(low=10_000),
    first_digest_days=Whole(low=1),
    smtp_pause=Number(low=0, unit="seconds"),
)


@dataclass(frozen=True)
class DigestConfig:
    """Validated digest settings plus the site data the digest needs."""

    period: str
    utm: Mapping[str, str]
    subject: Mapping[str, str]
    preheader: Mapping[str, str]
    from_name: Mapping[str, str]
    reply_to: str | None
    max_articles: int
    summary_chars: int
    content_width: int
    max_html_bytes: int
    first_digest_days: int
    mailchimp_interest_blocks: bool
    smtp_pause: float
    site_url: str
    timezone: ZoneInfo
    languages: tuple[str, ...]
    default_lang: str
    categories: Mapping[str, Mapping[str, str]]  # slug -> {lang: name}, in settings order
    crisis_lines: Mapping[str, tuple[Mapping[str, str], ...]]
    clinic: Mapping[str, Any]

    def lang_prefix(self, lang: str) -> str:
        return "" if lang == self.default_lang else f"{lang}/"

    def category_name(self, slug: str, lang: str) -> str:
        return (self.categories.get(slug) or {}).get(lang) or slug

    def clinic_text(self, name: str, lang: str) -> str:
        value = self.clinic.get(name, "")
        return value.get(lang, "") if isinstance(value, Mapping) else str(value)


def load(settings: Mapping[str, Any]) -> DigestConfig:
    """Merge settings["DIGEST"] over DEFAULTS, validate, and add the site data."""
    raw = SETTINGS.load(settings, SETTING)
    languages = languages_of(settings)
    # SITE_DEFAULT_LANG inside a language run (where DEFAULT_LANG is the run's language).
    default_lang = settings.get("SITE_DEFAULT_LANG") or settings.get("DEFAULT_LANG") or languages[0]
    categories = settings.get("CATEGORIES") or {}
    crisis = settings.get("CRISIS_LINES") or {}
    site_url = str(settings.get("SITEURL") or "").rstrip("/")
    if not site_url:
        raise SettingsError("SITEURL must be set: digest links are absolute — set it in "
                            "pelicanconf.py", path="SITEURL", expected="the site's address")
    return DigestConfig(
        **{**raw, **{name: MappingProxyType(raw[name])
                     for name in ("utm", "subject", "preheader", "from_name")}},
        site_url=site_url,
        timezone=ZoneInfo(settings.get("TIMEZONE") or "UTC"),
        languages=languages,
        default_lang=default_lang,
        categories=MappingProxyType({slug: MappingProxyType(dict(names))
                                     for slug, names in categories.items()}),
        crisis_lines=MappingProxyType({lang: tuple(MappingProxyType(dict(line)) for line in lines)
                                       for lang, lines in crisis.items()}),
        clinic=MappingProxyType(dict(settings.get("CLINIC") or {})),
    )
