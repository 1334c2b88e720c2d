"""One language run's page writing spread over processes.

Pelican reads a language's sources and builds its context in one process; what follows —
rendering every article, page, tag, category and index page — is most of a run and needs
nothing but that context. So once the context is complete (Pelican asks for its writer), the
run forks `shards - 1` children. Every process writes the articles' and pages' output names
whose hash falls in its shard (writer.shard_of); the children then hand back what they wrote
(the render cache's map, their warnings) through a pipe and exit, while shard 0, the run's
own process, goes on to write everything that is not sharded (theme files, static files,
the plugins' files) and to finish the run. The feeds (written when the articles are:
article_writer_finalized) are the last shard's, written while shard 0 writes the rest and
saves the Markdown cache, instead of after its articles. Forked children share the
context's memory with the run.

Each process tells the build's parent when its share of the articles' and pages' writes is
done (`tell_written`): the search bundles whose pages are all in that share (the engine gives
each shard whole bundles where it can, SITE_SHARD_OF) are indexed from then on, while the
other shards and the rest of the run go on.
"""

from __future__ import annotations

import gc
import logging
import os
import pickle
import traceback
from dataclasses import dataclass, field

from pelican import signals
from pelican.generators import ArticlesGenerator, PagesGenerator

from sitebuild import pelican_log
from sitebuild.engine.writer import PageWriter, RunFingerprint

logger = logging.getLogger(__name__)
# The writers' generators: their writes are sharded. Their end-of-output signals are for
# one process only: the articles' (feeds are written on it) for the last shard, the others
# for shard 0.
SHARDED_GENERATORS = (ArticlesGenerator, PagesGenerator)
LAST_SHARD_SIGNALS = (signals.article_writer_finalized,)
SHARD_0_SIGNALS = (signals.page_writer_finalized, signals.content_written,
                   signals.feed_written, signals.feed_generated)
# Templates the sharded generators render: loaded before the fork, so that no child
# compiles them again.
TEMPLATES = ("article", "page", "index", "tag", "tags", "category", "categories", "author",
             "authors", "archives", "period_archives")
# In a build's worker (runs._worker_started): the write end of the pipe the parent reads
# to learn which shards have written their pages (runs.Workers.watch_written).
written_pipe: int | None = None


def tell_written(lang: str, shard: int) -> None:
    """Shard `shard` of the `lang` run has written every article and page of its share."""
    if written_pipe is None:
        return
    try:  # one write of a short line: never mixed with another's
        os.write(written_pipe, f"{lang} {shard}\n".encode())
    except OSError:  # nobody reads (the build is ending): its bundles wait for the run's end
        pass


class ShardFailed(RuntimeError):
    """A shard's process failed; the message carries its traceback."""


@dataclass
class Shards:
    """Installed for one Pelican run (`with Shards(settings, held, collector):`)."""

    count: int
    held: pelican_log.Held
    collector: object  # the run's warning collector (build log lines of other loggers)
    generators: list = field(default_factory=list)
    children: list[tuple[int, int]] = field(default_factory=list)  # (pid, read end)
    writer: PageWriter | None = None
    prepared: RunFingerprint | None = None  # the run's fingerprint, when the shards fork
    # LAST_SHARD_SIGNALS' receivers, taken from shard 0 while its children run them
    handed_over: list[tuple] = field(default_factory=list)

    def __enter__(self) -> Shards:
        signals.all_generators_finalized.connect(self._generators)
        signals.get_writer.connect(self._writer_class)
        signals.page_writer_finalized.connect(self._unshard)
        return self

    def __exit__(self, *exc) -> None:
        signals.all_generators_finalized.disconnect(self._generators)
        signals.get_writer.disconnect(self._writer_class)
        signals.page_writer_finalized.disconnect(self._unshard)
        for signal, receiver in self.handed_over:  # the worker's next run has them again
            signal.connect(receiver)
        self.handed_over = []
        if exc[0] is not None:
            self._reap(raise_errors=False)

    # --- signals --------------------------------------------------------------------------

    def _generators(self, generators) -> None:
        self.generators = list(generators)

    def _writer_class(self, pelican) -> type:
        count = self.count if any(isinstance(g, SHARDED_GENERATORS)
                                  for g in self.generators) else 1
        if pelican.settings.get("SITE_SEARCH_FORMS"):
            from sitebuild import wordforms

            wordforms.shared_keys()  # loaded once, before the fork: the shards share it
        if count > 1:
            for generator in self.generators:
                if isinstance(generator, SHARDED_GENERATORS):
                    for name in TEMPLATES:
                        try:
                            generator.get_template(name)
                        except Exception:  # noqa: BLE001 - a theme need not have them all
                            pass
            # Hashed once here rather than by every shard after the fork.
            self.prepared = PageWriter.prepare(pelican.settings, self.generators[0].context)
            for shard in range(1, count):
                self._fork(pelican, shard, count)
            self.handed_over = _disconnect(LAST_SHARD_SIGNALS)  # the last shard has them
        owner = self

        class RunWriter(PageWriter):  # shard 0: the run's own process
            shard, shards, prepared = 0, count, owner.prepared

            def __init__(self, *args, **kwargs) -> None:
                super().__init__(*args, **kwargs)
                owner.writer = self

        return RunWriter

    def _unshard(self, generator, writer) -> None:
        """page_writer_finalized: the articles' and pages' writes are over; whatever the run
        writes after them (the theme's files, its own generators') shard 0 writes whole."""
        if isinstance(writer, PageWriter):
            writer.sharded = False
        tell_written(generator.settings["SITE_LANG"], 0)

    # --- the children ---------------------------------------------------------------------

    def _fork(self, pelican, shard: int, shards: int) -> None:
        read, write = os.pipe()
        pid = os.fork()
        if pid:
            os.close(write)
            self.children.append((pid, read))
            return
        os.close(read)
        # What the child inherited (the run's context) lives until it exits: its collections
        # need not go through it, nor copy its memory by marking it (as the workers do).
        gc.freeze()
        payload: dict = {}
        try:
            _disconnect(SHARD_0_SIGNALS if shard == shards - 1
                        else SHARD_0_SIGNALS + LAST_SHARD_SIGNALS)
            held_before = len(self.held.records)
            collected_before = len(self.collector.messages)
            writer_class = type("ShardWriter", (PageWriter,), {"shard": shard, "shards": shards,
                                                               "prepared": self.prepared})
            writer = writer_class(pelican.output_path, settings=pelican.settings)
            for generator in self.generators:
                if isinstance(generator, SHARDED_GENERATORS):
                    generator.generate_output(writer)
            tell_written(pelican.settings["SITE_LANG"], shard)
            payload = {"writer": writer.result(),
                       "held": [pelican_log.portable(record)
                                for record in self.held.records[held_before:]],
                       "collected": self.collector.messages[collected_before:]}
        except BaseException:  # noqa: BLE001 - handed to shard 0, which raises it
            payload = {"error": traceback.format_exc()}
        finally:
            try:
                with os.fdopen(write, "wb") as pipe:
                    pickle.dump(payload, pipe, protocol=pickle.HIGHEST_PROTOCOL)
            finally:
                os._exit(0)  # never return into Pelican's run or the worker pool

    def join(self) -> None:
        """Wait for the children; take in what they wrote. Raises ShardFailed."""
        self._reap(raise_errors=True)

    def _reap(self, raise_errors: bool) -> None:
        errors = []
        for pid, read in self.children:
            with os.fdopen(read, "rb") as pipe:
                data = pipe.read()
            os.waitpid(pid, 0)
            try:
                payload = pickle.loads(data) if data else {"error": "the shard died"}
            except Exception:  # noqa: BLE001
                payload = {"error": "the shard's report could not be read"}
            if "error" in payload:
                errors.append(payload["error"])
                continue
            if self.writer is not None:
                self.writer.absorb(payload["writer"])
            self.held.records.extend(payload["held"])
            self.collector.messages.extend(payload["collected"])
        self.children = []
        if errors and raise_errors:
            raise ShardFailed("a page-writing shard failed:\n" + "\n".join(errors))


def _disconnect(signals_: tuple) -> list[tuple]:
    """Disconnect every receiver of `signals_`; returns (signal, receiver) of each."""
    taken = []
    for signal in signals_:
        for receiver in list(signal.receivers_for(signal.ANY)):
            signal.disconnect(receiver)
            taken.append((signal, receiver))
    return taken
