"""Medical review status of an article: who reviewed it, when, and when the next review is due."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime

OK, OVERDUE, MISSING, NOT_REQUIRED = "ok", "overdue", "missing", "not-required"


def add_months(day: date, months: int) -> date:
    """`day` plus whole months; the 31st becomes the last day of a shorter month."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class ReviewStatus:
    state: str  # OK | OVERDUE | MISSING | NOT_REQUIRED
    reviewer: str  # reviewer key, "" when none
    reviewed_on: date | None
    due: date | None

    @property
    def overdue(self) -> bool:
        return self.state == OVERDUE


def status(*, category: str, reviewed_by: str, reviewed_on: date | datetime | None,
           medical_categories, interval_months: int, today: date) -> ReviewStatus:
    """The review state of one article on `today`."""
    if isinstance(reviewed_on, datetime):
        reviewed_on = reviewed_on.date()
    required = category in medical_categories
    if not reviewed_by or reviewed_on is None:
        return ReviewStatus(MISSING if required else NOT_REQUIRED, reviewed_by, reviewed_on,
                            None)
    due = add_months(reviewed_on, interval_months)
    return ReviewStatus(OVERDUE if today >= due else OK, reviewed_by, reviewed_on, due)


def reviewer_for(reviewers: dict, key: str, lang: str, siteurl: str, lang_prefix: str
                 ) -> dict | None:
    """The reviewer's name, credentials and profile URL in one language, or None."""
    data = reviewers.get(key)
    if not key or not isinstance(data, dict):
        return None
    local = data.get(lang) or {}
    profile = str(local.get("profile") or data.get("profile") or "")
    if profile.startswith("/"):  # site-relative: in this language's part of the site
        profile = f"{siteurl.rstrip('/')}/{lang_prefix}{profile.lstrip('/')}"
    elif not profile.startswith(("https://", "http://")):
        profile = ""  # never a javascript: or data: link (the content check names the value)
    return {
        "key": key,
        "name": str(local.get("name") or key),
        "credentials": str(local.get("credentials") or ""),
        "profile_url": profile,
        "profile": profile,  # the name the JSON-LD block reads
    }
