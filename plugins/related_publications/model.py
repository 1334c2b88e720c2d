"""Plain records the related-publications core works on (no Pelican imports)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from core.findings import Finding

# Why an item is in a list; the report shows it to editors.
PINNED, SCORED, FALLBACK = "pinned", "scored", "fallback"

# The word an editor writes in `related:` to hide the block.
HIDE = "none"


@dataclass(frozen=True)
class Doc:
    """One published article as the scorer sees it."""

    lang: str
    slug: str
    key: str  # translation key, shared by an article and its translations
    title: str
    summary: str
    text: str  # Markdown body, raw
    tags: tuple[str, ...]
    category: str
    date: datetime  # time-zone aware
    related: tuple[str, ...] | None  # pinned slugs; None = not set; ("none",) hides the block
    related_exclude: tuple[str, ...]
    path: str  # source path, for messages
    lines: tuple[tuple[str, int], ...] = ()  # (field, line) of the header, for findings

    def line_of(self, name: str) -> int:
        """Line of a header field in the source, or 1 when it is not known."""
        return dict(self.lines).get(name, 1)

    @property
    def hidden(self) -> bool:
        """True when the editor wrote `related: none` (alone, or by mistake among slugs)."""
        return self.related is not None and any(s.lower() == HIDE for s in self.related)


class Match(NamedTuple):
    """One related item of an article.

    `score` is 0–100 (two decimals); `parts` holds each part's contribution in score points
    (they add up to `score`, give or take rounding); `reason` is "pinned", "scored" or
    "fallback". `via` is empty for an article's own list; for an item that follows the list of
    the article's translation in the primary language it is that language, and score, parts
    and reason are the primary pair's. A named tuple: tens of thousands are made per build.
    """

    slug: str
    score: float
    parts: dict[str, float]
    reason: str
    via: str = ""


@dataclass(frozen=True)
class Result(Mapping):
    """(lang, slug) -> tuple of Matches for every article given, plus what editors should fix
    in their `related*` fields and slugs (findings: path, line, field, problem, fix)."""

    lists: dict[tuple[str, str], tuple[Match, ...]]
    findings: list[Finding] = field(default_factory=list)

    def __getitem__(self, key: tuple[str, str]) -> tuple[Match, ...]:
        return self.lists[key]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.lists)

    def __len__(self) -> int:
        return len(self.lists)


# The header fields a finding of the index can name.
_FINDING_FIELDS = ("slug", "related", "related_exclude")


def docs_of(catalogue) -> list[Doc]:
    """Every published, dated article of a catalogue (core.catalogue.Catalogue), one per
    (language, slug), as the scorer sees it."""
    entries = {(e.lang, e.slug): e for e in catalogue.articles() if e.date is not None}
    return [
        Doc(lang=e.lang, slug=e.slug, key=e.key, title=e.title, summary=e.summary, text=e.body,
            tags=e.tags, category=e.category, date=e.date, related=e.related,
            related_exclude=e.related_exclude, path=e.path,
            lines=tuple((name, e.line_of(name)) for name in _FINDING_FIELDS))
        for e in entries.values()
    ]
