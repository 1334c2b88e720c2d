"""The related block is as long as RELATED_PUBLICATIONS["count"] says (issue 23), whether the
list comes from the related_publications plugin or, with the plugin off, from theme_context's
newest-in-category fallback. The template used to cut the list at a written-in 4 and the
fallback had its own setting, so raising the count changed nothing on the page."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pelican.settings import read_settings

from tests.conftest import ROOT, build_into


class RelatedCards(HTMLParser):
    """Number of cards in the page's related block."""

    def __init__(self) -> None:
        super().__init__()
        self.cards = 0
        self._depth = 0  # <section> nesting inside the related block; 0 = outside

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if tag == "section" and (self._depth or "related" in classes):
            self._depth += 1
        elif self._depth and tag == "li" and "card" in classes:
            self.cards += 1

    def handle_endtag(self, tag):
        if tag == "section" and self._depth:
            self._depth -= 1


def related_counts(output: Path) -> Counter:
    """How many article pages show how many related cards."""
    counts: Counter = Counter()
    for page in (output / "articles").rglob("index.html"):
        parser = RelatedCards()
        parser.feed(page.read_text(encoding="utf-8"))
        counts[parser.cards] += 1
    return counts


def _build(root: Path, count: int, plugins: list[str] | None = None) -> Counter:
    settings = {"RELATED_PUBLICATIONS": {"count": count}}
    if plugins is not None:
        settings["PLUGINS"] = plugins
    return related_counts(build_into(root, ROOT / "content", **settings).output)


@pytest.mark.parametrize("count", [2, 6])
def test_the_related_block_shows_the_configured_count(tmp_path: Path, count: int) -> None:
    counts = _build(tmp_path / "output", count)
    # The real content has more than 6 articles per language: every list is full.
    assert set(counts) == {count}, counts


def test_the_fallback_without_the_related_plugin_follows_the_same_setting(tmp_path) -> None:
    plugins = [name for name in read_settings(str(ROOT / "pelicanconf.py"))["PLUGINS"]
               if name != "related_publications"]
    counts = _build(tmp_path / "output", 2, plugins)
    assert max(counts) == 2, counts  # categories with 3+ articles exist: 4 before issue 23
    assert sum(counts.values()) > 10
