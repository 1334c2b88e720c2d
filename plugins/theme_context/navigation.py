"""Navigation the theme shows around content: neighbours, category counts, menus, languages.

Pure functions over plain objects (anything with the attributes used), so tests can feed
them simple stand-ins.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass


def category_neighbours(articles: Sequence) -> dict[int, tuple[object | None, object | None]]:
    """(previous, next) article of the same category by date, keyed by id(article).

    `previous` is the older neighbour, `next` the newer one; ties keep the given order.
    """
    by_category: dict[str, list] = defaultdict(list)
    for article in articles:
        by_category[str(article.category.slug)].append(article)
    result = {}
    for group in by_category.values():
        group.sort(key=lambda a: a.date)
        for position, article in enumerate(group):
            older = group[position - 1] if position > 0 else None
            newer = group[position + 1] if position + 1 < len(group) else None
            result[id(article)] = (older, newer)
    return result


def latest_in_category(candidates: Sequence, articles: Iterable, count: int) -> dict[int, list]:
    """For each of `articles`, up to `count` other `candidates` of its category, newest first.

    Keyed by id(article). One sort per category, not one per article: this runs for every
    article of the site.
    """
    newest: dict[str, list] = defaultdict(list)
    for candidate in candidates:
        newest[str(candidate.category.slug)].append(candidate)
    for group in newest.values():
        group.sort(key=lambda a: a.date, reverse=True)
    return {
        id(article): [other for other in newest[str(article.category.slug)][:count + 1]
                      if other is not article][:count]
        for article in articles
    }


@dataclass(frozen=True)
class CategoryCount:
    slug: str
    url: str
    count: int


def category_counts(articles: Iterable, order: Sequence[str]) -> list[CategoryCount]:
    """Categories that have articles, with their counts, most recently updated first.

    `order` (the CATEGORIES setting's keys) breaks ties so the list is stable.
    """
    counts: Counter[str] = Counter()
    latest: dict[str, object] = {}
    urls: dict[str, str] = {}
    for article in articles:
        slug = article.category.slug
        counts[slug] += 1
        urls[slug] = article.category.url
        if slug not in latest or article.date > latest[slug]:
            latest[slug] = article.date
    rank = {slug: position for position, slug in enumerate(order)}
    slugs = sorted(counts, key=lambda s: rank.get(s, len(rank)))
    slugs.sort(key=lambda s: latest[s], reverse=True)
    return [CategoryCount(slug, urls[slug], counts[slug]) for slug in slugs]


def menu(pages: Iterable, name: str) -> list:
    """Pages whose `menu` metadata is `name`, by their `order` (then title)."""
    chosen = [page for page in pages if getattr(page, "menu", "") == name]

    def position(page) -> tuple[float, str]:
        try:
            return float(getattr(page, "order", "") or "inf"), page.title
        except ValueError:
            return float("inf"), page.title

    return sorted(chosen, key=position)


def listing_languages(entries: Iterable, languages: Sequence[str]) -> dict[str, dict[str, set]]:
    """Per language, which category slugs and archive years have published articles.

    `entries` are catalogue entries (kind, lang, category, date, listed). The theme uses this
    to link a category or year page to its counterpart only when that page exists.
    """
    found: dict[str, dict[str, set]] = {lang: {"category": set(), "year": set()}
                                        for lang in languages}
    for entry in entries:
        if entry.kind != "article" or not entry.listed or entry.lang not in found:
            continue
        found[entry.lang]["category"].add(entry.category or "uncategorized")
        if entry.date is not None:
            found[entry.lang]["year"].add(str(entry.date.year))
    return found


def alternates(path: str, kind: str, key: str, languages: Mapping[str, str],
               available: Mapping[str, Mapping[str, set]], own: str) -> list[tuple[str, str]]:
    """(lang, site path) of a listing page in every language that has it, `own` always.

    `path` is the page's output path without its language prefix ("category/ptsd/");
    `languages` maps each language to its prefix ("" or "en/"); `kind` is "direct" (rendered
    in every language), "category" or "year" (where that language has such articles), or
    anything else for a page that exists in its own language only (tags, authors, page 2+);
    `key` is the category slug or the year.
    """
    result = []
    for lang, prefix in languages.items():
        if (lang == own or kind == "direct"
                or key in available.get(lang, {}).get(kind, ())):
            result.append((lang, prefix + path))
    return result


@dataclass(frozen=True)
class LanguageLink:
    """A page's version in another language, or that language's home when it has none."""

    lang: str
    name: str
    url: str


@dataclass(frozen=True)
class PageLanguages:
    """The languages of one page, as the head and the header's language switch print them.

    `hreflang`: (hreflang, absolute URL) of every version, the page itself included, then
    `x-default` (empty for a page with no alternates); `switch`: one link per other language;
    `og_locale` of the page's language and `og_alternates` of the other languages it is
    available in (Open Graph's og:locale:alternate).
    """

    hreflang: tuple[tuple[str, str], ...]
    switch: tuple[LanguageLink, ...]
    og_locale: str
    og_alternates: tuple[str, ...]


def page_languages(own: str, versions: Sequence[tuple[str, str]], default: str,
                   languages: Mapping[str, Mapping[str, str]], homes: Mapping[str, str],
                   local: Callable[[str], str] = str) -> PageLanguages:
    """Which language is which for a page in `own` whose versions are `versions`.

    `versions`: (lang, absolute URL) of the page in each language that has it, its own
    included (none: no hreflang links, e.g. the 404 page). x-default is the `default`
    language's version, else the first. `languages` is SITE_LANGUAGES (`name`, `og_locale`);
    the switch leads to the page's version in each other language, or to that language's
    home (`homes`) where there is none; `local` turns its absolute URLs into the page's links.
    Only the versions are og:locale alternates: a home page is not the page in that language.
    """
    hreflang: tuple[tuple[str, str], ...] = ()
    if versions:
        x_default = next((url for lang, url in versions if lang == default), versions[0][1])
        hreflang = (*versions, ("x-default", x_default))
    found = dict(versions)
    others = [lang for lang in languages if lang != own]
    return PageLanguages(
        hreflang=hreflang,
        switch=tuple(LanguageLink(lang, languages[lang]["name"],
                                  local(found.get(lang) or homes[lang])) for lang in others),
        og_locale=languages[own]["og_locale"],
        og_alternates=tuple(languages[lang]["og_locale"] for lang in others if lang in found),
    )
