"""The medical plugin inside a real build: review line, citations and the numbered list,
crisis box on sensitive articles, disclaimer, JSON-LD, and the editors' review report."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest

from tests.conftest import build_fixture_with

EXTRA_REFERENCES = """
[second2021]
authors = ["Poe E", "et al."]
title = "A second trial"
journal = "Trials of Things"
journal_abbrev = "Trials Things"
year = 2021
volume = 22
issue = 3
pages = "101-109"
doi = "10.1000/second.2021"
pmid = "31166571"

[moz2024]
authors = ["Міністерство охорони здоров’я України"]
title = "Депресія: уніфікований клінічний протокол"
publisher = "МОЗ України"
year = 2024
url = "https://moz.gov.ua/example"
accessed = 2026-01-01
lang = "uk"
"""
SECOND_CITATION = ("Poe E, et al. A second trial. Trials Things. 2021;22(3):101-109. "
                   "doi:10.1000/second.2021. PMID: 31166571.")
RECENT = (date.today() - timedelta(days=30)).isoformat()
ARTICLES = {
    "articles/ptsd/cited.en.md": (
        "title: Cited article\ndate: 2025-02-01\ncategory: ptsd\ntags: suicide, sleep\n"
        f"reviewed_by: tester\nreviewed_on: {RECENT}\nreferences: sample2020, second2021\n\n"
        "First the second trial [@second2021], then the sample [@sample2020], "
        "then the second again [@second2021].\n"),
    "articles/ptsd/cited.uk.md": (
        "title: Стаття з посиланнями\ndate: 2025-02-01\ncategory: ptsd\n"
        f"tags: самогубство\nreviewed_by: tester\nreviewed_on: {RECENT}\n"
        "references: sample2020, second2021\n\n"
        "Спершу друге випробування [@second2021], потім зразок [@sample2020].\n"),
    "articles/ptsd/protocol.en.md": (
        "title: National protocol\ndate: 2025-02-03\ncategory: ptsd\n"
        "references: moz2024, second2021\n\nThe national protocol [@moz2024], a trial "
        "[@second2021].\n"),
    "articles/ptsd/protocol.uk.md": (
        "title: Національний протокол\ndate: 2025-02-03\ncategory: ptsd\n"
        "references: moz2024, second2021\n\nНаціональний протокол [@moz2024], випробування "
        "[@second2021].\n"),
    "articles/depression/unreviewed.en.md": (
        "title: Not yet reviewed\ndate: 2025-02-02\ncategory: depression\n\nText.\n"),
}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return build_fixture_with(tmp_path_factory.mktemp("medical-site"), ARTICLES,
                              {"data/references.toml": EXTRA_REFERENCES})


def html_of(site, path):
    return (site / path / "index.html").read_text(encoding="utf-8")


def _page_node(html: str) -> dict:
    """The MedicalWebPage node of the page's JSON-LD."""
    data = [json.loads(block) for block in
            re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)]
    nodes = [node for block in data for node in (block.get("@graph") or [block])]
    [page] = [node for node in nodes if node.get("@type") == "MedicalWebPage"]
    return page


@pytest.mark.parametrize("path", ["en/articles/cited", "articles/cited"])
def test_citation_numbers_match_the_list(site, path):
    html = html_of(site, path)
    cited = re.findall(r'<a href="#ref-([\w.-]+)" id="cite-[\w.-]+">\[(\d+)\]</a>', html)
    assert cited[:2] == [("second2021", "1"), ("sample2020", "2")]
    listed = re.findall(r'<li id="ref-([\w.-]+)" value="(\d+)">', html)
    assert listed == [("second2021", "1"), ("sample2020", "2")]
    assert '<a href="https://doi.org/10.1000/second.2021">doi:10.1000/second.2021</a>' in html
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/31166571/"' in html
    assert 'href="#cite-second2021-1"' in html  # back to the first citation


@pytest.mark.parametrize("path", ["en/articles/cited", "articles/cited"])
def test_reference_list_shows_the_vancouver_citation(site, path):
    """The garbled list of issue 19 ("et al.. … disorder.Neuropsychopharmacology.2023.doi…")
    now reads as one NLM citation, with the DOI and PMID as links; JSON-LD carries the same
    words."""
    html = html_of(site, path)
    item = re.search(r'<li id="ref-second2021" value="1">(.*?)</li>', html, re.S)[1]
    assert ('<cite>Trials Things</cite>. 2021;22(3):101-109. '
            '<a href="https://doi.org/10.1000/second.2021">doi:10.1000/second.2021</a>. '
            '<a href="https://pubmed.ncbi.nlm.nih.gov/31166571/">PMID: 31166571</a>.') in item
    text = re.sub(r"<[^>]+>", "", item.split('<a class="reference-back"')[0]).strip()
    assert text == SECOND_CITATION
    page = _page_node(html)
    assert page["citation"][0]["description"] == SECOND_CITATION
    assert page["citation"][0]["isPartOf"] == {
        "@type": "PublicationIssue", "issueNumber": "3", "isPartOf": {
            "@type": "PublicationVolume", "volumeNumber": "22",
            "isPartOf": {"@type": "Periodical", "name": "Trials of Things"}}}


@pytest.mark.parametrize("path, marked", [
    ("articles/protocol", {"second2021": "en"}),  # Ukrainian page: the English trial is marked
    ("en/articles/protocol", {"moz2024": "uk"}),  # English page: the Ukrainian protocol is
])
def test_a_citation_in_another_language_carries_its_lang(site, path, marked):
    """Screen readers switch voice on `lang`: an English citation on a Ukrainian page is read
    in English, and the back link stays in the page's language."""
    html = html_of(site, path)
    items = dict(re.findall(r'<li id="ref-([\w.-]+)" value="\d+">(.*?)</li>', html, re.S))
    assert set(items) == {"moz2024", "second2021"}
    for key, item in items.items():
        if key in marked:
            assert item.startswith(f'<span lang="{marked[key]}">') and \
                item.index("</span>") < item.index('class="reference-back"'), item
        else:
            assert "lang=" not in item, item
    citations = {node["name"]: node["inLanguage"] for node in _page_node(html)["citation"]}
    assert citations == {"Депресія: уніфікований клінічний протокол": "uk",
                         "A second trial": "en"}


def test_repeated_citation_keeps_its_number_with_a_new_id(site):
    html = html_of(site, "en/articles/cited")
    assert '<a href="#ref-second2021" id="cite-second2021-2">[1]</a>' in html


@pytest.mark.parametrize("path, name, profile", [
    ("en/articles/cited", "Test Testenko", "/en/about/"),
    ("articles/cited", "Тест Тестенко", "/about/"),
])
def test_review_line_and_jsonld(site, path, name, profile):
    html = html_of(site, path)
    line = re.search(r'<p class="review review-line">(.*?)</p>', html, re.S)[1]
    assert f'{profile}">{name}</a>' in line
    assert f'<time datetime="{RECENT}">' in line
    data = [json.loads(block) for block in
            re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)]
    nodes = [node for block in data for node in (block.get("@graph") or [block])]
    [page] = [node for node in nodes if node.get("@type") == "MedicalWebPage"]
    assert page["reviewedBy"]["name"] == name
    assert page["lastReviewed"] == RECENT
    assert [c["@id"] for c in page["citation"]] == ["https://doi.org/10.1000/second.2021",
                                                    "https://doi.org/10.1000/sample.2020"]


@pytest.mark.parametrize("path, sensitive, number_label", [
    ("en/articles/cited", True, "Lifeline Ukraine (suicide prevention, from a mobile phone)"),
    ("articles/cited", True, "Лайфлайн Україна (лінія запобігання самогубствам, з мобільного)"),
    ("en/articles/unreviewed", False, None),
])
def test_crisis_box_on_sensitive_articles_only(site, path, sensitive, number_label):
    html = html_of(site, path)
    assert ('class="crisis-box"' in html) is sensitive
    if sensitive:
        box = re.search(r'<aside class="crisis-box".*?</aside>', html, re.S)[0]
        assert '<a href="tel:7333">7333</a>' in box and number_label in box
        # at the top: before the article body
        assert html.index('class="crisis-box"') < html.index('class="prose"')


@pytest.mark.parametrize("path, words", [
    ("en/articles/unreviewed", "is not a substitute for a consultation"),
    ("articles/cited", "не замінює консультації"),
])
def test_disclaimer_on_every_article(site, path, words):
    html = html_of(site, path)
    assert 'class="disclaimer"' in html and words in html


def test_review_report(site):
    report = (site / "reports" / "review-status.html").read_text(encoding="utf-8")
    rows = re.findall(r'<tr class="review-([\w-]+)">(.*?)</tr>', report, re.S)
    by_title = {re.search(r">([^<]+)</a>", row)[1]: state for state, row in rows}
    assert by_title["Not yet reviewed"] == "missing"
    assert by_title["Cited article"] == "ok" and by_title["Стаття з посиланнями"] == "ok"
    assert rows[0][0] in ("overdue", "missing")  # the to-do list comes first
    assert "Test Testenko" in report and "Тест Тестенко" in report
    assert '<meta name="robots" content="noindex">' in report
    assert "<script" not in report and "style=" not in report
