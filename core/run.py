"""What the build driver tells each Pelican run, and what a plain `pelican` run assumes.

The driver (`python -m sitebuild html`) renders each language in a run of its own and sets
`SITE_LANG`, `SITE_DEFAULT_LANG`, `LANG_PREFIX` and `SITE_BUILD_DATE` in that run's settings.
Under plain `pelican content -s pelicanconf.py` nobody does: the run renders the default
language at the site's root, on today's date in the site's time zone. Plugins read these
values through here instead of from the settings, so both ways work.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from core.languages import language_prefix


def default_lang(settings: dict) -> str:
    """The site's default language (a driver's run sets DEFAULT_LANG to its own language)."""
    return settings.get("SITE_DEFAULT_LANG", settings["DEFAULT_LANG"])


def lang(settings: dict) -> str:
    """The language this run renders."""
    return settings.get("SITE_LANG", settings["DEFAULT_LANG"])


def prefix(settings: dict) -> str:
    """This run's folder in the site: "" for the default language, "en/" for English."""
    return settings.get("LANG_PREFIX", language_prefix(settings, lang(settings)))


def build_date(settings: dict) -> date:
    """The one date of the build (review status), today in the site's time zone unless set:
    a date from the driver, or `pelican -e SITE_BUILD_DATE='"2026-01-15"'` (ISO text)."""
    value = settings.get("SITE_BUILD_DATE")
    if value is None:
        return datetime.now(ZoneInfo(settings.get("TIMEZONE") or "UTC")).date()
    return date.fromisoformat(value) if isinstance(value, str) else value
