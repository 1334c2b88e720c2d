"""The digest email in Chromium: no horizontal overflow at 375 and 700 px, in light and dark
mode, both languages; screenshots in test-artifacts/digest/ for a human look."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsletter.config import read_pelicanconf
from newsletter.digest import settings as digest_settings
from newsletter.digest.plan import make_plan
from newsletter.digest.render import address_line, fill_merge_tags, render
from tests.browser import launch
from tests.digest_helpers import NOW, PERIOD, site_with_manifests

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "digest"
CONFIG = digest_settings.load(read_pelicanconf())

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


def _email_html(lang: str, tmp_path: Path) -> str:
    plan = make_plan(lang=lang, period=PERIOD, config=CONFIG, output=site_with_manifests(tmp_path),
                     ledger=None, now=NOW)
    rendered = render(plan.content, plan.ctx, CONFIG)
    long_token = "https://127.0.0.1:8000/api/newsletter/unsubscribe?t=" + "x" * 120
    return fill_merge_tags(rendered, {"*|UNSUB|*": long_token, "*|UPDATE_PROFILE|*": long_token,
                                      "*|LIST:ADDRESSLINE|*": address_line(CONFIG, lang)}).html


def _serve_images(page):
    def handle(route):
        name = route.request.url.rsplit("/", 1)[-1]
        path = ROOT / "content" / "images" / name
        if path.exists():
            route.fulfill(path=str(path), content_type="image/svg+xml")
        else:
            route.fulfill(status=404, body="")
    page.route("http://127.0.0.1:8000/images/*", handle)


@pytest.mark.parametrize("lang", ["en", "uk"])
@pytest.mark.parametrize("width", [375, 700])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_horizontal_overflow(browser, tmp_path, lang, width, scheme):
    html = _email_html(lang, tmp_path)
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    _serve_images(page)
    page.set_content(html, wait_until="load")
    sizes = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth,"
                          " getComputedStyle(document.body).backgroundColor]")
    scroll_width, inner_width, background = sizes
    assert scroll_width <= inner_width, f"{lang} at {width}px overflows: {scroll_width}px"
    hero = page.locator("img.hero")
    assert hero.get_attribute("alt") and hero.get_attribute("width") and \
        hero.get_attribute("height")
    box = hero.bounding_box()
    assert box["width"] <= width
    assert page.locator(".preheader").is_hidden()
    expected = "rgb(15, 23, 22)" if scheme == "dark" else "rgb(242, 245, 244)"
    assert background == expected  # the dark-mode @media rule survived inlining
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"digest-{lang}-{width}-{scheme}.png"), full_page=True)
    context.close()
