"""theme_context's pure core: navigation, alternates, assets, settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from theme_context import assets, navigation
from core.settings import SettingsError
from theme_context.settings import load


@dataclass
class Category:
    slug: str

    @property
    def url(self) -> str:
        return f"category/{self.slug}/"


@dataclass(eq=False)
class Article:
    title: str
    category: Category
    date: datetime


def day(n: int) -> datetime:
    return datetime(2025, 1, n)


def test_neighbours_stay_in_category_and_go_by_date():
    ptsd, news = Category("ptsd"), Category("news")
    a, b, c = (Article(t, ptsd, day(n)) for t, n in (("a", 1), ("b", 5), ("c", 3)))
    other = Article("n", news, day(4))
    found = navigation.category_neighbours([b, other, a, c])
    assert found[id(a)] == (None, c)
    assert found[id(c)] == (a, b)
    assert found[id(b)] == (c, None)
    assert found[id(other)] == (None, None)


def test_latest_in_category_excludes_itself_newest_first():
    ptsd = Category("ptsd")
    items = [Article(str(n), ptsd, day(n)) for n in range(1, 8)]
    hidden = Article("hidden", ptsd, day(9))
    latest = navigation.latest_in_category(items, [*items, hidden], 4)
    assert [x.title for x in latest[id(items[0])]] == ["7", "6", "5", "4"]
    assert [x.title for x in latest[id(items[6])]] == ["6", "5", "4", "3"]
    assert [x.title for x in latest[id(hidden)]] == ["7", "6", "5", "4"]  # never listed itself


def test_category_counts_most_recent_first_ties_in_settings_order():
    ptsd, news, stress = Category("ptsd"), Category("news"), Category("stress")
    items = [Article("1", ptsd, day(1)), Article("2", ptsd, day(2)),
             Article("3", news, day(9)), Article("4", stress, day(2))]
    counts = navigation.category_counts(items, ["stress", "ptsd", "news"])
    assert [(c.slug, c.count) for c in counts] == [("news", 1), ("stress", 1), ("ptsd", 2)]
    assert counts[0].url == "category/news/"


@dataclass
class Page:
    title: str
    menu: str = ""
    order: str = ""


def test_menu_by_order_then_title_and_bad_order_last():
    pages = [Page("B", "treat", "2"), Page("A", "treat", "x"), Page("C", "treat", "1"),
             Page("Z", "main", "0")]
    assert [p.title for p in navigation.menu(pages, "treat")] == ["C", "B", "A"]


AVAILABLE = {"uk": {"category": {"ptsd", "news"}, "year": {"2024"}},
             "en": {"category": {"ptsd"}, "year": {"2024", "2025"}}}
PREFIXES = {"uk": "", "en": "en/"}


@pytest.mark.parametrize(("path", "kind", "key", "own", "expected"), [
    ("", "direct", "", "uk", [("uk", ""), ("en", "en/")]),
    ("category/ptsd/", "category", "ptsd", "en",
     [("uk", "category/ptsd/"), ("en", "en/category/ptsd/")]),
    ("category/news/", "category", "news", "uk", [("uk", "category/news/")]),
    ("archives/2025/", "year", "2025", "en", [("en", "en/archives/2025/")]),
    ("tag/sleep/", "self", "", "en", [("en", "en/tag/sleep/")]),
])
def test_alternates_only_where_the_page_exists(path, kind, key, own, expected):
    assert navigation.alternates(path, kind, key, PREFIXES, AVAILABLE, own) == expected


LANGUAGES = {"uk": {"name": "Українська", "og_locale": "uk_UA"},
             "en": {"name": "English", "og_locale": "en_US"},
             "pl": {"name": "Polski", "og_locale": "pl_PL"}}
HOMES = {"uk": "https://x/", "en": "https://x/en/", "pl": "https://x/pl/"}
UK, EN = "https://x/a/", "https://x/en/a/"


@pytest.mark.parametrize(("own", "versions", "hreflang", "switch", "og_alternates"), [
    # translated: x-default is the default language's version; the switch leads to it
    ("uk", [("uk", UK), ("en", EN)], [("uk", UK), ("en", EN), ("x-default", UK)],
     [("en", EN), ("pl", HOMES["pl"])], ["en_US"]),
    ("en", [("en", EN), ("uk", UK)], [("en", EN), ("uk", UK), ("x-default", UK)],
     [("uk", UK), ("pl", HOMES["pl"])], ["uk_UA"]),
    # not translated: x-default is the page itself; the switch leads to the other homes
    ("en", [("en", EN)], [("en", EN), ("x-default", EN)],
     [("uk", HOMES["uk"]), ("pl", HOMES["pl"])], []),
    # no alternates at all (404): no hreflang links, the switch still works
    ("uk", [], [], [("en", HOMES["en"]), ("pl", HOMES["pl"])], []),
], ids=["translated", "translated-from-en", "en-only", "none"])
def test_page_languages_say_which_language_is_which(own, versions, hreflang, switch,
                                                    og_alternates):
    found = navigation.page_languages(own, versions, "uk", LANGUAGES, HOMES)
    assert list(found.hreflang) == hreflang
    assert [(link.lang, link.url) for link in found.switch] == switch
    names = [LANGUAGES[lang]["name"] for lang, _ in switch]
    assert [link.name for link in found.switch] == names
    assert found.og_locale == LANGUAGES[own]["og_locale"]
    assert list(found.og_alternates) == og_alternates


def test_page_languages_localise_the_switch_but_not_hreflang():
    found = navigation.page_languages("uk", [("uk", UK), ("en", EN)], "uk", LANGUAGES, HOMES,
                                      local=lambda url: url.replace("https://x", "../.."))
    assert [link.url for link in found.switch] == ["../../en/a/", "../../pl/"]
    assert found.hreflang[1] == ("en", EN)


def test_fingerprint_changes_with_content_and_keeps_the_suffix():
    one = assets.fingerprinted("css/site.css", b"a{}")
    two = assets.fingerprinted("css/site.css", b"b{}")
    assert one.name.startswith("css/site.") and one.name.endswith(".css")
    assert one.name != two.name


def test_minify_css_keeps_meaning():
    css = "/* c */\na:hover ,\nb > i { color : red ;\n margin: 0 auto; }\n@media (min-width: 4rem) { p { x: y } }"
    assert assets.minify_css(css) == \
        "a:hover,b>i{color :red;margin:0 auto}@media (min-width: 4rem){p{x:y}}\n"


def test_script_bundle_skips_missing_and_empty(tmp_path: Path):
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "a.js").write_text("var a = 1")
    (tmp_path / "js" / "empty.js").write_text("  \n")
    bundle = assets.script_bundle(tmp_path, ("js/a.js", "js/empty.js", "js/missing.js"))
    assert bundle.name.startswith("js/site.") and b"var a = 1\n;" in bundle.data
    assert assets.script_bundle(tmp_path, ("js/empty.js",)) is None


def test_svg_data_uri_escapes_what_urls_need(tmp_path: Path):
    svg = tmp_path / "i.svg"
    svg.write_text('<svg fill="#fff">\n  <rect/></svg>')
    uri = assets.svg_data_uri(svg)
    assert uri == "data:image/svg+xml,%3Csvg%20fill='%23fff'%3E%20%3Crect/%3E%3C/svg%3E"
    assert assets.svg_data_uri(tmp_path / "none.svg") == ""


def test_settings_reject_unknown_keys_and_wrong_types():
    assert load({}).treat_menu == "treat"
    assert load({"THEME_CONTEXT": {"scripts": ["js/a.js"]}}).scripts == ("js/a.js",)
    with pytest.raises(SettingsError, match="'menu'"):
        load({"THEME_CONTEXT": {"menu": "x"}})


