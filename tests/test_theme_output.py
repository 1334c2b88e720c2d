"""The theme's output, checked on the real site built once per session (`real_site`).

HTML validity (Nu checker, one JVM over the whole tree), the CSP contract (no inline scripts
or styles), head metadata (unique titles, canonical, hreflang pairs that answer each other,
JSON-LD that parses and has the fields search engines need), page weight, the subscribe form
contract and the message catalogues.
"""

from __future__ import annotations

import json
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from pelican.settings import read_settings

from tests.conftest import ROOT

VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
OUTCOMES = ("check-inbox", "confirmed", "unsubscribed", "preferences-saved", "invalid-email",
            "non-ascii-address", "rate-limited", "try-later", "forgotten-email", "compliance",
            "forbidden", "bad-request", "expired-link")
SITEURL = "http://127.0.0.1:8000"


class Head(HTMLParser):
    """What the tests need from one page: head links, metas, scripts, styles, attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.meta: dict[str, str] = {}
        self.canonical = ""
        self.alternates: dict[str, str] = {}
        self.og_alternates: list[str] = []
        self.stylesheets: list[str] = []
        self.scripts: list[dict] = []
        self.jsonld: list[str] = []
        self.style_attributes = 0
        self.style_elements = 0
        self.pagefind_body = 0
        self.html_lang = ""
        self._in_title = False
        self._script: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "style" in a:
            self.style_attributes += 1
        if "data-pagefind-body" in a:
            self.pagefind_body += 1
        if tag == "html":
            self.html_lang = a.get("lang", "")
        elif tag == "title":
            self._in_title = True
        elif tag == "meta" and ("name" in a or "property" in a):
            self.meta[a.get("name") or a["property"]] = a.get("content", "")
            if a.get("property") == "og:locale:alternate":
                self.og_alternates.append(a.get("content", ""))
        elif tag == "link" and a.get("rel") == "canonical":
            self.canonical = a["href"]
        elif tag == "link" and a.get("rel") == "alternate" and "hreflang" in a:
            self.alternates[a["hreflang"]] = a["href"]
        elif tag == "link" and a.get("rel") == "stylesheet":
            self.stylesheets.append(a["href"])
        elif tag == "style":
            self.style_elements += 1
        elif tag == "script":
            self._script = {**a, "text": ""}
            self.scripts.append(self._script)

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        elif tag == "script" and self._script is not None:
            if self._script.get("type") == "application/ld+json":
                self.jsonld.append(self._script["text"])
            self._script = None

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        if self._script is not None:
            self._script["text"] += data


def parse(path: Path) -> Head:
    head = Head()
    head.feed(path.read_text(encoding="utf-8"))
    return head


def theme_pages(site: Path) -> list[Path]:
    """HTML pages rendered with the theme (reports, search bundles, previews and the web
    editor's page excluded)."""
    skip = ("pagefind", "reports", "newsletter", "theme", "admin")
    return sorted(p for p in site.rglob("*.html")
                  if p.relative_to(site).parts[0] not in skip
                  and not (len(p.relative_to(site).parts) > 1
                           and p.relative_to(site).parts[1] in skip))


def test_whole_site_is_valid_html(real_site):
    result = subprocess.run(
        ["java", "-jar", str(VNU), "--errors-only", "--skip-non-html", str(real_site)],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[:5000]


def test_no_inline_script_or_style_anywhere(real_site):
    for path in theme_pages(real_site):
        head = parse(path)
        assert head.style_attributes == 0, f"{path}: style=\"\" attributes break the CSP"
        assert head.style_elements == 0, f"{path}: <style> elements break the CSP"
        for script in head.scripts:
            if script.get("type") == "application/ld+json":
                continue
            assert script.get("src"), f"{path}: inline <script> breaks the CSP"
            assert script["text"].strip() == ""


def test_titles_descriptions_and_canonicals_are_unique(real_site):
    seen_titles: dict[str, Path] = {}
    seen_canonicals: dict[str, Path] = {}
    for path in theme_pages(real_site):
        head = parse(path)
        if "noindex" in head.meta.get("robots", ""):
            continue
        assert head.title.strip(), f"{path}: empty <title>"
        assert head.meta.get("description", "").strip(), f"{path}: no meta description"
        assert head.canonical.startswith(SITEURL + "/"), f"{path}: canonical {head.canonical!r}"
        assert head.title not in seen_titles, f"{path} repeats the title of {seen_titles.get(head.title)}"
        assert head.canonical not in seen_canonicals, f"{path}: canonical also on another page"
        seen_titles[head.title] = path
        seen_canonicals[head.canonical] = path
        for field in ("og:title", "og:description", "og:url", "og:type", "og:locale"):
            assert head.meta.get(field), f"{path}: no {field}"


def _url_to_file(site: Path, url: str) -> Path:
    relative = url.removeprefix(SITEURL + "/")
    return site / relative / "index.html" if relative.endswith("/") or not relative \
        else site / relative


def test_hreflang_includes_self_and_x_default_and_pairs_are_reciprocal(real_site):
    checked = 0
    for path in theme_pages(real_site):
        head = parse(path)
        if not head.alternates:
            assert "noindex" in head.meta.get("robots", ""), f"{path}: no hreflang links"
            continue
        assert head.alternates.get(head.html_lang) == head.canonical, \
            f"{path}: hreflang for its own language ({head.html_lang}) must be its canonical URL"
        assert "x-default" in head.alternates, f"{path}: no x-default"
        for lang, href in head.alternates.items():
            if lang in ("x-default", head.html_lang):
                continue
            target = _url_to_file(real_site, href)
            assert target.exists(), f"{path}: hreflang {lang} points at a missing page {href}"
            other = parse(target)
            assert other.html_lang == lang, f"{href} is not in {lang}"
            assert other.alternates.get(head.html_lang) == head.canonical, \
                f"{href} does not link back to {head.canonical}"
            assert other.alternates["x-default"] == head.alternates["x-default"]
            checked += 1
    assert checked > 20, "translations exist, so reciprocal pairs must have been checked"


def test_og_locale_alternates_are_the_languages_the_page_exists_in(real_site):
    languages = read_settings(str(ROOT / "pelicanconf.py"))["SITE_LANGUAGES"]
    locales = {lang: info["og_locale"] for lang, info in languages.items()}
    alone = 0
    for path in theme_pages(real_site):
        head = parse(path)
        assert head.meta["og:locale"] == locales[head.html_lang], path
        others = sorted(locales[lang] for lang in head.alternates
                        if lang not in ("x-default", head.html_lang))
        assert sorted(head.og_alternates) == others, f"{path}: og:locale:alternate {others}"
        alone += not others
    assert alone > 10, "untranslated pages exist: they must have no og:locale:alternate"


def _graph(head: Head, path: Path) -> dict[str, dict]:
    assert head.jsonld, f"{path}: no JSON-LD"
    nodes = {}
    for text in head.jsonld:
        data = json.loads(text)
        assert data["@context"] == "https://schema.org"
        for node in data["@graph"]:
            nodes[node["@type"]] = node
    return nodes


def test_article_json_ld_has_medical_page_breadcrumbs_and_clinic(real_site):
    articles = sorted((real_site / "articles").glob("*/index.html")) + \
        sorted((real_site / "en" / "articles").glob("*/index.html"))
    assert len(articles) > 10
    for path in articles:
        head = parse(path)
        nodes = _graph(head, path)
        page = nodes["MedicalWebPage"]
        for field in ("name", "headline", "url", "inLanguage", "datePublished", "dateModified",
                      "publisher", "breadcrumb"):
            assert page.get(field), f"{path}: MedicalWebPage has no {field}"
        assert page["url"] == head.canonical
        crumbs = nodes["BreadcrumbList"]["itemListElement"]
        assert [c["position"] for c in crumbs] == [1, 2, 3]
        assert crumbs[-1]["item"] == head.canonical
        org = nodes["Organization"]
        assert org["name"] and org["url"] and org["telephone"]
        assert page["publisher"]["@id"] == org["@id"]
    reviewed = _graph(parse(real_site / "en/articles/ptsd-in-veterans/index.html"), path)
    assert reviewed["MedicalWebPage"]["reviewedBy"]["name"] == "Andrii Marchenko"
    assert reviewed["MedicalWebPage"]["lastReviewed"] == "2026-05-20"


def test_every_page_has_the_organization_and_listing_pages_parse(real_site):
    for path in theme_pages(real_site):
        nodes = _graph(parse(path), path)
        assert "Organization" in nodes, path


def test_only_articles_and_pages_are_search_bodies(real_site):
    for path in theme_pages(real_site):
        relative = path.relative_to(real_site).as_posix().removeprefix("en/")
        head = parse(path)
        is_content = relative.startswith("articles/") or (
            relative.count("/") == 1 and (real_site / "sitemap.xml").exists()
            and relative.split("/")[0] not in {"archives", "categories", "tags", "authors",
                                               "search", "subscribe", "feeds", "page"})
        if relative.startswith("articles/"):
            assert head.pagefind_body == 1, f"{path}: article body not marked for search"
        elif not is_content:
            assert head.pagefind_body == 0, f"{path}: listings must not be search bodies"


def test_article_weight_and_fingerprinted_stylesheet(real_site):
    """A typical (median) article's HTML+CSS stays under 40 KB; long ones under 48 KB."""
    for articles_dir in (real_site / "articles", real_site / "en" / "articles"):
        totals = []
        for path in sorted(articles_dir.glob("*/index.html")):
            head = parse(path)
            [css] = head.stylesheets
            assert re.search(r"/theme/css/site\.[0-9a-f]{10}\.css$", css), css
            css_file = (path.parent / css).resolve()  # relative in a development build
            total = path.stat().st_size + css_file.stat().st_size
            assert total < 48_000, f"{path}: HTML+CSS is {total} bytes"
            own = [s["src"] for s in head.scripts if s.get("src")]
            assert len(own) <= 1, f"{path}: one script bundle at most, got {own}"
            totals.append(total)
        median = sorted(totals)[len(totals) // 2]
        assert median < 40_000, f"{articles_dir}: the median article is {median} bytes"


def test_subscribe_result_pages_in_both_languages(real_site):
    for prefix in ("", "en/"):
        for code in OUTCOMES:
            path = real_site / f"{prefix}subscribe/{code}/index.html"
            assert path.exists(), f"missing {prefix}subscribe/{code}/"
            head = parse(path)
            assert head.meta["robots"] == "noindex"
            assert head.html_lang == ("en" if prefix else "uk")


def test_subscribe_form_contract(real_site):
    page = (real_site / "en/subscribe/index.html").read_text(encoding="utf-8")
    form = re.search(r"<form[^>]*data-newsletter-form.*?</form>", page, re.S).group(0)
    assert 'method="post"' in form and 'action="/api/newsletter/subscribe"' in form
    assert re.search(r'<input[^>]*type="email"[^>]*name="email"[^>]*required[^>]*'
                     r'autocomplete="email"', form)
    topics = re.findall(r'name="topics" value="([a-z-]+)"', form)
    assert "ptsd" in topics and "uncategorized" not in topics
    assert '<input type="hidden" name="language" value="en">' in form
    honeypot = re.search(r'<div class="visually-hidden" aria-hidden="true">.*?</div>', form, re.S)
    assert honeypot and 'name="website"' in honeypot.group(0)
    assert 'tabindex="-1"' in honeypot.group(0) and 'autocomplete="off"' in honeypot.group(0)
    assert re.search(r'data-newsletter-status role="status"', form)
    assert set(re.findall(r'<template data-outcome="([a-z-]+)">\S', form)) == set(OUTCOMES)
    assert 'href="../../en/privacy/"' in form, "consent links the privacy page"


def _theme_msgids() -> set[str]:
    found = set()
    for _name, _line, message, _comments, _context in extract_from_dir(
            ROOT / "theme" / "templates", method_map=[("**.html", "jinja2")],
            options_map={"**.html": {"extensions": "jinja2.ext.i18n",
                                     "trim_blocks": "True", "lstrip_blocks": "True"}}):
        found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.parametrize("lang", ["uk", "en"])
def test_every_ui_string_is_in_the_catalogue(lang):
    po = ROOT / "theme" / "translations" / lang / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    translated = {}
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        translated[key] = all(strings)
        assert "<" not in key, f"{lang}: HTML inside a msgid: {key!r}"
    missing = sorted(_theme_msgids() - set(translated))
    assert missing == [], f"{po}: add these msgids: {missing}"
    if lang == "uk":
        untranslated = sorted(k for k in _theme_msgids() if not translated[k])
        assert untranslated == [], f"{po}: translate {untranslated}"


def _marked_in_header(page: Path) -> list[str]:
    """The links the page's site header marks as the current page."""
    header = re.search(r'<header class="site-header">.*?</header>', page.read_text("utf-8"),
                       re.DOTALL)
    return re.findall(r'<a href="([^"]*)"[^>]*aria-current="page"', header[0])


@pytest.mark.parametrize("page, marked", [
    ("index.html", ["./"]),  # Publications
    ("search/index.html", ["../search/"]),
    ("en/search/index.html", ["../../en/search/"]),
    ("about/index.html", ["../about/"]),  # a main-menu page
    ("depression/index.html", ["../depression/"]),  # a "What we treat" page
    ("articles/burnout-in-helpers/index.html", []),
    ("category/depression/index.html", []),  # not in the menu while treat pages are
])
def test_header_marks_the_page_s_own_menu_entry(real_site, page, marked):
    # The header is rendered once per menu state (theme_context's menu_state): a page must
    # still get its own entry marked, and no other page's.
    assert _marked_in_header(real_site / page) == marked
