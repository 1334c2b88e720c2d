"""Every template value escaped by construction (issue 26, item 2).

A fixture site carries markup in every field an editor or a data file controls (title,
summary, tags, author, category names, reviewer data, reference data, image_alt, a page's
title and summary). It is built once; then every file of the output (every page type, the
feeds, the sitemap, the editors' reports, the newsletter manifest) and a rendered email
digest are checked: the markup never appears as markup, and each field's text does appear
(escaped) where it belongs, so the check cannot pass by the field being left out.

The stored XSS reported in the issue (a tag in tag.html's meta description, through
`{% filter striptags %}`, whose output Jinja does not escape) made this test fail before
base.html stopped using a filter block.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import lxml.etree
import lxml.html
import pytest

from newsletter.config import read_pelicanconf
from newsletter.digest import settings as digest_settings
from newsletter.digest.plan import make_plan, web_version
from newsletter.digest.render import render
from tests.conftest import FIXTURE_SITE, ROOT, build_into
from tests.digest_helpers import NOW, PERIOD


def payload(field: str) -> str:
    """Markup that would run if printed unescaped; `alert('<field>')` marks where it went."""
    return f"""q"><script>alert('{field}')</script><img src=x onerror=alert('{field}')>"""


RAW_MARKUP = ("<script>alert(", "<img src=x onerror")
HOSTILE_CATEGORIES = {"en": "PTSD " + payload("category"), "uk": "ПТСР " + payload("category")}

ARTICLE = f"""title: Night {payload("title")}
date: 2026-11-24
category: ptsd
tags: sleep, {payload("tag")}
author: Dr {payload("author")}
summary: Summary {payload("summary")}
reviewed_by: hostile
reviewed_on: 2026-11-01
references: hostile2020
image: {{static}}/images/dot.svg
image_alt: Alt {payload("image_alt")}

Body text [@hostile2020].
"""
PAGE = f"""title: Team {payload("page_title")}
summary: About {payload("page_summary")}
menu: main

The team.
"""
REVIEWERS = f"""
[hostile]
profile = "javascript:alert('profile')"
en = {{ name = {json.dumps("Rev " + payload("reviewer"))}, credentials = {json.dumps(payload("credentials"))} }}
uk = {{ name = {json.dumps("Рец " + payload("reviewer"))}, credentials = "психіатр" }}
"""
REFERENCES = f"""
[hostile2020]
authors = ["Doe J", {json.dumps(payload("ref_author"))}]
title = {json.dumps(payload("ref_title"))}
journal = {json.dumps(payload("journal"))}
year = 2020
doi = "10.1000/hostile.2020"
"""

# Where each field's text must show up (escaped), as paths in the output.
ARTICLE_PAGE = "en/articles/hostile/index.html"
EXPECTED = {
    "title": [ARTICLE_PAGE, "en/index.html", "en/archives/index.html",
              "en/category/ptsd/index.html", "en/tag/sleep/index.html",
              "en/archives/2026/index.html", "en/feeds/all.atom.xml", "en/feeds/all.rss.xml",
              "reports/review-status.html"],
    "tag": [ARTICLE_PAGE, "en/tag/qalerttag/index.html", "en/tags/index.html",
            "en/feeds/all.atom.xml"],
    "author": ["en/author/dr-qalertauthor/index.html", "en/authors/index.html",
               "en/feeds/all.atom.xml"],
    "category": [ARTICLE_PAGE, "en/category/ptsd/index.html", "en/categories/index.html",
                 "en/search/index.html", "en/subscribe/index.html", "en/404.html",
                 "en/feeds/index.html", "en/feeds/all.atom.xml", "en/feeds/category/ptsd.atom.xml"],
    "reviewer": [ARTICLE_PAGE],
    "credentials": [ARTICLE_PAGE],
    "ref_title": [ARTICLE_PAGE],
    "ref_author": [ARTICLE_PAGE],
    "journal": [ARTICLE_PAGE],
    "image_alt": [ARTICLE_PAGE],
    "page_title": ["en/team/index.html", "en/index.html", "en/404.html",
                   "en/search/index.html", "en/subscribe/index.html", "en/tags/index.html",
                   "en/subscribe/confirmed/index.html", "en/author/dr-qalertauthor/index.html"],
}


FINDINGS: list = []  # of the hostile site's build


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    content = root / "content"
    shutil.copytree(FIXTURE_SITE, content)
    (content / "articles" / "ptsd" / "hostile.en.md").write_text(ARTICLE, encoding="utf-8")
    (content / "articles" / "ptsd" / "hostile.uk.md").write_text(ARTICLE, encoding="utf-8")
    (content / "pages" / "team.en.md").write_text(PAGE, encoding="utf-8")
    with (content / "data" / "reviewers.toml").open("a", encoding="utf-8") as handle:
        handle.write(REVIEWERS)
    with (content / "data" / "references.toml").open("a", encoding="utf-8") as handle:
        handle.write(REFERENCES)
    categories = {**read_pelicanconf()["CATEGORIES"], "ptsd": HOSTILE_CATEGORIES}
    output = root / "output"
    report = build_into(output, content, CATEGORIES=categories,
                        SITE_BUILD_DATE=date(2026, 11, 25))
    FINDINGS[:] = report.findings
    return output


def text_files(output: Path):
    # admin/ is the web editor's app, copied from its npm package with its own policy; its
    # generated config.yml is checked in tests/test_cms_config.py.
    for path in sorted(output.rglob("*")):
        if path.is_file() and not {"pagefind", "admin"} & set(path.parts) and path.suffix in {
                ".html", ".xml", ".json", ".txt", ".csv", ""}:
            yield path


def assert_no_active_markup(html: str, where: str) -> list[str]:
    """No script of our own making, no event handler, no javascript: link; returns the
    decoded texts (text content, attribute values, JSON-LD strings) for the presence check."""
    document = lxml.html.document_fromstring(html) if html.lstrip().startswith("<!doctype") \
        else lxml.html.fragment_fromstring(html, create_parent="div")
    texts = [document.text_content()]
    for element in document.iter(lxml.etree.Element):
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (where, element.tag, name, value)
            assert not value.strip().lower().startswith("javascript:"), (where, name, value)
            texts.append(value)
        if element.tag == "script":
            if element.get("type") == "application/ld+json":
                assert "</" not in element.text, where
                texts.append(json.dumps(json.loads(element.text), ensure_ascii=False))
            else:
                assert element.get("src") and not (element.text or "").strip(), where
                assert "/theme/" in element.get("src"), (where, element.get("src"))
    return texts


def test_markup_in_every_field_appears_only_escaped(hostile_site):
    found: dict[str, set[str]] = {field: set() for field in EXPECTED}
    checked = 0
    for path in text_files(hostile_site):
        relative = path.relative_to(hostile_site).as_posix()
        raw = path.read_text(encoding="utf-8")
        texts = [raw]
        if path.suffix == ".json":  # text fields are plain text; HTML fields must be clean
            def walk(value, key=""):
                if isinstance(value, dict):
                    for name, item in value.items():
                        walk(item, name)
                elif isinstance(value, list):
                    for item in value:
                        walk(item, key)
                elif isinstance(value, str) and "html" in key:
                    assert_no_active_markup(value, f"{relative}: {key}")
            walk(json.loads(raw))
        else:
            for marker in RAW_MARKUP:
                assert marker not in raw, f"{relative}: unescaped {marker!r}"
        if path.suffix == ".html":
            texts = assert_no_active_markup(raw, relative)
        elif path.suffix == ".xml":
            tree = lxml.etree.fromstring(raw.encode("utf-8"))
            texts = [" ".join(tree.itertext()), *(v for e in tree.iter() for v in e.attrib.values()
                                                if isinstance(e.tag, str))]
            for element in tree.iter():
                kind = element.get("type") if isinstance(element.tag, str) else None
                local = lxml.etree.QName(element).localname if isinstance(element.tag, str) else ""
                if element.text and (kind == "html" or local in ("description", "encoded")):
                    texts += assert_no_active_markup(element.text, f"{relative}: {local}")
        checked += 1
        for field in EXPECTED:
            if any(f"alert('{field}')" in text for text in texts):
                found[field].add(relative)
    assert checked > 40
    for field, pages in EXPECTED.items():
        missing = set(pages) - found[field]
        assert not missing, f"{field!r} does not reach {sorted(missing)}"


def test_the_reported_tag_xss_is_escaped(hostile_site):
    for page in (hostile_site / "en" / "tag" / "qalerttag" / "index.html",
                 hostile_site / "tag" / "qalerttag" / "index.html"):
        head = lxml.html.document_fromstring(page.read_text(encoding="utf-8")).head
        description = head.xpath("//meta[@name='description']/@content")[0]
        assert "<script>alert('tag')</script>" in description  # as text, in the attribute
        assert [s.get("src") or s.get("type") for s in head.iter("script")] == [
            "application/ld+json", *[s.get("src") for s in head.iter("script") if s.get("src")]]


def test_urls_from_data_are_never_javascript(hostile_site):
    page = (hostile_site / ARTICLE_PAGE).read_text(encoding="utf-8")
    assert "javascript:" not in page
    assert "Rev q" in lxml.html.document_fromstring(page).text_content()
    assert [str(f) for f in FINDINGS if f.field == "hostile.profile"] == [
        "content/data/reviewers.toml:7: hostile.profile: \"javascript:alert('profile')\" is not "
        "a page of the site or a web address (the profile link is left out) — write a site path "
        "such as /about/#team or a full https:// address"]


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_the_email_digest_escapes_every_field(hostile_site, lang):
    settings = {**read_pelicanconf(), "CATEGORIES": {**read_pelicanconf()["CATEGORIES"],
                                                     "ptsd": HOSTILE_CATEGORIES}}
    config = digest_settings.load(settings)
    plan = make_plan(lang=lang, period=PERIOD, config=config, output=hostile_site, ledger=None,
                     now=NOW)
    assert plan.content.articles, "the hostile article is in the digest"
    for rendered in (render(plan.content, plan.ctx, config), web_version(plan, config)):
        for marker in RAW_MARKUP:
            assert marker not in rendered.html
        texts = assert_no_active_markup(rendered.html, f"digest {lang}")
        for field in ("title", "category", "image_alt"):
            assert any(f"alert('{field}')" in text for text in texts), field
        assert "alert('title')" in rendered.text  # plain text part: the text as written


# The values templates print unescaped, each sanitised before it reaches the context.
TRUSTED = {"article.content|safe", "page.content|safe", "item.summary|safe"}


def test_templates_mark_only_sanitised_html_safe():
    """Autoescape covers `{{ }}`; a filter block's output it does not (the tag XSS)."""
    import re

    marked = set()
    for template in (ROOT / "theme" / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert "{% filter" not in text.replace("{%- filter", "{% filter"), template
        assert "autoescape false" not in text, template
        marked |= set(re.findall(r"[\w.]+\|safe\b", text))
    assert marked <= TRUSTED


def test_autoescape_cannot_be_turned_off(tmp_path):
    from core.settings import SettingsError

    with pytest.raises(SettingsError, match=r"JINJA_ENVIRONMENT\['autoescape'\] must be True"):
        build_into(tmp_path / "output", JINJA_ENVIRONMENT={"autoescape": False})
