"""The subscribe form on the built site in headless Chromium, both languages, with and without
JavaScript, against the real endpoint (local backend, outbox mode) serving output/.

Needs `make html` first. A site without the form (or without the result pages) FAILS here:
the form is part of the site's contract (see newsletter/README.md, "The form").
"""

from __future__ import annotations

import email
import email.policy
import html
import re
import time
from urllib.parse import urlsplit

import pytest

from newsletter.config import load_config, read_pelicanconf
from newsletter.service import create_app
from newsletter.store import SubscriberStore
from tests.browser import launch
from tests.fakes.fixtures import pick_port

pytestmark = pytest.mark.browser

PREFIX = {"uk": "", "en": "en/"}


def messages(page_html: str) -> dict[str, str]:
    """Outcome code -> message text, from the form's <template data-outcome> children."""
    found = re.findall(r'<template data-outcome="([a-z-]+)">(.*?)</template>', page_html, re.S)
    return {code: " ".join(html.unescape(re.sub(r"<[^>]+>", "", body)).split())
            for code, body in found}


@pytest.fixture(scope="module")
def site(tmp_path_factory, real_site):
    """Endpoint + built site (local backend, outbox in a temporary folder).

    The build writes absolute links to its SITEURL and the CSP allows only 'self', so the
    browser must see the site at exactly that origin: it talks to SITEURL, and Playwright
    routes those requests to our server on a free port. Yields (SITEURL, config, server URL).
    """
    from tests.fakes.fixtures import running_server

    form_page = real_site / "subscribe" / "index.html"  # the real content, built for the session
    assert form_page.exists(), "the built site has no subscribe/index.html"
    assert "data-newsletter-form" in form_page.read_text(encoding="utf-8"), \
        "the built subscribe page has no <form data-newsletter-form>"
    settings = read_pelicanconf()
    site_url = settings["SITEURL"].rstrip("/")
    state = tmp_path_factory.mktemp("newsletter-state")
    settings = {**settings,
                "NEWSLETTER": {**settings.get("NEWSLETTER", {}), "state_dir": str(state),
                               "allowed_origins": [site_url], "rate_limit_address": [50, 3600],
                               "resend_interval": 0}}
    config = load_config(settings, environ={"NEWSLETTER_SECRET": "browser-" + "b" * 24})
    app = create_app(config, static_dir=real_site,
                     security_headers=settings.get("SECURITY_HEADERS") or {})
    with running_server(app, pick_port()) as server:
        yield site_url, config, server


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


def new_page(chromium, site_url: str, server: str, javascript: bool):
    """A page whose requests to SITEURL are answered by our server.

    Chromium does not route the target of a fulfilled redirect, so the route follows the
    endpoint's 303 itself (recording its Location in `redirects`) and answers with the page it
    leads to; the address bar then keeps the endpoint URL, and tests assert the Location.
    """
    context = chromium.new_context(java_script_enabled=javascript)
    redirects: list[str] = []

    def forward(route):
        parts = urlsplit(route.request.url)
        target = server + parts.path + (f"?{parts.query}" if parts.query else "")
        response = route.fetch(url=target, max_redirects=0)
        if response.status in (301, 302, 303, 307, 308):
            location = response.headers["location"]
            redirects.append(location)
            response = context.request.get(server + location, max_redirects=0)
        route.fulfill(response=response)

    context.route(f"{site_url}/**", forward)
    page = context.new_page()
    page.redirects = redirects
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page, errors


def outbox(config, *, at_least: int = 0, timeout: float = 10.0) -> list:
    """The mails delivered so far; with `at_least`, waits for that many: the server's
    delivery worker sends them after the response has reached the page."""
    deadline = time.monotonic() + timeout
    while True:
        files = sorted(config.outbox_dir.glob("*.eml"))
        if len(files) >= at_least or time.monotonic() > deadline:
            return [email.message_from_bytes(f.read_bytes(), policy=email.policy.default)
                    for f in files]
        time.sleep(0.05)


def fill_form(page, address: str):
    form = page.locator("form[data-newsletter-form]").first
    form.locator('input[name="email"]').fill(address)
    details = form.locator("details")
    if details.count() and details.first.get_attribute("open") is None:
        details.first.locator("summary").click()  # topics are folded away on most pages
    form.locator('input[name="topics"][value="ptsd"]').check()
    return form


@pytest.mark.parametrize("lang", ["uk", "en"])
def test_form_in_place_with_javascript(site, chromium, lang):
    base, config, server = site
    context, page, errors = new_page(chromium, base, server, javascript=True)
    try:
        url = f"{base}/{PREFIX[lang]}subscribe/"
        page.goto(url)
        expected = messages(page.content())
        assert "check-inbox" in expected and "invalid-email" in expected
        before = len(outbox(config))
        form = fill_form(page, f"js-{lang}@example.org")
        form.locator('[type="submit"]').click()
        status = form.locator("[data-newsletter-status]")
        status.filter(has_text=expected["check-inbox"]).wait_for(timeout=10_000)
        assert page.url == url  # stayed on the page
        assert status.get_attribute("role") == "status"
        mails = outbox(config, at_least=before + 1)
        assert len(mails) == before + 1
        assert mails[-1]["Content-Language"] == lang and mails[-1]["To"] == f"js-{lang}@example.org"

        # A server-side refusal shows its own message (the browser accepts user@localhost).
        form.locator('input[name="email"]').fill("reader@localhost")
        form.locator('[type="submit"]').click()
        status.filter(has_text=expected["invalid-email"]).wait_for(timeout=10_000)
        assert not [e for e in errors if "Content Security Policy" in e], errors
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["uk", "en"])
def test_form_without_javascript_then_confirm_and_unsubscribe(site, chromium, lang):
    base, config, server = site
    context, page, _errors = new_page(chromium, base, server, javascript=False)
    try:
        page.goto(f"{base}/{PREFIX[lang]}subscribe/")
        expected = messages(page.content())
        address = f"nojs-{lang}@example.org"
        before = len(outbox(config))
        form = fill_form(page, address)
        with page.expect_navigation():
            form.locator('[type="submit"]').click()
        assert page.redirects[-1] == f"/{PREFIX[lang]}subscribe/check-inbox/"
        assert expected["check-inbox"] in " ".join(page.locator("main").inner_text().split())

        (mail,) = outbox(config, at_least=before + 1)[before:]
        text = mail.get_body(("plain",)).get_content()
        confirm = re.search(r"(http://\S+/api/newsletter/confirm\?t=\S+)", text).group(1)
        page.goto(confirm)  # what a mail scanner fetches: a page with a button, no change
        assert page.redirects == [f"/{PREFIX[lang]}subscribe/check-inbox/"]
        assert page.locator("html").get_attribute("lang") == lang
        assert SubscriberStore(config.store_path).get(address).status == "pending"
        with page.expect_navigation():
            page.locator('form[method="post"] button[type="submit"]').click()
        assert page.redirects[-1] == f"/{PREFIX[lang]}subscribe/confirmed/"
        assert expected["confirmed"] in " ".join(page.locator("main").inner_text().split())
        assert page.locator("h1").count() == 1
        assert page.locator("html").get_attribute("lang").startswith(lang)

        unsubscribe = mail["List-Unsubscribe"].strip("<>")
        page.goto(unsubscribe)
        assert page.locator("html").get_attribute("lang") == lang
        with page.expect_navigation():
            page.locator('form[method="post"] button[type="submit"]').click()
        assert page.redirects[-1] == f"/{PREFIX[lang]}subscribe/unsubscribed/"
        assert expected["unsubscribed"] in " ".join(page.locator("main").inner_text().split())
    finally:
        context.close()
