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

from sitebuild.settings_dict import merged

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


class DigestSettingsError(ValueError):
    """DIGEST holds an unknown key or a value of the wrong type (the message names it)."""


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


def _fail(name: str, expected: str, value: Any) -> DigestSettingsError:
    return DigestSettingsError(
        f"{SETTING}[{name!r}] must be {expected}, got {value!r}; fix it in pelicanconf.py")


def _int(name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise _fail(name, f"a whole number, {low} or more", value)
    return value


def _per_lang(name: str, value: Any, languages: tuple[str, ...]) -> Mapping[str, str]:
    if not isinstance(value, Mapping):
        raise _fail(name, "a dict of language code -> text", value)
    missing = [lang for lang in languages if not isinstance(value.get(lang), str)]
    if missing:
        raise _fail(name, f"a dict with a text for {', '.join(missing)}", value)
    return MappingProxyType(dict(value))


def load(settings: Mapping[str, Any]) -> DigestConfig:
    """Merge settings["DIGEST"] over DEFAULTS, validate, and add the site data."""
    raw = merged(settings, SETTING, DEFAULTS, DigestSettingsError)
    languages = tuple(settings.get("SITE_LANGUAGES") or ("uk", "en"))
    # SITE_DEFAULT_LANG inside a language run (where DEFAULT_LANG is the run's language).
    default_lang = settings.get("SITE_DEFAULT_LANG") or settings.get("DEFAULT_LANG") or languages[0]
    if raw["period"] not in PERIODS:
        raise _fail("period", " or ".join(map(repr, PERIODS)), raw["period"])
    utm = raw["utm"]
    if not isinstance(utm, Mapping) or not all(isinstance(v, str) for v in utm.values()):
        raise _fail("utm", "a dict of query parameter -> text", utm)
    reply_to = raw["reply_to"]
    if reply_to is not None and not isinstance(reply_to, str):
        raise _fail("reply_to", "an email address or None", reply_to)
    if not isinstance(raw["mailchimp_interest_blocks"], bool):
        raise _fail("mailchimp_interest_blocks", "True or False", raw["mailchimp_interest_blocks"])
    pause = raw["smtp_pause"]
    if isinstance(pause, bool) or not isinstance(pause, (int, float)) or pause < 0:
        raise _fail("smtp_pause", "a number of seconds, 0 or more", pause)
    categories = settings.get("CATEGORIES") or {}
    crisis = settings.get("CRISIS_LINES") or {}
    site_url = str(settings.get("SITEURL") or "").rstrip("/")
    if not site_url:
        raise DigestSettingsError("SITEURL must be set: digest links are absolute")
    return DigestConfig(
        period=raw["period"],
        utm=MappingProxyType(dict(utm)),
        subject=_per_lang("subject", raw["subject"], languages),
        preheader=_per_lang("preheader", raw["preheader"], languages),
        from_name=_per_lang("from_name", raw["from_name"], languages),
        reply_to=reply_to,
        max_articles=_int("max_articles", raw["max_articles"], 1),
        summary_chars=_int("summary_chars", raw["summary_chars"], 40),
        content_width=_int("content_width", raw["content_width"], 320),
        max_html_bytes=_int("max_html_bytes", raw["max_html_bytes"], 10_000),
        first_digest_days=_int("first_digest_days", raw["first_digest_days"], 1),
        mailchimp_interest_blocks=raw["mailchimp_interest_blocks"],
        smtp_pause=float(pause),
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
