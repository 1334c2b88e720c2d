"""What a build may reuse from the output it replaces, recorded only once that output is in
place.

Three levels, from coarse to fine:
- a whole language run, when nothing it reads changed (its sources, every source's header,
  its related lists, the code, the settings, the date, the digests sent): the files it wrote
  last time are linked instead of running Pelican at all;
- single pages (writer.py), by fingerprint;
- search bundles (sitebuild/search.py), by the files they index.

`<CACHE_PATH>/pages/` holds one page map per language, `runs.pickle` (each language run's
key and the files it wrote), `search.json` and `output.json`, naming the output folder they
all describe by its inode. A build reuses from output/ only when output/ is still that very
folder; after anything else (a failed build, a `make clean`, an output copied in by hand) the
stamp does not match and everything is rendered.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
from importlib.metadata import version
from pathlib import Path

STAMP = "output.json"
SEARCH = "search.json"
RUNS = "runs.pickle"
RUNS_FORMAT = 1
# Libraries whose version shows in the output.
RENDERING_PACKAGES = ("pelican", "jinja2", "markdown", "babel", "markupsafe", "nh3", "feedgen")


class Reuse:
    def __init__(self, cache_root: Path, target: Path, work: Path) -> None:
        self.folder = cache_root / "pages"
        self.target = target
        self.work = work
        self.usable = _identity(target) is not None and _read_json(self.folder / STAMP) == {
            "output": str(target), **_identity(target)}
        self.previous_output = target if self.usable else None
        # {bundle folder: key of the files it indexed}: the replaced output's, and this build's.
        self.search_previous = (_read_json(self.folder / SEARCH) or {}) if self.usable else {}
        self.search_record: dict[str, str] = {}
        # {lang: RunRecord as a dict}: the replaced output's runs, and this build's.
        self.runs_previous = _read_runs(self.folder / RUNS) if self.usable else {}
        self.runs_record: dict[str, dict] = {}
        self.skipped: set[str] = set()

    # --- Pages (writer.py) -----------------------------------------------------------------

    def settings_for(self, lang: str) -> dict:
        """The run's SITE_RENDER_CACHE: where to reuse from (when valid) and write to."""
        options = {"map_out": str(self.new_map(lang))}
        if self.usable:
            options.update(previous_output=str(self.target),
                           previous_map=str(self.folder / f"{lang}.pickle"))
        return options

    def new_map(self, lang: str) -> Path:
        return self.work / f"pages-{lang}.pickle"

    # --- Whole language runs --------------------------------------------------------------

    def may_skip(self, lang: str, key: str) -> bool:
        """Everything the run reads but its related lists is as last time."""
        return self.runs_previous.get(lang, {}).get("key") == key

    def link_previous_run(self, lang: str, key: str, related: str, destination: Path) -> bool:
        """Link the files the run wrote last time into `destination`, if its related lists
        are unchanged too and those files are still the ones it wrote; True when done."""
        previous = self.runs_previous.get(lang)
        if not previous or (previous["key"], previous["related"]) != (key, related):
            return False
        if not link_unchanged(previous["files"], self.target, destination):
            return False
        self.skipped.add(lang)
        self.runs_record[lang] = previous
        return True

    def previous_warnings(self, lang: str) -> list[str]:
        return list(self.runs_previous.get(lang, {}).get("warnings", []))

    def record_run(self, lang: str, key: str, related: str, site_dir: Path,
                   files: list[str], warnings: list[str]) -> None:
        """What a run wrote (relative to the site), for the next build to link."""
        stats = []
        root = str(site_dir)
        for relative in files:
            stat = os.stat(os.path.join(root, relative))  # not a Path per file: the
            stats.append((relative, stat.st_size, stat.st_mtime_ns))  # rebuild waits
        self.runs_record[lang] = {"key": key, "related": related, "files": stats,
                                  "warnings": list(warnings)}

    # --- After the swap -------------------------------------------------------------------

    def commit(self, languages) -> None:
        """The new records now describe output/."""
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / STAMP).unlink(missing_ok=True)  # invalid until every record is in place
        for lang in languages:
            old = self.folder / f"{lang}.pickle"
            if self.new_map(lang).exists():
                shutil.move(self.new_map(lang), old)
            elif lang not in self.skipped:  # a skipped run's pages are last time's: keep it
                old.unlink(missing_ok=True)
        _write(self.folder / RUNS, pickle.dumps({"format": RUNS_FORMAT,
                                                 "runs": self.runs_record}))
        self.save_search()
        stamp = {"output": str(self.target), **_identity(self.target)}
        _write(self.folder / STAMP, json.dumps(stamp).encode())

    def search_records(self):
        """What search indexing may reuse from the output being replaced, and this build's
        record of what it indexed (engine/indexing.py)."""
        from sitebuild.engine.indexing import SearchRecords

        return SearchRecords(self.previous_output, self.search_previous, self.search_record)

    def save_search(self) -> None:
        """Also after bundles were indexed into output/ in place (the devserver)."""
        _write(self.folder / SEARCH, json.dumps(self.search_record, sort_keys=True).encode())


# --- Keys -----------------------------------------------------------------------------------

def run_key(settings: dict, site, lang: str, code: bytes) -> str | None:
    """What a language run reads, its related lists apart (those come later): the code and
    settings, its own sources, every source's header (translation links, language switches),
    the build's date (review status) and the digests sent so far (digest feed, web versions);
    `code` is code_fingerprint(settings). None when a setting has no stable written form
    (the run then always runs)."""
    from sitebuild.engine.fingerprint import Encoder, Unstable, context_digest, new_hash

    encoder = Encoder((), str, ())
    try:
        return _run_key(encoder, settings, site, lang, code, context_digest, new_hash)
    except Unstable:
        return None


def _run_key(encoder, settings: dict, site, lang: str, code: bytes, context_digest,
             new_hash) -> str:
    digest = new_hash()
    digest.update(code)  # code_fingerprint(settings), computed once for every language
    digest.update(context_digest(encoder, settings))
    encoder.update(digest, settings["SITE_BUILD_DATE"])  # review status (pages leave it out)
    digest.update(headers_digest(encoder, site.entries))
    for entry in site.entries:
        if entry.lang == lang:
            digest.update(f"{entry.path}\0{entry.digest}\0".encode())
    encoder.update(digest, _sent_digests(settings, lang))
    return digest.hexdigest()


def related_key(site, lang: str) -> str:
    from sitebuild.engine.fingerprint import Encoder

    encoder = Encoder((), str, ())
    lists = {slug: matches for (match_lang, slug), matches in site.related.items()
             if match_lang == lang}
    return encoder.digest_of(lists).hex()


def code_fingerprint(settings: dict) -> bytes:
    """The theme, the plugins, the build driver, the non-Markdown content files and the
    versions of the libraries that render: a change to any re-renders every page."""
    import core
    import sitebuild
    from sitebuild.engine.fingerprint import files_digest

    parts: list[tuple[str, bytes]] = [(name, version(name).encode())
                                      for name in RENDERING_PACKAGES]
    code_roots = [Path(settings["THEME"]), *map(Path, settings.get("PLUGIN_PATHS", [])),
                  Path(sitebuild.__file__).parent, Path(core.__file__).parent]
    for root in code_roots:
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                parts.append((path.as_posix(), path.read_bytes()))
    for directory, folders, files in os.walk(settings["PATH"]):
        folders.sort()
        for file in sorted(files):
            if file.endswith(".md"):
                continue  # sources: fingerprinted one by one
            path = os.path.join(directory, file)
            stat = os.stat(path, follow_symlinks=False)  # links are refused, never read
            parts.append((path, b"%d:%d" % (stat.st_size, stat.st_mtime_ns)))
    return files_digest(parts)


def headers_digest(encoder, entries) -> bytes:
    """Every source's header, in every language."""
    from sitebuild.engine.fingerprint import new_hash

    digest = new_hash()
    for entry in entries:
        encoder.update(digest, [entry.path, entry.kind, entry.lang, entry.slug, entry.key,
                                entry.url, entry.status,
                                {name: found.value for name, found in entry.fields.items()}])
    return digest.digest()


def _sent_digests(settings: dict, lang: str) -> list:
    """The digests the feeds and the newsletter pages show: in the newsletter's ledger, and
    only once their scheduled time has come (so time alone can change them)."""
    from core.state import state_dir
    from newsletter.digest.archive import sent_digests

    # The newsletter's folder, and the folder each reading plugin may be pointed at instead.
    folders = {str(state_dir(settings)),
               (settings.get("FEEDS") or {}).get("digest_state_dir"),
               (settings.get("NEWSLETTER_MANIFEST") or {}).get("state_dir")}
    found = []
    for folder in sorted(filter(None, folders)):
        for sent in sent_digests(Path(folder), lang):
            found.append([folder, sent.key, sent.sent_at, sent.subject, sent.web_path,
                          sent.html])
    return found


# --- Files ----------------------------------------------------------------------------------

def link_unchanged(files, previous_output: Path, destination: Path) -> bool:
    """Link `files` ((relative, size, mtime_ns), as recorded when they were written) from the
    previous output into `destination`, if every one is still as it was written; False (and
    nothing linked) when one changed since (by hand?) or is gone: it is written again."""
    for relative, size, mtime_ns in files:
        try:
            stat = (previous_output / relative).stat()
        except OSError:
            return False
        if (stat.st_size, stat.st_mtime_ns) != (size, mtime_ns):
            return False
    for relative, _, _ in files:
        target = destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():  # a file shared by the languages may be there already
            continue
        try:
            os.link(previous_output / relative, target)
        except OSError:  # another file system, or one without hard links
            shutil.copy2(previous_output / relative, target)
    return True


def _identity(path: Path) -> dict | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return {"device": stat.st_dev, "inode": stat.st_ino}


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _read_runs(path: Path) -> dict:
    try:
        with path.open("rb") as handle:
            data = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, AttributeError):
        return {}
    return data.get("runs", {}) if data.get("format") == RUNS_FORMAT else {}


def _write(path: Path, data: bytes) -> None:
    """Atomically, under a name of this process's (another build may share the cache)."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    temporary.replace(path)
