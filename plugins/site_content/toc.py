"""The table of contents of a long article: its `##` headings, from the converted HTML.

Markdown's toc extension (MARKDOWN settings) already gives every heading an id; this reads the
`<h2 id="…">` elements of the article's own converted body (sanitised Markdown output, not a
written page) and returns them when there are at least MIN_HEADINGS, for
theme/templates/partials/toc.html. Pure: no pelican import.
"""

from __future__ import annotations

import html
import re

MIN_HEADINGS = 3  # CONTENT.md: "a table of contents for long articles (three or more ##)"
_H2 = re.compile(r"<h2\b[^>]*\bid=\"([^\"]+)\"[^>]*>(.*?)</h2>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")


def headings(body_html: str) -> list[dict[str, str]]:
    """`[{id, text}]` of every h2 with an id, in order; text without markup or entities."""
    return [{"id": html.unescape(anchor),
             "text": " ".join(html.unescape(_TAG.sub("", inner)).split())}
            for anchor, inner in _H2.findall(body_html or "")]


def table_of_contents(body_html: str, minimum: int = MIN_HEADINGS) -> list[dict[str, str]]:
    """The headings of a long article; [] when it has fewer than `minimum`."""
    found = headings(body_html)
    return found if len(found) >= minimum else []
