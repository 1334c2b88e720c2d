"""A WordPress export (WXR 1.1/1.2) read into plain records: items, terms, authors.

WXR is RSS with WordPress namespaces whose version number is part of the URI
(`http://wordpress.org/export/1.2/`), so elements are matched by the kind of namespace and
their local name, not by one fixed URI. CDATA sections (including the `]]]]><![CDATA[>` that
splits a literal `]]>`) are joined by the XML parser itself.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path


class ExportUnreadable(Exception):
    """The export itself cannot be read (the only error that stops an import)."""


@dataclass
class Term:
    term_id: int
    taxonomy: str
    slug: str
    name: str
    description: str = ""
    parent: str = ""


@dataclass
class Item:
    post_id: int
    post_type: str
    status: str
    title: str = ""
    link: str = ""
    post_name: str = ""
    date: str = ""
    modified: str = ""
    parent: int = 0
    creator: str = ""
    content: str = ""
    excerpt: str = ""
    attachment_url: str = ""
    # (taxonomy, slug, display name) in document order
    terms: list[tuple[str, str, str]] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)

    def terms_of(self, taxonomy: str) -> list[tuple[str, str]]:
        """(slug, name) of the item's terms in one taxonomy, in document order."""
        return [(slug, name) for tax, slug, name in self.terms if tax == taxonomy]


@dataclass
class Export:
    path: Path
    site_url: str
    items: list[Item]
    terms: list[Term]
    authors: dict[str, str]  # login -> display name
    version: str


def _key(tag: str) -> str:
    """`{http://wordpress.org/export/1.2/}post_id` → `wp:post_id` (and content:, excerpt:, dc:)."""
    if not tag.startswith("{"):
        return tag
    uri, _, local = tag[1:].partition("}")
    if "wordpress.org/export" in uri:
        prefix = "excerpt" if uri.rstrip("/").endswith("excerpt") else "wp"
    elif "purl.org/rss/1.0/modules/content" in uri:
        prefix = "content"
    elif "purl.org/dc/elements" in uri:
        prefix = "dc"
    else:
        prefix = uri
    return f"{prefix}:{local}"


def _int(text: str | None) -> int:
    try:
        return int((text or "0").strip())
    except ValueError:
        return 0


def _item(element: ET.Element) -> Item:
    values: dict[str, str] = {}
    terms: list[tuple[str, str, str]] = []
    meta: dict[str, str] = {}
    for child in element:
        key = _key(child.tag)
        if key == "category":
            terms.append((child.get("domain", "category"), child.get("nicename", ""),
                          (child.text or "").strip()))
        elif key == "wp:postmeta":
            parts = {_key(part.tag): part.text or "" for part in child}
            meta[parts.get("wp:meta_key", "")] = parts.get("wp:meta_value", "")
        elif key not in values:  # the first of a repeated element (e.g. several guid)
            values[key] = child.text or ""
    return Item(
        post_id=_int(values.get("wp:post_id")),
        post_type=values.get("wp:post_type", "post").strip(),
        status=values.get("wp:status", "publish").strip(),
        title=values.get("title", "").strip(),
        link=values.get("link", "").strip(),
        post_name=values.get("wp:post_name", "").strip(),
        date=values.get("wp:post_date", "").strip(),
        modified=values.get("wp:post_modified", "").strip(),
        parent=_int(values.get("wp:post_parent")),
        creator=values.get("dc:creator", "").strip(),
        content=values.get("content:encoded", ""),
        excerpt=values.get("excerpt:encoded", ""),
        attachment_url=values.get("wp:attachment_url", "").strip(),
        terms=terms,
        meta=meta,
    )


def _term(element: ET.Element, key: str) -> Term:
    values = {_key(child.tag): (child.text or "") for child in element}
    if key == "wp:category":
        return Term(_int(values.get("wp:term_id")), "category",
                    values.get("wp:category_nicename", "").strip(),
                    values.get("wp:cat_name", "").strip(),
                    values.get("wp:category_description", ""),
                    values.get("wp:category_parent", "").strip())
    if key == "wp:tag":
        return Term(_int(values.get("wp:term_id")), "post_tag",
                    values.get("wp:tag_slug", "").strip(), values.get("wp:tag_name", "").strip(),
                    values.get("wp:tag_description", ""))
    return Term(_int(values.get("wp:term_id")), values.get("wp:term_taxonomy", "").strip(),
                values.get("wp:term_slug", "").strip(), values.get("wp:term_name", "").strip(),
                values.get("wp:term_description", ""), values.get("wp:term_parent", "").strip())


def read(path: Path) -> Export:
    """Parse the export; raises ExportUnreadable naming the file (and line) when it cannot."""
    try:
        tree = ET.parse(path)
    except ET.ParseError as error:
        line, column = error.position
        raise ExportUnreadable(f"{path}:{line}: column {column}: not well-formed XML ({error}) "
                               "— export again from Tools > Export > All content") from None
    except OSError as error:
        raise ExportUnreadable(f"{path}: cannot be read: {error.strerror or error}") from None
    channel = tree.getroot().find("channel")
    if tree.getroot().tag != "rss" or channel is None:
        raise ExportUnreadable(f"{path}:1: not a WordPress export (no <rss><channel>) — export "
                               "from Tools > Export > All content")
    items: list[Item] = []
    terms: list[Term] = []
    authors: dict[str, str] = {}
    values: dict[str, str] = {}
    for child in channel:
        key = _key(child.tag)
        if key == "item":
            items.append(_item(child))
        elif key in ("wp:category", "wp:tag", "wp:term"):
            terms.append(_term(child, key))
        elif key == "wp:author":
            parts = {_key(part.tag): (part.text or "").strip() for part in child}
            login = parts.get("wp:author_login", "")
            authors[login] = parts.get("wp:author_display_name") or login
        elif key not in values:
            values[key] = (child.text or "").strip()
    version = values.get("wp:wxr_version", "")
    if not version:
        raise ExportUnreadable(f"{path}:1: no <wp:wxr_version>: not a WordPress export — export "
                               "from Tools > Export > All content")
    site_url = values.get("wp:base_blog_url") or values.get("wp:base_site_url") \
        or values.get("link", "")
    return Export(path, site_url.rstrip("/"), items, terms, authors, version)
