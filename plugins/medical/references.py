"""References: which keys an article cites, in what order, and the numbered list it shows.

One function, `citation_order`, decides the numbers; the Markdown extension (citations.py) and
the reference list attached to each article (plugin.py) both call it on the same text, so the
superscript [n] in the body and entry n of the list always agree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from medical import vancouver
from medical.vancouver import DOI, PMID, valid_doi, valid_pmid  # noqa: F401 (checks use them)

# `[@key]` or `[@key1; @key2]`; not a Markdown link `[@key](url)`.
CITATION = re.compile(r"\[(?P<keys>@[\w:.-]+(?:\s*;\s*@[\w:.-]+)*)\](?!\()")
_KEY = re.compile(r"@([\w:.-]+)")
_FENCE = re.compile(r"^\s*(```|~~~)")
_CODE_SPAN = re.compile(r"(`+)(?:.+?)\1")
# The language of a source when references.toml gives none: the literature cited is, nearly
# all of it, in English (CONTENT.md, `lang`). A simple BCP 47 tag: language, then subtags.
DEFAULT_LANG = "en"
LANG_TAG = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")


def cited_keys(text: str) -> list[str]:
    """Every `[@key]` in the text, in order of appearance (repeats kept); code is skipped."""
    if "[@" not in text:  # most articles and nearly every line: skip the line-by-line scan
        return []
    keys: list[str] = []
    in_fence = False
    for line in text.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        for match in CITATION.finditer(_CODE_SPAN.sub("", line)):
            keys.extend(_KEY.findall(match["keys"]))
    return keys


def citation_order(text: str, header_keys: Iterable[str] = (),
                   known: Mapping[str, Any] | frozenset[str] | None = None,
                   cited: list[str] | None = None) -> list[str]:
    """Keys numbered 1..n: cited ones by first appearance, then listed-but-uncited ones.

    `known` (the keys of references.toml) filters out unknown keys, which the content check
    reports; None accepts every key. `cited`: `cited_keys(text)`, when the caller has it.
    """
    order: list[str] = []
    for key in [*(cited_keys(text) if cited is None else cited), *header_keys]:
        if key not in order and (known is None or key in known):
            order.append(key)
    return order


def reference_lang(data: Mapping[str, Any]) -> str:
    """The language the source is written in (`lang`, default DEFAULT_LANG)."""
    return str(data.get("lang") or "").strip() or DEFAULT_LANG


def authors_text(authors: Any) -> str:
    """The author list as the citation shows it (at most six names, then et al.)."""
    return vancouver.authors(authors)


def reference_list(order: Iterable[str], references: Mapping[str, Mapping[str, Any]],
                   cited: Iterable[str] = (),
                   formatted: dict[str, tuple[Any, str]] | None = None) -> list[dict[str, Any]]:
    """The numbered list shown under an article and carried into JSON-LD `citation`.

    `cited` holds the keys the text cites (their entries link back to the first citation).
    `citation_html` / `citation_text` are the one Vancouver formatting (medical/vancouver.py)
    of the entry; `lang` is the language it is written in (the theme marks it up, so a screen
    reader reads an English citation on a Ukrainian page with an English voice); the other
    fields are the data, for JSON-LD and templates that need them. `formatted` keeps each
    key's two citations across the calls given the same `references` (a source cited by
    many articles is formatted once).
    """
    cited = frozenset(cited)
    formatted = {} if formatted is None else formatted
    items = []
    for number, key in enumerate(order, start=1):
        data = references[key]
        if key not in formatted:
            formatted[key] = (vancouver.citation_html(data), vancouver.citation_text(data))
        citation_html, citation_text = formatted[key]
        text = {name: str(data.get(name, "") or "").strip()
                for name in ("doi", "pmid", "url", "title", "journal", "volume", "issue",
                             "pages", "publisher")}
        authors = data.get("authors") or []
        items.append({
            "number": number,
            "key": key,
            "authors": list(authors) if not isinstance(authors, str) else [authors],
            "authors_text": authors_text(authors),
            **text,
            "year": data.get("year"),
            "accessed": data.get("accessed"),
            "lang": reference_lang(data),
            "web": vancouver.is_web_source(data),
            "doi_url": vancouver.doi_url(text["doi"]),
            "pmid_url": vancouver.pmid_url(text["pmid"]),
            "citation_html": citation_html,
            "citation_text": citation_text,
            "cited": key in cited,
        })
    return items


def _container(item: Mapping[str, Any]) -> dict[str, Any] | None:
    """Journal → volume → issue, as schema.org nests them."""
    if not item["journal"]:
        return None
    node: dict[str, Any] = {"@type": "Periodical", "name": item["journal"]}
    if item["volume"]:
        node = {"@type": "PublicationVolume", "volumeNumber": item["volume"], "isPartOf": node}
    if item["issue"]:
        node = {"@type": "PublicationIssue", "issueNumber": item["issue"], "isPartOf": node}
    return node


def jsonld_citations(items: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """schema.org `citation` values: ScholarlyArticle (DOI as @id) or WebPage, each with the
    Vancouver citation the page shows as its `description`."""
    citations = []
    for item in items:
        node: dict[str, Any] = {"@type": "WebPage" if item["web"] else "ScholarlyArticle",
                                "name": item["title"], "inLanguage": item["lang"]}
        if item["doi_url"]:
            node["@id"] = node["url"] = item["doi_url"]
        elif item["url"]:
            node["url"] = item["url"]
        names = [name for name in item["authors"] if str(name).lower().rstrip(".") != "et al"]
        if names:
            node["author"] = [{"@type": "Person" if not item["web"] else "Organization",
                               "name": name} for name in names]
        if container := _container(item):
            node["isPartOf"] = container
        if item["pages"]:
            node["pagination"] = item["pages"]
        if item["publisher"]:
            node["publisher"] = {"@type": "Organization", "name": item["publisher"]}
        if item["year"]:
            node["datePublished"] = str(item["year"])
        identifiers = [value for value in (item["doi"] and f"doi:{item['doi']}",
                                           item["pmid"] and f"pmid:{item['pmid']}") if value]
        if identifiers:
            node["identifier"] = identifiers
        node["description"] = item["citation_text"]
        citations.append(node)
    return citations
