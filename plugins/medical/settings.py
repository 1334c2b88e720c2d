"""Settings of the medical plugin and checks: defaults, and one validated Config.

`MEDICAL = {...}` in pelicanconf.py overrides any key of DEFAULTS below (the only place the
defaults are written down). The content checks (checks.py) read the same Config.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from core.settings import Group, ListOf, Regex, RelativePath, Text, Whole

SETTING = "MEDICAL"

DEFAULTS: Mapping[str, Any] = MappingProxyType({
    # A medical review is due this many months after `reviewed_on`.
    "review_interval_months": 12,
    # Category slugs whose articles must carry `reviewed_by` / `reviewed_on`.
    "medical_categories": (
        "ketamine-therapy", "ptsd", "depression", "psychotherapy", "stress", "psychosomatics",
        "psychedelic-medicine", "disorders", "helping-the-military", "oncology",
    ),
    # Tags (either language, compared case-insensitively) that make an article sensitive:
    # it then shows the crisis-help box at the top and digests carry the box too.
    "sensitive_tags": (
        "suicide", "self-harm", "overdose",
        "суїцид", "самогубство", "самоушкодження", "передозування",
    ),
    # False: a missing or overdue review is a notice (listed, never fails a build).
    # True: both are warnings, so `make check` and `make publish` fail on them.
    "strict_review_in_publish": False,
    # Safe-messaging phrase list, relative to the content folder.
    "safe_messaging_file": "data/safe-messaging.toml",
    # Words that claim evidence; an article using one without any reference gets a warning.
    # Regular expressions, matched case-insensitively at word starts.
    # A bare "study" is too often the verb or schooling ("work, study and new goals"), so
    # English needs a determiner or a reporting verb next to it.
    "evidence_words": (
        r"(?:a|the|this|that|one|new|recent|large|small|clinical|pilot|published|randomi[sz]ed)"
        r"\s+(?:\w+\s+)?stud(?:y|ies)\b",
        r"stud(?:y|ies)\s+(?:show|found|find|suggest|report|demonstrate|publish)\w*",
        r"trials?\b", r"research(?:ers)?\s+(?:shows?|found|suggests?)\b",
        r"досліджен\w*", r"випробуван\w*",
    ),
    # Figures that need a source in the same sentence: a percentage, a sample size ("n = 41").
    # A sentence quoting one without any [@key] gets a warning. Regular expressions,
    # matched case-insensitively.
    "figure_patterns": (
        r"\d(?:[\d.,]*\d)?\s?%",
        r"\d(?:[\d.,]*\d)?\s?(?:per\s?cent|відсот\w*)",
        r"(?<!\w)n\s?=\s?\d+",
    ),
})


SETTINGS = Group(
    DEFAULTS,
    review_interval_months=Whole(low=1, unit="months"),
    medical_categories=ListOf(Text(nonempty=True)),
    sensitive_tags=ListOf(Text(nonempty=True)),
    safe_messaging_file=RelativePath(where_="the content folder"),
    evidence_words=ListOf(Regex()),
    figure_patterns=ListOf(Regex()),
)


@dataclass(frozen=True)
class Config:
    """Validated settings; build one with `load()` (or `Config()` for the defaults)."""

    review_interval_months: int = DEFAULTS["review_interval_months"]
    medical_categories: frozenset[str] = frozenset(DEFAULTS["medical_categories"])
    sensitive_tags: frozenset[str] = frozenset(DEFAULTS["sensitive_tags"])
    strict_review_in_publish: bool = DEFAULTS["strict_review_in_publish"]
    safe_messaging_file: str = DEFAULTS["safe_messaging_file"]
    evidence_words: tuple[str, ...] = DEFAULTS["evidence_words"]
    figure_patterns: tuple[str, ...] = DEFAULTS["figure_patterns"]


def load(settings: Mapping[str, Any]) -> Config:
    """Merge `settings["MEDICAL"]` over DEFAULTS and validate every value."""
    values = SETTINGS.load(settings, SETTING)
    return Config(**{
        **values,
        "medical_categories": frozenset(values["medical_categories"]),
        "sensitive_tags": frozenset(tag.lower() for tag in values["sensitive_tags"]),
    })
