"""Digest periods and keys: one digest per (language, period), named deterministically.

    period_of(moment, "weekly", tz)  -> "2026-W48"   (ISO week, in the site's time zone)
    period_of(moment, "monthly", tz) -> "2026-11"
    digest_key("en", "2026-W48")     -> "digest-en-2026-W48"

The key is the campaign title in Mailchimp, the ledger's primary key and the web path of the
sent digest (`newsletter/<key>/`), so a rerun in the same period finds the same digest.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
MONTH = re.compile(r"^(\d{4})-(\d{2})$")

MONTHS = {
    "uk": ["січень", "лютий", "березень", "квітень", "травень", "червень", "липень",
           "серпень", "вересень", "жовтень", "листопад", "грудень"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
}
MONTHS_GENITIVE_UK = ["січня", "лютого", "березня", "квітня", "травня", "червня", "липня",
                      "серпня", "вересня", "жовтня", "листопада", "грудня"]


def period_of(moment: datetime, period: str, tz: ZoneInfo) -> str:
    """The period label containing `moment` (aware), as seen in the site's time zone."""
    local = moment.astimezone(tz)
    if period == "weekly":
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{local.year}-{local.month:02d}"


def validate_period(label: str, period: str) -> str:
    """`label` when it matches the period kind; ValueError naming the expected form otherwise."""
    pattern, example = (WEEK, "2026-W48") if period == "weekly" else (MONTH, "2026-11")
    match = pattern.match(label)
    if not match or not (1 <= int(match.group(2)) <= (53 if period == "weekly" else 12)):
        raise ValueError(f"--period {label!r}: a {period} period looks like {example}")
    return label


def digest_key(lang: str, label: str) -> str:
    return f"digest-{lang}-{label}"


def bounds(label: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of a period label, aware, in the site's time zone."""
    week = WEEK.match(label)
    if week:
        start = datetime.fromisocalendar(int(week.group(1)), int(week.group(2)), 1)
        start = start.replace(tzinfo=tz)
        return start, start + timedelta(days=7)
    month = MONTH.match(label)
    if not month:
        raise ValueError(f"not a period label: {label!r}")
    year, number = int(month.group(1)), int(month.group(2))
    start = datetime(year, number, 1, tzinfo=tz)
    end = datetime(year + (number == 12), number % 12 + 1, 1, tzinfo=tz)
    return start, end


def human_label(label: str, lang: str, tz: ZoneInfo) -> str:
    """"23–29 November 2026" / "листопад 2026" style label for subjects and headings."""
    start, end = bounds(label, tz)
    if MONTH.match(label):
        names = MONTHS.get(lang, MONTHS["en"])
        return f"{names[start.month - 1]} {start.year}"
    last = end - timedelta(days=1)
    if lang == "uk":
        month = MONTHS_GENITIVE_UK
        if start.month == last.month:
            return f"{start.day}–{last.day} {month[last.month - 1]} {last.year}"
        return f"{start.day} {month[start.month - 1]} – {last.day} {month[last.month - 1]} {last.year}"
    month = MONTHS["en"]
    if start.month == last.month:
        return f"{start.day}–{last.day} {month[last.month - 1]} {last.year}"
    return f"{start.day} {month[start.month - 1]} – {last.day} {month[last.month - 1]} {last.year}"


def quarter_hour(moment: datetime) -> datetime:
    """Round up to the next quarter hour in UTC (Mailchimp schedules only on :00/:15/:30/:45)."""
    utc = moment.astimezone(timezone.utc).replace(second=0, microsecond=0) + (
        timedelta(minutes=1) if moment.second or moment.microsecond else timedelta())
    extra = (-utc.minute) % 15
    return utc + timedelta(minutes=extra)
