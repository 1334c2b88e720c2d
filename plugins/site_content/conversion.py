"""One source file to sanitised HTML, and the cache that makes a rebuild convert only edits.

Markdown conversion is most of a build. The build engine converts every file on all cores
before the language runs (sitebuild/engine/runs.py), through the same `convert_source`; a
run converts only what it does not find (all of it under plain `pelican`). The results
are kept in `<CACHE_PATH>/markdown/<lang>.pickle`, keyed by
the file's bytes and stamped with a fingerprint of everything else that shapes the HTML:
the Markdown settings, the plugin code, the shared data files. Change any of those and the
whole cache is dropped; edit one article and only that article is converted again.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
from dataclasses import dataclass
from pathlib import Path

from markdown import Markdown

import core
from core import headers
from site_content import reading
from site_content.sanitise import clean

# Settings that change the HTML of a conversion (others only change templates).
SHAPING_SETTINGS = ("MARKDOWN", "CLINIC_COMMENT_TITLE", "IFRAME_HOSTS", "FORMATTED_FIELDS",
                    "SITE_LANG", "REVIEWERS_FILE", "REFERENCES_FILE", "MEDICAL")


@dataclass(frozen=True)
class Converted:
    """What the reader produces: sanitised body HTML and the raw header values."""

    html: str
    meta: dict[str, list[str]]
    formatted: dict[str, str]  # FORMATTED_FIELDS (the summary), converted and sanitised
    words: int  # of the body, for the reading time (counted once, kept with the HTML)


def convert_source(body_md: Markdown, field_md: Markdown, settings: dict, text: str) -> Converted:
    """`body_md` reads the `Key: value` header (Markdown's meta extension) and converts the body;
    `field_md` has no meta extension. YAML front matter is the catalogue's parse, and its body
    goes through `field_md`, so that a body line like `Note: …` is never taken for a field."""
    iframe_hosts = frozenset(settings.get("IFRAME_HOSTS", ()))
    parsed = headers.parse(text)  # the catalogue's own split of header and body
    if parsed.yaml:
        meta = {name: field.value.split("\n") for name, field in parsed.fields.items()}
        field_md.reset()
        field_md.Meta = meta  # as the meta extension leaves it: citations number by it
        html = clean(field_md.convert(parsed.body), iframe_hosts)
        field_md.Meta = {}
    else:
        body_md.reset()
        html = clean(body_md.convert(text), iframe_hosts)
        meta = {name.lower(): values for name, values in getattr(body_md, "Meta", {}).items()}
    formatted = {}
    for name in settings["FORMATTED_FIELDS"]:
        if name in meta:
            field_md.reset()
            formatted[name] = clean(field_md.convert("\n".join(meta[name])), iframe_hosts)
    return Converted(html, meta, formatted, reading.word_count(parsed.body))


def fingerprint(settings: dict) -> str:
    """Changes whenever something other than the source file could change the HTML."""
    digest = hashlib.sha256()
    for name in SHAPING_SETTINGS:
        value = settings.get(name)
        if name == "MARKDOWN" and isinstance(value, dict):
            value = _as_pelican_reads(value)
        digest.update(repr(value).encode())
    # The shared bottom package shapes the HTML too: the sanitiser, heading ids' slugify.
    for root in (*map(Path, settings.get("PLUGIN_PATHS", [])), Path(core.__file__).parent):
        for path in sorted(root.rglob("*.py")):
            digest.update(path.as_posix().encode() + path.read_bytes())
    for path in sorted((Path(settings["PATH"]) / "data").glob("*")):
        if path.is_file() and not path.is_symlink():  # a link is refused, never read
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def _as_pelican_reads(markdown: dict) -> dict:
    """MARKDOWN as it is once Pelican's Markdown reader has added the configured and the
    meta extensions to `extensions` (it changes the settings in place): the same stamp
    before a run starts (the build's workers convert then) and during it."""
    extensions = list(markdown.get("extensions", ()))
    for name in [*markdown.get("extension_configs", {}), "markdown.extensions.meta"]:
        if name not in extensions:
            extensions.append(name)
    return {**markdown, "extensions": extensions}


class ConversionCache:
    """{relative path: (sha256 of the source, Converted)} for one language, on disk, with a
    small index of the digests beside it (`cached_digests`). `fresh`: files of conversions
    made for this run elsewhere (the build engine's workers), taken in on loading."""

    def __init__(self, path: Path | None, stamp: str, fresh: tuple[str, ...] = ()) -> None:
        self.path, self.stamp = path, stamp
        self.entries: dict[str, tuple[str, Converted]] = {}
        self.seen: set[str] = set()
        self.changed = False
        if path is not None and path.exists():
            try:
                with path.open("rb") as handle:
                    found_stamp, entries = pickle.load(handle)
            except (OSError, pickle.UnpicklingError, EOFError, ValueError, AttributeError):
                found_stamp, entries = None, {}
            if found_stamp == stamp:
                self.entries = entries
        for chunk in fresh:
            with open(chunk, "rb") as handle:
                for relative, digest, converted in pickle.load(handle):
                    self.put(relative, digest, converted)

    def get(self, relative: str, digest: str) -> Converted | None:
        self.seen.add(relative)
        hit = self.entries.get(relative)
        return hit[1] if hit is not None and hit[0] == digest else None

    def words(self, relative: str) -> int | None:
        """Words in the body of a file this run read (None: not read through the cache)."""
        hit = self.entries.get(relative)
        return hit[1].words if hit is not None and relative in self.seen else None

    def put(self, relative: str, digest: str, converted: Converted) -> None:
        self.entries[relative] = (digest, converted)
        self.changed = True

    def save(self, prune: bool = True) -> None:
        """Write atomically (a crashed build must not leave half a cache); `prune` drops
        what this process did not read (deleted or renamed sources)."""
        stale = set(self.entries) - self.seen if prune else set()
        if self.path is None or not (self.changed or stale):
            return
        for relative in stale:
            del self.entries[relative]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Named for this process: another build sharing the cache may be saving too.
        temporary = self.path.with_suffix(f".{os.getpid()}.tmp")
        with temporary.open("wb") as handle:
            pickle.dump((self.stamp, self.entries), handle, protocol=pickle.HIGHEST_PROTOCOL)
        index = _index_path(self.path).with_suffix(f".{os.getpid()}.tmp")
        with index.open("wb") as handle:
            pickle.dump((self.stamp, {relative: hit[0] for relative, hit in self.entries.items()}),
                        handle, protocol=pickle.HIGHEST_PROTOCOL)
        # The index last: one that names a conversion the cache lacks costs a conversion,
        # never a wrong page (the run converts what it does not find).
        temporary.replace(self.path)
        index.replace(_index_path(self.path))
        self.changed, self.seen = False, set()


def _index_path(cache: Path) -> Path:
    return cache.with_name(cache.stem + ".digests.pickle")


def cached_digests(directory: str, lang: str, stamp: str) -> dict[str, str]:
    """{relative path: sha256} of what the language's cache holds, without loading it."""
    try:
        with _index_path(Path(directory) / f"{lang}.pickle").open("rb") as handle:
            found_stamp, digests = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, AttributeError):
        return {}
    return digests if found_stamp == stamp else {}


@functools.lru_cache(maxsize=4)
def cache_for(directory: str | None, lang: str, stamp: str,
              fresh: tuple[str, ...] = ()) -> ConversionCache:
    """The run's cache, shared by the article and page readers of one Pelican run."""
    return ConversionCache(Path(directory) / f"{lang}.pickle" if directory else None, stamp,
                           fresh)


def run_cache(settings: dict, lang: str) -> ConversionCache:
    """The cache of this run's settings: SITE_MARKDOWN_CACHE, with the conversions the
    build engine made for the run (SITE_CONVERSIONS); none under plain `pelican`."""
    return cache_for(settings.get("SITE_MARKDOWN_CACHE"), lang, fingerprint(settings),
                     tuple(settings.get("SITE_CONVERSIONS") or ()))
