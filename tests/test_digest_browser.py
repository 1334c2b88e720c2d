"""The digest email in Chromium: no horizontal overflow at 375 and 700 px, in light and dark
mode, both languages; its web version (published page and preview) served with the site's CSP
as an HTTP header: styled, no violation, no overflow at 390 px. Screenshots in
test-artifacts/digest/ for a human look."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from newsletter.config import read_pelicanconf
from newsletter.digest import settings as digest_settings
from newsletter.digest.plan import make_plan, web_version
from newsletter.digest.render import address_line, fill_merge_tags, render
from tests.browser import launch
from tests.digest_helpers import NOW, PERIOD, site_with_manifests
from tests.test_search import Server, free_port, security_headers

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


# --- the web version on the site, under the site's CSP sent as an HTTP header -------------------

def _site_with_web_versions(root: Path, site_url: str):
    """An output folder served at `site_url` holding both languages' web versions and previews
    (as `make digest` writes them) and the stylesheet they link; the fixture manifests are moved
    to `site_url`, so images and links are same-origin as on the real site."""
    from newsletter.digest.render import write_stylesheet

    output = site_with_manifests(root)
    for manifest in output.rglob("manifest.json"):
        manifest.write_text(manifest.read_text(encoding="utf-8")
                            .replace("http://127.0.0.1:8000", site_url), encoding="utf-8")
    (output / "images").mkdir()
    shutil.copy(ROOT / "content" / "images" / "waves.svg", output / "images" / "waves.svg")
    config = digest_settings.load({**read_pelicanconf(), "SITEURL": site_url})
    pages = {}
    for lang in ("uk", "en"):
        plan = make_plan(lang=lang, period=PERIOD, config=config, output=output, ledger=None,
                         now=NOW)
        published = output / plan.web_path / "index.html"
        published.parent.mkdir(parents=True)
        published.write_text(web_version(plan, config).html, encoding="utf-8")
        preview = output / "newsletter" / "preview" / f"{lang}.html"
        preview.parent.mkdir(parents=True, exist_ok=True)
        preview.write_text(web_version(plan, config, page_folder="newsletter/preview/").html,
                           encoding="utf-8")
        email = output / "email" / f"{lang}.html"  # the control: the email as mailed
        email.parent.mkdir(exist_ok=True)
        email.write_text(render(plan.content, plan.ctx, config).html, encoding="utf-8")
        pages[lang] = (plan.web_path, f"newsletter/preview/{lang}.html", f"email/{lang}.html")
    write_stylesheet(output, config)
    return output, pages


@pytest.fixture(scope="module")
def csp_site(tmp_path_factory):
    port = free_port()
    output, pages = _site_with_web_versions(tmp_path_factory.mktemp("digest-web"),
                                            f"http://127.0.0.1:{port}")
    server = Server(output, port, security_headers())
    yield server, pages
    server.close()


def _visit(browser, url: str, width: int, scheme: str = "light"):
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" and not message.location["url"].endswith("favicon.ico")
            else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    response = page.goto(url, wait_until="load")
    return context, page, response, problems


@pytest.mark.parametrize("lang", ["uk", "en"])
@pytest.mark.parametrize("which", [0, 1], ids=["published", "preview"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_web_version_is_styled_under_the_site_csp(browser, csp_site, lang, which, scheme):
    server, pages = csp_site
    context, page, response, problems = _visit(browser, f"{server.url}/{pages[lang][which]}",
                                               390, scheme)
    assert "style-src 'self'" in response.headers["content-security-policy"]
    assert problems == []  # no CSP violation (nor any other error) in the console
    assert page.locator("[style]").count() == 0 and page.locator("style").count() == 0
    styles = page.evaluate("""() => {
        const css = (selector, property) =>
            getComputedStyle(document.querySelector(selector))[property];
        return {body: css('body', 'backgroundColor'), container: css('.container', 'maxWidth'),
                h1: css('.h1', 'fontFamily'), cat: css('.cat', 'textTransform'),
                foot: css('.foot p', 'marginBottom'),
                scroll: document.documentElement.scrollWidth, inner: window.innerWidth};
    }""")
    expected = "rgb(15, 23, 22)" if scheme == "dark" else "rgb(242, 245, 244)"
    assert styles["body"] == expected
    assert styles["container"] == "600px" and "Georgia" in styles["h1"]
    assert styles["cat"] == "uppercase" and styles["foot"] == "8px"
    assert styles["scroll"] <= styles["inner"], f"overflows: {styles['scroll']}px at 390px"
    assert page.locator(".preheader").is_hidden()
    assert page.locator("img.hero").bounding_box()["width"] <= 390
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"web-{lang}-{which}-390-{scheme}.png"), full_page=True)
    context.close()


def test_the_email_itself_would_break_the_csp(browser, csp_site):
    """The control: the css-inlined email served on the site is what the CSP blocks."""
    server, pages = csp_site
    context, page, _, problems = _visit(browser, f"{server.url}/{pages['uk'][2]}", 390)
    assert any("Content Security Policy" in problem and "style" in problem
               for problem in problems), problems
    context.close()
