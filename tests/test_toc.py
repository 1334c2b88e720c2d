"""Table of contents of long articles (plugins/site_content/toc.py, partials/toc.html): a named
`nav` before the body when an article has three or more `##` headings, in both languages,
linking to the ids Markdown gives the headings."""

from __future__ import annotations

import re

import pytest

from site_content import toc
from site_content.markdown_setup import heading_id
from tests.conftest import build_fixture_with


@pytest.mark.parametrize("body, expected", [
    ('<h2 id="a">One</h2><p>x</p><h2 id="b">Two <em>&amp; more</em></h2><h3 id="c">Sub</h3>'
     '<h2 id="d">Three</h2>',
     [{"id": "a", "text": "One"}, {"id": "b", "text": "Two & more"},
      {"id": "d", "text": "Three"}]),
    ('<h2 id="a">One</h2><h2 id="b">Two</h2>', []),  # two headings: short article, no list
    ('<h2>No id</h2><h2 id="a">A</h2><h2 id="b">B</h2>', []),  # only headings with an id
    ("", []),
])
def test_table_of_contents(body, expected):
    assert toc.table_of_contents(body) == expected


@pytest.mark.parametrize("text, expected", [
    ("Порівняння коротко", "porivniannia-korotko"),
    ("Where esketamine is approved, and for what", "where-esketamine-is-approved-and-for-what"),
    ("«Дзеркальні» половини — S і R", "dzerkalni-polovyny-s-i-r"),
])
def test_heading_ids_are_readable_in_both_languages(text, expected):
    assert heading_id(text) == expected


LONG = ("## Перший розділ\n\nТекст.\n\n## Другий розділ\n\nТекст.\n\n### Підрозділ\n\nТекст.\n\n"
        "## Третій розділ\n\nТекст.\n")
ARTICLES = {
    "articles/stress/long.uk.md": "title: Довга стаття\ndate: 2025-02-01\ncategory: stress\n\n"
                                  + LONG,
    "articles/stress/long.en.md": (
        "title: Long article\ndate: 2025-02-01\ncategory: stress\n\n## First part\n\nText.\n\n"
        "## Second part\n\nText.\n\n## Third part\n\nText.\n"),
    "articles/stress/short.en.md": (
        "title: Short article\ndate: 2025-02-02\ncategory: stress\n\n## Only\n\nText.\n\n"
        "## Two\n\nText.\n"),
}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return build_fixture_with(tmp_path_factory.mktemp("toc-site"), ARTICLES)


@pytest.mark.parametrize("path, name, entries", [
    ("articles/long", "Зміст", [("pershyi-rozdil", "Перший розділ"),
                                ("druhyi-rozdil", "Другий розділ"),
                                ("tretii-rozdil", "Третій розділ")]),
    ("en/articles/long", "Contents", [("first-part", "First part"),
                                      ("second-part", "Second part"),
                                      ("third-part", "Third part")]),
])
def test_long_article_has_a_named_toc_before_the_body(site, path, name, entries):
    html = (site / path / "index.html").read_text(encoding="utf-8")
    nav = re.search(r'<nav class="toc" aria-labelledby="toc-heading"[^>]*>(.*?)</nav>', html, re.S)
    assert nav, "no table of contents"
    assert f'<h2 id="toc-heading">{name}</h2>' in nav[1]
    assert re.findall(r'<a href="#([^"]+)">([^<]+)</a>', nav[1]) == entries
    assert html.index('<nav class="toc"') < html.index('<div class="prose">')
    for anchor, text in entries:  # every link lands on its heading
        assert f'<h2 id="{anchor}">{text}</h2>' in html
    assert "Підрозділ</a>" not in nav[1]  # only ## headings are listed


def test_short_article_has_no_toc(site):
    html = (site / "en/articles/short/index.html").read_text(encoding="utf-8")
    assert 'class="toc"' not in html
