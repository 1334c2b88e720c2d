"""Feeds of a built site: valid for real readers, safe, stable, discoverable.

The fixture site (tests/fixtures/feeds_site/content) has both languages, three categories,
an article with a lead image and relative links, one with raw HTML the sanitiser must strip,
an untranslated article, a draft and a hidden article. It is built once per module with the
real pelicanconf.py and theme.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
import shutil
import subprocess
from pathlib import Path

import feedparser
import pytest
from lxml import etree

import pelicanconf
from tests.conftest import ROOT, build_into
from tests.test_feeds import assert_json_feed

CONTENT = ROOT / "tests" / "fixtures" / "feeds_site" / "content"
SCHEMA = ROOT / "tests" / "data" / "atom-rfc4287.rnc"
SITEURL = "https://expio.test"
ATOM_NS = "{http://www.w3.org/2005/Atom}"

EXPECTED_FEEDS = sorted([
    "feeds/all.atom.xml", "feeds/all.rss.xml", "feeds/all.json",
    "feeds/category/ptsd.atom.xml", "feeds/category/ptsd.rss.xml",
    "feeds/category/depression.atom.xml", "feeds/category/depression.rss.xml",
    "feeds/category/stress.atom.xml", "feeds/category/stress.rss.xml",
    # English: the stress category only has a draft and a hidden article, so no feed.
    "en/feeds/all.atom.xml", "en/feeds/all.rss.xml", "en/feeds/all.json",
    "en/feeds/category/ptsd.atom.xml", "en/feeds/category/ptsd.rss.xml",
    "en/feeds/category/depression.atom.xml", "en/feeds/category/depression.rss.xml",
])


def build(output: Path, content: Path = CONTENT, *, state: Path | None = None, **feeds) -> Path:
    """Build into `output`; the newsletter state folder is `state` (default: an empty one)."""
    if state is None:
        state = output.parent / "newsletter-state"  # empty: no digest was sent
        state.mkdir(parents=True, exist_ok=True)
    return build_into(output, content, SITEURL=SITEURL, FEEDS={**pelicanconf.FEEDS, **feeds},
                      NEWSLETTER={**pelicanconf.NEWSLETTER, "state_dir": str(state)}).output


def feed_files(output: Path) -> list[str]:
    return sorted(p.relative_to(output).as_posix() for p in output.rglob("feeds/**/*")
                  if p.is_file() and p.name != "index.html" and not p.name.endswith(".gz"))


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("feeds-site") / "output")


def parsed(site: Path, relative: str):
    result = feedparser.parse((site / relative).read_bytes())
    assert result.bozo == 0, (relative, result.get("bozo_exception"))
    return result


def resolves(site: Path, url: str) -> bool:
    """True when an absolute site URL names a file of the built site."""
    assert url.startswith(SITEURL + "/"), url
    path = url[len(SITEURL) + 1:].split("#")[0].split("?")[0]
    target = site / path
    return (target / "index.html").is_file() if (path == "" or path.endswith("/")) \
        else target.is_file()


def test_every_planned_feed_is_written_and_nothing_else(site) -> None:
    assert feed_files(site) == EXPECTED_FEEDS
    assert not (site / "feeds/digest.atom.xml").exists()  # no digest sent: no (empty) feed


@pytest.mark.parametrize("relative", [f for f in EXPECTED_FEEDS if not f.endswith(".json")])
def test_feed_parses_cleanly_with_unique_ids_dates_and_resolving_links(site, relative) -> None:
    feed = parsed(site, relative)
    assert feed.version == ("atom10" if relative.endswith(".atom.xml") else "rss20")
    assert feed.feed.language == ("en" if relative.startswith("en/") else "uk")
    ids = [entry.id for entry in feed.entries]
    assert ids and len(ids) == len(set(ids))
    assert all(i.startswith("tag:expio.example,2025:") for i in ids)
    assert resolves(site, feed.feed.link)
    for entry in feed.entries:
        assert entry.published_parsed
        if feed.version == "atom10":  # RSS items have no updated date
            assert entry.updated_parsed
        assert resolves(site, entry.link), entry.link
        for enclosure in entry.enclosures:
            assert resolves(site, enclosure.href)
        html = entry.content[0].value if "content" in entry else ""
        for url in re.findall(r'(?:href|src)="([^"]+)"', html):
            assert url.startswith(("https://", "mailto:", "tel:")), url
            if url.startswith(SITEURL):
                assert resolves(site, url), (entry.id, url)


def test_atom_feeds_validate_against_rfc4287_schema(site) -> None:
    jing = shutil.which("jing")
    assert jing, "jing is required (apt-get install jing; see .ci/install-system-packages)"
    atoms = [str(site / f) for f in EXPECTED_FEEDS if f.endswith(".atom.xml")]
    result = subprocess.run([jing, "-c", str(SCHEMA), *atoms], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_catches_an_invalid_feed(site, tmp_path) -> None:
    """The jing check can fail: an entry without a title is refused."""
    broken = (site / "en/feeds/all.atom.xml").read_text(encoding="utf-8")
    broken = re.sub(r"<title>Low mood</title>", "", broken)
    path = tmp_path / "broken.atom.xml"
    path.write_text(broken, encoding="utf-8")
    result = subprocess.run([shutil.which("jing") or "jing", "-c", str(SCHEMA), str(path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0


@pytest.mark.parametrize("relative", [f for f in EXPECTED_FEEDS if f.endswith(".rss.xml")])
def test_rss_has_the_required_elements(site, relative) -> None:
    channel = etree.parse(str(site / relative)).getroot().find("channel")
    for name in ("title", "link", "description"):
        assert (channel.findtext(name) or "").strip(), name
    items = channel.findall("item")
    assert items
    for item in items:
        assert item.findtext("title") or item.findtext("description")
        assert item.findtext("guid") and item.findtext("pubDate")


@pytest.mark.parametrize("relative", EXPECTED_FEEDS)
def test_raw_feed_has_no_script_handlers_or_javascript_urls(site, relative) -> None:
    raw = (site / relative).read_text(encoding="utf-8")
    # Content is escaped HTML inside XML: look for both spellings of a tag.
    for bad in ("<script", "&lt;script", "javascript:", "evil.example", "steal()"):
        assert bad not in raw.lower(), bad
    assert not re.search(r"\bon[a-z]+\s*=", raw, re.IGNORECASE)


def test_full_content_with_absolute_links_summary_terms_and_image(site) -> None:
    feed = parsed(site, "en/feeds/all.atom.xml")
    entry = next(e for e in feed.entries if e.id.endswith(":sleep-after-trauma/en"))
    html = entry.content[0].value
    assert 'href="https://expio.test/en/about/"' in html  # from ../../about/
    assert 'href="https://expio.test/en/archives/"' in html  # from /en/archives/
    assert 'href="https://expio.test/en/articles/sleep-after-trauma/#what-helps"' in html
    assert 'src="https://expio.test/images/dot.svg"' in html
    assert entry.summary == "<p>Why nightmares follow trauma and what helps.</p>"
    assert [(t.term, t.label) for t in entry.tags] == [
        ("ptsd", "PTSD"), ("sleep", "sleep"), ("trauma", "trauma")]
    assert entry.tags[0].scheme == "https://expio.test/en/categories/"
    assert entry.author == "Iryna Shevchenko"
    assert entry.published == "2025-03-14T09:30:00+02:00"
    [enclosure] = entry.enclosures
    assert (enclosure.href, enclosure.type, enclosure.length) == (
        "https://expio.test/images/dot.svg", "image/svg+xml",
        str((CONTENT / "images/dot.svg").stat().st_size))
    assert [link.rel for link in entry.links].count("alternate") == 1


def test_ukrainian_feed_has_localised_labels_and_its_own_ids(site) -> None:
    feed = parsed(site, "feeds/all.atom.xml")
    assert feed.feed.title == "Експіо Центр: публікації"
    assert {e.id for e in feed.entries} == {
        "tag:expio.example,2025:sleep-after-trauma/uk", "tag:expio.example,2025:low-mood/uk",
        "tag:expio.example,2025:breathing/uk"}
    labels = {t.label for e in feed.entries for t in e.tags if t.term == "ptsd"}
    assert labels == {"ПТСР"}
    root = etree.parse(str(site / "feeds/all.atom.xml")).getroot()
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "uk"


def test_feed_level_links_updated_and_icon(site) -> None:
    root = etree.parse(str(site / "en/feeds/category/ptsd.atom.xml")).getroot()
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM_NS}link")}
    assert links == {"self": "https://expio.test/en/feeds/category/ptsd.atom.xml",
                     "alternate": "https://expio.test/en/category/ptsd/"}
    assert root.findtext(f"{ATOM_NS}title") == "Expio Center: PTSD"
    assert root.findtext(f"{ATOM_NS}icon") == "https://expio.test/favicon.svg"
    all_feed = etree.parse(str(site / "en/feeds/all.atom.xml")).getroot()
    newest = max(e.findtext(f"{ATOM_NS}updated") for e in all_feed.findall(f"{ATOM_NS}entry"))
    assert all_feed.findtext(f"{ATOM_NS}updated") == newest == "2025-03-14T09:30:00+02:00"
    rss = etree.parse(str(site / "en/feeds/all.rss.xml")).getroot().find("channel")
    assert rss.findtext("lastBuildDate") == "Fri, 14 Mar 2025 09:30:00 +0200"


def test_drafts_hidden_and_other_language_articles_stay_out(site) -> None:
    en = parsed(site, "en/feeds/all.atom.xml")
    assert [e.title for e in en.entries] == ["Sleep after trauma", "Low mood"]


def test_json_feed_matches_the_atom_feed(site) -> None:
    document = json.loads((site / "en/feeds/all.json").read_text(encoding="utf-8"))
    assert_json_feed(document)
    atom = parsed(site, "en/feeds/all.atom.xml")
    assert [i["id"] for i in document["items"]] == [e.id for e in atom.entries]
    assert document["feed_url"] == "https://expio.test/en/feeds/all.json"


def test_discovery_links_language_everywhere_category_on_its_pages(site) -> None:
    def feed_links(relative: str) -> set[str]:
        html = (site / relative).read_text(encoding="utf-8")
        head = html.split("</head>", 1)[0]
        return set(re.findall(r'<link rel="alternate" type="application/[a-z+]+" '
                              r'href="([^"]+)"', head))

    language = {"https://expio.test/en/feeds/all.atom.xml",
                "https://expio.test/en/feeds/all.rss.xml", "https://expio.test/en/feeds/all.json"}
    assert feed_links("en/index.html") == language
    assert feed_links("en/articles/sleep-after-trauma/index.html") == language
    assert feed_links("en/category/ptsd/index.html") == language | {
        "https://expio.test/en/feeds/category/ptsd.atom.xml",
        "https://expio.test/en/feeds/category/ptsd.rss.xml"}
    assert "https://expio.test/feeds/all.atom.xml" in feed_links("index.html")


def test_feeds_page_lists_every_feed_of_its_language(site) -> None:
    for prefix in ("", "en/"):
        html = (site / prefix / "feeds/index.html").read_text(encoding="utf-8")
        main = html.split("<main", 1)[1].split("</main>", 1)[0]
        listed = sorted(url[len(SITEURL) + 1:] for url in re.findall(r'href="([^"]+)"', main)
                        if re.search(r"/feeds/.+\.(xml|json)$", url))
        assert listed == [f for f in EXPECTED_FEEDS if f.startswith("en/") == (prefix == "en/")]
    uk = (site / "feeds/index.html").read_text(encoding="utf-8")
    assert "<h1>Стрічки</h1>" in uk and "ПТСР" in uk and "За категоріями" in uk


def test_two_builds_are_byte_identical(site, tmp_path) -> None:
    again = build(tmp_path / "output")
    assert feed_files(again) == EXPECTED_FEEDS
    for relative in EXPECTED_FEEDS:
        assert (again / relative).read_bytes() == (site / relative).read_bytes(), relative


def _entries_by_id(path: Path) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """(entry id -> serialised entry, feed-level element -> serialised) of an Atom feed."""
    root = etree.parse(str(path)).getroot()
    entries = {e.findtext(f"{ATOM_NS}id"): etree.tostring(e)
               for e in root.findall(f"{ATOM_NS}entry")}
    head = {child.tag + (child.get("rel") or ""): etree.tostring(child)
            for child in root if child.tag != f"{ATOM_NS}entry"}
    return entries, head


def test_changing_one_article_changes_only_its_entries(site, tmp_path) -> None:
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    article = content / "articles/depression/low-mood.en.md"
    article.write_text(article.read_text(encoding="utf-8")
                       .replace("modified: 2025-02-01", "modified: 2025-04-01")
                       .replace("Article text.", "Article text, revised."), encoding="utf-8")
    changed = build(tmp_path / "output", content)
    assert feed_files(changed) == EXPECTED_FEEDS
    differing = [f for f in EXPECTED_FEEDS
                 if (changed / f).read_bytes() != (site / f).read_bytes()]
    assert differing == ["en/feeds/all.atom.xml", "en/feeds/all.json", "en/feeds/all.rss.xml",
                         "en/feeds/category/depression.atom.xml",
                         "en/feeds/category/depression.rss.xml"]
    before, before_head = _entries_by_id(site / "en/feeds/all.atom.xml")
    after, after_head = _entries_by_id(changed / "en/feeds/all.atom.xml")
    assert before.keys() == after.keys()
    assert [key for key in before if before[key] != after[key]] == \
        ["tag:expio.example,2025:low-mood/en"]
    assert [key for key in before_head if before_head[key] != after_head[key]] == \
        [f"{ATOM_NS}updated"]
    assert b"2025-04-01T00:00:00+03:00" in after_head[f"{ATOM_NS}updated"]


def test_max_entries_keeps_the_newest(tmp_path) -> None:
    out = build(tmp_path / "output", max_entries=1)
    assert [e.title for e in parsed(out, "en/feeds/all.atom.xml").entries] == \
        ["Sleep after trauma"]
    assert len(parsed(out, "feeds/all.rss.xml").entries) == 1


def test_bench_reports_feed_count_and_sizes(site) -> None:
    from bench.feeds_bench import run

    figures = run(site_dir=site)
    assert figures["feeds"] == len(EXPECTED_FEEDS)
    assert figures["by_format"] == {"atom": 7, "json": 2, "rss": 7}
    assert figures["total_bytes"] == sum((site / f).stat().st_size for f in EXPECTED_FEEDS)
    assert figures["language_feeds"]["en/feeds/all.atom.xml"]["entries"] == 2


def test_digest_feed_lists_sent_digests_linking_their_web_versions(tmp_path) -> None:
    from newsletter.digest.ledger import Ledger

    state = tmp_path / "state"
    ledger = Ledger.in_state_dir(state)
    sent = [("digest-en-2025-W10", "en", datetime(2025, 3, 10, 8, tzinfo=timezone.utc)),
            ("digest-en-2025-W11", "en", datetime(2025, 3, 17, 8, tzinfo=timezone.utc)),
            ("digest-uk-2025-W11", "uk", datetime(2025, 3, 17, 8, tzinfo=timezone.utc))]
    for key, lang, when in sent:
        prefix = "en/" if lang == "en" else ""
        ledger.create(key, lang, key[-8:], "local", f"New publications {key[-3:]}", [], None,
                      web_path=f"{prefix}newsletter/{key}/")
        ledger.set_status(key, "sent", sent_at=when, web_html=f"<p>{key}</p>")
    ledger.create("digest-en-2025-W12", "en", "2025-W12", "local", "Not sent yet", [], None,
                  web_path="en/newsletter/digest-en-2025-W12/")  # still "preparing"
    ledger.close()

    out = build(tmp_path / "output", state=state)
    assert feed_files(out) == sorted([*EXPECTED_FEEDS, "feeds/digest.atom.xml",
                                      "en/feeds/digest.atom.xml"])
    feed = parsed(out, "en/feeds/digest.atom.xml")
    assert feed.version == "atom10" and feed.feed.title == "Expio Center: newsletter"
    assert [e.id for e in feed.entries] == ["tag:expio.example,2025:digest/digest-en-2025-W11/en",
                                            "tag:expio.example,2025:digest/digest-en-2025-W10/en"]
    assert feed.entries[0].updated == "2025-03-17T08:00:00+00:00"
    assert resolves(out, feed.feed.link) and feed.feed.link.endswith("/en/subscribe/")
    for entry in feed.entries:
        assert resolves(out, entry.link), entry.link
    assert len(parsed(out, "feeds/digest.atom.xml").entries) == 1
    digest_feeds = [str(out / "en/feeds/digest.atom.xml"), str(out / "feeds/digest.atom.xml")]
    result = subprocess.run([shutil.which("jing") or "jing", "-c", str(SCHEMA), *digest_feeds],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    page = (out / "en/feeds/index.html").read_text(encoding="utf-8")
    assert 'href="https://expio.test/en/feeds/digest.atom.xml"' in page
    assert "Newsletter digests" in page


def test_real_content_feeds_are_valid(real_site) -> None:
    """The real content/: every feed parses, Atom validates, ids are unique per feed."""
    files = feed_files(real_site)
    assert {"feeds/all.atom.xml", "feeds/all.rss.xml", "en/feeds/all.atom.xml"} <= set(files)
    for relative in files:
        if relative.endswith(".json"):
            assert_json_feed(json.loads((real_site / relative).read_text(encoding="utf-8")))
            continue
        feed = parsed(real_site, relative)
        ids = [entry.id for entry in feed.entries]
        assert ids and len(ids) == len(set(ids)), relative
    atoms = [str(real_site / f) for f in files if f.endswith(".atom.xml")]
    result = subprocess.run([shutil.which("jing") or "jing", "-c", str(SCHEMA), *atoms],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
