"""One reference from references.toml as a citation in the Vancouver (NLM) style.

    Fineberg SK, Choi EY, Shapiro-Thompson R, et al. A pilot randomized controlled trial of
    ketamine in borderline personality disorder. Neuropsychopharmacology.
    2023;48(7):991-999. doi:10.1038/s41386-023-01540-4. PMID: 36804489.

    European Medicines Agency. Spravato (esketamine): EPAR [Internet]. Amsterdam: EMA; 2019
    [cited 2026 Dec 6]. Available from: https://www.ema.europa.eu/...

`citation()` is the one formatter: it returns the citation as segments (text, and a link where
the text is a DOI, PMID or web address). The page's reference list renders them as HTML
(`citation_html`), JSON-LD and mail as plain text (`citation_text`), so every place shows the
same words. Rules follow NLM's *Citing Medicine* (2nd ed.): up to six authors, then "et al.";
the journal's NLM abbreviation when given; `year;volume(issue):pages`; web sources marked
"[Internet]" with the date they were consulted. No pelican import: tests feed plain dicts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

MAX_AUTHORS = 6  # NLM: list the first six, then "et al."
ET_AL = "et al."
DOI = re.compile(r"10\.\d{4,9}/\S+")
PMID = re.compile(r"[1-9]\d{0,8}")
DOI_URL = "https://doi.org/{doi}"
PMID_URL = "https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Segment:
    """A run of citation text; `href` makes it a link, `cite` marks the journal's name."""

    text: str
    href: str = ""
    cite: bool = False


def valid_doi(value: str) -> bool:
    return bool(DOI.fullmatch(value))


def valid_pmid(value: str) -> bool:
    return bool(PMID.fullmatch(value))


def doi_url(doi: str) -> str:
    """The DOI's resolver address, or '' when it is not a DOI (the check names it)."""
    return DOI_URL.format(doi=doi) if doi and valid_doi(doi) else ""


def pmid_url(pmid: str) -> str:
    """The PubMed address of a PMID, or '' when it is not one."""
    return PMID_URL.format(pmid=pmid) if pmid and valid_pmid(pmid) else ""


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _closed(text: str) -> str:
    """The text ending in one full stop (none added after . ? or !)."""
    return text if text.endswith((".", "?", "!")) else text + "."


def authors(names: Any) -> str:
    """`Surname AB, Surname CD, et al.` — at most six names, then et al.; '' for none."""
    if isinstance(names, str):
        names = [names]
    listed = [_text(name) for name in names or () if _text(name)]
    et_al = any(name.lower().rstrip(".") == "et al" for name in listed)
    listed = [name for name in listed if name.lower().rstrip(".") != "et al"]
    if len(listed) > MAX_AUTHORS:
        listed, et_al = listed[:MAX_AUTHORS], True
    if not listed:
        return ""
    return ", ".join(listed) + (", " + ET_AL if et_al else "")


def cited_on(value: Any) -> str:
    """NLM's date form, `2026 Dec 6`, for a TOML date (or an ISO date string)."""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            return value.strip()
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return f"{value.year} {_MONTHS[value.month - 1]} {value.day}"
    return _text(value)


def is_web_source(ref: Mapping[str, Any]) -> bool:
    """A regulator's page, a guideline online…: no journal, a web address."""
    return not _text(ref.get("journal")) and bool(_text(ref.get("url")))


def _issue_details(ref: Mapping[str, Any]) -> str:
    """`2023;48(7):991-999` with whatever of year, volume, issue and pages is known."""
    year, volume = _text(ref.get("year")), _text(ref.get("volume"))
    issue, pages = _text(ref.get("issue")), _text(ref.get("pages"))
    text = year
    if volume or issue:
        text += (";" if text else "") + volume + (f"({issue})" if issue else "")
    if pages:
        text += (":" if text else "") + pages
    return text


def citation(ref: Mapping[str, Any]) -> tuple[Segment, ...]:
    """The reference as Vancouver citation segments (joined, they read as one sentence)."""
    parts: list[list[Segment]] = []

    def add(*segments: Segment) -> None:
        parts.append(list(segments))

    names = authors(ref.get("authors"))
    if names:
        add(Segment(_closed(names)))
    title = _text(ref.get("title"))
    web = is_web_source(ref)
    if title:
        add(Segment(_closed(title + " [Internet]" if web else title)))
    journal = _text(ref.get("journal_abbrev")) or _text(ref.get("journal"))
    if journal:
        closed = _closed(journal)
        add(Segment(journal, cite=True), Segment(closed[len(journal):]))
        details = _issue_details(ref)
        if details:
            add(Segment(details + "."))
    elif web or _text(ref.get("publisher")):
        place, publisher = _text(ref.get("place")), _text(ref.get("publisher"))
        issued = "; ".join(part for part in (": ".join(p for p in (place, publisher) if p),
                                               _text(ref.get("year"))) if part)
        accessed = cited_on(ref.get("accessed"))
        if accessed:
            issued += (" " if issued else "") + f"[cited {accessed}]"
        if issued:
            add(Segment(issued + "."))
    elif _text(ref.get("year")):
        add(Segment(_text(ref.get("year")) + "."))
    doi, pmid, url = _text(ref.get("doi")), _text(ref.get("pmid")), _text(ref.get("url"))
    if doi:
        add(Segment(f"doi:{doi}", doi_url(doi)), Segment("."))
    if pmid:
        add(Segment(f"PMID: {pmid}", pmid_url(pmid)), Segment("."))
    if url and (web or not (doi or pmid)):
        link = url if url.startswith(("https://", "http://")) else ""  # no javascript: links
        add(Segment("Available from: "), Segment(url, link))
    segments: list[Segment] = []
    for number, part in enumerate(parts):
        if number:
            segments.append(Segment(" "))
        segments.extend(part)
    return tuple(segments)


def citation_text(ref: Mapping[str, Any]) -> str:
    """The citation as plain text (JSON-LD, mail)."""
    return "".join(segment.text for segment in citation(ref))


def citation_html(ref: Mapping[str, Any]) -> Markup:
    """The citation as safe HTML: DOI, PMID and web address as links, the journal in <cite>."""
    html = []
    for segment in citation(ref):
        if not segment.text:
            continue
        text = escape(segment.text)
        if segment.href:
            html.append(Markup('<a href="{}">{}</a>').format(segment.href, segment.text))
        elif segment.cite:
            html.append(Markup("<cite>{}</cite>").format(segment.text))
        else:
            html.append(text)
    return Markup("").join(html)
