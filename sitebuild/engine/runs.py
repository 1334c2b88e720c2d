"""The worker processes of a build: Markdown conversion first, then the language runs.

One pool, forked before the catalogue exists (so the workers do not carry a copy of every
source's text), does both jobs in turn. Conversion is most of a run's reading, and it does
not depend on the language split: every source not in the conversion cache is converted in
chunks on all cores while the parent scores related publications and runs the checks. The
language runs then find every conversion in the cache, and each spreads its page writing
over shards (shards.py), so a one-language site uses every core as a bilingual one does.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import logging
import multiprocessing
import os
import pickle
import threading
from concurrent.futures import Future, ProcessPoolExecutor
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
    """The build's worker processes (none with `parallel=False`: everything runs here).

    A run starts as soon as the conversions are in (`start_after_conversions`), while the
    parent is still scoring the related lists: it reads its articles meanwhile and waits for
    the lists only where it attaches them (core.catalogue.related_gate). The wait is on a
    pipe whose only write end is the parent's: closing it (`release_runs`: the lists are
    written, or the build is abandoned, or the parent died) lets every run go on."""

    def __init__(self, parallel: bool, count: int | None = None) -> None:
        self.count = (count or cores()) if parallel else 0
        self.pool = None
        self._conversions: list[Future] = []
        self._submitted: dict[str, set[str]] = {}  # the sources being converted, by language
        self._gate: int | None = None  # the write end of the runs' gate, until released
        self._starter: threading.Thread | None = None
        self._started: dict[str, Future] = {}
        self._start_error: BaseException | None = None
        self._stopping = False
        self._written: int | None = None  # the read end of the shards' news (watch_written)
        self._watcher: threading.Thread | None = None
        if self.count:
            context = multiprocessing.get_context("fork")
            read, self._gate = os.pipe()
            self._written, written = os.pipe()
            self.pool = ProcessPoolExecutor(max_workers=self.count, mp_context=context,
                                            initializer=_worker_started,
                                            initargs=(read, self._gate, self._written, written))
            for ready in [self.pool.submit(os.getpid) for _ in range(self.count)]:
                ready.result()  # the workers exist now, forked from a lean process
            os.close(read)
            os.close(written)  # the workers' now: the read end sees its end when they end

    def shards(self) -> int:
        return max(1, self.count)

    # --- Markdown conversion --------------------------------------------------------------

    def convert_before_catalogue(self, runs: list[dict], markdown: list[str],
                                 default_lang: str, folder: Path) -> None:
        """Before the catalogue is read, from the list of sources alone: every source of a
        language whose conversion cache holds nothing (a cold build), by the language its
        name gives (submit_conversions converts those whose header says otherwise)."""
        if self.pool is None:
            return
        from core.catalogue import file_language
        from site_content.conversion import cached_digests, fingerprint

        for settings in runs:
            lang, directory = settings["SITE_LANG"], settings.get("SITE_MARKDOWN_CACHE")
            if directory and cached_digests(directory, lang, fingerprint(settings)):
                continue  # a rebuild: the catalogue's digests say what is new
            self._submit(settings, [path for path in markdown
                                    if (file_language(path) or default_lang) == lang], folder)

    def submit_conversions(self, runs: list[dict], site, folder: Path) -> None:
        """Start converting every source the runs will read that their caches lack (and
        convert_before_catalogue did not start), each chunk into a file of `folder` the run
        takes in (SITE_CONVERSIONS, set here): the converted HTML never passes through this
        process. The caller goes on meanwhile; wait_for_conversions waits. Serial builds
        leave it to the runs."""
        if self.pool is None:
            return
        from site_content.conversion import cached_digests, fingerprint

        for settings in runs:
            lang = settings["SITE_LANG"]
            directory = settings.get("SITE_MARKDOWN_CACHE")
            cached = cached_digests(directory, lang, fingerprint(settings)) if directory else {}
            started = self._submitted.get(lang, set())
            self._submit(settings, [entry.path for entry in site.entries
                                    if entry.lang == lang and entry.path not in started
                                    and cached.get(entry.path) != entry.digest], folder)

    def _submit(self, settings: dict, paths: list[str], folder: Path) -> None:
        lang = settings["SITE_LANG"]
        folder.mkdir(parents=True, exist_ok=True)
        chunks = settings["SITE_CONVERSIONS"] = list(settings["SITE_CONVERSIONS"])
        self._submitted.setdefault(lang, set()).update(paths)
        for start in range(0, len(paths), CHUNK):
            chunk = folder / f"{lang}-{len(chunks)}.pickle"
            self._conversions.append(self.pool.submit(convert_chunk, settings,
                                                      paths[start:start + CHUNK], chunk))
            chunks.append(str(chunk))

    def wait_for_conversions(self) -> None:
        for future in self._conversions:
            future.result()
        self._conversions = []

    # --- Language runs --------------------------------------------------------------------

    def start_after_conversions(self, runs: list[dict]) -> None:
        """Start `runs` once the conversions are in, from a thread: the caller goes on (with
        the related lists, which the runs wait for: release_runs). Serial builds start
        nothing here."""
        if self.pool is None or not runs:
            return

        def start() -> None:
            try:
                self.wait_for_conversions()
                for settings in runs:
                    if self._stopping:
                        return
                    self._started[settings["SITE_LANG"]] = self.pool.submit(render_language,
                                                                            settings)
            except BaseException as error:  # noqa: BLE001 - raised again by started()
                self._start_error = error

        self._starter = threading.Thread(target=start, name="start-runs", daemon=True)
        self._starter.start()

    def started(self) -> dict[str, Future]:
        """The runs start_after_conversions started, by language, once it is done."""
        if self._starter is not None:
            self._starter.join()
            self._starter = None
        if self._start_error is not None:
            error, self._start_error = self._start_error, None
            raise error
        return self._started

    def release_runs(self) -> None:
        """The related lists are written (or never will be): the runs waiting go on."""
        if self._gate is not None:
            os.close(self._gate)
            self._gate = None

    def watch_written(self, callback) -> None:
        """From a thread: `callback(lang, shard)` as each shard of a run has written its share
        of the articles' and pages' own pages (shards.tell_written), until the workers end.
        A blocking read of a pipe whose write ends only the workers (and their shards) hold."""
        if self._written is None:
            return
        fd, self._written = self._written, None

        def watch() -> None:
            pending = b""
            try:
                while chunk := os.read(fd, 4096):
                    *lines, pending = (pending + chunk).split(b"\n")
                    for line in lines:
                        lang, shard = line.decode().split()
                        callback(lang, int(shard))
            finally:
                os.close(fd)

        self._watcher = threading.Thread(target=watch, name="shards-written", daemon=True)
        self._watcher.start()

    def start(self, settings: dict) -> Future | None:
        """A language run in a worker (None when serial: Engine.render runs it itself)."""
        return self.pool.submit(render_language, settings) if self.pool else None

    def shutdown(self, cancel: bool = False) -> None:
        """Wait for the workers to end, after what they are doing (`cancel`: nothing that
        has not started starts). Always waits: the executor forgets its workers on its first
        shutdown, so a later one with wait=True would not wait for them."""
        self._stopping = True
        self.release_runs()  # a run waiting for the lists would never end otherwise
        if self._starter is not None:
            self._starter.join()
            self._starter = None
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=cancel)
            self.pool = None
        if self._watcher is not None:  # the workers are gone: it has read all they said
            self._watcher.join()
            self._watcher = None
        if self._written is not None:  # never watched
            os.close(self._written)
            self._written = None


def _worker_started(gate: int, parent_end: int, written_read: int, written: int) -> None:
    """A worker's first act: the runs it will make wait on `gate` for the related lists;
    the parent's end of it is closed here, so that only the parent holds it open. Its shards
    tell the parent on `written` when they have written their pages (shards.tell_written)."""
    from core import catalogue
    from sitebuild.engine import shards

    os.close(parent_end)
    os.close(written_read)
    catalogue.related_gate = functools.partial(_wait_for_related, gate)
    shards.written_pipe = written
    gc.freeze()  # a worker's full collections skip what it inherited, and do not copy
    # those pages by touching them


def _wait_for_related(gate: int) -> None:
    """Blocks until the parent closes its end of the gate (returns at once after that)."""
    while os.read(gate, 1):
        pass


_converters: dict[str, tuple] = {}


def convert_chunk(settings: dict, paths: list[str], out: Path) -> None:
    """In a worker: (relative path, sha256, Converted) of each source, as the run's reader
    would convert it, pickled into `out`."""
    from site_content.conversion import convert_source
    from site_content.markdown_setup import markdown_for

    lang = settings["SITE_LANG"]
    if lang not in _converters:
        _converters[lang] = (markdown_for(settings, with_meta=True),
                             markdown_for(settings, with_meta=False))
    results = []
    for relative in paths:
        raw = (Path(settings["PATH"]) / relative).read_bytes()
        # Keyed by the bytes converted, not those the catalogue read: a file saved again
        # meanwhile is then a cache miss for the run, never someone else's HTML.
        digest = hashlib.sha256(raw).hexdigest()
        results.append((relative, digest,
                        convert_source(*_converters[lang], settings, raw.decode("utf-8-sig"))))
    temporary = out.with_suffix(".tmp")
    with temporary.open("wb") as handle:
        pickle.dump(results, handle, protocol=pickle.HIGHEST_PROTOCOL)
    temporary.replace(out)


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
