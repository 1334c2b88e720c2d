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
from core.tags import tag_slug
from sitebuild.settings_dict import merged, typed_like_defaults

DEFAULTS: dict[str, Any] = {
    # The longest article of the site is ~6 KB of Markdown; 200 KB is a book chapter.
    "article_bytes": 200_000,
    "tags_per_article": 12,
}


def load(settings: dict) -> dict[str, int]:
    """CONTENT_LIMITS over DEFAULTS; SettingsError naming a wrong key or value."""
    from sitebuild.config import SettingsError

    values = typed_like_defaults(merged(settings, "CONTENT_LIMITS", DEFAULTS, SettingsError),
                                 "CONTENT_LIMITS", DEFAULTS, SettingsError)
    for key, value in values.items():
        if value < 1:
            raise SettingsError(f"CONTENT_LIMITS[{key!r}] must be at least 1, got {value!r}")
    return values


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
