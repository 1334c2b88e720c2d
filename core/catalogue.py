"""The catalogue: every source file read once, before any language is rendered.

It holds what spans the whole site — which file is which article in which language, the
translation pairs, the shared reviewers and references, the related-publications lists — so
each per-language Pelican run can link across languages without reading the others' files.
The build driver reads it once and pickles it next to the output; plugins get it back with
`for_run(settings)`, which under plain `pelican` reads it in-process instead.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
import pickle
import re
import time
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pelican.utils import SafeDatetime, get_date, set_date_tzinfo

from core import headers
from core import sources
from core.categories import category_slug
from core.headers import Field
from core.paths import linked_part

PUBLISHED, DRAFT, HIDDEN = "published", "draft", "hidden"
STATUSES = (PUBLISHED, DRAFT, HIDDEN)


@dataclass
class Entry:
    """One Markdown source file (an article or a page) as the build sees it."""

    path: str  # relative to the content folder, POSIX separators
    kind: str  # "article" | "page"
    lang: str
    slug: str
    key: str  # translation key: shared by an article and its translations
    key_explicit: bool
    fields: dict[str, Field]
    body: str
    body_line: int
    title: str = ""
    date: datetime | None = None
    modified: datetime | None = None
    category: str = ""
    tags: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    summary: str = ""
    status: str = PUBLISHED
    reviewed_by: str = ""
    reviewed_on: datetime | None = None
    references: tuple[str, ...] = ()
    related: tuple[str, ...] | None = None
    related_exclude: tuple[str, ...] = ()
    url: str = ""  # site-relative, e.g. "en/articles/night-terrors/"
    digest: str = ""  # sha256 of the file's bytes: what caches of its conversion are keyed by
    stat: tuple[int, int] = (0, 0)  # (size, mtime_ns) when read: a rebuild re-reads on change
    # (field, problem, fix, line or None for the field's own line)
    problems: list[tuple[str, str, str, int | None]] = field(default_factory=list)

    def line_of(self, name: str) -> int:
        """Line of a header field, or 1 when the field is absent."""
        found = self.fields.get(name)
        return found.line if found else 1

    @property
    def listed(self) -> bool:
        return self.status == PUBLISHED


@dataclass
class Catalogue:
    """Everything the build knows about the content before rendering."""

    content_path: Path
    languages: tuple[str, ...]
    default_lang: str
    entries: list[Entry]
    unreadable: list[tuple[str, int, str]]  # (path, line, problem) for undecodable files
    reviewers: dict[str, dict[str, Any]]
    references: dict[str, dict[str, Any]]
    data_problems: list[tuple[str, int, str, str, str]]  # (path, line, field, problem, fix)
    by_lang_slug: dict[tuple[str, str], Entry] = field(default_factory=dict)
    translations: dict[str, dict[str, Entry]] = field(default_factory=dict)
    related: dict[tuple[str, str], tuple] = field(default_factory=dict)
    read_with: tuple[str, ...] = ()  # the _READ_SETTINGS values the entries were read with
    # {lang: [search bundle folder, …]} (sitebuild/search.py), for the search page
    search_bundles: dict[str, list[str]] = field(default_factory=dict)
    # Files under the content folder the build does not read (links, misplaced sources).
    refused: list[sources.Refused] = field(default_factory=list)
    # {path: why}: sources read but not built (Pelican would drop them, or build them twice
    # or over another page); index() decides, the language runs leave them out.
    not_built: dict[str, str] = field(default_factory=dict)
    read_at_ns: int = 0  # when reading began (time.time_ns()): see build()

    def articles(self, lang: str | None = None, *, published_only: bool = True) -> list[Entry]:
        return [
            entry for entry in self.entries
            if entry.kind == "article"
            and (lang is None or entry.lang == lang)
            and (entry.status == PUBLISHED or not published_only)
            and entry.path not in self.not_built
        ]

    def built(self) -> list[Entry]:
        """The entries some language run builds (pages, listings and links are made of these)."""
        return [entry for entry in self.entries if entry.path not in self.not_built]

    def built_in(self, lang: str) -> set[str]:
        """The paths of the sources the `lang` run builds (each source in one language)."""
        return {entry.path for entry in self.entries
                if entry.lang == lang and entry.path not in self.not_built}

    def translation_of(self, entry: Entry, lang: str) -> Entry | None:
        """The entry's counterpart in `lang`, if one is published."""
        other = self.translations.get(entry.key, {}).get(lang)
        if other is None or other is entry or other.status == DRAFT:
            return None
        return other


_PLAIN_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?")


def parse_date(value: str) -> datetime:
    """Pelican's get_date (dateutil), with the forms CONTENT.md documents read directly:
    the same values, a thirtieth of the time (dateutil was a third of reading 10,000 files)."""
    if match := _PLAIN_DATE.fullmatch(value):
        try:
            return SafeDatetime(*(int(part) for part in match.groups(default="0")))
        except ValueError:
            pass  # get_date words the error
    return get_date(value)


def site_date(value: str, timezone: str) -> datetime:
    """A date field as the site reads it: Pelican's get_date, then the site's time zone
    when the value names none (ValueError when it is no date)."""
    return set_date_tzinfo(parse_date(value), timezone)


def _date(entry: Entry, name: str, timezone: str) -> datetime | None:
    raw = entry.fields.get(name)
    if raw is None or not raw.value:
        return None
    try:
        return site_date(raw.value, timezone)
    except (ValueError, OverflowError):
        entry.problems.append(
            (name, f"cannot read the date {raw.value!r}",
             "write it as YYYY-MM-DD or YYYY-MM-DD HH:MM", None)
        )
        return None


def read_entry(path: Path, content_path: Path, settings: dict) -> Entry | tuple[int, str]:
    """Parse one source file; returns (line, problem) when it is not UTF-8."""
    relative = path.relative_to(content_path).as_posix()
    stat = path.stat()  # before reading: a later change shows as a new stat next time
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark (Notepad) is no part of the text
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        return line, f"the file is not UTF-8 (byte {error.start} is {raw[error.start]:#04x})"
    parsed = headers.parse(text)
    digest = hashlib.sha256(raw).hexdigest()
    name = path.name
    stem, _, _ = name.rpartition(".")  # "slug.lang"
    file_slug, _, file_lang = stem.rpartition(".")
    if not file_slug:
        file_slug, file_lang = stem, settings["DEFAULT_LANG"]
    kind = "page" if relative.startswith(tuple(p.rstrip("/") + "/" for p in settings["PAGE_PATHS"])) \
        else "article"
    fields = parsed.fields
    value = lambda name: fields[name].value if name in fields else ""  # noqa: E731
    lang = value("lang") or file_lang
    slug = value("slug") or file_slug
    key = value("translation_key") or file_slug
    entry = Entry(
        path=relative, kind=kind, lang=lang, slug=slug, key=key,
        key_explicit="translation_key" in fields, fields=fields, digest=digest,
        body=parsed.body, body_line=parsed.body_line,
        title=value("title"), category=category_slug(value("category"),
                                                      settings["CATEGORIES"]),
        tags=headers.split_list(value("tags")),
        authors=headers.split_list(value("authors") or value("author")),
        summary=value("summary"), status=(value("status") or PUBLISHED).lower(),
        reviewed_by=value("reviewed_by"),
        references=headers.split_list(value("references")),
        related=headers.split_list(value("related")) if "related" in fields else None,
        related_exclude=headers.split_list(value("related_exclude")),
        stat=(stat.st_size, stat.st_mtime_ns),
    )
    for duplicate in parsed.duplicates:
        entry.problems.append(
            (duplicate.name, f"is given twice (also on line {fields[duplicate.name].line})",
             "keep one of the two lines", duplicate.line)
        )
    entry.problems.extend(parsed.problems)  # YAML front matter that could not be read
    timezone = settings["TIMEZONE"]
    entry.date = _date(entry, "date", timezone)
    entry.modified = _date(entry, "modified", timezone)
    entry.reviewed_on = _date(entry, "reviewed_on", timezone)
    pattern = settings["ARTICLE_URL"] if kind == "article" else settings["PAGE_URL"]
    prefix = "" if lang == settings["DEFAULT_LANG"] else f"{lang}/"
    entry.url = prefix + pattern.format(slug=slug, lang=lang, category=entry.category)
    return entry


_DATA_FILES = {"REVIEWERS_FILE": "data/reviewers.toml", "REFERENCES_FILE": "data/references.toml"}


def _load_toml(content_path: Path, settings: dict, setting: str,
               problems: list[tuple[str, int, str, str, str]]) -> dict[str, dict[str, Any]]:
    """The data file a setting names (relative to the content folder); {} when there is none,
    and when it cannot be read (then with a problem saying why)."""
    relative = settings[setting]
    path = content_path / relative
    if not path.exists() or linked_part(content_path, relative):
        return {}  # a link is refused by name (core/sources.py), never read
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:  # a folder, or a file this user may not read
        problems.append((relative, 1, setting, f"cannot be read: {error.strerror or error}",
                         f"set {setting} in pelicanconf.py to a TOML file under the "
                         f"content folder, e.g. {_DATA_FILES[setting]}"))
        return {}
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        line = getattr(error, "lineno", None) or 1
        problems.append((relative, line, "toml", f"cannot be read: {error}",
                         "fix the TOML syntax (https://toml.io)"))
        return {}


# The settings an Entry is read with: a catalogue is reusable only under the same ones.
# Coarser than any file system's mtime resolution (FAT: 2 s; ext4 and tmpfs: one kernel tick).
_CLOCK_TICK_NS = 2_000_000_000
_READ_SETTINGS = ("PATH", "DEFAULT_LANG", "TIMEZONE", "ARTICLE_PATHS", "PAGE_PATHS",
                  "ARTICLE_URL", "PAGE_URL", "CATEGORIES")


def build(settings: dict, previous: Catalogue | None = None,
          found: sources.Sources | None = None) -> Catalogue:
    """Read every Markdown source under the content folder (`found`: the build's own scan of
    it, made before the language runs start; scanned here when not given).

    With `previous` (the devserver's last catalogue), a file whose size and mtime are those
    it had then is not read again.
    """
    content_path = Path(settings["PATH"])
    read_with = tuple(repr(settings.get(name)) for name in _READ_SETTINGS)
    known = ({entry.path: entry for entry in previous.entries}
             if previous is not None and previous.read_with == read_with else {})
    # A file whose mtime is that of the moment it was read may have been written again in the
    # same tick of the file system's clock, with the same size (`2022` edited to `2025`): a
    # stat that matches then proves nothing, and the file is read again ("racy" as git says).
    racy_from = (previous.read_at_ns if previous is not None else 0) - _CLOCK_TICK_NS
    read_at_ns = time.time_ns()
    entries: list[Entry] = []
    unreadable: list[tuple[str, str]] = []
    found = found if found is not None else sources.scan(settings)
    for relative in found.markdown:
        path = content_path / relative
        old = known.get(relative)
        if old is not None:
            try:
                stat = path.stat()
            except OSError:
                continue  # deleted while we looked
            if old.stat == (stat.st_size, stat.st_mtime_ns) and stat.st_mtime_ns < racy_from:
                entries.append(old)
                continue
        try:
            result = read_entry(path, content_path, settings)
        except FileNotFoundError:
            continue  # deleted since the scan
        if isinstance(result, tuple):
            unreadable.append((relative, *result))
        else:
            entries.append(result)
    data_problems: list[tuple[str, int, str, str, str]] = []
    catalogue = Catalogue(
        content_path=content_path,
        languages=tuple(settings["SITE_LANGUAGES"]),
        default_lang=settings["DEFAULT_LANG"],
        entries=entries,
        unreadable=unreadable,
        reviewers=_load_toml(content_path, settings, "REVIEWERS_FILE", data_problems),
        references=_load_toml(content_path, settings, "REFERENCES_FILE", data_problems),
        data_problems=data_problems,
        read_with=read_with,
        refused=list(found.refused),
        read_at_ns=read_at_ns,
    )
    index(catalogue, reserved_page_slugs(settings))
    return catalogue


def reserved_page_slugs(settings: dict) -> dict[str, str]:
    """{slug: what}: page slugs whose `{slug}/index.html` another page of the site already
    is (the search page, the archives …; an other language's home page)."""
    reserved = {code: f"the home page of the {code} site" for code in settings["SITE_LANGUAGES"]
                if code != settings["DEFAULT_LANG"]}
    for name in settings.get("DIRECT_TEMPLATES", ()):
        save_as = settings.get(f"{name.upper()}_SAVE_AS") or f"{name}.html"
        folder, _, index_file = save_as.rpartition("/")
        if index_file == "index.html" and folder and "/" not in folder:
            reserved.setdefault(folder, f"the {name} page")
    return reserved


def _not_built(catalogue: Catalogue, reserved: dict[str, str]) -> dict[str, str]:
    """{path: why} for the sources no language run builds: those Pelican would drop (no
    title, no readable date, unknown status), those it would build in no language or over
    another page. Where files share a slug, the one named for it keeps it (a copy whose `slug:`
    repeats the original's does not displace it), then the first in path order; checks name
    both."""
    why: dict[str, str] = {}
    first: dict[tuple, Entry] = {}
    for entry in sorted(catalogue.entries, key=lambda entry: "slug" in entry.fields):
        if not entry.title:
            why[entry.path] = "it has no title"
        elif entry.kind == "article" and "date" not in entry.fields:
            why[entry.path] = "it has no date"
        elif ("date" in entry.fields and entry.date is None) or \
                ("modified" in entry.fields and entry.modified is None):
            why[entry.path] = "a date of it cannot be read"
        elif escapes_site(entry):
            why[entry.path] = "its `save_as:` or `url:` points outside the site"
        elif entry.status not in STATUSES:
            why[entry.path] = f"its status {entry.status!r} is unknown"
        elif entry.lang not in catalogue.languages:
            why[entry.path] = f"its language {entry.lang!r} is not one of the site's"
        elif len(file_languages(entry.path)) > 1:
            why[entry.path] = "its name gives more than one language"
        elif (named := file_language(entry.path)) and named != entry.lang:
            why[entry.path] = f"its `lang: {entry.lang}` contradicts its name (.{named}.md)"
        elif entry.kind == "page" and entry.slug in reserved and (
                entry.slug not in catalogue.languages or entry.lang == catalogue.default_lang):
            why[entry.path] = f"its URL would be that of {reserved[entry.slug]}"
        else:
            # Drafts have URLs of their own; hidden articles share the published ones'.
            slot = (entry.kind, entry.lang, entry.slug, entry.status == DRAFT)
            kept = first.setdefault(slot, entry)
            if kept is not entry:
                why[entry.path] = f"{kept.path} has the same slug and is built instead"
    return why


def escapes_site(entry: Entry) -> bool:
    """Whether a `save_as:` or `url:` of the entry leads outside the output folder."""
    for name in ("save_as", "url"):
        value = entry.fields[name].value if name in entry.fields else ""
        if value.startswith(("/", "\\")) or ".." in value.replace("\\", "/").split("/"):
            return True
    return False


def file_languages(path: str) -> list[str]:
    """The parts of a source's name between its stem and `.md` (`two.uk.en.md`: uk, en)."""
    return path.rpartition("/")[2].split(".")[1:-1]


def file_language(path: str) -> str | None:
    """The language a source's name gives (`night-terrors.en.md`), None when it gives none."""
    parts = path.rpartition("/")[2].split(".")
    return parts[1] if len(parts) == 3 else None


def index(catalogue: Catalogue, reserved: dict[str, str] | None = None) -> None:
    """Fill the lookup tables; the first file wins where slugs collide (checks report it).
    With `reserved` (reserved_page_slugs), decide first which sources are not built."""
    catalogue.by_lang_slug.clear()
    catalogue.translations.clear()
    if reserved is not None:
        catalogue.not_built = _not_built(catalogue, reserved)
    groups: dict[str, dict[str, Entry]] = defaultdict(dict)
    for entry in catalogue.entries:
        if entry.status == DRAFT or entry.path in catalogue.not_built:
            continue
        catalogue.by_lang_slug.setdefault((entry.lang, entry.slug), entry)
        groups[entry.key].setdefault(entry.lang, entry)
    catalogue.translations.update(groups)


def save(catalogue: Catalogue, path: Path, bodies_of: str | None = None) -> None:
    """Write atomically; with `bodies_of`, other languages' entries go without their text
    (a language run links to them but never reads them)."""
    if bodies_of is not None:
        catalogue = dataclasses.replace(catalogue, entries=[
            entry if entry.lang == bodies_of else dataclasses.replace(entry, body="")
            for entry in catalogue.entries], by_lang_slug={}, translations={})
        index(catalogue)
    temporary = path.with_suffix(".tmp")
    with temporary.open("wb") as handle:
        _Pickler(handle, _inherited).dump(catalogue)
    temporary.replace(path)


# The catalogue the build's worker processes inherited when they were forked: the devserver's
# previous one (`inherit`). A run's catalogue names the entries it shares with that one (the
# files not edited since) by their place in it, and the run takes them from its own copy:
# at 1,000 articles the catalogue pickled in full was 14.6 MB, which the parent wrote and
# the run read again before it could read its first article (~0.1-0.2 s of a rebuild).
# Entries are never changed once read (`read_entry` makes them; a rebuild makes new ones
# for the files it reads again), so the copy a worker inherited is the parent's.
_inherited: Catalogue | None = None


def inherit(previous: Catalogue | None) -> None:
    """Before a build forks its workers: the catalogue they will hold (None: none)."""
    global _inherited
    _inherited = previous


def _stamp(catalogue: Catalogue) -> tuple[int, int]:
    return catalogue.read_at_ns, len(catalogue.entries)


class _Pickler(pickle.Pickler):
    def __init__(self, handle, inherited: Catalogue | None) -> None:
        super().__init__(handle, protocol=pickle.HIGHEST_PROTOCOL)
        self.inherited = inherited
        self.places = ({id(entry): place for place, entry in enumerate(inherited.entries)}
                       if inherited is not None else {})

    def persistent_id(self, obj):
        if type(obj) is Entry and (place := self.places.get(id(obj))) is not None \
                and self.inherited.entries[place] is obj:
            return ("entry", _stamp(self.inherited), place)
        return None


class _Unpickler(pickle.Unpickler):
    def persistent_load(self, pid):
        _, stamp, place = pid
        if _inherited is None or _stamp(_inherited) != stamp:
            raise RuntimeError("the catalogue names entries of one this process does not "
                               "hold: it was pickled for the workers of another build")
        return _inherited.entries[place]


def save_related(lists: dict, path: Path) -> None:
    """The related index, written once the parent has computed it (atomically)."""
    temporary = path.with_suffix(".tmp")
    with temporary.open("wb") as handle:
        pickle.dump(lists, handle, protocol=pickle.HIGHEST_PROTOCOL)
    temporary.replace(path)


@functools.lru_cache(maxsize=4)
def _load_pickle(path: str, what: str):
    """What the driver pickled for its runs: written before any run starts (engine/)."""
    try:
        with open(path, "rb") as handle:
            return _Unpickler(handle).load()
    except FileNotFoundError:
        raise RuntimeError(f"{what} is not at {path}: the build was abandoned, or this run "
                           "was started before the driver wrote it") from None


# A run of the build engine may start before the related index is written: it needs it only
# once every article is read. In its worker processes the engine sets this to what blocks
# until the index is written, or the build abandoned (sitebuild/engine/runs.py).
related_gate = None


def related_for_run(settings: dict) -> dict | None:
    """(lang, slug) -> related matches of the build this Pelican run belongs to; None under
    plain `pelican` (the related_publications plugin then computes them itself)."""
    path = settings.get("SITE_RELATED_PATH")
    if path:
        if related_gate is not None:
            related_gate()
        return _load_pickle(path, "the related index")
    return for_run(settings).related if settings.get("SITE_CATALOGUE_PATH") else None


def for_run(settings: dict) -> Catalogue:
    """The catalogue of the build this Pelican run belongs to.

    Under the build driver (`SITE_CATALOGUE_PATH` set), the one it pickled before the run
    started. Under plain `pelican content -s pelicanconf.py`, read here from the run's
    settings, once per run (forget_in_process drops it when the run is over)."""
    path = settings.get("SITE_CATALOGUE_PATH")
    if path:
        return _load_pickle(path, "the catalogue")
    return _read_in_process(_RunSettings(settings))


class _RunSettings:
    """A Pelican run's settings, equal to another's when the catalogue read under them is
    the same: the memo key of _read_in_process."""

    def __init__(self, settings: dict) -> None:
        self.settings = settings
        self.key = repr([(name, settings.get(name)) for name in sorted(settings)
                         if name in _IN_PROCESS_SETTINGS or name.endswith("_SAVE_AS")])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _RunSettings) and other.key == self.key

    def __hash__(self) -> int:
        return hash(self.key)


# What a catalogue read in-process depends on: the reading (_READ_SETTINGS), the walk of the
# content folder (sources.scan), the data files and the reserved slugs.
_IN_PROCESS_SETTINGS = frozenset((*_READ_SETTINGS, "SITE_LANGUAGES", "DIRECT_TEMPLATES",
                                  "STATIC_PATHS", "REVIEWERS_FILE", "REFERENCES_FILE"))


@functools.lru_cache(maxsize=1)
def _read_in_process(run: _RunSettings) -> Catalogue:
    return build(run.settings)


def forget_in_process() -> None:
    """Drop the catalogue read under plain `pelican` (`pelican --autoreload` runs again in the
    same process, after the content changed)."""
    _read_in_process.cache_clear()
