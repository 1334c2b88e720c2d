"""References: which keys an article cites, in what order, and the numbered list it shows.

One function, `citation_order`, decides the numbers; the Markdown extension (citations.py) and
the reference list attached to each article (plugin.py) both call it on the same text, so the
superscript [n] in the body and entry n of the list always agree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

# `[@key]` or `[@key1; @key2]`; not a Markdown link `[@key](url)`.
CITATION = re.compile(r"\[(?P<keys>@[\w:.-]+(?:\s*;\s*@[\w:.-]+)*)\](?!\()")
_KEY = re.compile(r"@([\w:.-]+)")
_FENCE = re.compile(r"^\s*(```|~~~)")
_CODE_SPAN = re.compile(r"(`+)(?:.+?)\1")

DOI = re.compile(r"10\.\d{4,9}/\S+")
PMID = re.compile(r"[1-9]\d{0,8}")
DOI_URL = "https://doi.org/{doi}"
PMID_URL = "https://pubmed.ncbi.nlm.nih.gov/{pmid}/"


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
                   known: Mapping[str, Any] | frozenset[str] | None = None) -> list[str]:
    """Keys numbered 1..n: cited ones by first appearance, then listed-but-uncited ones.

    `known` (the keys of references.toml) filters out unknown keys, which the content check
    reports; None accepts every key.
    """
    order: list[str] = []
    for key in [*cited_keys(text), *header_keys]:
        if key not in order and (known is None or key in known):
            order.append(key)
    return order


def valid_doi(value: str) -> bool:
    return bool(DOI.fullmatch(value))


def valid_pmid(value: str) -> bool:
    return bool(PMID.fullmatch(value))


def authors_text(authors: Any) -> str:
    if isinstance(authors, str):
        return authors
    return ", ".join(str(name) for name in authors or ())


def reference_list(order: Iterable[str], references: Mapping[str, Mapping[str, Any]],
                   cited: Iterable[str] = ()) -> list[dict[str, Any]]:
    """The numbered list shown under an article and carried into JSON-LD `citation`.

    `cited` holds the keys the text cites (their entries link back to the first citation).
    """
    cited = frozenset(cited)
    items = []
    for number, key in enumerate(order, start=1):
        data = references[key]
        doi = str(data.get("doi", "") or "").strip()
        pmid = str(data.get("pmid", "") or "").strip()
        authors = data.get("authors") or []
        items.append({
            "number": number,
            "key": key,
            "authors": list(authors) if not isinstance(authors, str) else [authors],
            "authors_text": authors_text(authors),
            "title": str(data.get("title", "")),
            "journal": str(data.get("journal", "")),
            "year": data.get("year"),
            "doi": doi,
            "doi_url": DOI_URL.format(doi=doi) if doi and valid_doi(doi) else "",
            "pmid": pmid,
            "pmid_url": PMID_URL.format(pmid=pmid) if pmid and valid_pmid(pmid) else "",
            "url": str(data.get("url", "") or ""),
            "cited": key in cited,
        })
    return items


def jsonld_citations(items: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """schema.org `citation` values for a reference list (ScholarlyArticle, DOI as @id)."""
    citations = []
    for item in items:
        node: dict[str, Any] = {"@type": "ScholarlyArticle", "name": item["title"]}
        if item["doi_url"]:
            node["@id"] = node["url"] = item["doi_url"]
        elif item["url"]:
            node["url"] = item["url"]
        if item["authors"]:
            node["author"] = [{"@type": "Person", "name": name} for name in item["authors"]
                              if name != "et al."]
        if item["journal"]:
            node["isPartOf"] = {"@type": "Periodical", "name": item["journal"]}
        if item["year"]:
            node["datePublished"] = str(item["year"])
        identifiers = [value for value in (item["doi"] and f"doi:{item['doi']}",
                                           item["pmid"] and f"pmid:{item['pmid']}") if value]
        if identifiers:
            node["identifier"] = identifiers
        citations.append(node)
    return citations
