"""Which language each item is in and which items translate each other.

Polylang (any `language` term in the export): the item's `language` term, and translation
groups from `post_translations` terms whose description is a PHP-serialised map
`{lang: post_id}` (categories likewise through `term_translations`). The map is read with
`phpserialize`, a parser for the format that builds plain values and runs nothing. WPML's
export add-on meta (`_wpml_import_language_code`, `_wpml_import_translation_group`) is used
when present. Otherwise the language is the `/<lang>/` prefix of the item's link, and items
stand alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlparse

import phpserialize

from importers.wordpress.wxr import Export


@dataclass
class Languages:
    """The outcome: language per post id, groups of post ids, and how it was decided."""

    source: str  # "polylang" | "wpml" | "link"
    default: str  # the site's default language: items with no language are in it
    of_post: dict[int, str] = field(default_factory=dict)
    group_of_post: dict[int, str] = field(default_factory=dict)
    group_of_term: dict[int, str] = field(default_factory=dict)  # category term_id -> group
    lang_of_term: dict[int, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def parse_map(text: str) -> dict[str, int]:
    """A PHP-serialised `{lang: id}` array; ValueError when it is anything else."""
    try:
        value = phpserialize.loads(text.strip().encode("utf-8"), decode_strings=True)
    except Exception as error:  # phpserialize raises ValueError, but also bare errors on junk
        raise ValueError(f"not a PHP-serialised array ({error})") from None
    if not isinstance(value, dict):
        raise ValueError("not a PHP-serialised array")
    result: dict[str, int] = {}
    for lang, post_id in value.items():
        if isinstance(lang, str) and isinstance(post_id, int):
            result[lang] = post_id
        elif isinstance(lang, str) and isinstance(post_id, str) and post_id.isdigit():
            result[lang] = int(post_id)
    return result


def detect(export: Export, default_lang: str, languages: tuple[str, ...]) -> Languages:
    if any(taxonomy == "language" for item in export.items for taxonomy, _, _ in item.terms) \
            or any(term.taxonomy == "language" for term in export.terms):
        return _polylang(export, default_lang)
    if any("_wpml_import_language_code" in item.meta for item in export.items):
        return _wpml(export, default_lang)
    result = Languages("link", default_lang)
    for item in export.items:
        result.of_post[item.post_id] = link_language(item.link, export.site_url, default_lang,
                                                     languages)
    return result


def link_language(link: str, site_url: str, default_lang: str,
                  languages: tuple[str, ...]) -> str:
    """The `/<lang>/` prefix of a permalink (after the site's own path), else the default."""
    path = urlparse(link).path
    base = urlparse(site_url).path.rstrip("/")
    if base and path.startswith(base + "/"):
        path = path[len(base):]
    first = path.strip("/").split("/", 1)[0]
    return first if first in languages and first != default_lang else default_lang


def _polylang(export: Export, default_lang: str) -> Languages:
    result = Languages("polylang", default_lang)
    groups: dict[str, dict[str, int]] = {}
    for term in export.terms:
        if term.taxonomy not in ("post_translations", "term_translations"):
            continue
        try:
            mapping = parse_map(term.description)
        except ValueError as error:
            result.problems.append(f"translation group {term.slug!r} ({term.taxonomy}): "
                                   f"{error}; its items are imported without their pairs")
            continue
        if term.taxonomy == "post_translations":
            groups[term.slug] = mapping
        else:
            for lang, term_id in mapping.items():
                result.group_of_term[term_id] = term.slug
                result.lang_of_term[term_id] = lang
    for item in export.items:
        langs = item.terms_of("language")
        result.of_post[item.post_id] = langs[0][0] if langs else default_lang
        for slug, _ in item.terms_of("post_translations"):
            result.group_of_post[item.post_id] = slug
    # The group's own map is the authority (an item may lack its group term in the export).
    for slug, mapping in groups.items():
        for lang, post_id in mapping.items():
            result.group_of_post[post_id] = slug
            result.of_post.setdefault(post_id, lang)
    return result


def _wpml(export: Export, default_lang: str) -> Languages:
    result = Languages("wpml", default_lang)
    for item in export.items:
        result.of_post[item.post_id] = item.meta.get("_wpml_import_language_code") \
            or default_lang
        group = item.meta.get("_wpml_import_translation_group")
        if group:
            result.group_of_post[item.post_id] = f"wpml-{group}"
    return result
