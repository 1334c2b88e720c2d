"""One source file to sanitised HTML: the single code path of the reader and the build pool."""

from __future__ import annotations

import functools
import pickle
from dataclasses import dataclass

from markdown import Markdown

from site_content.sanitise import clean


@dataclass(frozen=True)
class Converted:
    """What the reader produces: sanitised body HTML and the raw header values."""

    html: str
    meta: dict[str, list[str]]
    formatted: dict[str, str]  # FORMATTED_FIELDS (the summary), converted and sanitised


def convert_source(body_md: Markdown, field_md: Markdown, settings: dict, text: str) -> Converted:
    iframe_hosts = frozenset(settings.get("IFRAME_HOSTS", ()))
    body_md.reset()
    html = clean(body_md.convert(text), iframe_hosts)
    meta = {name.lower(): values for name, values in getattr(body_md, "Meta", {}).items()}
    formatted = {}
    for name in settings["FORMATTED_FIELDS"]:
        if name in meta:
            field_md.reset()
            formatted[name] = clean(field_md.convert("\n".join(meta[name])), iframe_hosts)
    return Converted(html, meta, formatted)


@functools.lru_cache(maxsize=2)
def load_converted(path: str | None) -> dict[str, Converted]:
    """The build's pre-converted sources for this run ({} when built another way)."""
    if not path:
        return {}
    with open(path, "rb") as handle:
        return pickle.load(handle)
