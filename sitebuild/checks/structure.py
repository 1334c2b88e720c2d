"""Checks of the content model: fields, categories, slugs, translations, links, images."""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import PurePosixPath
from urllib.parse import unquote, urlparse

from core.catalogue import (DRAFT, STATUSES, Catalogue, Entry, escapes_site,
                                 file_language, file_languages)
from core.findings import Finding
from core.sources import expected_names

# Every field an editor may write (CONTENT.md documents them), plus Pelican's own.
KNOWN_FIELDS = frozenset({
    "title", "date", "modified", "category", "tags", "authors", "author", "summary", "slug",
    "lang", "translation_key", "status", "reviewed_by", "reviewed_on", "references", "image",
    "image_alt", "related", "related_exclude", "menu", "order", "template", "save_as", "url",
    "description", "toc", "old_urls", "import_hash",
})

_INTRASITE = re.compile(r"\{(?P<what>filename|static|attach)\}(?P<target>[^)\s\"'>]+)")
_MD_IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\((?P<src>[^)\s]+)")
_HTML_IMG = re.compile(r"<img\b(?P<attrs>[^>]*)>", re.IGNORECASE)
_ALT_ATTR = re.compile(r"""\balt\s*=\s*(["'])(?P<alt>.*?)\1""", re.IGNORECASE | re.DOTALL)


def _nearest(value: str, choices) -> str:
    match = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.5)
    return f" (did you mean {match[0]!r}?)" if match else ""


def _finding(entry: Entry, name: str, problem: str, fix: str, line: int | None = None) -> Finding:
    return Finding(entry.path, line or entry.line_of(name), name, problem, fix)


def check(catalogue: Catalogue, settings: dict) -> Iterator[Finding]:
    for refused in catalogue.refused:
        yield Finding(refused.path, 1, refused.field, refused.problem, refused.fix)
    for path, line, problem in catalogue.unreadable:
        yield Finding(path, line, "encoding", problem,
                      "re-save it as UTF-8 (in most editors: Save with encoding > UTF-8)")
    for path, line, name, problem, fix in catalogue.data_problems:
        yield Finding(path, line, name, problem, fix)
    by_path = {entry.path: entry for entry in catalogue.entries}
    for entry in catalogue.entries:
        yield from _fields(entry, catalogue, settings)
        yield from _language(entry, catalogue, settings)
        yield from _body(entry, catalogue, by_path)
    yield from _duplicate_slugs(catalogue)
    yield from _translations(catalogue)


def _header_below_blank_lines(entry: Entry) -> int | None:
    """The line of a header that starts below blank lines (so it is read as text), or None."""
    if entry.fields or entry.body_line < 2 or not re.match(r"[ ]{0,3}[A-Za-z0-9_-]+:",
                                                          entry.body):
        return None
    return entry.body_line


def _fields(entry: Entry, catalogue: Catalogue, settings: dict) -> Iterator[Finding]:
    if (line := _header_below_blank_lines(entry)) is not None:
        # One mistake, one message: not "title, date and category are missing".
        yield _finding(entry, "header", f"starts on line {line}, below a blank line, so it "
                       "is read as text and the file has no title, date or category",
                       "remove the blank line(s) above it: the header starts on line 1",
                       line=line)
        return
    # `category : ptsd` (a space before the colon) is no field line: the header ends above
    # it and the rest is published as text. Said once; what it cut off is not "missing".
    cut = re.match(r"[ ]{0,3}([A-Za-z0-9_-]+)\s+:\s*(.*)", entry.body) if entry.fields else None
    if cut:
        yield _finding(entry, "header", f"line {entry.body_line} `{cut[0].strip()}` is not a "
                       "`name: value` line (a space before the colon), so the header ends "
                       "above it and the lines from there on are published as text",
                       f"write `{cut[1]}: {cut[2].strip()}`", line=entry.body_line)
    for name, problem, fix, line in entry.problems:
        yield _finding(entry, name, problem, fix, line=line)
    for name, found in entry.fields.items():
        if name not in KNOWN_FIELDS:
            yield _finding(entry, name, "is not a known field" + _nearest(name, KNOWN_FIELDS),
                           "rename it or remove it (fields are listed in CONTENT.md)")
    if not entry.title and not cut:
        yield _finding(entry, "title", "is missing", "add a line `title: ...` to the header")
    if entry.lang not in catalogue.languages:
        yield _finding(entry, "lang", f"unknown language {entry.lang!r}",
                       f"name the file <slug>.<lang>.md with lang one of "
                       f"{', '.join(catalogue.languages)}")
    if entry.status not in STATUSES:
        yield _finding(entry, "status", f"unknown status {entry.status!r}"
                       + _nearest(entry.status, STATUSES),
                       f"use one of {', '.join(STATUSES)}")
    if entry.kind == "article":
        if "date" not in entry.fields and not cut:
            yield _finding(entry, "date", "is missing",
                           "add a line `date: YYYY-MM-DD` (first publication)")
        categories = settings["CATEGORIES"]
        if not entry.category:
            if not cut:
                yield _finding(entry, "category", "is missing",
                               f"add `category: <slug>` with one of: {', '.join(categories)}")
        elif entry.category not in categories:
            # Names as the site shows them are read as their slugs (core.categories); a
            # near miss of a name or a slug is answered with the slug.
            names = {name.casefold(): slug for slug, by_lang in categories.items()
                     for name in [slug, *by_lang.values()]}
            match = difflib.get_close_matches(entry.category.casefold(), list(names), n=1,
                                              cutoff=0.5)
            hint = f" (did you mean {names[match[0]]!r}?)" if match else ""
            yield _finding(entry, "category", f"unknown category {entry.category!r}{hint}",
                           f"use one of the slugs in CATEGORIES: {', '.join(categories)}")
    if escapes_site(entry):
        name = "save_as" if "save_as" in entry.fields else "url"
        yield _finding(entry, name, f"{entry.fields[name].value!r} leads outside the site, so "
                       "the file is not built", "remove the line: the file name gives the address")
    if entry.kind == "page" and catalogue.not_built.get(entry.path, "").startswith("its URL"):
        yield _finding(entry, "slug", f"{entry.slug!r} is not built: "
                       f"{catalogue.not_built[entry.path]}",
                       "give the page another file name or `slug:`")
    if entry.reviewed_on and entry.reviewed_on.date() > settings["SITE_BUILD_DATE"]:
        yield _finding(entry, "reviewed_on",
                       f"{entry.reviewed_on:%Y-%m-%d} is in the future",
                       "give the date the review actually took place")
    if entry.reviewed_by and entry.reviewed_by not in catalogue.reviewers:
        yield _finding(entry, "reviewed_by", f"unknown reviewer {entry.reviewed_by!r}"
                       + _nearest(entry.reviewed_by, catalogue.reviewers),
                       "use a key defined in content/data/reviewers.toml")
    if entry.reviewed_by and "reviewed_on" not in entry.fields:
        yield _finding(entry, "reviewed_on", "is missing although reviewed_by is set",
                       "add `reviewed_on: YYYY-MM-DD`", line=entry.line_of("reviewed_by"))
    for key in entry.references:
        if key not in catalogue.references:
            yield _finding(entry, "references", f"unknown reference {key!r}"
                           + _nearest(key, catalogue.references),
                           "use a key defined in content/data/references.toml")
    if "image" in entry.fields and not entry.fields.get("image_alt", None):
        yield _finding(entry, "image_alt", "the lead image has no text alternative",
                       "add `image_alt: <what the image shows>`", line=entry.line_of("image"))


def _language(entry: Entry, catalogue: Catalogue, settings: dict) -> Iterator[Finding]:
    """The language comes from the file name: a name without one is built once, in the
    default language; a `lang:` line contradicting the name is built in neither."""
    named = file_language(entry.path)
    name = PurePosixPath(entry.path).name
    if len(languages := file_languages(entry.path)) > 1:
        stem = name.split(".", 1)[0]
        yield _finding(entry, "lang", f"the file name gives more than one language "
                       f"({', '.join(languages)}), so it is not built",
                       f"rename it to {expected_names(stem, settings)}", line=1)
    elif named is None and "lang" not in entry.fields:
        stem = name.split(".", 1)[0]
        yield _finding(entry, "lang", f"the file name gives no language, so it is built in "
                       f"{catalogue.default_lang} only",
                       f"rename it to {expected_names(stem, settings)}", line=1)
    elif named is not None and "lang" in entry.fields and entry.lang != named:
        yield _finding(entry, "lang", f"`lang: {entry.lang}` contradicts the file name "
                       f"({name}), so it is built in neither language",
                       "remove the `lang:` line (the name gives the language) or rename "
                       "the file")


def _body(entry: Entry, catalogue: Catalogue, by_path: dict[str, Entry]) -> Iterator[Finding]:
    body, base = entry.body, PurePosixPath(entry.path).parent

    def line(position: int) -> int:
        return entry.body_line + body.count("\n", 0, position)

    for match in _INTRASITE.finditer(body):
        target = unquote(urlparse(match["target"]).path)
        resolved = (PurePosixPath(target.lstrip("/")) if target.startswith("/")
                    else _normalise(base / target))
        if not (catalogue.content_path / str(resolved)).is_file():
            yield _finding(entry, "link", f"{{{match['what']}}}{match['target']} points to "
                           f"no file (looked for content/{resolved})",
                           "fix the path; it is relative to this file, or to content/ "
                           "when it starts with /", line=line(match.start()))
        elif match["what"] == "filename" and str(resolved).endswith(".md"):
            yield from _link_to_source(entry, by_path.get(str(resolved)), catalogue,
                                       f"{{filename}}{match['target']}", line(match.start()))
        elif match["what"] == "filename":
            yield _finding(entry, "link", f"{{filename}}{match['target']} points to a file that "
                           "is not an article or a page", f"write {{static}}{match['target']}",
                           line=line(match.start()))
    for match in _MD_IMAGE.finditer(body):
        if not match["alt"].strip():
            yield _finding(entry, "image", f"image {match['src']} has no alt text",
                           "describe it: ![what the image shows](...)", line=line(match.start()))
    for match in _HTML_IMG.finditer(body):
        alt = _ALT_ATTR.search(match["attrs"])
        if alt is None or not alt["alt"].strip():
            yield _finding(entry, "image", "an <img> has no alt text",
                           'add alt="what the image shows"', line=line(match.start()))


def _link_to_source(entry: Entry, target: Entry | None, catalogue: Catalogue, written: str,
                    line: int) -> Iterator[Finding]:
    """A {filename} link works only to a source built in the linking page's language."""
    if target is None:
        yield _finding(entry, "link", f"{written} points to a file the build does not read",
                       "link to an article or page under articles/ or pages/", line=line)
    elif target.path in catalogue.not_built:
        yield _finding(entry, "link", f"{written} points to {target.path}, which is not built "
                       f"({catalogue.not_built[target.path]})",
                       "fix that file (its own message says how) or remove the link", line=line)
    elif target.lang != entry.lang:
        other = catalogue.translation_of(target, entry.lang)
        fix = (f"link to its translation {{filename}}/{other.path}" if other is not None
               else f"link to its address /{target.url} instead")
        yield _finding(entry, "link", f"{written} points to the {target.lang} version; "
                       "{filename} links work within one language", fix, line=line)


def _normalise(path: PurePosixPath) -> PurePosixPath:
    parts: list[str] = []
    for part in path.parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part != ".":
            parts.append(part)
    return PurePosixPath(*parts)


def _duplicate_slugs(catalogue: Catalogue) -> Iterator[Finding]:
    """One finding per file left out, naming the file that keeps the slug."""
    seen: dict[tuple, list[Entry]] = defaultdict(list)
    for entry in catalogue.entries:
        if entry.path not in catalogue.not_built or "same slug" in catalogue.not_built[
                entry.path]:
            # Pages and articles have different URL patterns; drafts have their own.
            seen[(entry.kind, entry.lang, entry.slug, entry.status == DRAFT)].append(entry)
    for (_, lang, slug, _), entries in seen.items():
        kept = next((entry for entry in entries if entry.path not in catalogue.not_built), None)
        for entry in entries if kept is not None else ():
            if entry is kept:
                continue
            yield _finding(entry, "slug", f"slug {slug!r} is also used in {lang} by "
                           f"{kept.path}, which is built; this file is not",
                           "rename one of the files or set a different `slug:`",
                           line=entry.line_of("slug"))


def _translations(catalogue: Catalogue) -> Iterator[Finding]:
    keys_by_lang: dict[str, set[str]] = defaultdict(set)
    for entry in catalogue.entries:
        keys_by_lang[entry.lang].add(entry.key)
    for entry in catalogue.entries:
        if not entry.key_explicit:
            continue
        group = catalogue.translations.get(entry.key, {})
        if not any(lang != entry.lang for lang in group):
            others = set().union(*(keys for lang, keys in keys_by_lang.items()
                                   if lang != entry.lang))
            yield _finding(entry, "translation_key",
                           f"{entry.key!r} matches no article in another language"
                           + _nearest(entry.key, others),
                           "use the key (file name) of the translation, or remove the field "
                           "until the translation exists")
        seen_same_lang = [other for other in catalogue.entries
                          if other.key == entry.key and other.lang == entry.lang
                          and other is not entry and other.kind == entry.kind]
        if seen_same_lang:
            yield _finding(entry, "translation_key",
                           f"{entry.key!r} is also used by {seen_same_lang[0].path} in the same "
                           "language", "each language may have one file per key")
