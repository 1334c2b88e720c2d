"""Settings of the related-publications plugin: defaults, and one validated Config.

Editors and operators set `RELATED_PUBLICATIONS = {...}` in pelicanconf.py; any key left out
takes its value from DEFAULTS below (the only place defaults are written down).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from core.settings import (Group, ListOf, Number, Optional, PerLanguage, Text, Whole,
                           invalid)

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


SETTINGS = Group(
    DEFAULTS,
    count=Whole(low=1),
    weights=Group(DEFAULTS["weights"], **{part: Number(low=0) for part in PARTS}),
    threshold=Number(0, 100),
    max_tag_share=Number(0, 1),
    date_half_life_days=Number(above=0),
    primary_lang=Optional(Text(nonempty=True, expected="a language code")),
    extra_stop_words=PerLanguage(ListOf(Text(), expected="a list of words")),
    text_max_chars=Whole(low=0),
    stem_length=PerLanguage(Whole(low=0)),
)


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


def load(settings: Mapping[str, Any]) -> Config:
    """Merge `settings["RELATED_PUBLICATIONS"]` over DEFAULTS and validate every value."""
    values = SETTINGS.load(settings, SETTING)
    if sum(values["weights"].values()) <= 0:
        raise invalid((SETTING, "weights"), values["weights"],
                      "a dict with at least one weight above 0")
    return Config(**{
        **values,
        "primary_lang": values["primary_lang"] or settings.get("DEFAULT_LANG"),
        "extra_stop_words": {lang: tuple(word.lower() for word in words)
                             for lang, words in values["extra_stop_words"].items()},
    })
