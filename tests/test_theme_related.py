"""The related block is as long as RELATED_PUBLICATIONS["count"] says (issue 23), whether the
list comes from the related_publications plugin or, with the plugin off, from theme_context's
newest-in-category fallback. The template used to cut the list at a written-in 4 and the
fallback had its own setting, so raising the count changed nothing on the page."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import ROOT, build_into
from tests.test_editor_mistakes import ENV


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


@pytest.mark.parametrize("count", [2, 6])
def test_the_related_block_shows_the_configured_count(tmp_path: Path, count: int) -> None:
    output = build_into(tmp_path / "output", ROOT / "content",
                        RELATED_PUBLICATIONS={"count": count}).output
    counts = related_counts(output)
    # The real content has more than 6 articles per language: every list is full.
    assert set(counts) == {count}, counts


def test_the_fallback_without_the_related_plugin_follows_the_same_setting(tmp_path) -> None:
    # A process of its own: an earlier in-process build of this session leaves the plugin's
    # signal receivers connected (blinker's are global), so leaving it out of PLUGINS here
    # would not take it out of the build.
    settings = tmp_path / "settings.py"
    settings.write_text(f"import sys\nsys.path.insert(0, {str(ROOT)!r})\n"
                        "from pelicanconf import *  # noqa\n"
                        f"THEME = {str(ROOT / 'theme')!r}\n"
                        f"PLUGIN_PATHS = [{str(ROOT / 'plugins')!r}]\n"
                        "PLUGINS = [name for name in PLUGINS if name != 'related_publications']\n"
                        "RELATED_PUBLICATIONS = {'count': 2}\n", encoding="utf-8")
    output = tmp_path / "output"
    done = subprocess.run([sys.executable, "-m", "sitebuild", "html", "--settings",
                           str(settings), "--content", str(ROOT / "content"), "--output",
                           str(output), "--no-cache"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300, env=ENV)
    assert done.returncode == 0, done.stdout + done.stderr
    counts = related_counts(output)
    assert max(counts) == 2, counts  # categories with 3+ articles exist: 4 before issue 23
    assert sum(counts.values()) > 10
