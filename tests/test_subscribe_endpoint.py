"""The subscribe endpoint over real HTTP (uvicorn on 127.0.0.1): bad input never reaches the
backend, and each refusal has the right status and outcome code."""

from __future__ import annotations

import httpx
import pytest

from newsletter.backends import Preferences
from newsletter.config import load_config
from newsletter.outcomes import OUTCOMES, STATUS
from newsletter.service import create_app
from tests.fakes.fixtures import pick_port

SECRET = {"NEWSLETTER_SECRET": "test-secret-" + "x" * 20}


class RecordingBackend:
    """A backend that only records what reaches it.

    Subscriptions reach it from the delivery worker after the answer, so `calls` first waits
    until the worker has attempted every accepted subscription: a request that was wrongly
    accepted is then in `calls`, and a test expecting none fails.
    """

    name = "recording"

    def __init__(self):
        self.received = []
        self.delivery = None  # set once the app exists

    @property
    def calls(self):
        assert self.delivery.wait_idle(10), "the delivery worker did not settle"
        return self.received

    def subscribe(self, sub):
        self.received.append(sub)
        return "check-inbox"

    def confirm(self, email, lang):
        return "confirmed"

    def unsubscribe(self, email):
        return "unsubscribed"

    def preferences(self, email):
        return Preferences("uk", frozenset())

    def set_preferences(self, email, lang, topics):
        return "preferences-saved"


@pytest.fixture
def endpoint(newsletter_settings, serve_app):
    def start(**newsletter):
        port = pick_port()
        site = f"http://127.0.0.1:{port}"
        options = {"rate_limit_ip": [1000, 60], "rate_limit_address": [2, 3600], **newsletter}
        config = load_config(newsletter_settings(site, **options), environ=SECRET)
        backend = RecordingBackend()
        app = create_app(config, backend=backend, retry_in_background=False,
                         security_headers={"X-Test-Header": "on"})
        backend.delivery = app.state.delivery
        url = serve_app(app, port)
        return url, backend
    return start


def post(url, data=None, *, origin="self", json=True, headers=None, **kwargs):
    sent = {"Accept": "application/json"} if json else {}
    if origin:
        sent["Origin"] = url if origin == "self" else origin
    sent.update(headers or {})
    return httpx.post(f"{url}/api/newsletter/subscribe", data=data, headers=sent,
                      follow_redirects=False, timeout=10, **kwargs)


GOOD = {"email": "reader@example.org", "topics": ["ptsd", "stress"], "language": "en",
        "website": ""}


def test_outcome_table_is_complete():
    assert len(OUTCOMES) == 13 and set(STATUS) == set(OUTCOMES)
    assert STATUS["check-inbox"] == 202 and STATUS["forbidden"] == 403


def test_accepted_subscription_reaches_the_backend(endpoint):
    url, backend = endpoint()
    response = post(url, {**GOOD, "source": "sidebar<script>"})
    assert response.status_code == 202
    assert response.json() == {"outcome": "check-inbox"}
    assert response.headers["x-test-header"] == "on"
    assert response.headers["cache-control"] == "no-store"
    (sub,) = backend.calls
    assert (sub.email, sub.lang, sub.topics) == ("reader@example.org", "en",
                                                 frozenset({"ptsd", "stress"}))
    assert sub.source == "sidebarscript"


def test_no_topics_means_every_topic_and_language_defaults_to_the_page(endpoint):
    url, backend = endpoint()
    post(url, {"email": "all@example.org"}, headers={"Referer": f"{url}/en/articles/x/"})
    (sub,) = backend.calls
    assert sub.lang == "en" and "ptsd" in sub.topics and "uncategorized" not in sub.topics


@pytest.mark.parametrize("referer, language, location", [
    ("/articles/x/", "uk", "/subscribe/check-inbox/"),
    ("/en/articles/x/", "en", "/en/subscribe/check-inbox/"),
    ("/en/", "uk", "/en/subscribe/check-inbox/"),  # the reader's page language wins
    (None, "en", "/en/subscribe/check-inbox/"),
])
def test_no_js_post_redirects_to_the_result_page(endpoint, referer, language, location):
    url, _ = endpoint()
    headers = {"Referer": url + referer} if referer else {}
    response = post(url, {**GOOD, "language": language}, json=False, headers=headers)
    assert response.status_code == 303
    assert response.headers["location"] == location


BAD = [
    # (name, form data or raw body, extra headers, expected code)
    ("not an address", {"email": "not-an-email"}, {}, "invalid-email"),
    ("no domain", {"email": "reader@"}, {}, "invalid-email"),
    ("no dot in domain", {"email": "reader@localhost"}, {}, "invalid-email"),
    ("empty", {"email": ""}, {}, "invalid-email"),
    ("too long", {"email": "a" * 250 + "@example.org"}, {}, "invalid-email"),
    ("CRLF Bcc", {"email": "reader@example.org\r\nBcc: victim@example.org"}, {}, "invalid-email"),
    ("LF header", {"email": "reader@example.org\nSubject: spam"}, {}, "invalid-email"),
    ("NUL", {"email": "reader@example.org\x00"}, {}, "invalid-email"),
    ("two recipients", {"email": "reader@example.org, victim@example.org"}, {}, "invalid-email"),
    ("angle brackets", {"email": "Reader <reader@example.org>"}, {}, "invalid-email"),
    ("unicode line separator", {"email": "reader@example.org\u2028Bcc: x@example.org"}, {},
     "invalid-email"),
    ("missing email", {"topics": "ptsd"}, {}, "bad-request"),
    ("two emails", {"email": ["a@example.org", "b@example.org"]}, {}, "bad-request"),
    ("unknown topic", {"email": "a@example.org", "topics": "astrology"}, {}, "bad-request"),
    ("excluded topic", {"email": "a@example.org", "topics": "uncategorized"}, {}, "bad-request"),
    ("unknown language", {"email": "a@example.org", "language": "de"}, {}, "bad-request"),
    ("oversized body", {"email": "a@example.org", "padding": "x" * 5000}, {}, "bad-request"),
    ("JSON body", b'{"email": "a@example.org"}', {"Content-Type": "application/json"},
     "bad-request"),
    ("invalid UTF-8", b"email=%FF%FE@example.org", {}, "bad-request"),
    ("wrong origin", GOOD, {"Origin": "https://evil.example"}, "forbidden"),
    ("null origin", GOOD, {"Origin": "null"}, "forbidden"),
    ("foreign referer, no origin", GOOD, {"Origin": None, "Referer": "https://evil.example/x"},
     "forbidden"),
    ("no origin, no referer", GOOD, {"Origin": None}, "forbidden"),
    ("honeypot filled", {**GOOD, "website": "http://spam.example"}, {}, "check-inbox"),
]


@pytest.mark.parametrize("name, data, headers, code", BAD, ids=[case[0] for case in BAD])
def test_bad_input_never_reaches_the_backend(endpoint, name, data, headers, code):
    url, backend = endpoint()
    sent = {"Accept": "application/json", "Origin": url}
    sent.update({k: v for k, v in headers.items() if v is not None})
    for key in [k for k, v in headers.items() if v is None]:
        sent.pop(key, None)
    if isinstance(data, bytes):
        sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
        response = httpx.post(f"{url}/api/newsletter/subscribe", content=data, headers=sent)
    else:
        response = httpx.post(f"{url}/api/newsletter/subscribe", data=data, headers=sent)
    assert response.json() == {"outcome": code}
    assert response.status_code == STATUS[code]
    assert backend.calls == []


def test_streamed_oversized_body_is_refused(endpoint):
    url, backend = endpoint()

    def chunks():  # no Content-Length: the cap must hold while reading
        yield b"email=a%40example.org&x="
        for _ in range(100):
            yield b"y" * 1000

    response = httpx.post(f"{url}/api/newsletter/subscribe", content=chunks(),
                          headers={"Accept": "application/json", "Origin": url,
                                   "Content-Type": "application/x-www-form-urlencoded"})
    assert response.json() == {"outcome": "bad-request"} and response.status_code == 400
    assert backend.calls == []


def test_referer_from_the_site_is_enough_without_origin(endpoint):
    url, backend = endpoint()
    response = post(url, GOOD, origin=None, headers={"Referer": f"{url}/en/"})
    assert response.json() == {"outcome": "check-inbox"}
    assert len(backend.calls) == 1


def test_rate_limit_per_address(endpoint):
    url, backend = endpoint(rate_limit_address=[2, 3600])
    codes = [post(url, {**GOOD, "email": "Same@Example.org"}).json()["outcome"]
             for _ in range(3)]
    assert codes == ["check-inbox", "check-inbox", "rate-limited"]
    assert post(url, {**GOOD, "email": "other@example.org"}).status_code == 202
    assert len(backend.calls) == 3


def test_rate_limit_per_ip(endpoint):
    url, backend = endpoint(rate_limit_ip=[3, 60])
    responses = [post(url, {**GOOD, "email": f"r{i}@example.org"}) for i in range(4)]
    assert [r.status_code for r in responses] == [202, 202, 202, 429]
    assert responses[-1].json() == {"outcome": "rate-limited"}
    assert len(backend.calls) == 3


def test_get_is_not_allowed(endpoint):
    url, backend = endpoint()
    assert httpx.get(f"{url}/api/newsletter/subscribe").status_code == 405
    assert backend.calls == []


@pytest.mark.parametrize("path", ["confirm", "unsubscribe", "preferences"])
def test_forged_links_are_expired_links(endpoint, path):
    url, _ = endpoint()
    response = httpx.get(f"{url}/api/newsletter/{path}?t=forged.token.here",
                         headers={"Accept": "application/json"})
    assert response.status_code == 410 and response.json() == {"outcome": "expired-link"}
    response = httpx.get(f"{url}/api/newsletter/{path}", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/subscribe/expired-link/"
