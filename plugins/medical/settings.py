"""Settings of the medical plugin and checks: defaults, and one validated Config.

`MEDICAL = {...}` in pelicanconf.py overrides any key of DEFAULTS below (the only place the
defaults are written down). The content checks (checks.py) read the same Config.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from sitebuild.settings_dict import merged

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


class MedicalSettingsError(ValueError):
    """MEDICAL holds an unknown key or a value of the wrong type."""


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


def _fail(name: str, expected: str, value: Any) -> MedicalSettingsError:
    return MedicalSettingsError(
        f"{SETTING}[{name!r}] must be {expected}, got {value!r}; fix it in pelicanconf.py"
    )


def _strings(name: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (list, tuple, set, frozenset)) \
            or not all(isinstance(item, str) and item for item in value):
        raise _fail(name, "a list of non-empty strings", value)
    return tuple(value)


def load(settings: Mapping[str, Any]) -> Config:
    """Merge `settings["MEDICAL"]` over DEFAULTS and validate every value."""
    raw = merged(settings, SETTING, DEFAULTS, MedicalSettingsError)
    months = raw["review_interval_months"]
    if isinstance(months, bool) or not isinstance(months, int) or months < 1:
        raise _fail("review_interval_months", "a whole number of months, 1 or more", months)
    strict = raw["strict_review_in_publish"]
    if not isinstance(strict, bool):
        raise _fail("strict_review_in_publish", "True or False", strict)
    if not isinstance(raw["safe_messaging_file"], str) or not raw["safe_messaging_file"]:
        raise _fail("safe_messaging_file", "a path relative to the content folder",
                    raw["safe_messaging_file"])
    return Config(
        review_interval_months=months,
        medical_categories=frozenset(_strings("medical_categories", raw["medical_categories"])),
        sensitive_tags=frozenset(tag.lower() for tag in
                                 _strings("sensitive_tags", raw["sensitive_tags"])),
        strict_review_in_publish=strict,
        safe_messaging_file=raw["safe_messaging_file"],
        evidence_words=_strings("evidence_words", raw["evidence_words"]),
        figure_patterns=_strings("figure_patterns", raw["figure_patterns"]),
    )
