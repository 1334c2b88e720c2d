"""What a feed holds, as plain records: no Pelican, no feedgen.

The Pelican boundary (plugin.py) turns articles into `Entry` records and the run's settings
into `Feed` descriptions; render.py turns both into Atom, RSS and JSON Feed bytes. The same
`FeedIndex` is what templates see as `feeds` (discovery links, the Feeds page).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote

ATOM, RSS, JSON = "atom", "rss", "json"
MEDIA_TYPES = {
    ATOM: "application/atom+xml",
    RSS: "application/rss+xml",
    JSON: "application/feed+json",
}
FORMAT_LABELS = {ATOM: "Atom", RSS: "RSS", JSON: "JSON Feed"}
ALL, CATEGORY, DIGEST = "all", "category", "digest"


@dataclass(frozen=True)
class Term:
    """A category or tag: `term` is the stable slug, `label` what readers see."""

    term: str
    label: str
    scheme: str  # URL naming the vocabulary, e.g. https://site/category/


@dataclass(frozen=True)
class Enclosure:
    """The lead image of an entry."""

    url: str
    media_type: str
    length: int  # bytes; 0 when unknown (RSS allows that)
    alt: str = ""


@dataclass(frozen=True)
class Entry:
    """One feed entry: an article, or a sent newsletter digest."""

    id: str
    url: str
    title: str
    lang: str
    published: datetime
    updated: datetime
    content_html: str = ""  # full, sanitised, absolute URLs; "" for digests
    summary_html: str = ""
    summary_text: str = ""
    category: Term | None = None
    tags: tuple[Term, ...] = ()
    authors: tuple[str, ...] = ()
    image: Enclosure | None = None

    def __post_init__(self) -> None:
        for name in ("published", "updated"):
            if getattr(self, name).tzinfo is None:
                raise ValueError(f"entry {self.id}: {name} has no time zone")


@dataclass(frozen=True)
class FeedFile:
    """One written file of a feed, in one format."""

    format: str  # ATOM | RSS | JSON
    path: str  # relative to the output folder, with the language prefix
    url: str  # absolute

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.format]

    @property
    def label(self) -> str:
        return FORMAT_LABELS[self.format]


@dataclass(frozen=True)
class Feed:
    """One feed of one language, in one or more formats."""

    id: str
    kind: str  # ALL | CATEGORY | DIGEST
    lang: str
    title: str
    subtitle: str
    home_url: str  # the web page the feed mirrors (its alternate link)
    files: tuple[FeedFile, ...]
    author: str  # feed-level author name (Atom needs one per entry or feed)
    category: str = ""  # category slug for CATEGORY feeds
    icon: str | None = None
    logo: str | None = None

    def file(self, fmt: str) -> FeedFile | None:
        return next((f for f in self.files if f.format == fmt), None)


@dataclass(frozen=True)
class FeedIndex:
    """Every feed of one language run; templates see it as `feeds`."""

    lang: str
    language: Feed | None = None  # all articles
    categories: tuple[Feed, ...] = ()  # in the order of the CATEGORIES setting
    digest: Feed | None = None
    _by_category: dict[str, Feed] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_category.update({feed.category: feed for feed in self.categories})

    def for_category(self, slug: str) -> Feed | None:
        """The feed of a category (by slug), or None when it has no feed."""
        return self._by_category.get(str(slug))

    @property
    def all(self) -> tuple[Feed, ...]:
        """Every feed, in the order the Feeds page lists them."""
        head = tuple(feed for feed in (self.language, self.digest) if feed is not None)
        return head + self.categories


def tag_uri(authority: str, date: str, specific: str) -> str:
    """An RFC 4151 tag: URI, e.g. tag:expio.example,2025:ptsd-sleep/uk."""
    return f"tag:{authority},{date}:{quote(specific, safe='-._~/')}"


def entry_id(authority: str, date: str, translation_key: str, lang: str) -> str:
    """The permanent id of an article's entry: survives title, slug and date edits."""
    return tag_uri(authority, date, f"{translation_key}/{lang}")


def digest_id(authority: str, date: str, key: str, lang: str) -> str:
    return tag_uri(authority, date, f"digest/{key}/{lang}")


def feed_id(authority: str, date: str, lang: str, kind: str, slug: str = "") -> str:
    return tag_uri(authority, date, "/".join(p for p in ("feeds", lang, kind, slug) if p))


def select(entries, limit: int) -> list[Entry]:
    """The newest `limit` entries, newest first; ties broken by id so order never flips."""
    ordered = sorted(entries, key=lambda e: (e.published, e.id), reverse=True)
    return ordered[:limit]


def newest_update(entries) -> datetime:
    """The feed's `updated`: the latest change among its entries."""
    return max(entry.updated for entry in entries)
