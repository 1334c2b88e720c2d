"""The allowlist every rendered HTML fragment passes through (pages, feeds, imported posts).

Markdown lets editors write raw HTML and Python-Markdown passes it through untouched; nh3
removes anything that could run code: scripts, event handlers, `javascript:` URLs, styles the
CSP would block anyway, and iframes other than the allowlisted video hosts.
"""

from __future__ import annotations

import re
from functools import partial
from urllib.parse import urlparse

import nh3

TAGS = frozenset(nh3.ALLOWED_TAGS | {"iframe", "section", "picture", "source"})
ATTRIBUTES = {
    "*": {"id", "class", "title", "lang", "dir", "role", "aria-label", "aria-hidden",
          "aria-describedby", "aria-labelledby"},
    "a": {"href", "hreflang", "rel"},
    "div": {"tabindex"},  # a table's scroll box (site_content/tables.py); "0" only, see _filter
    "img": {"src", "alt", "width", "height", "loading", "decoding", "srcset", "sizes"},
    "source": {"srcset", "type", "media", "sizes"},
    "iframe": {"src", "width", "height", "title", "allowfullscreen", "loading"},
    "time": {"datetime"},
    "ol": {"start", "reversed"},
    "td": {"colspan", "rowspan", "headers"},
    "th": {"colspan", "rowspan", "headers", "scope"},
    "abbr": {"title"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "del": {"datetime"},
    "ins": {"datetime"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
_EMPTY_IFRAME = re.compile(r"<iframe(?![^>]*\bsrc=)[^>]*>\s*</iframe>", re.IGNORECASE)


def _filter(allowed_hosts: frozenset[str], tag: str, attribute: str, value: str) -> str | None:
    if attribute == "tabindex":
        # Focusable in reading order or not at all: a positive tabindex reorders the page.
        return value if value.strip() == "0" else None
    if tag == "iframe" and attribute == "src":
        parsed = urlparse(value)
        if parsed.scheme != "https" or parsed.hostname not in allowed_hosts:
            return None
    return value


def clean(html: str, iframe_hosts: frozenset[str] = frozenset()) -> str:
    """Sanitised `html`; iframes survive only when their https source host is allowlisted."""
    cleaned = nh3.clean(
        html,
        tags=set(TAGS),
        clean_content_tags={"script", "style"},
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=None,
        attribute_filter=partial(_filter, iframe_hosts),
    )
    return _EMPTY_IFRAME.sub("", cleaned)
