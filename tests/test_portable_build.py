"""The development build is portable (issue 19 item 5); the published one stays absolute.

`make html` wrote absolute http://127.0.0.1:8000/theme/… URLs, so its output opened from disk
or served on another port had no CSS or JS. Now pages link to pages and assets relatively
(Pelican's RELATIVE_URLS, on in pelicanconf.py, off in publishconf.py), while canonical,
og:url, hreflang, JSON-LD, share links, feeds and the sitemap keep the absolute SITEURL.
The browser test opens the same development build from a static server on a free port and
from file://, and finds the stylesheet applied and the script running.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import lxml.html
import pytest

from tests.conftest import FIXTURE_SITE, ROOT, build_into
from tests.fakes.fixtures import pick_port
from tests.test_browser_theme import chromium, static_server  # noqa: F401 (fixture)

DEV_SITEURL = "http://127.0.0.1:8000"  # pelicanconf.py
ARTICLE = "en/articles/night-terrors/index.html"
ARTIFACTS = ROOT / "test-artifacts" / "portable"


@pytest.fixture(scope="module")
def dev_site(tmp_path_factory) -> Path:
    output = tmp_path_factory.mktemp("dev") / "output"
    build_into(output, FIXTURE_SITE)
    return output


@pytest.fixture(scope="module")
def published_site(tmp_path_factory, monkeypatch_module) -> Path:
    monkeypatch_module.setenv("PUBLISH_SITEURL", "https://expio.test")
    output = tmp_path_factory.mktemp("publish") / "output"
    build_into(output, FIXTURE_SITE, settings_file=ROOT / "publishconf.py")
    return output


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def links(path: Path) -> dict[str, list[str]]:
    document = lxml.html.document_fromstring(path.read_text(encoding="utf-8"))
    head = document.head
    ld = [json.loads(s.text) for s in head.iter("script") if s.get("type") == "application/ld+json"]
    return {
        "stylesheet": head.xpath("//link[@rel='stylesheet']/@href"),
        "script": head.xpath("//script[@src]/@src"),
        "canonical": head.xpath("//link[@rel='canonical']/@href"),
        "hreflang": head.xpath("//link[@hreflang]/@href"),
        "og:url": head.xpath("//meta[@property='og:url']/@content"),
        "jsonld": [u for u in re.findall(r'"(?:url|@id|item)":\s*"([^"]+)"', json.dumps(ld))
                   if not u.startswith("https://doi.org/")],
        "share": document.xpath("//section[@class='share']//a/@href"),
        "nav": document.xpath("//header//a/@href")
        + document.xpath("//main//a[not(ancestor::section[@class='share'])]/@href"),
    }


def test_the_development_build_links_relatively_and_keeps_what_must_be_absolute(dev_site):
    found = links(dev_site / ARTICLE)
    assert found["stylesheet"] and found["stylesheet"][0].startswith("../../../theme/css/site.")
    assert found["script"] and found["script"][0].startswith("../../../theme/js/site.")
    for name in ("canonical", "hreflang", "og:url", "jsonld"):
        assert found[name] and all(u.startswith(DEV_SITEURL + "/") for u in found[name]), name
    assert all("http%3A//127.0.0.1%3A8000/en/articles/night-terrors/" in u
               for u in found["share"] if u.startswith("http"))
    own = [u for u in found["nav"] if not u.startswith(("#", "tel:", "mailto:", "https://doi"))]
    assert own and not [u for u in own if "//" in u], own  # every page link is relative
    assert "../../../en/category/ptsd/" in own and "../../../en/" in own
    index = links(dev_site / "index.html")
    assert index["stylesheet"][0].startswith("./theme/css/site.")
    for feed in ("en/feeds/all.atom.xml", "sitemap.xml"):
        text = (dev_site / feed).read_text(encoding="utf-8")
        assert f"{DEV_SITEURL}/en/articles/night-terrors/" in text and 'href="../' not in text
    atom = (dev_site / "feeds/all.atom.xml").read_text(encoding="utf-8")
    # A {filename} link in the body is absolute in the feed, relative on the page.
    assert f'href="{DEV_SITEURL}/articles/low-mood/"' in atom
    page = (dev_site / "articles/night-terrors/index.html").read_text(encoding="utf-8")
    assert 'href="../../articles/low-mood/"' in page


def test_the_published_build_is_absolute(published_site):
    found = links(published_site / ARTICLE)
    for name in ("stylesheet", "script", "canonical", "hreflang", "og:url", "jsonld"):
        assert found[name] and all(u.startswith("https://expio.test/") for u in found[name]), name
    own = [u for u in found["nav"] if not u.startswith(("#", "tel:", "mailto:", "https://doi"))]
    assert own and all(u.startswith("https://expio.test/") for u in own), [
        u for u in own if not u.startswith("https://expio.test/")]


def _open(chromium, url: str, width: int = 1280):
    context = chromium.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    requests: list[str] = []
    failed: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    # The fixture article embeds a video from the allowlisted host (no network here).
    # and a site-root path in raw HTML (`<img src="/images/dot.svg">`), which only a server
    # resolves: editors write {static}/images/… (CONTENT.md), which the build makes relative.
    page.on("requestfailed", lambda r: failed.append(f"{r.url} {r.failure}")
            if not r.url.startswith(("https://www.youtube-nocookie.com/", "file:///images/"))
            else None)
    page.on("pageerror", lambda e: failed.append(f"page error: {e}"))
    page.goto(url, wait_until="load")
    return context, page, requests, failed


def _assert_styled_and_scripted(page, requests, failed, where: str) -> None:
    # Computed style from site.css: the honeypot wrapper is taken out of the flow, and the
    # skip link is moved off screen; without the stylesheet both are static.
    hidden = page.locator(".visually-hidden").first
    assert hidden.evaluate("el => getComputedStyle(el).position") == "absolute", where
    assert page.locator(".skip-link").evaluate("el => getComputedStyle(el).position") \
        == "absolute", where
    # share.js (in the site bundle) reveals the copy-link button: the script ran.
    page.locator("[data-copy-link]").wait_for(state="visible")
    assert not [u for u in requests if u.startswith(DEV_SITEURL)], where  # never the old port
    assert failed == [], where


@pytest.mark.browser
def test_the_development_build_works_on_any_port_and_from_disk(dev_site, chromium):
    port = pick_port()
    assert port != 8000
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with static_server(dev_site, port, {}) as base:
        context, page, requests, failed = _open(chromium, f"{base}/en/articles/night-terrors/")
        try:
            _assert_styled_and_scripted(page, requests, failed, "served")
            page.locator(".eyebrow a").first.click()  # a relative link to another page
            page.wait_for_url(f"{base}/en/category/ptsd/")
            assert page.locator(".visually-hidden").first.evaluate(
                "el => getComputedStyle(el).position") == "absolute"
        finally:
            context.close()
    for width in (390, 1280):
        context, page, requests, failed = _open(chromium, (dev_site / ARTICLE).as_uri(), width)
        try:
            _assert_styled_and_scripted(page, requests, failed, f"file:// at {width}px")
            page.screenshot(path=str(ARTIFACTS / f"article-file-{width}.png"), full_page=True)
        finally:
            context.close()
