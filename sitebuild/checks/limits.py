"""What one article may carry: tags that make a URL, a sensible number of them, a sensible size.

- a tag whose slug comes out empty (`tags: ?!`, `tags: —`) would be written to `tag/index.html`,
  and two such tags overwrite each other: refused (the site_content plugin drops it);
- more tags than CONTENT_LIMITS["tags_per_article"], or a source file larger than
  CONTENT_LIMITS["article_bytes"]: a warning (usually a paste gone wrong), built all the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from core.findings import Finding
from core.settings import Group, Whole
from core.tags import tag_slug

DEFAULTS: dict[str, Any] = {
    # The longest article of the site is ~6 KB of Markdown; 200 KB is a book chapter.
    "article_bytes": 200_000,
    "tags_per_article": 12,
}
SETTINGS = Group(DEFAULTS, article_bytes=Whole(low=1, unit="bytes"), tags_per_article=Whole(low=1))


def load(settings: dict) -> dict[str, int]:
    """CONTENT_LIMITS over DEFAULTS; SettingsError naming a wrong key or value."""
    return SETTINGS.load(settings, "CONTENT_LIMITS")


def check(catalogue, settings: dict) -> Iterator[Finding]:
    limits = load(settings)
    for entry in catalogue.entries:
        line = entry.line_of("tags")
        for tag in entry.tags:
            if not tag_slug(tag, settings):
                yield Finding(entry.path, line, "tags",
                              f"tag {tag!r} has no letters or digits, so it has no address "
                              "(it would be written over tag/index.html); it is left out",
                              "write the tag in words, e.g. `tags: sleep, anxiety`")
        if len(entry.tags) > limits["tags_per_article"]:
            yield Finding(entry.path, line, "tags",
                          f"{len(entry.tags)} tags, more than "
                          f"CONTENT_LIMITS['tags_per_article'] = {limits['tags_per_article']}",
                          "keep the few tags readers would browse by; raise the limit in "
                          "pelicanconf.py only if the site really needs more")
        size = entry.stat[0]
        if size > limits["article_bytes"]:
            yield Finding(entry.path, 1, "size",
                          f"the file is {size:,} bytes, more than "
                          f"CONTENT_LIMITS['article_bytes'] = {limits['article_bytes']:,}",
                          "split it into several articles or remove pasted data (images go in "
                          "content/images/, not inline)")
