"""Category values as editors write them: the slug, or the name the site shows."""

from __future__ import annotations

import unicodedata


def category_slug(value: str, categories: dict[str, dict[str, str]]) -> str:
    """The slug `value` stands for: a slug of CATEGORIES, or one of their display names in any
    language and any case (`PTSD`, `Ketamine therapy`, `депресія`), as editors coming from
    WordPress write them. Anything else is returned unchanged (the content check names it).
    Names compare as text, not as code points: Unicode normalisation (a decomposed `й`, as
    macOS and some editors write it), runs of spaces and no-break spaces do not matter."""
    value = value.strip()
    if value in categories:
        return value
    folded = _fold(value)
    for slug, names in categories.items():
        if folded == _fold(slug) or any(folded == _fold(name) for name in names.values()):
            return slug
    return value


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())
