"""Medical integrity checks (plugins/medical/checks.py): reviews, references, evidence.

Each case builds a small content folder in tmp_path, reads it into a catalogue with the
project's settings, and asserts on the findings: file, line, field, problem, fix, level.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from core import catalogue
from core.findings import NOTICE, WARNING
from core.settings import SettingsError
from medical import checks as medical
from medical import settings as medical_settings
from sitebuild.config import BuildOptions, read_base
from tests.conftest import ROOT

REVIEWERS = """[koval]
profile = "/about/#team"
uk = { name = "Олена Коваль", credentials = "психіатриня" }
en = { name = "Olena Koval", credentials = "psychiatrist" }
"""
REFERENCES = """# test references
[good2023]
authors = ["Doe J"]
title = "A good trial"
journal = "J Test"
year = 2023
volume = 48
issue = 7
pages = "991-999"
doi = "10.1038/s41386-023-01540-4"
pmid = "36804489"

[baddoi]
title = "A bad DOI"
year = 2020
doi = "10.12/abc"

[prefixed]
title = "A DOI written as a link"
year = 2021
doi = "https://doi.org/10.1001/archpsyc.63.8.856"

[badpmid]
title = "A bad PMID"
year = 2019
pmid = "PMC12345"

[nothing]
title = "No way to find it"
year = 2018
"""


@pytest.fixture(scope="module")
def base_settings():
    return read_base(BuildOptions(settings_file=ROOT / "pelicanconf.py"))


def make_catalogue(tmp_path: Path, settings: dict, files: dict[str, str],
                   references: str = REFERENCES) -> catalogue.Catalogue:
    content = tmp_path / "content"
    (content / "data").mkdir(parents=True)
    (content / "data" / "reviewers.toml").write_text(REVIEWERS, encoding="utf-8")
    (content / "data" / "references.toml").write_text(references, encoding="utf-8")
    for relative, text in files.items():
        path = content / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return catalogue.build({**settings, "PATH": str(content)})


def findings(tmp_path, settings, files, **kwargs):
    return [str(f) for f in medical.check(make_catalogue(tmp_path, settings, files, **kwargs),
                                          settings)]


def article(title="T", category="ptsd", extra="", body="Body."):
    return f"title: {title}\ndate: 2025-01-01\ncategory: {category}\n{extra}\n{body}\n"


# --- review ---------------------------------------------------------------------------

CONFIG = medical_settings.Config()
TODAY = date(2026, 6, 1)


def entry_of(tmp_path, settings, text, name="articles/ptsd/a.en.md"):
    return make_catalogue(tmp_path, settings, {name: text}).entries[0]


@pytest.mark.parametrize("name", ["articles/ptsd/a.en.md", "articles/ptsd/a.uk.md"])
def test_missing_review_on_a_medical_category_is_a_notice(tmp_path, base_settings, name):
    entry = entry_of(tmp_path, base_settings, article(), name)
    [finding] = medical.check_review(entry, CONFIG, TODAY)
    assert finding.level == NOTICE
    assert (finding.path, finding.line, finding.field) == (name, 3, "reviewed_by")
    assert "medical article (category 'ptsd') has no medical review" in finding.problem
    assert "reviewed_by: <key from content/data/reviewers.toml>" in finding.fix


def test_missing_review_is_a_warning_when_strict(tmp_path, base_settings):
    entry = entry_of(tmp_path, base_settings, article())
    strict = medical_settings.Config(strict_review_in_publish=True)
    [finding] = medical.check_review(entry, strict, TODAY)
    assert finding.level == WARNING


def test_review_not_required_outside_medical_categories(tmp_path, base_settings):
    entry = entry_of(tmp_path, base_settings, article(category="news"))
    assert list(medical.check_review(entry, CONFIG, TODAY)) == []


@pytest.mark.parametrize("reviewed_on, today, overdue", [
    ("2025-05-31", date(2026, 5, 30), False),
    ("2025-05-31", date(2026, 5, 31), True),  # due exactly 12 months later
    ("2024-02-29", date(2025, 2, 27), False),  # leap day: due on the 28th
    ("2024-02-29", date(2025, 2, 28), True),
])
def test_overdue_review(tmp_path, base_settings, reviewed_on, today, overdue):
    text = article(extra=f"reviewed_by: koval\nreviewed_on: {reviewed_on}\n")
    found = list(medical.check_review(entry_of(tmp_path, base_settings, text), CONFIG, today))
    if not overdue:
        assert found == []
        return
    [finding] = found
    assert (finding.line, finding.field, finding.level) == (5, "reviewed_on", NOTICE)
    assert f"medical review of {reviewed_on} was due for renewal" in finding.problem
    assert "update `reviewed_on`" in finding.fix


def test_review_interval_comes_from_settings(tmp_path, base_settings):
    text = article(extra="reviewed_by: koval\nreviewed_on: 2026-01-01\n")
    six = medical_settings.load({"MEDICAL": {"review_interval_months": 3}})
    [finding] = medical.check_review(entry_of(tmp_path, base_settings, text), six, TODAY)
    assert "due for renewal on 2026-04-01 (every 3 months)" in finding.problem


# --- references.toml ------------------------------------------------------------------

def test_reference_syntax_is_checked_with_line_numbers(tmp_path, base_settings):
    found = findings(tmp_path, base_settings, {})
    data = "content/data/references.toml"
    assert f"{data}:16: baddoi.doi: '10.12/abc' is not a DOI" in "\n".join(found)
    assert any(f.startswith(f"{data}:21: prefixed.doi: 'https://doi.org/10.1001/archpsyc.63.8.856'"
                            " is a link or has a prefix, not a DOI — write the bare DOI: "
                            "doi = \"10.1001/archpsyc.63.8.856\"") for f in found)
    assert any(f.startswith(f"{data}:26: badpmid.pmid: 'PMC12345' is not a PMID") for f in found)
    assert any(f.startswith(f"{data}:28: nothing: has no DOI, PMID or URL") for f in found)
    assert not any("good2023" in f for f in found)


def test_a_data_setting_naming_a_folder_is_a_clear_finding(tmp_path, base_settings):
    from sitebuild.checks import run_all

    settings = {**base_settings, "REFERENCES_FILE": "data"}  # the folder, not the file in it
    site = make_catalogue(tmp_path, settings, {"articles/ptsd/a.en.md": article()})
    assert site.references == {}
    found = [str(f) for f in run_all(site, settings)]
    assert ("data:1: REFERENCES_FILE: cannot be read: Is a directory — set REFERENCES_FILE in "
            "pelicanconf.py to a TOML file under the content folder, e.g. "
            "data/references.toml") in found


CITATION_FIELDS = """[web]
title = "A regulator's page"
url = "https://example.org/page"

[later]
title = "Consulted tomorrow"
url = "https://example.org/later"
accessed = 2099-01-01

[typo]
title = "Typo"
journal = "J"
year = 2020
volume = true
page = "1-2"
pages = "991–999"

[words]
title = "Pages in words"
journal = "J"
year = "twenty"
volume = 3
pages = "pp. 1 to 9"
accessed = "yesterday"

[moz]
title = "Уніфікований клінічний протокол: депресія"
url = "https://moz.gov.ua/protocol"
accessed = 2026-01-01

[tagged]
title = "Wrong tag"
journal = "J"
year = 2020
volume = 1
pages = "1-2"
doi = "10.1000/x"
lang = "English"
"""


@pytest.mark.parametrize("expected", [
    "content/data/references.toml:3: web.accessed: web source without a date — add "
    "`accessed = YYYY-MM-DD`, the day you checked the page (it is cited as [cited ...])",
    "content/data/references.toml:8: later.accessed: 2099-01-01 is in the future — write the "
    "day you consulted the page",
    "content/data/references.toml:14: typo.volume: True is not a volume — write it as printed, "
    "e.g. volume = 48 or volume = \"Suppl 1\"",
    "content/data/references.toml:15: typo.page: is not a reference field — did you mean "
    "`pages`? fields: authors, title, journal, journal_abbrev, year, volume, issue, pages, doi, "
    "pmid, url, accessed, publisher, place, lang",
    "content/data/references.toml:16: typo.pages: '991–999' uses a dash or spaces — write "
    "pages = \"991-999\"",
    "content/data/references.toml:21: words.year: 'twenty' is not a year — write the year of "
    "publication as a number: year = 2023",
    "content/data/references.toml:23: words.pages: 'pp. 1 to 9' is not a page range — write "
    "first-last page with a hyphen, e.g. pages = \"991-999\" (or an article number: "
    "pages = \"e2603\")",
    "content/data/references.toml:24: words.accessed: 'yesterday' is not a date — write the "
    "day you consulted the page, unquoted: accessed = 2026-12-06",
    "content/data/references.toml:27: moz.lang: the title is in Cyrillic but the source counts "
    "as lang = \"en\" (the default) — add lang = \"uk\" (or the language it is written in), so "
    "screen readers read it with the right voice",
    "content/data/references.toml:38: tagged.lang: 'English' is not a language tag — write the "
    "language the source is in: lang = \"uk\" or lang = \"en\"",
])
def test_citation_fields_are_checked(tmp_path, base_settings, expected):
    found = findings(tmp_path, base_settings, {}, references=CITATION_FIELDS)
    assert expected in found


def test_journal_article_without_volume_or_pages_is_a_notice(tmp_path, base_settings):
    site = make_catalogue(tmp_path, base_settings, {}, references=(
        '[bare]\ntitle = "T"\njournal = "J"\nyear = 2020\ndoi = "10.1000/x"\n'))
    [finding] = medical.check(site, base_settings)
    assert finding.level == NOTICE
    assert str(finding).startswith("content/data/references.toml:1: bare.volume: journal "
                                   "article without volume or pages — add them from")


@pytest.mark.parametrize("doi, valid", [
    ("10.1038/s41386-023-01540-4", True), ("10.1016/S0006-3223(99)00230-9", True),
    ("10.123/x", False), ("10.1038/", False), ("10.1038/a b", False), ("doi:10.1038/x", False),
])
def test_doi_syntax(doi, valid):
    from medical.references import valid_doi
    assert valid_doi(doi) is valid


# --- citations and evidence --------------------------------------------------------------

def test_unknown_and_unlisted_citations(tmp_path, base_settings):
    text = article(extra="references: good2023\n",
                   body="Intro.\n\nAs shown [@good2023], and [@god2023].\n\nAlso [@baddoi].")
    found = findings(tmp_path, base_settings, {"articles/ptsd/a.en.md": text})
    assert ("articles/ptsd/a.en.md:8: citation: [@god2023] names no reference (did you mean "
            "'good2023'?) — use a key defined in content/data/references.toml") in found
    assert any(f.startswith("articles/ptsd/a.en.md:10: citation: [@baddoi] is cited but not "
                            "listed in `references:` — add baddoi to the `references:` field")
               for f in found)


@pytest.mark.parametrize("name, body, line, word", [
    ("a.en.md", "Intro.\n\nA recent study found that sleep helps.", 7, "A recent study"),
    ("a.en.md", "Intro.\n\nTwo randomised trials showed it.", 7, "trials"),
    ("a.en.md", "Research shows that grounding works.", 5, "Research shows"),
    ("a.uk.md", "Вступ.\n\nНове дослідження показало, що сон допомагає.", 7, "дослідження"),
    ("a.uk.md", "Клінічні випробування тривають.", 5, "випробування"),
])
def test_evidence_words_without_references(tmp_path, base_settings, name, body, line, word):
    found = findings(tmp_path, base_settings,
                     {f"articles/news/{name}": article(category="news", body=body)})
    [finding] = [f for f in found if "cites no reference" in f]
    assert finding.startswith(f"articles/news/{name}:{line}: body: mentions {word!r} but the "
                              "article cites no reference — add the study to")


@pytest.mark.parametrize("name, body, extra", [
    ("a.en.md", "We help with work, study and new goals.", ""),  # "study" the activity
    ("a.en.md", "A recent study found it [@good2023].", ""),  # cites inline
    ("a.uk.md", "Нове дослідження показало це.", "references: good2023\n"),
    ("a.uk.md", "Без жодних тверджень про науку.", ""),
])
def test_no_evidence_warning(tmp_path, base_settings, name, body, extra):
    found = findings(tmp_path, base_settings,
                     {f"articles/news/{name}": article(category="news", body=body, extra=extra)})
    assert not [f for f in found if "cites no reference" in f]


def test_evidence_in_the_title_points_at_the_title(tmp_path, base_settings):
    found = findings(tmp_path, base_settings, {
        "articles/news/a.en.md": article(title="What a new trial tells us", category="news")})
    assert any(f.startswith("articles/news/a.en.md:1: title: mentions 'trial'") for f in found)


@pytest.mark.parametrize("body, expected", [
    ("Intro.\n\nRelapse fell to 26.7%. It was rare.", [(8, "26.7%")]),
    ("Intro.\n\nRelapse fell to 26.7% [@good2023]. Then 45.3% on placebo.", [(8, "45.3%")]),
    ("Рецидив у 26,7 % випадків.\n\n- один пункт\n- у 41 відсотка людей", [(6, "26,7 %"),
                                                                          (9, "41 відсотка")]),
    ("A small trial\n(n = 41) showed it [@good2023].\nA second, n=30, too.", [(8, "n=30")]),
    ("| a | 50 % |\n|---|---|\n\n```\n99% in code\n```", [(6, "50 %")]),
    ("A dose of 0.5 mg/kg over 40 minutes, 24 hours.", []),
])
def test_figures_need_a_citation_in_their_sentence(tmp_path, base_settings, body, expected):
    found = findings(tmp_path, base_settings, {"articles/news/a.en.md": article(
        category="news", body=body, extra="references: good2023\n")})
    uncited = [f for f in found if "but the sentence cites no source" in f]
    assert uncited == [f"articles/news/a.en.md:{line}: body: quotes {figure!r} but the sentence "
                       "cites no source — cite the study in the same sentence with [@key] (add "
                       "it to content/data/references.toml and `references:`) — or leave the "
                       "figure out" for line, figure in expected]


# --- settings ---------------------------------------------------------------------------

def test_settings_reject_unknown_keys_and_wrong_types():
    with pytest.raises(SettingsError, match="unknown key.*'interval'"):
        medical_settings.load({"MEDICAL": {"interval": 6}})
    with pytest.raises(SettingsError,
                       match=r"MEDICAL\['review_interval_months'\] must be a whole number"):
        medical_settings.load({"MEDICAL": {"review_interval_months": "12"}})
    with pytest.raises(SettingsError, match="strict_review_in_publish"):
        medical_settings.load({"MEDICAL": {"strict_review_in_publish": "yes"}})
    assert medical_settings.load({}).review_interval_months == 12
