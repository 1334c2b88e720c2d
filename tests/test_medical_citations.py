"""`[@key]` citations (plugins/medical/citations.py) and the numbered reference list they
link to (plugins/medical/references.py): the same numbers in the text and in the list."""

from __future__ import annotations

import re
from datetime import date

import pytest
from markdown import Markdown

from medical import references as refs
from medical import review
from medical.citations import CitationExtension

KNOWN = {
    "alpha": {"authors": ["Doe J", "Roe R"], "title": "Alpha trial", "journal": "J A",
              "year": 2020, "doi": "10.1000/alpha", "pmid": "123"},
    "beta": {"authors": ["Poe E"], "title": "Beta?", "journal": "J B", "year": 2021,
             "url": "https://example.org/beta"},
    "gamma": {"title": "Gamma", "year": 2022, "doi": "not-a-doi"},
}


def convert(text: str, known=KNOWN) -> tuple[str, Markdown]:
    md = Markdown(extensions=["markdown.extensions.meta", "markdown.extensions.extra",
                              CitationExtension(references=known)])
    return md.convert(text), md


def numbers_in(html: str) -> list[tuple[str, str, str]]:
    return re.findall(r'<a href="#ref-([\w.:-]+)" id="(cite-[\w.:-]+)">\[(\d+)\]</a>', html)


def test_numbered_by_first_appearance_with_unique_ids():
    html, _ = convert("references: alpha, beta\n\nFirst [@beta]. Then [@alpha]. Again [@beta].")
    assert numbers_in(html) == [("beta", "cite-beta-1", "1"), ("alpha", "cite-alpha-1", "2"),
                                ("beta", "cite-beta-2", "1")]
    assert '<sup class="citation"><a href="#ref-beta" id="cite-beta-1">[1]</a></sup>' in html


def test_the_list_uses_the_same_numbers_as_the_text():
    body = "Intro [@gamma].\n\n- a point [@alpha; @gamma]\n\n> quoted [@beta]"
    html, md = convert("references: beta, alpha, gamma\n\n" + body)
    order = refs.citation_order(body, ["beta", "alpha", "gamma"], KNOWN)
    listed = {item["key"]: item["number"] for item in refs.reference_list(order, KNOWN)}
    assert {key: int(number) for key, _, number in numbers_in(html)} == listed
    assert listed == {"gamma": 1, "alpha": 2, "beta": 3}
    assert md.citation_numbers == listed


def test_listed_but_uncited_references_come_last():
    order = refs.citation_order("Text [@beta].", ["alpha", "beta", "gamma"], KNOWN)
    assert order == ["beta", "alpha", "gamma"]
    items = refs.reference_list(order, KNOWN, cited=refs.cited_keys("Text [@beta]."))
    assert [(i["number"], i["key"], i["cited"]) for i in items] == [
        (1, "beta", True), (2, "alpha", False), (3, "gamma", False)]


def test_citations_formatted_once_per_run_are_the_same_lists():
    """The run formats each cited source once (`formatted`, shared by its articles): every
    article's list is the one it gets alone, numbers and back links its own."""
    bodies = ["First [@beta], then [@alpha].", "Only [@alpha].", "None here."]
    formatted: dict = {}
    for body in bodies:
        cited = refs.cited_keys(body)
        order = refs.citation_order(body, ["gamma", "alpha"], KNOWN, cited=cited)
        assert order == refs.citation_order(body, ["gamma", "alpha"], KNOWN)
        shared = refs.reference_list(order, KNOWN, cited=cited, formatted=formatted)
        assert shared == refs.reference_list(order, KNOWN, cited=refs.cited_keys(body))
    assert set(formatted) == {"alpha", "beta", "gamma"}


@pytest.mark.parametrize("text", [
    "Unknown [@nobody] stays as written.",
    "Code `[@alpha]` is code.",
    "A link [@alpha](https://example.org) is a link.",
])
def test_left_alone(text):
    html, _ = convert(text)
    assert 'class="citation"' not in html


def test_fenced_code_is_not_cited():
    body = "```\n[@alpha]\n```\n\nText [@beta]."
    html, _ = convert(body)
    assert numbers_in(html) == [("beta", "cite-beta-1", "1")]
    assert refs.citation_order(body, (), KNOWN) == ["beta"]


def test_reference_list_fields():
    [alpha, beta, gamma] = refs.reference_list(["alpha", "beta", "gamma"], KNOWN)
    assert alpha["doi_url"] == "https://doi.org/10.1000/alpha"
    assert alpha["pmid_url"] == "https://pubmed.ncbi.nlm.nih.gov/123/"
    assert alpha["authors_text"] == "Doe J, Roe R" and alpha["year"] == 2020
    assert (beta["doi_url"], beta["url"]) == ("", "https://example.org/beta")
    assert gamma["doi_url"] == ""  # an invalid DOI is never turned into a link
    assert alpha["lang"] == "en"  # no `lang`: the default
    [ukrainian] = refs.reference_list(["u"], {"u": {"title": "Протокол", "lang": " uk "}})
    assert ukrainian["lang"] == "uk"


def test_jsonld_of_a_journal_article_and_a_web_page():
    known = {**KNOWN, "agency": {"authors": ["Agency"], "title": "A label", "publisher": "Agency",
                                 "url": "https://example.org/label",
                                 "accessed": date(2026, 12, 6)}}
    alpha, agency = refs.jsonld_citations(refs.reference_list(["alpha", "agency"], known))
    assert alpha["@type"] == "ScholarlyArticle" and alpha["@id"] == "https://doi.org/10.1000/alpha"
    assert alpha["description"] == ("Doe J, Roe R. Alpha trial. J A. 2020. "
                                     "doi:10.1000/alpha. PMID: 123.")
    assert alpha["inLanguage"] == "en"  # the default: the literature is in English
    assert agency == {
        "@type": "WebPage", "name": "A label", "inLanguage": "en",
        "url": "https://example.org/label",
        "author": [{"@type": "Organization", "name": "Agency"}],
        "publisher": {"@type": "Organization", "name": "Agency"},
        "description": "Agency. A label [Internet]. Agency [cited 2026 Dec 6]. "
                       "Available from: https://example.org/label"}


def test_without_a_catalogue_every_key_is_accepted():
    html, _ = convert("Text [@anything].", known=None)
    assert numbers_in(html) == [("anything", "cite-anything-1", "1")]


@pytest.mark.parametrize("start, months, due", [
    (date(2025, 1, 31), 1, date(2025, 2, 28)),
    (date(2024, 1, 31), 1, date(2024, 2, 29)),
    (date(2025, 11, 15), 12, date(2026, 11, 15)),
    (date(2025, 11, 15), 3, date(2026, 2, 15)),
])
def test_add_months(start, months, due):
    assert review.add_months(start, months) == due


def test_reviewer_in_the_run_language():
    reviewers = {"koval": {"profile": "/about/#team", "uk": {"name": "Олена Коваль"},
                           "en": {"name": "Olena Koval", "credentials": "psychiatrist"}}}
    en = review.reviewer_for(reviewers, "koval", "en", "https://x.example", "en/")
    assert en == {"key": "koval", "name": "Olena Koval", "credentials": "psychiatrist",
                  "profile_url": "https://x.example/en/about/#team",
                  "profile": "https://x.example/en/about/#team"}
    uk = review.reviewer_for(reviewers, "koval", "uk", "https://x.example", "")
    assert (uk["name"], uk["profile_url"]) == ("Олена Коваль", "https://x.example/about/#team")
    assert review.reviewer_for(reviewers, "nobody", "en", "", "") is None
