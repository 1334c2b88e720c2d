"""The engine's Pelican Writer: renders only pages whose inputs changed, and only its shard.

Every `write_file` gets a fingerprint (fingerprint.py) of everything its template can see.
When the previous build wrote the same name with the same fingerprint, the files it wrote
then are hard-linked from the previous output instead of being rendered again. The build
driver passes, in `SITE_RENDER_CACHE`:

- `previous_output` and `previous_map`: the output folder being replaced and the map of what
  wrote it (absent on a cold build: everything is rendered, and fingerprinted for next time);
- `map_out`: where this run's map goes; the driver keeps it only once the build has been
  swapped into place, so a failed build never describes an output that does not exist.

A map is {name: (fingerprint, ((file, size, mtime_ns), …))}; a file whose size or mtime
changed since it was written (edited by hand, say) is rendered again.

With shards (shards.py), the articles' and pages' writes of one run are spread over forked
processes by a hash of the output name; each process's writer writes its own share, and
everything else (feeds, the theme's files, the subscribe pages) is written by shard 0 alone.
"""

from __future__ import annotations

import logging
import os
import pickle
import zlib
from pathlib import Path

from pelican import signals
from pelican.contents import Content
from pelican.urlwrappers import URLWrapper
from pelican.utils import get_relative_path, path_to_url
from pelican.writers import FileOverwriteFailedError, Writer

from sitebuild.engine.fingerprint import Encoder, Unstable, context_digest, new_hash
from sitebuild.engine.reuse import link_unchanged

logger = logging.getLogger(__name__)
PREFIX = "render cache: "
SETTING = "SITE_RENDER_CACHE"
MAP_FORMAT = 1


def _content_key(content) -> str:
    return f"{type(content).__name__}:{getattr(content, 'relative_source_path', '')}"


class PageWriter(Writer):
    """Pelican's Writer, linking unchanged pages from the previous output, writing only the
    names of its shard while `sharded` (the articles' and pages' writes)."""

    shard, shards = 0, 1  # set on a subclass per process (shards.py)
    # The run's fingerprint, when computed before the shards fork (`prepare`): every shard's
    # writer starts from it instead of hashing every article's card again.
    prepared: RunFingerprint | None = None

    def __init__(self, output_path, settings=None) -> None:
        super().__init__(output_path, settings=settings)
        self.sharded = self.shards > 1
        self.assigned = (settings or {}).get("SITE_SHARD_OF")  # {name: shard} (shards.py)
        self.options = (settings or {}).get(SETTING) or {}
        self.previous = _load_map(self.options.get("previous_map"))
        self.previous_output = Path(self.options.get("previous_output") or "")
        self.map: dict[str, tuple[bytes, tuple]] = {}
        self.rendered = self.reused = 0
        self.reused_files: list[str] = []
        self._opened: list[str] = []
        # The text of the page being written, when it needs a search copy (_search_copy).
        self._kept: _KeptText | None = None
        self.run_fingerprint = self.prepared or RunFingerprint(self.settings)

    # --- Pelican's Writer API -------------------------------------------------------------

    def _open_w(self, filename, encoding, override=False):
        self._opened.append(filename)
        handle = super()._open_w(filename, encoding, override)
        return self._kept.open(filename, handle) if self._kept is not None else handle

    def write_file(self, name, template, context, relative_urls=False, paginated=None,
                   template_name=None, override_output=False, url=None, **kwargs):
        if not name:
            return super().write_file(name, template, context, relative_urls, paginated,
                                      template_name, override_output, url, **kwargs)
        if self.sharded and shard_of(name, self.shards, self.assigned) != self.shard:
            return None
        fingerprint = self._fingerprint(name, template, context, relative_urls, paginated,
                                        template_name, override_output, url, kwargs)
        if fingerprint is not None and self._link_previous(name, fingerprint):
            self.reused += 1
            return None
        self._opened = []
        bundle = self._search_bundle(name)
        self._kept = _KeptText() if bundle else None
        try:
            result = super().write_file(name, template, context, relative_urls, paginated,
                                        template_name, override_output, url, **kwargs)
        except FileOverwriteFailedError:
            # Two pages of the site at one address: the content checks name the usual causes
            # (one slug twice, a page over the search page); whatever else does it, the
            # first page stays and the build goes on, with a warning instead of a crash.
            source = kwargs.get("article") or kwargs.get("page")
            logger.warning("%s%s is written by two pages; %s was left out — give it "
                           "another slug", PREFIX, name,
                           getattr(source, "relative_source_path", "the second"))
            return None
        finally:
            kept, self._kept = self._kept, None
        self.rendered += 1
        if fingerprint is not None:
            self.map[name] = (fingerprint, tuple(self._stat(path) for path in self._opened))
        if bundle:
            self._search_copy(name, bundle, kept)
        return result

    def _search_bundle(self, name: str) -> str | None:
        """The search bundle whose word-form copies include page `name` (None: no copy)."""
        forms = self.settings.get("SITE_SEARCH_FORMS")
        return forms["pages"].get(name) if forms else None

    def _search_copy(self, name: str, bundle: str, kept: _KeptText) -> None:
        """The copy of a page search indexes (word forms, indexing.Indexer), made here, in the
        shard that rendered it, rather than after the run in one process; from the text just
        written, not read back from the file."""
        from sitebuild import wordforms

        page = Path(self.output_path) / name
        text = kept.text(page)
        if text is None:  # not written through _open_w (never so for Pelican's writer)
            text = page.read_text(encoding="utf-8")
        target = Path(self.settings["SITE_SEARCH_FORMS"]["folder"]) / bundle / "forms" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(wordforms.index_copy(text, wordforms.shared_keys()), encoding="utf-8")

    def write_feed(self, *args, **kwargs):
        # Pelican's own feeds, not sharded: shard 0 writes them all (the feeds plugin's are
        # written on article_writer_finalized, by the last shard: shards.py).
        if self.shard == 0:
            return super().write_feed(*args, **kwargs)
        return None

    def result(self) -> dict:
        """What a shard's process hands back to shard 0's."""
        return {"map": self.map, "rendered": self.rendered, "reused": self.reused,
                "reused_files": self.reused_files, "unstable": self.run_fingerprint.unstable}

    def absorb(self, result: dict) -> None:
        """Another shard's writes, as if this writer had made them."""
        self.map.update(result["map"])
        self.rendered += result["rendered"]
        self.reused += result["reused"]
        self.reused_files += result["reused_files"]
        self.run_fingerprint.unstable = self.run_fingerprint.unstable or result["unstable"]

    # --- Fingerprints ---------------------------------------------------------------------

    def _fingerprint(self, name, template, context, relative_urls, paginated, template_name,
                     override_output, url, kwargs) -> bytes | None:
        if not self.options or self.run_fingerprint.unstable or signals.content_written.receivers:
            return None  # a content_written listener would miss the pages not rendered
        encoder = self.run_fingerprint.encoder
        try:
            run = self.run_fingerprint.of(context)
            digest = new_hash()
            digest.update(run)
            encoder.update(digest, [name, getattr(template, "name", None), relative_urls,
                                    template_name, override_output, url])
            encoder.update(digest, paginated)
            shared = self.run_fingerprint.context
            if context is not shared:  # period archives: a copy plus a few keys
                encoder.update(digest, {key: value for key, value in context.items()
                                        if key not in shared or shared[key] is not value})
            for key in sorted(kwargs):
                value = kwargs[key]
                digest.update(key.encode())
                if key in ("article", "page") and isinstance(value, Content):
                    # Pelican's `content` follows the context's `localsiteurl`, which under
                    # RELATIVE_URLS is the page written last: the body as this page shows it.
                    local = path_to_url(get_relative_path(name)) if relative_urls else None
                    digest.update(encoder.own_page(value, local))
                else:
                    encoder.update(digest, value)
            return digest.digest()
        except Unstable as problem:
            self.run_fingerprint.give_up(problem)
            return None

    @staticmethod
    def prepare(settings: dict, context: dict) -> RunFingerprint | None:
        """The run's fingerprint computed now, from the shared context every write is given
        (shards.py: before the fork, so that each shard inherits it, as `prepared` of its
        writer class); None when pages are not fingerprinted."""
        if not (settings.get(SETTING) or {}) or signals.content_written.receivers:
            return None
        prepared = RunFingerprint(settings)
        try:
            prepared.of(context)
        except Unstable as problem:
            prepared.give_up(problem)
        return prepared

    # --- Reuse ----------------------------------------------------------------------------

    def _link_previous(self, name: str, fingerprint: bytes) -> bool:
        previous = self.previous.get(name)
        if previous is None or previous[0] != fingerprint:
            return False
        if not link_unchanged(previous[1], self.previous_output, Path(self.output_path)):
            return False
        for relative, _, _ in previous[1]:
            self._written_files.add(str(Path(self.output_path) / relative))
            self.reused_files.append(relative)
        self.map[name] = previous
        return True

    def _stat(self, path: str) -> tuple[str, int, int]:
        stat = os.stat(path)
        return os.path.relpath(path, self.output_path), stat.st_size, stat.st_mtime_ns

    def save(self) -> None:
        """This run's map (what the engine keeps once the build is in place)."""
        if not self.options.get("map_out"):
            return
        target = Path(self.options["map_out"])
        target.parent.mkdir(parents=True, exist_ok=True)
        pages = {} if self.run_fingerprint.unstable else self.map
        with target.open("wb") as handle:
            pickle.dump({"format": MAP_FORMAT, "pages": pages, "reused": self.reused_files,
                         "shards": self.shards}, handle, protocol=pickle.HIGHEST_PROTOCOL)
        logger.info("%s%s: %d page writes rendered, %d reused", PREFIX,
                    self.settings.get("SITE_LANG"), self.rendered, self.reused)


class RunFingerprint:
    """What every page of a run shares: the code, the template context, every article's and
    page's card, every source's header (fingerprint.py), hashed once; and the encoder whose
    cards the pages' own fingerprints reuse."""

    def __init__(self, settings: dict) -> None:
        self.settings = settings
        self.encoder = Encoder((Content,), _content_key, (URLWrapper,))
        self.context = None  # the shared context it was computed from
        self.digest: bytes | None = None
        self.unstable = False

    def of(self, context) -> bytes:
        if self.digest is None:
            self.context = context
            contents = [*context.get("generated_content", {}).values(),
                        *context.get("static_content", {}).values()]
            cards = sorted((_content_key(content), self.encoder.card(content))
                           for content in contents if isinstance(content, Content))
            digest = new_hash()
            digest.update(_code_fingerprint(self.settings))
            digest.update(context_digest(self.encoder, context))
            for key, card in cards:
                digest.update(key.encode() + card)
            digest.update(_catalogue_digest(self.encoder, self.settings))
            self.digest = digest.digest()
        return self.digest

    def give_up(self, problem: Unstable) -> None:
        self.unstable = True
        logger.info("%spages of this run are always rendered: %s", PREFIX, problem)


class _KeptText:
    """The text written to each file of one write_file call, by absolute path."""

    def __init__(self) -> None:
        self.written: dict[str, list[str]] = {}

    def open(self, filename: str, handle) -> _Keeping:
        parts = self.written[os.path.abspath(filename)] = []
        return _Keeping(handle, parts)

    def text(self, path: Path) -> str | None:
        """As reading the file back would give it (universal newlines), or None."""
        parts = self.written.get(os.path.abspath(path))
        if parts is None:
            return None
        text = "".join(parts)
        return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


class _Keeping:
    """A text file being written, whose text is also kept in `parts`."""

    def __init__(self, handle, parts: list[str]) -> None:
        self.handle, self.parts = handle, parts

    def write(self, text: str) -> int:
        self.parts.append(text)
        return self.handle.write(text)

    def __enter__(self) -> _Keeping:
        self.handle.__enter__()
        return self

    def __exit__(self, *exc):
        return self.handle.__exit__(*exc)


def shard_of(name: str, shards: int, assigned: dict[str, int] | None = None) -> int:
    """Which shard writes an output name: the same in every process (`assigned` to one, as
    the pages of a search bundle are; else by crc32, not hash())."""
    if assigned and name in assigned:
        return assigned[name]
    return zlib.crc32(name.encode("utf-8")) % shards


def _code_fingerprint(settings: dict) -> bytes:
    from sitebuild.engine.reuse import code_fingerprint

    return code_fingerprint(settings)


def _load_map(path: str | None) -> dict:
    if not path or not os.path.exists(path):
        return {}
    try:
        with open(path, "rb") as handle:
            data = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, AttributeError):
        return {}
    return data.get("pages", {}) if data.get("format") == MAP_FORMAT else {}


def _catalogue_digest(encoder: Encoder, settings: dict) -> bytes:
    """Every source's header in every language (language switches, translation links)."""
    if not settings.get("SITE_CATALOGUE_PATH"):
        return b""
    from core.catalogue import for_run
    from sitebuild.engine.reuse import headers_digest

    return headers_digest(encoder, for_run(settings).entries)
