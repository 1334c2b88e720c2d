"""Fingerprints of what a page is rendered from, so an unchanged page need not be rendered.

A page's fingerprint covers everything its template can see:

- the *run* fingerprint: the code, theme and non-Markdown content files; the template context
  of the language run (settings, article lists, menus, counts …); the *card* of every article
  and page of the run (all it has except what only its own page shows); and the headers of
  every source in every language (translation links, language switches);
- the arguments of the write (its output name, template, pagination, the tag or category it
  lists);
- for an article's or a page's own page, that object's *page-only* attributes too: its body,
  related publications, neighbours in its category, references.

Content objects met anywhere else are written as references (their source path), because
their cards are already part of the run fingerprint. Any value this module cannot write in a
stable form (an object whose repr holds a memory address) raises Unstable: the caller then
renders everything, which is slower but never wrong.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Mapping
from pathlib import PurePath

# What only an article's or page's own page shows; everything else is in its card. A template
# that shows one of these for *another* article (a listing, a related card) must not: the test
# `test_listing_templates_use_no_page_only_attribute` guards it.
PAGE_ONLY = frozenset({
    "_content", "content", "related_publications", "related_matches", "prev_in_category",
    "next_in_category", "latest_in_category", "reference_list", "jsonld_citations",
    "translation_links", "table_of_contents",
})
# Never part of a fingerprint: the shared context and settings (hashed once per run), and
# values that name this build's own temporary folders rather than anything on a page.
SKIPPED_ATTRIBUTES = frozenset({"_context", "settings"})
VOLATILE_SETTINGS = frozenset({
    "OUTPUT_PATH", "CACHE_PATH", "SITE_CATALOGUE_PATH", "SITE_RELATED_PATH",
    "SITE_MARKDOWN_CACHE", "SITE_RENDER_CACHE", "SITE_FEEDS_CACHE", "SITE_SHARDS",
    "SITE_SEARCH_FORMS", "SITE_CONVERSIONS", "SITE_SHARD_OF",
})
# Settings pages read only through their content objects' attributes, which the cards hold:
# the build's date reaches a page as its articles' review status. Left out of the shared
# context so that a new day renders no page again unless a review fell due; the run key
# (engine/reuse.py) counts it, and no template may read it (a test guards that).
THROUGH_CONTENT_SETTINGS = frozenset({"SITE_BUILD_DATE"})
_ADDRESS = re.compile(r" at 0x[0-9a-f]+", re.IGNORECASE)
MAX_DEPTH = 12


class Unstable(ValueError):
    """A value has no stable written form; pages depending on it must always be rendered."""


def new_hash() -> hashlib._Hash:
    return hashlib.blake2b(digest_size=20)


class Encoder:
    """Writes values into a hash. Instances of `content_types` (articles, pages, static
    files) are written as references, `content_key(value)`; `wrapper_types` (categories,
    tags, authors) by class, name and slug."""

    def __init__(self, content_types: tuple[type, ...], content_key,
                 wrapper_types: tuple[type, ...]) -> None:
        self.content_types = content_types
        self.content_key = content_key
        self.wrapper_types = wrapper_types
        # Long lists (every article of the run) are passed to many writes: hash each once.
        # The list is kept so its id is not reused; its length guards against appends.
        self._long_lists: dict[int, tuple[list, int, bytes]] = {}
        self._cards: dict[int, tuple[object, bytes]] = {}  # each object's card, once a run

    def update(self, digest, value, depth: int = 0) -> None:
        if depth > MAX_DEPTH:
            raise Unstable("nested too deeply")
        add = digest.update
        kind = type(value)
        # The common types first, by exact type (isinstance chains were most of the time).
        if kind is str:
            data = value.encode("utf-8", "surrogatepass")
            add(b"s%d:" % len(data) + data)
        elif value is None or kind is bool or kind is int or kind is float:
            add(b"n" + repr(value).encode())
        elif kind is list or kind is tuple:
            if len(value) > 64:
                add(self._long_list(value, depth))
                return
            add(b"l%d[" % len(value))
            for item in value:
                self.update(digest, item, depth + 1)
            add(b"]")
        elif kind is dict and all(type(key) is str for key in value):
            add(b"m%d{" % len(value))
            for key in sorted(value):
                data = key.encode("utf-8", "surrogatepass")
                add(b"k%d:" % len(data) + data)
                self.update(digest, value[key], depth + 1)
            add(b"}")
        else:
            self._update_other(digest, value, depth)

    def _update_other(self, digest, value, depth: int) -> None:
        add = digest.update
        if isinstance(value, str):  # Markup and other str subclasses
            data = str(value).encode("utf-8", "surrogatepass")
            add(b"s%d:" % len(data) + data)
        elif isinstance(value, (bool, int, float)):
            add(b"n" + repr(value).encode())
        elif isinstance(value, bytes):
            add(b"b%d:" % len(value) + value)
        elif isinstance(value, (dt.datetime, dt.date, dt.time)):
            tz = getattr(value, "tzinfo", None)
            add(b"d" + value.isoformat().encode() + str(getattr(tz, "key", tz)).encode())
        elif isinstance(value, self.content_types):
            add(b"c" + self.content_key(value).encode())
        elif isinstance(value, self.wrapper_types):
            add(b"u" + type(value).__name__.encode() + b"\0" + value.name.encode() + b"\0"
                + value.slug.encode())
        elif isinstance(value, Mapping):
            add(b"m%d{" % len(value))
            items = []
            for key, item in value.items():
                key_hash = new_hash()
                self.update(key_hash, key, depth + 1)
                items.append((key_hash.digest(), item))
            for key_digest, item in sorted(items, key=lambda pair: pair[0]):
                add(key_digest)
                self.update(digest, item, depth + 1)
            add(b"}")
        elif isinstance(value, (list, tuple)):
            add(b"l%d[" % len(value))
            for item in value:
                self.update(digest, item, depth + 1)
            add(b"]")
        elif isinstance(value, (set, frozenset)):
            parts = []
            for item in value:
                item_hash = new_hash()
                self.update(item_hash, item, depth + 1)
                parts.append(item_hash.digest())
            add(b"e%d(" % len(parts) + b"".join(sorted(parts)) + b")")
        elif isinstance(value, PurePath):
            add(b"p" + str(value).encode())
        elif isinstance(value, re.Pattern):
            add(b"r" + repr(value.pattern).encode() + b"%d" % value.flags)
        elif callable(value) and hasattr(value, "__qualname__"):
            # Functions in settings and context: their code is in the code fingerprint.
            add(b"f" + f"{getattr(value, '__module__', '')}.{value.__qualname__}".encode())
        elif dataclasses.is_dataclass(value):
            add(b"D" + type(value).__qualname__.encode())
            for item in dataclasses.fields(value):
                add(item.name.encode())
                self.update(digest, getattr(value, item.name), depth + 1)
        elif hasattr(value, "key") and type(value).__name__ == "ZoneInfo":
            add(b"z" + str(value.key).encode())
        elif hasattr(value, "__dict__"):
            add(b"o" + type(value).__qualname__.encode())
            self.update(digest, vars(value), depth + 1)
        else:
            text = repr(value)
            if _ADDRESS.search(text):
                raise Unstable(f"{type(value).__qualname__} has no stable form: {text[:80]}")
            add(b"x" + type(value).__qualname__.encode() + text.encode())

    def _long_list(self, value, depth: int) -> bytes:
        known = self._long_lists.get(id(value))
        if known is not None and known[0] is value and known[1] == len(value):
            return known[2]
        digest = new_hash()
        digest.update(b"L%d[" % len(value))
        for item in value:
            self.update(digest, item, depth + 1)
        result = digest.digest()
        self._long_lists[id(value)] = (value, len(value), result)
        return result

    def digest_of(self, value) -> bytes:
        digest = new_hash()
        self.update(digest, value)
        return digest.digest()

    # --- Content objects ------------------------------------------------------------------

    def card(self, content) -> bytes:
        """Everything about an article or page that another page may show."""
        known = self._cards.get(id(content))
        if known is not None and known[0] is content:
            return known[1]
        digest = new_hash()
        digest.update(type(content).__name__.encode() + self.content_key(content).encode())
        for name, value in sorted(vars(content).items()):
            if name in PAGE_ONLY or name in SKIPPED_ATTRIBUTES:
                continue
            digest.update(name.encode())
            self.update(digest, value)
        # Derived from the body when no summary is given, so it counts on its own (static
        # files have neither).
        if isinstance(getattr(content, "_content", None), str):
            digest.update(b"summary")
            self.update(digest, content.summary)
        result = digest.digest()
        self._cards[id(content)] = (content, result)
        return result

    def own_page(self, content, siteurl: str | None = None) -> bytes:
        """What an article's or page's own page shows beyond its card; `siteurl` is the one
        its page resolves links against (relative under RELATIVE_URLS), else the context's."""
        digest = new_hash()
        digest.update(self.card(content))
        for name in sorted(PAGE_ONLY - {"_content", "content"}):
            digest.update(name.encode())
            self.update(digest, getattr(content, name, None))
        # The body with its {filename} links resolved (a linked article's new URL changes it).
        digest.update(b"content")
        self.update(digest, content.get_content(siteurl) if siteurl is not None
                    else getattr(content, "content", None))
        return digest.digest()


def context_digest(encoder: Encoder, context: Mapping) -> bytes:
    """The shared template context of a run, without this build's temporary paths."""
    digest = new_hash()
    for name in sorted(context):
        if name in VOLATILE_SETTINGS or name in THROUGH_CONTENT_SETTINGS:
            continue
        value = context[name]
        if name == "JINJA_ENVIRONMENT" and isinstance(value, Mapping):
            value = {key: item for key, item in value.items() if key != "bytecode_cache"}
        digest.update(name.encode())
        encoder.update(digest, value)
    return digest.digest()


def files_digest(paths: Iterable[tuple[str, bytes]]) -> bytes:
    """(label, bytes-or-stat) pairs, in the order given."""
    digest = new_hash()
    for label, data in paths:
        digest.update(label.encode() + b"\0" + data + b"\0")
    return digest.digest()
