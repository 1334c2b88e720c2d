"""Feed HTML made absolute and sanitised, kept between builds.

Rewriting an entry's links (an lxml parse) and sanitising it again is most of what writing
the feeds costs, and a rebuild after one edit would redo it for every entry. Results are kept
in `<SITE_FEEDS_CACHE>` keyed by the HTML, the page URL and the iframe allowlist; a key not
used by a build is dropped when it saves.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path

from feeds.urls import make_absolute
from site_content.sanitise import clean


class AbsoluteHtml:
    """`cache(html, base_url)`: clean(make_absolute(html, base_url)), remembered."""

    def __init__(self, path: Path | None, iframe_hosts: frozenset[str]) -> None:
        self.path, self.iframe_hosts = path, iframe_hosts
        self.known: dict[bytes, str] = {}
        self.used: dict[bytes, str] = {}
        if path is not None and path.exists():
            try:
                with path.open("rb") as handle:
                    self.known = pickle.load(handle)
            except (OSError, pickle.UnpicklingError, EOFError, ValueError, AttributeError):
                self.known = {}

    def __call__(self, html: str, base: str) -> str:
        key = hashlib.blake2b(f"{base}\0{sorted(self.iframe_hosts)}\0{html}".encode(),
                              digest_size=20).digest()
        found = self.known.get(key)
        if found is None:
            found = clean(make_absolute(html, base), self.iframe_hosts)
        self.used[key] = found
        return found

    def save(self) -> None:
        if self.path is None or self.used == self.known:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        with temporary.open("wb") as handle:
            pickle.dump(self.used, handle, protocol=pickle.HIGHEST_PROTOCOL)
        temporary.replace(self.path)
