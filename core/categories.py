"""Category values as editors write them: the slug, or the name the site shows."""

from __future__ import annotations


def category_slug(value: str, categories: dict[str, dict[str, str]]) -> str:
    """The slug `value` stands for: a slug of CATEGORIES, or one of their display names in any
    language and any case (`PTSD`, `Ketamine therapy`, `депресія`), as editors coming from
    WordPress write them. Anything else is returned unchanged (the content check names it)."""
    value = value.strip()
    if value in categories:
        return value
    folded = value.casefold()
    for slug, names in categories.items():
        if folded == slug.casefold() or any(folded == name.casefold()
                                            for name in names.values()):
            return slug
    return value
