"""The feeds plugin's pure core: settings, ids, ordering, URL rewriting, rendering, digests."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import feedparser
import pytest
from lxml import etree

from core.state import state_dir
from feeds import digests, render
from feeds.model import (ALL, ATOM, JSON, RSS, Enclosure, Entry, Feed, FeedFile, FeedIndex,
                         Term, entry_id, select)
from feeds.plan import Site, build_index
from core.settings import SettingsError
from feeds.settings import Config, load
from feeds.urls import make_absolute

KYIV = timezone(timedelta(hours=2))
ATOM_NS = "{http://www.w3.org/2005/Atom}"


# --- settings -------------------------------------------------------------------------

def test_defaults_load_and_overrides_merge() -> None:
    assert load({}) == Config()
    config = load({"FEEDS": {"max_entries": 5, "title": {"uk": "Стрічка"}, "all_json": None}})
    assert config.max_entries == 5 and config.title == {"uk": "Стрічка"}
    assert config.all_json is None and config.all_atom == "feeds/all.atom.xml"


@pytest.mark.parametrize("given, message", [
    ({"max_entrys": 3}, "unknown key(s) 'max_entrys'"),
    ({"max_entries": 0}, "'max_entries'] must be a whole number"),
    ({"max_entries": True}, "'max_entries'] must be a whole number"),
    ({"category_atom": "feeds/category.atom.xml"}, "containing {slug}"),
    ({"all_rss": "/feeds/all.rss.xml"}, "relative path inside the site"),
    ({"all_rss": "../all.rss.xml"}, "relative path inside the site"),
    ({"title": {"uk": ""}}, "FEEDS['title']['uk'] must be non-empty text, got ''"),
    ({"category_title": {"en": "{site}: {category}"}}, "only {title}, {category}"),
    ({"id_date": "25"}, "'YYYY'"),
    ({"id_authority": "https://expio.example/"}, "a domain name"),
    ({"digest_page": "/subscribe/"}, "without a leading '/'"),
    ({"icon": ""}, "non-empty text or None"),
])
def test_bad_settings_are_refused_by_name(given, message) -> None:
    with pytest.raises(SettingsError) as error:
        load({"FEEDS": given})
    assert message in str(error.value)


def test_feeds_must_be_a_dict() -> None:
    with pytest.raises(SettingsError, match="FEEDS must be a dict"):
        load({"FEEDS": ["atom"]})


# --- ids and order --------------------------------------------------------------------

def test_entry_id_is_a_tag_uri_of_the_translation_key() -> None:
    assert entry_id("expio.example", "2025", "sleep-after-trauma", "uk") == \
        "tag:expio.example,2025:sleep-after-trauma/uk"
    # Characters outside a URI are escaped, never dropped (two keys cannot collide).
    assert entry_id("expio.example", "2025", "a b", "en") == "tag:expio.example,2025:a%20b/en"


def _entry(key: str, day: int, *, updated_day: int | None = None, lang: str = "en",
           **fields) -> Entry:
    published = datetime(2025, 3, day, 9, 30, tzinfo=KYIV)
    updated = datetime(2025, 3, updated_day or day, 9, 30, tzinfo=KYIV)
    return Entry(id=entry_id("expio.example", "2025", key, lang),
                 url=f"https://expio.test/en/articles/{key}/", title=key.title(), lang=lang,
                 published=published, updated=updated, **fields)


def test_select_is_newest_first_with_ties_by_id_and_limited() -> None:
    entries = [_entry("b", 2), _entry("a", 5), _entry("c", 5), _entry("d", 1)]
    assert [e.title for e in select(entries, 3)] == ["C", "A", "B"]
    assert [e.title for e in select(reversed(entries), 3)] == ["C", "A", "B"]


def test_naive_dates_are_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        Entry(id="x", url="u", title="t", lang="en", published=datetime(2025, 1, 1),
              updated=datetime(2025, 1, 1, tzinfo=KYIV))


# --- absolute URLs ----------------------------------------------------------------------

BASE = "https://expio.test/en/articles/sleep/"


@pytest.mark.parametrize("html, expected", [
    ('<a href="/en/about/">a</a>', '<a href="https://expio.test/en/about/">a</a>'),
    ('<a href="../../about/">a</a>', '<a href="https://expio.test/en/about/">a</a>'),
    ('<a href="#notes">a</a>', f'<a href="{BASE}#notes">a</a>'),
    ('<a href="https://doi.org/10.1/x">a</a>', '<a href="https://doi.org/10.1/x">a</a>'),
    ('<a href="mailto:info@expio.example">a</a>', '<a href="mailto:info@expio.example">a</a>'),
    ('<img src="/images/a.svg" alt="x">', '<img src="https://expio.test/images/a.svg" alt="x">'),
    ('<img srcset="/i/a.png 1x, b.png 2x" alt="">',
     f'<img srcset="https://expio.test/i/a.png 1x, {BASE}b.png 2x" alt="">'),
    ('<p>text only</p>', '<p>text only</p>'),
    ('plain <b>lead</b> text', 'plain <b>lead</b> text'),
])
def test_make_absolute(html, expected) -> None:
    assert make_absolute(html, BASE) == expected


# --- rendering ----------------------------------------------------------------------------

SITE = Site(lang="en", prefix="en/", site_url="https://expio.test", name="Expio Center",
            author="Expio Center", authority="expio.example", id_date="2025")


def _feed(formats=(ATOM, RSS, JSON)) -> Feed:
    paths = {ATOM: "en/feeds/all.atom.xml", RSS: "en/feeds/all.rss.xml", JSON: "en/feeds/all.json"}
    files = tuple(FeedFile(f, paths[f], "https://expio.test/" + paths[f]) for f in formats)
    return Feed(id="tag:expio.example,2025:feeds/en/all", kind=ALL, lang="en", title="Expio",
                subtitle="Articles", home_url="https://expio.test/en/", files=files,
                author="Expio Center", icon="https://expio.test/favicon.svg")


def _rich_entries() -> list[Entry]:
    image = Enclosure(url="https://expio.test/images/dot.svg", media_type="image/svg+xml",
                      length=97, alt="A dot")
    category = Term("ptsd", "PTSD", "https://expio.test/en/categories/")
    return select([
        _entry("sleep", 14, updated_day=20, content_html="<p>Full <b>text</b></p>",
               summary_html="<p>Short</p>", summary_text="Short", category=category,
               tags=(Term("sleep", "sleep", "https://expio.test/en/tags/"),),
               authors=("Iryna Shevchenko",), image=image),
        _entry("mood", 10, content_html="<p>Mood</p>", category=category),
    ], 20)


def test_atom_entry_links_keep_rel_type_and_length() -> None:
    """feedgen 1.0.0 loses these on entry links (python-feedgen#135); the extension keeps them."""
    root = etree.fromstring(render.atom_bytes(_feed(), _rich_entries()))
    entry = root.find(f"{ATOM_NS}entry")
    assert entry.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    links = [(link.get("rel", "alternate"), link.get("type"), link.get("length"))
             for link in entry.findall(f"{ATOM_NS}link")]
    assert sorted(links) == [("alternate", None, None), ("enclosure", "image/svg+xml", "97")]
    assert root.findtext(f"{ATOM_NS}updated") == "2025-03-20T09:30:00+02:00"


def test_rss_has_enclosure_creator_and_newest_build_date() -> None:
    root = etree.fromstring(render.rss_bytes(_feed(), _rich_entries()))
    channel = root.find("channel")
    assert channel.findtext("link") == "https://expio.test/en/"
    assert channel.findtext("lastBuildDate") == "Thu, 20 Mar 2025 09:30:00 +0200"
    item = channel.find("item")
    assert item.find("enclosure").attrib == {"url": "https://expio.test/images/dot.svg",
                                             "length": "97", "type": "image/svg+xml"}
    assert item.findtext("{http://purl.org/dc/elements/1.1/}creator") == "Iryna Shevchenko"
    assert item.find("guid").get("isPermaLink") == "false"


def test_rendering_is_byte_identical_for_the_same_records() -> None:
    first = render.render(_feed(), _rich_entries())
    second = render.render(_feed(), _rich_entries())
    assert first == second and set(first) == {"en/feeds/all.atom.xml", "en/feeds/all.rss.xml",
                                              "en/feeds/all.json"}


def test_json_feed_1_1() -> None:
    document = json.loads(render.json_bytes(_feed(), _rich_entries()))
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert document["feed_url"] == "https://expio.test/en/feeds/all.json"
    first = document["items"][0]
    assert first["id"] == "tag:expio.example,2025:sleep/en"
    assert first["image"] == "https://expio.test/images/dot.svg"
    assert first["tags"] == ["PTSD", "sleep"] and first["language"] == "en"
    assert first["date_modified"] == "2025-03-20T09:30:00+02:00"
    assert_json_feed(document)


def assert_json_feed(document: dict) -> None:
    """JSON Feed 1.1's required members (feedparser 6.0 does not read JSON Feed)."""
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(document["title"], str) and document["title"]
    assert isinstance(document["items"], list) and document["items"]
    ids = [item["id"] for item in document["items"]]
    assert len(ids) == len(set(ids)) and all(isinstance(i, str) and i for i in ids)
    for item in document["items"]:
        assert item.get("content_html") or item.get("content_text"), item["id"]
        for name in ("date_published", "date_modified"):
            assert datetime.fromisoformat(item[name]).tzinfo is not None


def test_an_empty_feed_is_refused() -> None:
    with pytest.raises(ValueError, match="no entries"):
        render.render(_feed(), [])


# --- the plan -----------------------------------------------------------------------------

def test_index_lists_only_what_exists() -> None:
    config = load({"FEEDS": {"category_title": {"en": "{title} / {category}"}}})
    index = build_index(SITE, config, has_articles=True,
                        categories=[("ptsd", "PTSD", "en/category/ptsd/")], has_digests=False)
    assert isinstance(index, FeedIndex) and index.digest is None
    assert index.language.file(ATOM).url == "https://expio.test/en/feeds/all.atom.xml"
    feed = index.for_category("ptsd")
    assert feed.title == "Expio Center / PTSD"
    assert feed.home_url == "https://expio.test/en/category/ptsd/"
    assert [f.path for f in feed.files] == ["en/feeds/category/ptsd.atom.xml",
                                            "en/feeds/category/ptsd.rss.xml"]
    assert index.for_category("stress") is None
    assert index.all == (index.language, feed)
    empty = build_index(SITE, config, has_articles=False, categories=[], has_digests=False)
    assert empty.all == ()


def test_switched_off_formats_are_not_planned() -> None:
    config = load({"FEEDS": {"all_json": None, "category_rss": None, "digest_atom": None}})
    index = build_index(SITE, config, has_articles=True,
                        categories=[("ptsd", "PTSD", "en/category/ptsd/")], has_digests=True)
    assert [f.format for f in index.language.files] == [ATOM, RSS]
    assert [f.format for f in index.for_category("ptsd").files] == [ATOM]
    assert index.digest is None


# --- digests --------------------------------------------------------------------------------

def test_digest_records_become_entries_linking_their_web_version() -> None:
    sent = [SimpleNamespace(key="2025-W11", lang="en", subject="New this week",
                            sent_at=datetime(2025, 3, 14, 10, tzinfo=KYIV),
                            web_path="en/newsletter/2025-W11/")]
    [entry] = digests.entries(sent, site_url="https://expio.test", authority="expio.example",
                              id_date="2025")
    assert entry.id == "tag:expio.example,2025:digest/2025-W11/en"
    assert entry.url == "https://expio.test/en/newsletter/2025-W11/"
    index = build_index(SITE, Config(), has_articles=True, categories=[], has_digests=True)
    xml = render.atom_bytes(index.digest, [entry])
    parsed = feedparser.parse(xml)
    assert parsed.bozo == 0 and parsed.entries[0].link == entry.url
    assert index.digest.file(ATOM).path == "en/feeds/digest.atom.xml"


def test_state_dir_follows_the_newsletter_settings(tmp_path) -> None:
    # The feed's own setting first; else the newsletter's folder (order: tests/test_core_state.py).
    assert digests.state_dir(str(tmp_path), {}) == tmp_path
    settings = {"NEWSLETTER": {"state_dir": "var/x"}}
    assert digests.state_dir(None, settings, {}) == state_dir(settings, {})
    assert str(digests.state_dir(None, settings, {"NEWSLETTER_STATE_DIR": "/srv/n"})) == "/srv/n"


def test_no_archive_or_no_state_means_no_digests(tmp_path) -> None:
    assert digests.sent_digests(tmp_path / "missing", "en") == []


# --- articles -> entries -------------------------------------------------------------------

def _article(tmp_path, **metadata):
    from feeds.articles import Sources

    (tmp_path / "images").mkdir(exist_ok=True)
    (tmp_path / "images" / "room.svg").write_text("<svg/>", encoding="utf-8")
    article = SimpleNamespace(
        url="en/articles/room/", slug="room", lang="en", title="A room <3",
        translation_key="calm-room", relative_source_path="articles/ptsd/room.en.md",
        category=SimpleNamespace(slug="ptsd"), date=datetime(2025, 3, 1, tzinfo=KYIV),
        modified=None, tags=[SimpleNamespace(slug="sleep", name="Sleep")],
        authors=[SimpleNamespace(name="Clinic")], metadata=metadata,
        content='<p><a href="../../about/">About</a><script>x()</script></p>',
        summary="<p>Short</p>")
    sources = Sources(site=SITE, categories={"ptsd": {"en": "PTSD"}},
                      category_scheme="https://expio.test/en/categories/",
                      tag_scheme="https://expio.test/en/tags/", content_path=tmp_path,
                      static_content={})
    return article, sources


def test_article_becomes_an_entry_with_absolute_sanitised_content(tmp_path) -> None:
    from feeds.articles import to_entry

    article, sources = _article(tmp_path, image="{static}/images/room.svg", image_alt="Room")
    entry = to_entry(article, sources)
    assert entry.id == "tag:expio.example,2025:calm-room/en"
    assert entry.url == "https://expio.test/en/articles/room/"
    assert entry.title == "A room <3" and entry.updated == entry.published
    assert entry.content_html == '<p><a href="https://expio.test/en/about/">About</a></p>'
    assert (entry.summary_html, entry.summary_text) == ("<p>Short</p>", "Short")
    assert entry.category == Term("ptsd", "PTSD", "https://expio.test/en/categories/")
    assert entry.image == Enclosure("https://expio.test/images/room.svg", "image/svg+xml", 6,
                                    "Room")


@pytest.mark.parametrize("image, expected", [
    ("/images/room.svg", "https://expio.test/images/room.svg"),
    ("{static}../../images/room.svg", "https://expio.test/images/room.svg"),
    ("https://cdn.example/x.png", "https://cdn.example/x.png"),
])
def test_lead_image_forms(tmp_path, image, expected) -> None:
    from feeds.articles import lead_image

    article, sources = _article(tmp_path, image=image)
    assert lead_image(article, sources).url == expected


def test_missing_lead_image_is_left_out_with_a_warning(tmp_path, caplog) -> None:
    from feeds.articles import lead_image

    article, sources = _article(tmp_path, image="{static}/images/gone.jpg")
    assert lead_image(article, sources) is None
    [record] = [r for r in caplog.records if r.name == "feeds.articles"]
    message = record.getMessage()
    assert "articles/ptsd/room.en.md" in message and "'image'" in message and "Fix" in message


def test_shortlist_keeps_the_newest_overall_and_per_category() -> None:
    from feeds.articles import shortlist

    def art(slug, day, category):
        return SimpleNamespace(slug=slug, lang="en", date=datetime(2025, 3, day, tzinfo=KYIV),
                               category=SimpleNamespace(slug=category))

    articles = [art("a", 1, "ptsd"), art("b", 2, "news"), art("c", 3, "news"),
                art("d", 4, "news"), art("e", 4, "ptsd")]
    chosen = [a.slug for a in shortlist(articles, SITE, 2)]
    # Newest two overall (e and d, tie on the day broken by id), then what each category's
    # feed still needs: news c, ptsd a. b appears in no feed.
    assert chosen == ["e", "d", "c", "a"]


def test_feed_html_cache_gives_what_it_would_compute_and_keeps_only_what_a_build_used(tmp_path):
    from feeds.cache import AbsoluteHtml
    from feeds.urls import make_absolute
    from site_content.sanitise import clean

    html = '<p><a href="../other/">x</a><img src="/images/a.svg" alt="a"><script>x</script></p>'
    base = "https://expio.example/articles/one/"
    expected = clean(make_absolute(html, base), frozenset())
    first = AbsoluteHtml(tmp_path / "en.pickle", frozenset())
    assert first(html, base) == expected and "https://expio.example/articles/other/" in expected
    first("<p>dropped next time</p>", base)
    first.save()
    second = AbsoluteHtml(tmp_path / "en.pickle", frozenset())
    assert len(second.known) == 2
    assert second(html, base) == expected
    second.save()
    assert len(AbsoluteHtml(tmp_path / "en.pickle", frozenset()).known) == 1
    other_hosts = AbsoluteHtml(tmp_path / "en.pickle", frozenset({"www.youtube-nocookie.com"}))
    other_hosts(html, base)
    assert len(other_hosts.used) == 1 and not set(other_hosts.used) & set(second.used)
