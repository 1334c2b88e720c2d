"""Settings of the related-publications plugin: defaults, and one validated Config.

Editors and operators set `RELATED_PUBLICATIONS = {...}` in pelicanconf.py; any key left out
takes its value from DEFAULTS below (the only place defaults are written down).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from sitebuild.settings_dict import merged

SETTING = "RELATED_PUBLICATIONS"
PARTS = ("text", "tags", "category", "date")

DEFAULTS: Mapping[str, Any] = MappingProxyType({
    # How many related articles an article shows.
    "count": 4,
    # Relative weight of each part of the score; they need not add up to 1.
    "weights": MappingProxyType({"text": 0.55, "tags": 0.25, "category": 0.12, "date": 0.08}),
    # Scored candidates below this score (0–100) are not shown; fallback fills the gap.
    "threshold": 25.0,
    # Tags on more than this share of a language's articles are ignored (too common to tell
    # anything); a tag on 3 articles or fewer is always kept so small sites keep their tags.
    "max_tag_share": 0.2,
    # Date closeness halves every this many days between two articles.
    "date_half_life_days": 365.0,
    # False: only older articles are candidates, so publishing a new article never rewrites
    # the lists on older pages. True: newer articles compete too.
    "include_newer": False,
    # With include_newer False: articles with fewer than `count` older candidates above the
    # threshold (the oldest ones) are filled with newer ones, best first.
    "see_also_newer": True,
    # When fewer than `count` pass the threshold, fill from the same category, newest first;
    # with this on, then from any category, newest first, so the block is never empty.
    "fallback_any_category": True,
    # Language whose lists the translations follow; None = the site's DEFAULT_LANG.
    "primary_lang": None,
    # Words per language never used for text similarity, besides the bundled lists.
    "extra_stop_words": MappingProxyType({}),
    # Characters of the body (from its start) compared for text similarity; 0 = all. The
    # opening of an article names its topic; reading further costs time and adds little.
    "text_max_chars": 2000,
    # Per language: cut words to this many letters before comparing (a cheap stemmer for
    # inflected languages); 0 keeps whole words.
    "stem_length": MappingProxyType({"uk": 6}),
})


class RelatedSettingsError(ValueError):
    """RELATED_PUBLICATIONS holds an unknown key or a value of the wrong type."""


@dataclass(frozen=True)
class Config:
    """Validated settings; build one with `load()` (or `Config()` for the defaults)."""

    count: int = DEFAULTS["count"]
    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULTS["weights"]))
    threshold: float = DEFAULTS["threshold"]
    max_tag_share: float = DEFAULTS["max_tag_share"]
    date_half_life_days: float = DEFAULTS["date_half_life_days"]
    include_newer: bool = DEFAULTS["include_newer"]
    see_also_newer: bool = DEFAULTS["see_also_newer"]
    fallback_any_category: bool = DEFAULTS["fallback_any_category"]
    primary_lang: str | None = DEFAULTS["primary_lang"]
    extra_stop_words: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    text_max_chars: int = DEFAULTS["text_max_chars"]
    stem_length: Mapping[str, int] = field(
        default_factory=lambda: dict(DEFAULTS["stem_length"]))


def _fail(name: str, expected: str, value: Any) -> RelatedSettingsError:
    return RelatedSettingsError(
        f"{SETTING}[{name!r}] must be {expected}, got {value!r}; fix it in pelicanconf.py"
    )


def _number(name: str, value: Any, low: float, high: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail(name, "a number", value)
    if value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise _fail(name, f"a number {bounds}", value)
    return float(value)


def _bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _fail(name, "True or False", value)
    return value


def _weights(value: Any) -> Mapping[str, float]:
    if not isinstance(value, Mapping):
        raise _fail("weights", f"a dict with keys {', '.join(PARTS)}", value)
    unknown = sorted(set(value) - set(PARTS))
    if unknown:
        raise RelatedSettingsError(
            f"{SETTING}['weights'] has unknown key(s) {', '.join(map(repr, unknown))}; "
            f"known keys: {', '.join(PARTS)}"
        )
    merged = {**DEFAULTS["weights"], **value}
    weights = {part: _number(f"weights.{part}", merged[part], 0.0) for part in PARTS}
    if sum(weights.values()) <= 0:
        raise _fail("weights", "a dict with at least one weight above 0", value)
    return weights


def _per_lang(name: str, value: Any, check) -> Mapping[str, Any]:
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise _fail(name, "a dict keyed by language code", value)
    return {lang: check(f"{name}.{lang}", item) for lang, item in value.items()}


def _words(name: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not all(isinstance(w, str) for w in value):
        raise _fail(name, "a list of words", value)
    return tuple(w.lower() for w in value)


def _length(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _fail(name, "a whole number, 0 or more", value)
    return value


def load(settings: Mapping[str, Any]) -> Config:
    """Merge `settings["RELATED_PUBLICATIONS"]` over DEFAULTS and validate every value."""
    raw = merged(settings, SETTING, DEFAULTS, RelatedSettingsError)
    count = raw["count"]
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise _fail("count", "a whole number, 1 or more", count)
    primary = raw["primary_lang"]
    if primary is None:
        primary = settings.get("DEFAULT_LANG")
    if primary is not None and not isinstance(primary, str):
        raise _fail("primary_lang", "a language code or None", primary)
    return Config(
        count=count,
        weights=_weights(raw["weights"]),
        threshold=_number("threshold", raw["threshold"], 0.0, 100.0),
        max_tag_share=_number("max_tag_share", raw["max_tag_share"], 0.0, 1.0),
        date_half_life_days=_number("date_half_life_days", raw["date_half_life_days"], 1e-9),
        include_newer=_bool("include_newer", raw["include_newer"]),
        see_also_newer=_bool("see_also_newer", raw["see_also_newer"]),
        fallback_any_category=_bool("fallback_any_category", raw["fallback_any_category"]),
        primary_lang=primary,
        extra_stop_words=_per_lang("extra_stop_words", raw["extra_stop_words"], _words),
        text_max_chars=_length("text_max_chars", raw["text_max_chars"]),
        stem_length=_per_lang("stem_length", raw["stem_length"], _length),
    )
