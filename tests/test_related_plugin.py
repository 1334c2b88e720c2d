"""Related publications in a build: the attach step, and a whole fixture site built.

The site test copies tests/fixtures/site/content, adds a few articles in both languages and
builds it with the project's settings; it checks the rendered "Related publications" blocks.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from related_publications.model import Match
from related_publications.plugin import attach
from tests.conftest import FIXTURE_SITE, build_into


def article(slug: str, lang: str = "en"):
    return SimpleNamespace(slug=slug, lang=lang, relative_source_path=f"{slug}.{lang}.md")


def match(slug: str, score: float = 50.0, reason: str = "scored") -> Match:
    return Match(slug, score, {"text": score, "tags": 0.0, "category": 0.0, "date": 0.0}, reason)


def test_attach_sets_articles_and_matches_in_order():
    a, b, c = article("a"), article("b"), article("c")
    problems = attach([a, b, c], {("en", "a"): (match("c", 60), match("b", 40))})
    assert problems == []
    assert a.related_publications == [c, b]
    assert [m.slug for m in a.related_matches] == ["c", "b"]
    assert b.related_publications == [] and b.related_matches == ()


def test_attach_never_crosses_languages_and_reports_missing_articles():
    en, uk = article("a", "en"), article("b", "uk")
    problems = attach([en, uk], {("en", "a"): (match("b"), match("gone"))})
    assert en.related_publications == []
    assert len(problems) == 2
    assert problems[1].startswith("a.en.md: related article 'gone' (en)")


def test_attach_gives_hidden_blocks_an_empty_list():
    a, b = article("a"), article("b")
    attach([a, b], {("en", "a"): (), ("en", "b"): (match("a"),)})
    assert a.related_publications == []
    assert b.related_publications == [a]


# --- a whole site ---------------------------------------------------------------------------

ARTICLES = {
    # path: header lines (the body follows)
    "articles/ptsd/sleep-after-shelling.en.md": (
        "title: Sleep after shelling\ndate: 2024-05-01\ncategory: ptsd\ntags: sleep, trauma\n"
        "summary: Nightmares and insomnia after shelling.\n",
        "Nightmares, insomnia and night terrors after shelling: sleep hygiene helps."),
    "articles/ptsd/sleep-after-shelling.uk.md": (
        "title: Сон після обстрілів\ndate: 2024-05-01\ncategory: ptsd\ntags: сон, травма\n"
        "summary: Кошмари та безсоння після обстрілів.\n",
        "Кошмари, безсоння та нічні жахи після обстрілів: гігієна сну допомагає."),
    "articles/ptsd/veterans-nightmares.en.md": (
        "title: Veterans and nightmares\ndate: 2025-06-01\ncategory: ptsd\n"
        "tags: sleep, trauma\nsummary: Nightmares in veterans.\n"
        "related: only-english, no-such-slug\n",
        "Veterans report nightmares, insomnia and night terrors; sleep hygiene helps."),
    "articles/ptsd/veterans-nightmares.uk.md": (
        "title: Ветерани і кошмари\ndate: 2025-06-01\ncategory: ptsd\ntags: сон, травма\n"
        "summary: Кошмари у ветеранів.\n",
        "Ветерани мають кошмари, безсоння та нічні жахи; гігієна сну допомагає."),
    "articles/depression/no-related-block.en.md": (
        "title: A page without related items\ndate: 2025-07-01\ncategory: depression\n"
        "summary: Hidden block.\nrelated: none\n",
        "Nightmares, insomnia and sleep hygiene again."),
}


def related_links(page: Path) -> list[str]:
    """URLs in the page's related block, in order; None when there is no block."""
    html = page.read_text(encoding="utf-8")
    found = re.search(r'<section class="related".*?</section>', html, re.S)
    if found is None:
        return None
    return re.findall(r'<a href="[^"]*?/((?:en/)?articles/[^"]+)"', found.group(0))


@pytest.fixture(scope="module")
def related_site(tmp_path_factory):
    """The fixture site plus ARTICLES, built once for this module."""
    tmp_path = tmp_path_factory.mktemp("related-site")
    content = tmp_path / "content"
    shutil.copytree(FIXTURE_SITE, content)
    for relative, (header, body) in ARTICLES.items():
        path = content / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{header}\n{body}\n", encoding="utf-8")
    return build_into(tmp_path / "output", content)


def test_site_pages_show_related_publications(related_site):
    out = related_site.output
    veterans_en = related_links(out / "en/articles/veterans-nightmares/index.html")
    # the pin comes first, then the translation of the Ukrainian list (older, same topic)
    assert veterans_en[0] == "en/articles/only-english/"
    assert "en/articles/sleep-after-shelling/" in veterans_en
    veterans_uk = related_links(out / "articles/veterans-nightmares/index.html")
    assert veterans_uk[0] == "articles/sleep-after-shelling/"
    assert all(not link.startswith("en/") for link in veterans_uk)


def test_site_hides_the_block_for_related_none(related_site):
    assert related_links(related_site.output / "en/articles/no-related-block/index.html") is None


def test_site_reports_an_unknown_pinned_slug(related_site):
    messages = [str(vars(f)) for f in related_site.findings]
    assert any("veterans-nightmares.en.md" in m and "no-such-slug" in m for m in messages)
