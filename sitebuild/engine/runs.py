"""The worker processes of a build: Markdown conversion first, then the language runs.

One pool, forked before the catalogue exists (so the workers do not carry a copy of every
source's text), does both jobs in turn. Conversion is most of a run's reading, and it does
not depend on the language split: every source not in the conversion cache is converted in
chunks on all cores while the parent scores related publications and runs the checks. The
language runs then find every conversion in the cache, and each spreads its page writing
over shards (shards.py), so a one-language site uses every core as a bilingual one does.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from pathlib import Path

from sitebuild import pelican_log
from sitebuild.engine.shards import Shards

logger = logging.getLogger(__name__)
CHUNK = 40  # sources per conversion task: few enough round trips, even enough spread


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def preload(settings: dict) -> None:
    """Import Pelican, the plugins and the Markdown extensions before the workers fork, so
    each worker starts with them instead of importing them again."""
    import importlib

    import pelican.generators  # noqa: F401 (imported for the workers)
    from markdown import Markdown

    for name in settings["PLUGINS"]:
        if isinstance(name, str):
            importlib.import_module(name)
    # A converter made here imports the extensions and reads the installed packages' entry
    # points (Markdown looks extension names up there, once per process).
    Markdown(extensions=[name for name in [*settings["MARKDOWN"].get("extension_configs", {}),
                                           *settings["MARKDOWN"].get("extensions", ()),
                                           "markdown.extensions.meta"]
                         if isinstance(name, str)])


class Workers:
    """The build's worker processes (none with `parallel=False`: everything runs here)."""

    def __init__(self, parallel: bool) -> None:
        self.count = cores() if parallel else 0
        self.pool = None
        self._conversions: dict[Future, object] = {}
        self._caches: dict[str, object] = {}
        if self.count:
            context = multiprocessing.get_context("fork")
            # gc.freeze: a worker's full collections skip what it inherited, and do not
            # copy those pages by touching them.
            self.pool = ProcessPoolExecutor(max_workers=self.count, mp_context=context,
                                            initializer=gc.freeze)
            for ready in [self.pool.submit(os.getpid) for _ in range(self.count)]:
                ready.result()  # the workers exist now, forked from a lean process

    def shards(self) -> int:
        return max(1, self.count)

    # --- Markdown conversion --------------------------------------------------------------

    def submit_conversions(self, runs: list[dict], site) -> None:
        """Start converting every source the runs will read that their caches lack (the
        caller goes on meanwhile; save_conversions waits). Serial builds leave it to the
        runs."""
        if self.pool is None:
            return
        from site_content.conversion import cache_for, fingerprint

        for settings in runs:
            if not settings.get("SITE_MARKDOWN_CACHE"):
                continue
            lang = settings["SITE_LANG"]
            cache = cache_for(settings["SITE_MARKDOWN_CACHE"], lang, fingerprint(settings))
            self._caches[lang] = cache
            missing = [(entry.path, entry.digest) for entry in site.entries
                       if entry.lang == lang and cache.get(entry.path, entry.digest) is None]
            for start in range(0, len(missing), CHUNK):
                future = self.pool.submit(convert_chunk, settings, missing[start:start + CHUNK])
                self._conversions[future] = cache

    def save_conversions(self) -> None:
        """Wait for the conversions; save each run's cache for the run to read."""
        from site_content.conversion import cache_for

        for future in as_completed(self._conversions):
            for relative, digest, converted in future.result():
                self._conversions[future].put(relative, digest, converted)
        for cache in self._caches.values():
            cache.save(prune=False)  # the run prunes what it does not read
        self._conversions, self._caches = {}, {}
        cache_for.cache_clear()  # the runs load the files afresh

    # --- Language runs --------------------------------------------------------------------

    def start(self, settings: dict) -> Future | None:
        """A language run in a worker (None when serial: `finish` runs it here)."""
        return self.pool.submit(render_language, settings) if self.pool else None

    def shutdown(self, cancel: bool = False) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=not cancel, cancel_futures=cancel)


_converters: dict[str, tuple] = {}


def convert_chunk(settings: dict, items: list[tuple[str, str]]) -> list[tuple]:
    """In a worker: (relative path, sha256, Converted) of each source, as the run's reader
    would convert it."""
    from site_content.conversion import convert_source
    from site_content.markdown_setup import markdown_for

    lang = settings["SITE_LANG"]
    if lang not in _converters:
        _converters[lang] = (markdown_for(settings, with_meta=True),
                             markdown_for(settings, with_meta=False))
    results = []
    for relative, digest in items:
        raw = (Path(settings["PATH"]) / relative).read_bytes()
        results.append((relative, digest,
                        convert_source(*_converters[lang], settings, raw.decode("utf-8-sig"))))
    return results


class _WarningCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"[{record.name}] {record.getMessage()}")


def render_language(settings: dict) -> list[str]:
    """Run Pelican for one language; returns the warnings it logged. Pelican's own are held
    back and given once the run is over: those a content check words already are left out,
    the others said again with paths relative to the content folder (pelican_log)."""
    from pelican import Pelican

    collector = _WarningCollector()
    logging.getLogger("pelican").setLevel(logging.WARNING)
    root = logging.getLogger()
    root.addHandler(collector)
    held = pelican_log.Held()
    try:
        with held, Shards(settings.get("SITE_SHARDS", 1), held, collector) as shards:
            Pelican(settings).run()
            shards.join()
            if shards.writer is not None:
                shards.writer.save()
    finally:
        root.removeHandler(collector)
        reworded = held.reworded(settings)
        for message in reworded:
            logger.warning("%s: %s", settings["SITE_LANG"], message)
    prefix = settings["SITE_LANG"]
    return [f"{prefix}: {message}" for message in [*collector.messages, *reworded]]
