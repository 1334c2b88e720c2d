"""Content checks of the medical domain, run by the build with its other checks.

`check`, medical integrity:

- a medical-category article without a review, or whose review is overdue (a notice, or a
  warning when MEDICAL["strict_review_in_publish"] is True);
- DOI / PMID / URL syntax in references.toml, with the line of the value (offline: syntax only),
  and the fields the Vancouver citation needs (volume, issue, pages; `accessed` for web pages);
- `[@key]` citations that name no reference, or one missing from the `references:` field;
- an article that mentions studies or trials without citing anything;
- a sentence that quotes a figure (a percentage, "n = 41") and cites nothing.

`check_safe_messaging`: phrasings suicide-reporting guidelines advise against, both languages.
The phrases live in content/data/safe-messaging.toml (MEDICAL["safe_messaging_file"]); each
finding quotes the words found and the suggested alternative.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterator
from datetime import date, datetime

from core.catalogue import Catalogue, Entry
from core.findings import NOTICE, WARNING, Finding
from medical import figures
from medical import references as refs
from medical import review, safety
from medical import settings as medical_settings
from medical import vancouver

_TABLE = re.compile(r"^\s*\[(?P<key>[^\[\]]+)\]\s*(?:#.*)?$")
_ASSIGN = re.compile(r"^\s*(?P<name>[A-Za-z0-9_-]+)\s*=")


def check(catalogue: Catalogue, settings: dict) -> Iterator[Finding]:
    config = medical_settings.load(settings)
    today = settings["SITE_BUILD_DATE"]
    yield from check_references_file(catalogue, settings)
    yield from check_reviewers_file(catalogue, settings)
    for entry in catalogue.entries:
        if entry.status == "draft":
            continue
        yield from check_review(entry, config, today)
        yield from check_citations(entry, catalogue)
        yield from check_evidence(entry, config)
        yield from check_figures(entry, config)


def check_safe_messaging(catalogue: Catalogue, settings: dict) -> Iterator[Finding]:
    """Safe-messaging findings: each phrase to avoid, where it is, and what to write instead."""
    config = medical_settings.load(settings)
    path = catalogue.content_path / config.safe_messaging_file
    shown = f"content/{config.safe_messaging_file}"
    if not path.is_file():
        # A notice, not a warning: small content folders (tests, benchmarks) have no list.
        yield Finding(shown, 1, "safe-messaging",
                      "the phrase list is missing, so no safe-messaging check ran",
                      "restore the file or set MEDICAL['safe_messaging_file'] in pelicanconf.py",
                      NOTICE)
        return
    try:
        phrases = safety.load_phrases(path)
    except safety.PhraseListError as error:
        message = str(error).replace(str(path), shown)
        location, _, problem = message.partition(": ")
        line = int(location.rsplit(":", 1)[1]) if location.rsplit(":", 1)[-1].isdigit() else 1
        yield Finding(shown, line, "safe-messaging", problem or message,
                      "fix the entry (the file's header explains the format)")
        return
    for entry in catalogue.entries:
        if entry.status == "draft":
            continue
        for hit in safety.scan(entry.title, entry.body, entry.lang, phrases):
            if hit.place == "title":
                line, field = entry.line_of("title"), "title"
            else:
                line, field = entry.body_line + hit.line_offset, "body"
            yield Finding(entry.path, line, field,
                          f"safe messaging: {hit.text!r} — {hit.phrase.why}",
                          f"write {hit.phrase.alternative} instead")


def check_review(entry: Entry, config: medical_settings.Config, today) -> Iterator[Finding]:
    """Missing or overdue medical review on an article of a medical category."""
    if entry.kind != "article":
        return
    state = review.status(category=entry.category, reviewed_by=entry.reviewed_by,
                          reviewed_on=entry.reviewed_on,
                          medical_categories=config.medical_categories,
                          interval_months=config.review_interval_months, today=today)
    level = WARNING if config.strict_review_in_publish else NOTICE
    if state.state == review.MISSING:
        missing = "reviewed_by" if not entry.reviewed_by else "reviewed_on"
        line = entry.line_of(missing) if missing in entry.fields else entry.line_of("category")
        yield Finding(entry.path, line, missing,
                      f"medical article (category {entry.category!r}) has no medical review",
                      "add `reviewed_by: <key from content/data/reviewers.toml>` and "
                      "`reviewed_on: YYYY-MM-DD` once a clinician has reviewed it", level)
    elif state.overdue:
        yield Finding(entry.path, entry.line_of("reviewed_on"), "reviewed_on",
                      f"medical review of {state.reviewed_on:%Y-%m-%d} was due for renewal on "
                      f"{state.due:%Y-%m-%d} (every {config.review_interval_months} months)",
                      "have the article reviewed again and update `reviewed_on`", level)


def check_citations(entry: Entry, catalogue: Catalogue) -> Iterator[Finding]:
    """`[@key]` in the body names a known reference that the header lists too."""
    reported: set[str] = set()
    if "[@" not in entry.body:  # most articles: nothing to look at line by line
        return
    for offset, line in enumerate(entry.body.splitlines()):
        for key in refs.cited_keys(line):
            if key in reported:
                continue
            reported.add(key)
            number = entry.body_line + offset
            if key not in catalogue.references:
                close = difflib.get_close_matches(key, list(catalogue.references), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                yield Finding(entry.path, number, "citation",
                              f"[@{key}] names no reference{hint}",
                              "use a key defined in content/data/references.toml")
            elif key not in entry.references:
                yield Finding(entry.path, number, "citation",
                              f"[@{key}] is cited but not listed in `references:`",
                              f"add {key} to the `references:` field (line "
                              f"{entry.line_of('references')}) so both languages list it")


def check_evidence(entry: Entry, config: medical_settings.Config) -> Iterator[Finding]:
    """Mentions a study or trial but cites nothing: readers cannot check the claim."""
    if entry.references or refs.cited_keys(entry.body):
        return
    for place, text, line in (("title", entry.title, entry.line_of("title")),
                              ("summary", entry.summary, entry.line_of("summary"))):
        if text and (found := _first_evidence(text, config.evidence_words)):
            yield _evidence(entry, place, line, found[1])
            return
    if found := _first_evidence(entry.body, config.evidence_words):
        line = entry.body_line + entry.body.count("\n", 0, found[0])
        yield _evidence(entry, "body", line, found[1])


def check_figures(entry: Entry, config: medical_settings.Config) -> Iterator[Finding]:
    """A percentage or sample size in a sentence without [@key]: readers cannot check it."""
    for found in _uncited_figures(entry.body, config.figure_patterns):
        yield Finding(entry.path, entry.body_line + found.line, "body",
                      f"quotes {found.figure!r} but the sentence cites no source",
                      "cite the study in the same sentence with [@key] (add it to "
                      "content/data/references.toml and `references:`) — or leave the figure out")


@functools.lru_cache(maxsize=1 << 16)
def _uncited_figures(text: str, patterns: tuple[str, ...]) -> tuple[figures.UncitedFigure, ...]:
    """figures.uncited_figures, remembered like _first_evidence: its search of the whole
    body was most of a devserver rebuild's checks (0.4 s at 1,000 articles)."""
    return tuple(figures.uncited_figures(text, patterns))


@functools.lru_cache(maxsize=1 << 16)
def _first_evidence(text: str, words: tuple[str, ...]) -> tuple[int, str] | None:
    """Where the first evidence word of `text` starts, and the text it matched. Remembered:
    the search is most of this check's time, and the devserver checks every unchanged
    article again on each rebuild."""
    match = _evidence_pattern(words).search(text)
    return (match.start(), match.group(0)) if match else None


@functools.lru_cache(maxsize=8)
def _evidence_pattern(words: tuple[str, ...]) -> re.Pattern:
    return re.compile(r"(?<!\w)(?:" + "|".join(words) + ")", re.IGNORECASE)


def _evidence(entry: Entry, place: str, line: int, word: str) -> Finding:
    return Finding(entry.path, line, place,
                   f"mentions {word!r} but the article cites no reference",
                   "add the study to content/data/references.toml, list its key in "
                   "`references:` and cite it with [@key] — or reword the claim")


def check_references_file(catalogue: Catalogue, settings: dict) -> Iterator[Finding]:
    """DOI, PMID and URL syntax and the required fields of every reference."""
    if (found := _data_file(catalogue, settings, "REFERENCES_FILE")) is None:
        return
    shown, lines = found
    for key, data in catalogue.references.items():
        if not isinstance(data, dict):
            yield Finding(shown, lines.get((key, ""), 1), key, "is not a table",
                          f"write it as [{key}] followed by its fields")
            continue
        where = lambda name: lines.get((key, name), lines.get((key, ""), 1))  # noqa: E731
        # A web page (no journal) often has no date of its own: `accessed` dates it instead.
        needed = ("title",) if vancouver.is_web_source(data) else ("title", "year")
        for name in needed:
            if not data.get(name):
                yield Finding(shown, where(""), f"{key}.{name}", "is missing",
                              f"add `{name} = ...` to [{key}]")
        doi, pmid, url = (data.get(name) for name in ("doi", "pmid", "url"))
        if not (doi or pmid or url):
            yield Finding(shown, where(""), key, "has no DOI, PMID or URL",
                          "add `doi = \"10.xxxx/...\"`, `pmid = \"12345678\"` or `url = ...` so "
                          "readers can find the source")
        if doi is not None:
            text = str(doi).strip()
            if text.lower().startswith(("https://doi.org/", "http://dx.doi.org/", "doi:")):
                bare = refs.DOI.search(text)
                fix = (f"write the bare DOI: doi = \"{bare.group(0)}\"" if bare
                       else "write the bare DOI, e.g. doi = \"10.1038/s41386-023-01540-4\"")
                yield Finding(shown, where("doi"), f"{key}.doi",
                              f"{text!r} is a link or has a prefix, not a DOI", fix)
            elif not refs.valid_doi(text):
                yield Finding(shown, where("doi"), f"{key}.doi", f"{text!r} is not a DOI",
                              "a DOI looks like 10.1038/s41386-023-01540-4 (10., 4–9 digits, "
                              "a slash, then the suffix without spaces)")
        if pmid is not None and not refs.valid_pmid(str(pmid).strip()):
            yield Finding(shown, where("pmid"), f"{key}.pmid", f"{pmid!r} is not a PMID",
                          "a PubMed ID is digits only, e.g. pmid = \"36804489\"")
        if url is not None and not str(url).startswith(("https://", "http://")):
            yield Finding(shown, where("url"), f"{key}.url", f"{url!r} is not a web address",
                          "give the full address starting with https://")
        yield from check_citation_fields(shown, key, data, where, settings["SITE_BUILD_DATE"])


REFERENCE_FIELDS = ("authors", "title", "journal", "journal_abbrev", "year", "volume", "issue",
                    "pages", "doi", "pmid", "url", "accessed", "publisher", "place", "lang")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_PAGES = re.compile(r"[A-Za-z]?\d+[A-Za-z]?(?:-[A-Za-z]?\d+[A-Za-z]?)?")


def check_citation_fields(shown: str, key: str, data: dict, where, today) -> Iterator[Finding]:
    """The fields of one reference that its Vancouver citation is built from."""
    for name in data:
        if name not in REFERENCE_FIELDS:
            close = difflib.get_close_matches(name, REFERENCE_FIELDS, n=1)
            yield Finding(shown, where(name), f"{key}.{name}", "is not a reference field",
                          (f"did you mean `{close[0]}`? " if close else "")
                          + "fields: " + ", ".join(REFERENCE_FIELDS))
    year = data.get("year")
    if year and (isinstance(year, bool) or not isinstance(year, int)):
        yield Finding(shown, where("year"), f"{key}.year", f"{year!r} is not a year",
                      "write the year of publication as a number: year = 2023")
    for name in ("volume", "issue"):
        value = data.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, str))
                                  or not str(value).strip()):
            yield Finding(shown, where(name), f"{key}.{name}", f"{value!r} is not a {name}",
                          f"write it as printed, e.g. {name} = 48 or {name} = \"Suppl 1\"")
    pages = data.get("pages")
    if pages is not None:
        text = str(pages).strip().replace("\u2013", "-").replace("\u2014", "-")
        if not _PAGES.fullmatch(text.replace(" ", "")):
            yield Finding(shown, where("pages"), f"{key}.pages", f"{pages!r} is not a page range",
                          "write first-last page with a hyphen, e.g. pages = \"991-999\" "
                          "(or an article number: pages = \"e2603\")")
        elif text != str(pages):
            yield Finding(shown, where("pages"), f"{key}.pages",
                          f"{pages!r} uses a dash or spaces", f"write pages = \"{text}\"")
    accessed = data.get("accessed")
    if accessed is not None:
        if not isinstance(accessed, date) or isinstance(accessed, datetime):
            yield Finding(shown, where("accessed"), f"{key}.accessed",
                          f"{accessed!r} is not a date",
                          "write the day you consulted the page, unquoted: accessed = 2026-12-06")
        elif accessed > today:
            yield Finding(shown, where("accessed"), f"{key}.accessed",
                          f"{accessed:%Y-%m-%d} is in the future",
                          "write the day you consulted the page")
    if not data.get("journal") and data.get("url") and accessed is None:
        yield Finding(shown, where("url"), f"{key}.accessed", "web source without a date",
                      "add `accessed = YYYY-MM-DD`, the day you checked the page "
                      "(it is cited as [cited ...])")
    yield from _check_lang(shown, key, data, where)
    if data.get("journal") and not (data.get("volume") and data.get("pages")):
        missing = [name for name in ("volume", "pages") if not data.get(name)]
        yield Finding(shown, where(""), f"{key}.{missing[0]}",
                      f"journal article without {' or '.join(missing)}",
                      "add them from the journal's or PubMed's record so the citation is "
                      "complete (volume = 48, issue = 7, pages = \"991-999\")", NOTICE)


def _check_lang(shown: str, key: str, data: dict, where) -> Iterator[Finding]:
    """`lang` is a language tag; a Cyrillic title without one would be read as English."""
    lang = data.get("lang")
    if lang is not None and not (isinstance(lang, str) and refs.LANG_TAG.fullmatch(lang)):
        yield Finding(shown, where("lang"), f"{key}.lang", f"{lang!r} is not a language tag",
                      "write the language the source is in: lang = \"uk\" or lang = \"en\"")
    elif lang is None and _CYRILLIC.search(str(data.get("title") or "")):
        yield Finding(shown, where("title"), f"{key}.lang",
                      f"the title is in Cyrillic but the source counts as "
                      f"lang = \"{refs.DEFAULT_LANG}\" (the default)",
                      "add lang = \"uk\" (or the language it is written in), so screen readers "
                      "read it with the right voice", WARNING)


def check_reviewers_file(catalogue: Catalogue, settings: dict) -> Iterator[Finding]:
    """A reviewer's `profile` is a site path or a web address (never javascript: or data:)."""
    if (found := _data_file(catalogue, settings, "REVIEWERS_FILE")) is None:
        return
    shown, lines = found
    for key, data in catalogue.reviewers.items():
        if not isinstance(data, dict):
            continue
        profiles = [data.get("profile")] + [local.get("profile") for local in data.values()
                                            if isinstance(local, dict)]
        for profile in profiles:
            if profile and not str(profile).startswith(("/", "https://", "http://")):
                yield Finding(shown, lines.get((key, "profile"),
                                                                lines.get((key, ""), 1)),
                              f"{key}.profile", f"{profile!r} is not a page of the site or a web "
                              "address (the profile link is left out)",
                              "write a site path such as /about/#team or a full https:// address")


def _data_file(catalogue: Catalogue, settings: dict, setting: str
               ) -> tuple[str, dict[tuple[str, str], int]] | None:
    """(path as shown, value lines) of a data file (REFERENCES_FILE, ...); None if absent."""
    relative = settings[setting]
    path = catalogue.content_path / relative
    if not path.is_file():
        return None
    return f"content/{relative}", _value_lines(path.read_text(encoding="utf-8"))


def _value_lines(text: str) -> dict[tuple[str, str], int]:
    """(table key, field) -> line number; (key, "") is the table header's line."""
    lines: dict[tuple[str, str], int] = {}
    table = None
    for number, line in enumerate(text.splitlines(), 1):
        if match := _TABLE.match(line):
            table = match["key"].strip().strip('"')
            lines.setdefault((table, ""), number)
        elif table and (match := _ASSIGN.match(line)):
            lines.setdefault((table, match["name"]), number)
    return lines
