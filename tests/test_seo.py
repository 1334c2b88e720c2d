"""seo: the sitemap and robots.txt, as pure functions and in the real built site."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime

import pytest

from seo import sitemap
from core.settings import SettingsError
from seo.settings import load

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}


@dataclass
class Entry:
    kind: str
    lang: str
    url: str
    category: str = "ptsd"
    status: str = "published"
    date: datetime | None = datetime(2025, 1, 1)
    modified: datetime | None = None


def test_groups_and_render_with_self_and_x_default():
    uk = Entry("article", "uk", "articles/a/", modified=datetime(2025, 3, 1))
    en = Entry("article", "en", "en/articles/a/")
    only_en = Entry("article", "en", "en/articles/b/", category="news")
    draft = Entry("article", "uk", "articles/c/", status="draft")
    translations = {"a": {"uk": uk, "en": en}, "b": {"en": only_en}, "c": {"uk": draft}}
    groups = sitemap.content_groups(translations)
    assert [g.versions for g in groups] == [{"uk": "articles/a/", "en": "en/articles/a/"},
                                            {"en": "en/articles/b/"}]
    assert groups[0].lastmod == datetime(2025, 3, 1)
    listings = sitemap.listing_groups([uk, en, only_en], {"uk": "", "en": "en/"},
                                      "category/{slug}/")
    assert {"uk": "category/ptsd/", "en": "en/category/ptsd/"} in [g.versions for g in listings]
    assert {"en": "en/category/news/"} in [g.versions for g in listings]
    root = ET.fromstring(sitemap.render_sitemap(groups, "https://x.org", "uk"))
    urls = root.findall("s:url", NS)
    assert [u.find("s:loc", NS).text for u in urls] == [
        "https://x.org/en/articles/a/", "https://x.org/articles/a/", "https://x.org/en/articles/b/"]
    links = {link.get("hreflang"): link.get("href") for link in urls[0].findall("x:link", NS)}
    assert links == {"uk": "https://x.org/articles/a/", "en": "https://x.org/en/articles/a/",
                     "x-default": "https://x.org/articles/a/"}
    lone = {link.get("hreflang"): link.get("href") for link in urls[2].findall("x:link", NS)}
    assert lone == {"en": "https://x.org/en/articles/b/", "x-default": "https://x.org/en/articles/b/"}


def test_robots_disallows_per_language_and_names_the_sitemap():
    text = sitemap.render_robots("https://x.org", "sitemap.xml", ("drafts/",), ["", "en/"])
    assert text == ("User-agent: *\nDisallow: /drafts/\nDisallow: /en/drafts/\n\n"
                    "Sitemap: https://x.org/sitemap.xml\n")


def test_settings_reject_unknown_keys():
    assert load({}).sitemap_save_as == "sitemap.xml"
    with pytest.raises(SettingsError, match="'sitemap'"):
        load({"SEO": {"sitemap": "x"}})


def test_built_sitemap_lists_every_article_with_reciprocal_alternates(real_site):
    root = ET.parse(real_site / "sitemap.xml").getroot()
    by_loc = {}
    for url in root.findall("s:url", NS):
        links = {link.get("hreflang"): link.get("href") for link in url.findall("x:link", NS)}
        by_loc[url.find("s:loc", NS).text] = links
    base = "http://127.0.0.1:8000/"
    articles = [p.parent.relative_to(real_site).as_posix() + "/"
                for p in [*real_site.glob("articles/*/index.html"),
                          *real_site.glob("en/articles/*/index.html")]]
    assert articles and all(base + a in by_loc for a in articles)
    for loc, links in by_loc.items():
        assert loc in links.values() and "x-default" in links
        for lang, href in links.items():
            assert href in by_loc, f"{loc}: alternate {href} is not in the sitemap"
            assert by_loc[href] == links, f"{loc} and {href} disagree on their alternates"
        target = loc.removeprefix(base)
        assert (real_site / target / "index.html").exists(), f"{loc} was not built"
    robots = (real_site / "robots.txt").read_text()
    assert "Sitemap: http://127.0.0.1:8000/sitemap.xml" in robots
