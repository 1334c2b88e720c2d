"""Absolute URLs inside HTML fragments: a feed reader has no page to resolve `/x` against."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

# Attributes that hold one URL, and the one that holds a list (srcset).
URL_ATTRIBUTES = ("href", "src", "cite", "poster", "longdesc")
SRCSET = "srcset"


def absolute(url: str, base: str) -> str:
    """`url` resolved against `base`; URLs with a scheme (https:, mailto:, tel:) unchanged."""
    url = url.strip()
    if urlsplit(url).scheme:
        return url
    return urljoin(base, url)


def _srcset(value: str, base: str) -> str:
    candidates = []
    for candidate in value.split(","):
        parts = candidate.split()
        if parts:
            candidates.append(" ".join([absolute(parts[0], base), *parts[1:]]))
    return ", ".join(candidates)


def make_absolute(html: str, base: str) -> str:
    """`html` with every relative link and image resolved against `base` (the page's URL)."""
    if not html.strip():
        return html
    wrapper = lxml.html.fragment_fromstring(html, create_parent="div")
    for element in wrapper.iter(etree.Element):
        for name in URL_ATTRIBUTES:
            value = element.get(name)
            if value is not None:
                element.set(name, absolute(value, base))
        if element.get(SRCSET) is not None:
            element.set(SRCSET, _srcset(element.get(SRCSET), base))
    text = etree.tostring(wrapper, encoding="unicode", method="html")
    # Drop the wrapper <div> added above (its tags are the first and last ones).
    return text[len("<div>"):-len("</div>")]
