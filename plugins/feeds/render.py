"""Feeds as bytes: one feedgen model per file for Atom and RSS 2.0, plus JSON Feed 1.1.

Output depends only on the records passed in: entry order is fixed by `model.select`, the
feed's `updated` (and RSS `lastBuildDate`) is the newest entry's, never the clock, so the same
content gives the same bytes and feed readers are not re-notified for nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from feeds.model import ATOM, JSON, RSS, Entry, Feed, newest_update

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"


class _SiteFeedExtension(BaseExtension):
    """Feed half of the `site` extension (feedgen wants one; nothing to add at feed level)."""


class _SiteEntryExtension(BaseEntryExtension):
    """Per-entry `xml:lang` and the lead-image enclosure.

    feedgen 1.0.0 drops `rel`, `type` and `length` from every entry-level Atom link
    (lkiesow/python-feedgen#135, #143: the loop variable is shadowed), so an enclosure set
    with `FeedEntry.enclosure()` comes out as a second `rel="alternate"` link. This extension
    writes the enclosure itself, through feedgen's public extension interface.
    """

    def __init__(self) -> None:
        self.lang: str | None = None
        self.image = None

    def extend_atom(self, entry):
        if self.lang:
            entry.set(XML_LANG, self.lang)
        if self.image is not None:
            link = etree.SubElement(entry, "link", href=self.image.url, rel="enclosure",
                                    type=self.image.media_type)
            if self.image.length:
                link.set("length", str(self.image.length))
            if self.image.alt:
                link.set("title", self.image.alt)
        return entry

    def extend_rss(self, item):
        if self.image is not None:
            etree.SubElement(item, "enclosure", url=self.image.url,
                             length=str(self.image.length), type=self.image.media_type)
        return item


def generator(feed: Feed, entries: Sequence[Entry], fmt: str) -> FeedGenerator:
    """A feedgen model of `feed` for one format (ATOM or RSS); entries already selected."""
    if not entries:
        raise ValueError(f"feed {feed.id} has no entries; an empty feed is not written")
    self_file = feed.file(fmt)
    if self_file is None:
        raise ValueError(f"feed {feed.id} has no {fmt} file")
    fg = FeedGenerator()
    fg.register_extension("site", _SiteFeedExtension, _SiteEntryExtension)
    if fmt == RSS:
        fg.load_extension("dc", atom=False, rss=True)  # dc:creator: RSS <author> wants email
    fg.id(feed.id)
    fg.title(feed.title)
    fg.subtitle(feed.subtitle)
    fg.language(feed.lang)
    fg.author(name=feed.author)
    fg.link(href=self_file.url, rel="self", type=self_file.media_type)
    fg.link(href=feed.home_url, rel="alternate", type="text/html")  # last link: RSS <link>
    if feed.icon:
        fg.icon(feed.icon)
    if feed.logo:
        fg.logo(feed.logo)
    fg.updated(newest_update(entries))
    for entry in entries:
        _add_entry(fg, entry, fmt)
    return fg


def _add_entry(fg: FeedGenerator, entry: Entry, fmt: str) -> None:
    fe = fg.add_entry(order="append")
    fe.id(entry.id)  # also the RSS guid, isPermaLink="false"
    fe.title(entry.title)
    fe.link(href=entry.url)
    fe.published(entry.published)
    fe.updated(entry.updated)
    if entry.content_html:
        fe.content(entry.content_html, type="html")
    if entry.summary_html:
        fe.summary(entry.summary_html, type="html")
    terms = ([entry.category] if entry.category else []) + list(entry.tags)
    if terms:
        fe.category([{"term": t.term, "label": t.label, "scheme": t.scheme} for t in terms])
    for name in entry.authors:
        fe.author(name=name)
    if fmt == RSS and entry.authors:
        fe.dc.dc_creator(list(entry.authors))
    fe.site.lang = entry.lang
    fe.site.image = entry.image


def atom_bytes(feed: Feed, entries: Sequence[Entry]) -> bytes:
    return generator(feed, entries, ATOM).atom_str(pretty=True)


def rss_bytes(feed: Feed, entries: Sequence[Entry]) -> bytes:
    return generator(feed, entries, RSS).rss_str(pretty=True)


def json_bytes(feed: Feed, entries: Sequence[Entry]) -> bytes:
    """JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/) from the same records."""
    if not entries:
        raise ValueError(f"feed {feed.id} has no entries; an empty feed is not written")
    document = {
        "version": JSON_FEED_VERSION,
        "title": feed.title,
        "home_page_url": feed.home_url,
        "feed_url": feed.file(JSON).url,
        "description": feed.subtitle,
        "language": feed.lang,
        "authors": [{"name": feed.author}],
    }
    if feed.icon:
        document["favicon"] = feed.icon
    if feed.logo:
        document["icon"] = feed.logo
    document["items"] = [_json_item(entry) for entry in entries]
    text = json.dumps(document, ensure_ascii=False, indent=1)
    return (text + "\n").encode("utf-8")


def _json_item(entry: Entry) -> dict:
    item = {"id": entry.id, "url": entry.url, "title": entry.title}
    if entry.content_html:
        item["content_html"] = entry.content_html
    if entry.summary_text:
        item["summary"] = entry.summary_text
    if entry.image is not None:
        item["image"] = entry.image.url
    item["date_published"] = entry.published.isoformat()
    item["date_modified"] = entry.updated.isoformat()
    if entry.authors:
        item["authors"] = [{"name": name} for name in entry.authors]
    labels = ([entry.category.label] if entry.category else []) + [t.label for t in entry.tags]
    if labels:
        item["tags"] = labels
    item["language"] = entry.lang
    if not entry.content_html:  # JSON Feed needs content_html or content_text
        item["content_text"] = entry.summary_text or entry.title
    return item


RENDERERS = {ATOM: atom_bytes, RSS: rss_bytes, JSON: json_bytes}


def render(feed: Feed, entries: Sequence[Entry]) -> dict[str, bytes]:
    """Every file of `feed`: output path -> bytes."""
    return {file.path: RENDERERS[file.format](feed, entries) for file in feed.files}
