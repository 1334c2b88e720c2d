"""The Vancouver (NLM) citation formatter, plugins/medical/vancouver.py: one reference from
references.toml in, the citation out, as plain text and as HTML with DOI/PMID links."""

from __future__ import annotations

import datetime as dt

import pytest

from medical import vancouver

FINEBERG = {
    "authors": ["Fineberg SK", "Choi EY", "Shapiro-Thompson R", "et al."],
    "title": "A pilot randomized controlled trial of ketamine in borderline personality disorder",
    "journal": "Neuropsychopharmacology", "year": 2023, "volume": 48, "issue": 7,
    "pages": "991-999", "doi": "10.1038/s41386-023-01540-4", "pmid": "36804489",
}
SEVEN = ["Aa A", "Bb B", "Cc C", "Dd D", "Ee E", "Ff F", "Gg G"]
EMA = {
    "authors": ["European Medicines Agency"], "title": "Spravato (esketamine): EPAR",
    "place": "Amsterdam", "publisher": "EMA", "year": 2019,
    "url": "https://www.ema.europa.eu/en/medicines/human/EPAR/spravato",
    "accessed": dt.date(2026, 12, 6),
}


@pytest.mark.parametrize("ref, expected", [
    pytest.param(FINEBERG,
                 "Fineberg SK, Choi EY, Shapiro-Thompson R, et al. A pilot randomized "
                 "controlled trial of ketamine in borderline personality disorder. "
                 "Neuropsychopharmacology. 2023;48(7):991-999. "
                 "doi:10.1038/s41386-023-01540-4. PMID: 36804489.", id="journal-article"),
    pytest.param({**FINEBERG, "authors": SEVEN, "doi": "", "pmid": ""},
                 "Aa A, Bb B, Cc C, Dd D, Ee E, Ff F, et al. A pilot randomized controlled "
                 "trial of ketamine in borderline personality disorder. "
                 "Neuropsychopharmacology. 2023;48(7):991-999.", id="more-than-six-authors"),
    pytest.param({**FINEBERG, "authors": SEVEN[:6], "doi": "", "pmid": ""},
                 "Aa A, Bb B, Cc C, Dd D, Ee E, Ff F. A pilot randomized controlled trial of "
                 "ketamine in borderline personality disorder. Neuropsychopharmacology. "
                 "2023;48(7):991-999.", id="six-authors-all-listed"),
    pytest.param({"authors": ["Doe J"], "title": "Why?", "journal": "Trials",
                  "journal_abbrev": "Trials J", "year": 2020, "volume": "12",
                  "pages": "e2603"},
                 "Doe J. Why? Trials J. 2020;12:e2603.", id="no-issue-abbrev-question"),
    pytest.param({"authors": ["Doe J"], "title": "T", "journal": "J", "year": 2020,
                  "volume": 5, "issue": 2},
                 "Doe J. T. J. 2020;5(2).", id="no-pages"),
    pytest.param({"authors": ["Doe J"], "title": "T", "journal": "J", "year": 2020,
                  "doi": "10.1000/x"},
                 "Doe J. T. J. 2020. doi:10.1000/x.", id="no-volume-issue-pages"),
    pytest.param(EMA,
                 "European Medicines Agency. Spravato (esketamine): EPAR [Internet]. "
                 "Amsterdam: EMA; 2019 [cited 2026 Dec 6]. Available from: "
                 "https://www.ema.europa.eu/en/medicines/human/EPAR/spravato",
                 id="web-page-accessed"),
    pytest.param({"title": "A page", "url": "https://example.org/p", "accessed": "2025-01-09"},
                 "A page [Internet]. [cited 2025 Jan 9]. Available from: https://example.org/p",
                 id="web-page-minimal"),
    pytest.param({"title": "Only a title", "year": 2001},
                 "Only a title. 2001.", id="missing-fields"),
    pytest.param({}, "", id="empty"),
])
def test_citation_text(ref, expected):
    assert vancouver.citation_text(ref) == expected


def test_html_links_doi_and_pmid_and_escapes():
    html = vancouver.citation_html({**FINEBERG, "title": "Risk <b>&</b> benefit"})
    assert "Risk &lt;b&gt;&amp;&lt;/b&gt; benefit." in html
    assert "<cite>Neuropsychopharmacology</cite>. 2023;48(7):991-999. " in html
    assert ('<a href="https://doi.org/10.1038/s41386-023-01540-4">'
            'doi:10.1038/s41386-023-01540-4</a>.') in html
    assert '<a href="https://pubmed.ncbi.nlm.nih.gov/36804489/">PMID: 36804489</a>.' in html
    assert ".." not in html


@pytest.mark.parametrize("field, value", [("doi", "doi:10.1/x y"), ("pmid", "PMID 12"),
                                          ("url", "javascript:alert(1)")])
def test_bad_identifiers_are_shown_but_never_linked(field, value):
    html = vancouver.citation_html({"title": "T", "journal": "J", "year": 2020, field: value})
    assert "href" not in html


@pytest.mark.parametrize("names, expected", [
    (["Zarate CA Jr", "Singh JB"], "Zarate CA Jr, Singh JB"),
    ("World Health Organization", "World Health Organization"),
    (["Doe J", "et al"], "Doe J, et al."),
    ([], ""),
])
def test_authors(names, expected):
    assert vancouver.authors(names) == expected
