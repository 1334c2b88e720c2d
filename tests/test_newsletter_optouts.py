"""Opt-outs and preference changes with the Mailchimp backend are durable (issue 26, item 4):
accepted, queued and retried when Mailchimp is unreachable or answers 429/5xx, the reader
sees the normal result page (never a 500), and logs carry Mailchimp's status and title, never
its `detail` or an address. Against the fake Mailchimp (a real HTTP server) with faults.
Before the fix each fault answered 500 and the opt-out was lost."""

from __future__ import annotations

import logging

import httpx
import pytest

from newsletter.backends import MailchimpBackend, Subscription
from newsletter.config import load_config
from newsletter.interests import load_interest_map
from newsletter.mailchimp import MailchimpGateway, subscriber_hash
from newsletter.service import create_app
from tests.fakes.fixtures import pick_port

LIST = "list0001"
ADDRESS = "leaver@example.org"


class _Service:
    def __init__(self, url, app, backend, fake):
        self.url, self.app, self.backend, self.fake = url, app, backend, fake
        self.links = app.state.endpoint.links
        self.delivery = app.state.delivery
        self.queue = self.delivery.queue

    def post(self, purpose: str, data=None, lang="en", json=True):
        headers = {"Origin": self.url}
        if json:
            headers["Accept"] = "application/json"
        return httpx.post(self.links.url(purpose, ADDRESS, lang), data=data or {},
                          headers=headers, follow_redirects=False, timeout=10)

    def member(self, email=ADDRESS) -> dict | None:
        with self.fake.state.lock:
            return self.fake.state.member(LIST, email)

    def retry_all(self):
        """Mailchimp is back: what the retry task (or `flush-queue`) does."""
        assert self.delivery.wait_idle(10)
        self.fake.faults.fail_ratio = 0.0
        self.queue.drain_all(self.backend)


@pytest.fixture
def service(fake_mailchimp, newsletter_settings, serve_app):
    port = pick_port()
    url = f"http://127.0.0.1:{port}"
    env = {"MAILCHIMP_API_KEY": fake_mailchimp.api_key,
           "MAILCHIMP_API_URL": fake_mailchimp.api_url, "MAILCHIMP_LIST_ID": LIST,
           "NEWSLETTER_SECRET": "o" * 32}
    config = load_config(newsletter_settings(url, mailchimp_timeout=2.0,
                                             mailchimp_answer_wait=3.0), environ=env)
    gateway = MailchimpGateway(config)
    load_interest_map(config, gateway, create=True)
    backend = MailchimpBackend(config, gateway)
    backend.subscribe(Subscription(ADDRESS, "uk", frozenset({"ptsd"})))
    with fake_mailchimp.state.lock:
        fake_mailchimp.state.member(LIST, ADDRESS)["status"] = "subscribed"  # confirmed
    app = create_app(config, backend=backend, retry_in_background=False)
    return _Service(serve_app(app, port), app, backend, fake_mailchimp)


def fail_every_call(service, mode: str) -> None:
    service.fake.faults.modes = (mode,)
    service.fake.faults.fail_ratio = 1.0


@pytest.mark.parametrize("mode", ["drop", "5xx-empty", "429"])
def test_unsubscribe_while_mailchimp_fails_is_queued_then_done(service, mode, caplog):
    fail_every_call(service, mode)
    with caplog.at_level(logging.DEBUG, logger="newsletter"):
        response = service.post("unsubscribe")
        assert (response.status_code, response.json()) == (200, {"outcome": "unsubscribed"})
        assert service.delivery.wait_idle(10)
        assert service.member()["status"] == "subscribed"  # not yet: Mailchimp is down
        assert service.queue.count() == 1  # ... but the opt-out is durable
        service.retry_all()
    assert service.member()["status"] == "unsubscribed"
    assert service.queue.count() == 0 and service.queue.count("dead") == 0
    assert ADDRESS not in caplog.text
    assert "queued for retry" in caplog.text


def test_the_no_js_reader_gets_the_result_page(service):
    fail_every_call(service, "drop")
    response = service.post("unsubscribe", json=False, lang="uk")
    assert response.status_code == 303
    assert response.headers["location"] == "/subscribe/unsubscribed/"


def test_one_click_unsubscribe_from_a_mail_provider_survives_an_outage(service):
    fail_every_call(service, "5xx-empty")
    response = httpx.post(service.links.unsubscribe_url(ADDRESS, "en"),
                          content=b"List-Unsubscribe=One-Click",
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 303
    service.retry_all()
    assert service.member()["status"] == "unsubscribed"


@pytest.mark.parametrize("mode", ["drop", "429"])
def test_preference_change_while_mailchimp_fails_is_queued_then_done(service, mode):
    fail_every_call(service, mode)
    response = service.post("preferences", {"topics": ["stress"], "language": "en"})
    assert (response.status_code, response.json()) == (200, {"outcome": "preferences-saved"})
    service.retry_all()
    member = service.member()
    ids = service.backend.interest_map().ids
    assert member["interests"][ids["stress"]] is True
    assert member["interests"][ids["ptsd"]] is False
    assert member["language"] == "en" and member["status"] == "subscribed"


def test_unsubscribe_from_the_preferences_page_is_queued_too(service):
    fail_every_call(service, "drop")
    response = service.post("preferences", {"action": "unsubscribe"})
    assert response.json() == {"outcome": "unsubscribed"}
    service.retry_all()
    assert service.member()["status"] == "unsubscribed"


def test_preferences_page_during_an_outage_asks_to_try_later(service):
    fail_every_call(service, "drop")
    response = httpx.get(service.links.preferences_url(ADDRESS, "en"),
                         headers={"Accept": "application/json"})
    assert (response.status_code, response.json()) == (429, {"outcome": "try-later"})


def test_unsubscribing_an_unknown_address_is_a_success_that_adds_nobody(service):
    email = "never-subscribed@example.org"
    response = httpx.post(service.links.unsubscribe_url(email, "en"),
                          headers={"Origin": service.url, "Accept": "application/json"})
    assert response.json() == {"outcome": "unsubscribed"}
    assert service.delivery.wait_idle(10)
    assert service.member(email) is None
    assert not [path for method, path, _ in service.fake.state.requests
                if method == "PUT" and path.endswith(subscriber_hash(email))]


@pytest.mark.parametrize("status", ["cleaned", "unsubscribed"])
def test_unsubscribing_a_member_who_gets_no_mail_is_a_success(service, status):
    with service.fake.state.lock:
        service.member()["status"] = status
    assert service.post("unsubscribe").json() == {"outcome": "unsubscribed"}
    assert service.delivery.wait_idle(10)
    assert service.member()["status"] == status and service.queue.count() == 0


def test_a_4xx_retrying_cannot_fix_is_dead_lettered_once_without_detail(service, caplog):
    """Mailchimp's `detail` echoes the request (the address); before, it was logged verbatim
    and the job retried 40 times."""
    service.fake.faults.script[:] = [None, "400-echo"]  # the GET passes, the PUT is refused
    with caplog.at_level(logging.DEBUG):
        response = service.post("unsubscribe")
        assert response.json() == {"outcome": "unsubscribed"}
        assert service.delivery.wait_idle(10)
    assert service.queue.count() == 0 and service.queue.count("dead") == 1
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, caplog.text
    assert "Mailchimp HTTP 400 Invalid Resource" in errors[0].getMessage()
    assert ADDRESS not in caplog.text and "could not be validated" not in caplog.text
    assert all(r.exc_info is None for r in caplog.records if r.levelno >= logging.INFO)


def test_a_refused_subscription_logs_title_and_status_only(service, caplog):
    service.fake.faults.script.append("400-echo")
    sub = Subscription("echoed@example.org", "uk", frozenset({"ptsd"}))
    with caplog.at_level(logging.DEBUG):
        service.queue.put(sub)
        report = service.queue.drain_all(service.backend)
    assert report.dead == 1 and service.queue.count() == 0
    assert "echoed@example.org" not in caplog.text
    assert "could not be validated" not in caplog.text
    assert "Mailchimp HTTP 400 Invalid Resource" in caplog.text
