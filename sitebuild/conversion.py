"""Markdown conversion of every source, once, on every core, cached between builds.

Markdown is most of a Pelican build. Pelican converts file after file inside each run; here
the parent converts all files of all languages in a process pool (with each language's own
converter: quotes, callout title) while it runs the content checks, and hands each language
run its results, which the site reader uses instead of converting again. Results are cached
by file content and by a fingerprint of everything that shapes the HTML (settings, plugin
code, data files), so a rebuild after editing one article converts one article.
`--serial` skips all of this; the output is byte-identical either way (tested).
"""

from __future__ import annotations

import functools
import hashlib
import multiprocessing
import pickle
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

from site_content.conversion import Converted, convert_source
from site_content.markdown_setup import markdown_for

from sitebuild.catalogue import Catalogue

CHUNK = 32


def fingerprint(settings: dict) -> str:
    """Changes whenever something other than the source file could change the HTML."""
    digest = hashlib.sha256()
    for name in ("MARKDOWN", "CLINIC_COMMENT_TITLE", "IFRAME_HOSTS", "FORMATTED_FIELDS",
                 "SITE_LANG", "REVIEWERS_FILE", "REFERENCES_FILE", "MEDICAL"):
        digest.update(repr(settings.get(name)).encode())
    roots = [Path(p) for p in settings.get("PLUGIN_PATHS", [])] + [Path(__file__).parent]
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            digest.update(path.as_posix().encode() + path.read_bytes())
    for path in sorted((Path(settings["PATH"]) / "data").glob("*")):
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


@functools.lru_cache(maxsize=8)
def _converter(settings_pickle: bytes):
    """One converter pair per language and worker process (building one is expensive)."""
    settings = pickle.loads(settings_pickle)
    return (markdown_for(settings, with_meta=True), markdown_for(settings, with_meta=False),
            settings)


def _convert_chunk(settings_pickle: bytes, paths: list[str]) -> list[tuple[str, Converted]]:
    """Runs in a worker: reads and converts its share of the files."""
    body_md, field_md, settings = _converter(settings_pickle)
    root = Path(settings["PATH"])
    return [(path, convert_source(body_md, field_md, settings,
                                  (root / path).read_text(encoding="utf-8")))
            for path in paths]


class ConversionCache:
    """Per-language pickles of {relative path: (source sha256, Converted)} under .cache/."""

    def __init__(self, root: Path, lang: str, stamp: str) -> None:
        self.path = root / f"markdown-{lang}.pickle"
        self.stamp = stamp
        self.entries: dict[str, tuple[str, Converted]] = {}
        if self.path.exists():
            try:
                with self.path.open("rb") as handle:
                    stamp_found, entries = pickle.load(handle)
                if stamp_found == stamp:
                    self.entries = entries
            except (pickle.UnpicklingError, EOFError, ValueError):
                self.entries = {}

    def save(self, entries: dict[str, tuple[str, Converted]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        with temporary.open("wb") as handle:
            pickle.dump((self.stamp, entries), handle, protocol=pickle.HIGHEST_PROTOCOL)
        temporary.replace(self.path)


class ConversionJob:
    """Conversion started in the background; `results(lang)` waits for one language."""

    def __init__(self, site: Catalogue, run_settings: dict[str, dict], *, workers: int,
                 cache_root: Path | None) -> None:
        self._pending: dict[str, list[Future]] = {}
        self._known: dict[str, dict[str, tuple[str, Converted]]] = {}
        self._caches: dict[str, ConversionCache] = {}
        self._sources: dict[str, dict[str, str]] = {}
        context = multiprocessing.get_context("fork")
        self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
        for lang, settings in run_settings.items():
            hashes = {e.path: e.digest for e in site.entries if e.lang == lang}
            self._sources[lang] = hashes
            known: dict[str, tuple[str, Converted]] = {}
            if cache_root is not None:
                cache = ConversionCache(cache_root, lang, fingerprint(settings))
                self._caches[lang] = cache
                known = {path: hit for path, hit in cache.entries.items()
                         if hashes.get(path) == hit[0]}
            self._known[lang] = known
            todo = [path for path in sorted(hashes) if path not in known]
            blob = pickle.dumps(_picklable(settings))
            self._pending[lang] = [
                self._pool.submit(_convert_chunk, blob, todo[i:i + CHUNK])
                for i in range(0, len(todo), CHUNK)
            ]

    def save_results(self, lang: str, path: Path) -> None:
        """Wait for one language and write its results where its Pelican run reads them."""
        with path.open("wb") as handle:
            pickle.dump(self.results(lang), handle, protocol=pickle.HIGHEST_PROTOCOL)

    def results(self, lang: str) -> dict[str, Converted]:
        known = self._known[lang]
        for future in self._pending.pop(lang, []):
            for path, converted in future.result():
                known[path] = (self._sources[lang][path], converted)
        if lang in self._caches:
            self._caches[lang].save(known)
        return {path: converted for path, (_, converted) in known.items()}

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _picklable(settings: dict) -> dict:
    """Settings without values that cannot cross a process boundary (none are used here)."""
    clean = {}
    for key, value in settings.items():
        try:
            pickle.dumps(value)
        except Exception:  # noqa: BLE001 (functions, modules: not needed for conversion)
            continue
        clean[key] = value
    return clean
