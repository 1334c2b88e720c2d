"""Local backend: double opt-in by mail (outbox files and a real SMTP server), signed links with
an injected clock, unsubscribe and preferences, no mail bombing, the same answer for everyone."""

from __future__ import annotations

import email
import email.policy
import re
import socket

import httpx
import pytest

from newsletter.backends import LocalBackend, Subscription
from newsletter.config import load_config
from newsletter.links import BadLink, Links
from newsletter.messages import text
from newsletter.queue import RetryQueue
from newsletter.service import create_app
from newsletter.store import SubscriberStore
from tests.fakes.fixtures import SmtpSink, pick_port

SECRET = {"NEWSLETTER_SECRET": "local-secret-" + "y" * 20}
T0 = 1_760_000_000.0


class Clock:
    def __init__(self, now: float = T0):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def site(newsletter_settings, serve_app):
    """Factory: a served endpoint with the local backend; returns a namespace of handles."""

    def start(environ=None, **newsletter):
        port = pick_port()
        url = f"http://127.0.0.1:{port}"
        options = {"rate_limit_ip": [1000, 60], **newsletter}
        config = load_config(newsletter_settings(url, **options), environ={**SECRET,
                                                                          **(environ or {})})
        clock = Clock()
        links = Links(config, clock=clock)
        store = SubscriberStore(config.store_path, clock=clock)
        backend = LocalBackend(config, store=store, links=links)
        queue = RetryQueue.from_config(config, clock=clock)
        app = create_app(config, backend=backend, queue=queue, links=links,
                         retry_in_background=False)
        serve_app(app, port)
        return _Site(url, config, clock, store, backend, queue, app.state.delivery)

    return start


class _Site:
    def __init__(self, url, config, clock, store, backend, queue, delivery):
        self.url, self.config, self.clock = url, config, clock
        self.store, self.backend, self.queue = store, backend, queue
        self.delivery = delivery

    def subscribe(self, address, lang="uk", topics=("ptsd",), **headers):
        """POST the form; return the answer once the delivery worker has had its attempt
        (the confirmation mail is sent after the answer, off the request path)."""
        response = httpx.post(f"{self.url}/api/newsletter/subscribe",
                              data={"email": address, "language": lang, "topics": list(topics),
                                    "website": ""},
                              headers={"Origin": self.url, "Accept": "application/json",
                                       **headers})
        assert self.delivery.wait_idle(10), "the delivery worker did not settle"
        return response

    def outbox(self) -> list[email.message.EmailMessage]:
        files = sorted(self.config.outbox_dir.glob("*.eml"))
        return [email.message_from_bytes(f.read_bytes(), policy=email.policy.default)
                for f in files]


def link(msg, purpose: str) -> str:
    body = msg.get_body(("plain",)).get_content()
    return re.search(rf"(http://\S+/api/newsletter/{purpose}\?t=\S+)", body).group(1)


def test_double_opt_in_through_the_outbox(site):
    s = site()
    assert s.subscribe("Reader@Example.org", "en", ("ptsd", "stress")).json() == {
        "outcome": "check-inbox"}
    assert s.store.confirmed() == []
    (msg,) = s.outbox()
    assert msg["To"] == "Reader@example.org"
    assert msg["Content-Language"] == "en"
    assert "Confirm your subscription" in msg["Subject"]
    assert msg.get_content_type() == "multipart/alternative"
    html = msg.get_body(("html",)).get_content()
    assert '<html lang="en">' in html and "PTSD" in html
    unsubscribe = link(msg, "unsubscribe")
    assert msg["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    response = httpx.post(link(msg, "confirm"), follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/en/subscribe/confirmed/"
    (subscriber,) = s.store.confirmed("en")
    assert subscriber.email == "reader@example.org"
    assert subscriber.topics == {"ptsd", "stress"}
    assert subscriber.confirmed_at is not None and s.store.confirmed("uk") == []
    # Clicking again is harmless.
    again = httpx.post(link(msg, "confirm"), headers={"Accept": "application/json"})
    assert again.json() == {"outcome": "confirmed"}


def test_unsubscribe_page_and_post(site):
    s = site()
    s.subscribe("leaver@example.org", "uk")
    (msg,) = s.outbox()
    httpx.post(link(msg, "confirm"))
    url = link(msg, "unsubscribe")
    page = httpx.get(url)
    assert page.status_code == 200 and '<html lang="uk">' in page.text
    assert 'method="post"' in page.text and "leaver@example.org" in page.text
    assert s.store.get("leaver@example.org").status == "confirmed"  # GET changes nothing
    forbidden = httpx.post(url, headers={"Origin": "https://evil.example"})
    assert forbidden.status_code == 303 and "forbidden" in forbidden.headers["location"]
    done = httpx.post(url, headers={"Origin": s.url}, follow_redirects=False)
    assert done.headers["location"] == "/subscribe/unsubscribed/"
    assert s.store.get("leaver@example.org").status == "unsubscribed"
    assert s.store.confirmed() == []


def test_one_click_unsubscribe_from_a_mail_provider(site):
    s = site()
    s.subscribe("oneclick@example.org")
    (msg,) = s.outbox()
    httpx.post(link(msg, "confirm"))
    url = msg["List-Unsubscribe"].strip("<>")
    response = httpx.post(url, content=b"List-Unsubscribe=One-Click",
                          headers={"Content-Type": "application/x-www-form-urlencoded",
                                   "Accept": "application/json"})
    assert response.json() == {"outcome": "unsubscribed"}
    assert s.store.get("oneclick@example.org").status == "unsubscribed"


def test_preferences(site):
    s = site()
    s.subscribe("prefs@example.org", "uk", ("ptsd",))
    (msg,) = s.outbox()
    httpx.post(link(msg, "confirm"))
    url = link(msg, "preferences")
    page = httpx.get(url).text
    assert 'value="ptsd" checked' in page and 'value="stress">' in page
    saved = httpx.post(url, data={"topics": ["stress", "oncology"], "language": "en",
                                  "action": "save"},
                       headers={"Origin": s.url}, follow_redirects=False)
    assert saved.headers["location"] == "/en/subscribe/preferences-saved/"
    (subscriber,) = s.store.confirmed("en")
    assert subscriber.topics == {"stress", "oncology"}
    bad = httpx.post(url, data={"topics": ["astrology"]}, headers={"Origin": s.url,
                                                                   "Accept": "application/json"})
    assert bad.json() == {"outcome": "bad-request"}
    left = httpx.post(url, data={"action": "unsubscribe"}, headers={"Origin": s.url},
                      follow_redirects=False)
    assert left.headers["location"] == "/subscribe/unsubscribed/"
    assert s.store.confirmed() == []


def test_resubmitting_does_not_mail_bomb(site):
    s = site(resend_interval=900, rate_limit_address=[100, 3600])
    for _ in range(5):
        assert s.subscribe("victim@example.org").json() == {"outcome": "check-inbox"}
    assert len(s.outbox()) == 1
    s.clock.now += 901
    s.subscribe("victim@example.org")
    assert len(s.outbox()) == 2


def test_same_answer_whether_known_or_not(site):
    s = site(rate_limit_address=[100, 3600])
    first = s.subscribe("known@example.org")
    (msg,) = s.outbox()
    httpx.post(link(msg, "confirm"))
    s.clock.now += 10_000
    answers = {(r.status_code, r.text) for r in (
        first, s.subscribe("known@example.org"), s.subscribe("new@example.org"))}
    assert answers == {(202, '{"outcome":"check-inbox"}')}
    # A confirmed address keeps its choices; the mail only points to the preferences page.
    assert s.store.get("known@example.org").status == "confirmed"
    notice = s.outbox()[1]
    assert notice["Subject"] == text("uk", "already_subject", site="Експіо Центр")
    assert "/api/newsletter/confirm" not in notice.get_body(("plain",)).get_content()


def test_links_expire_with_the_clock(site):
    s = site(confirm_max_age=7 * 86400)
    s.subscribe("slow@example.org")
    (msg,) = s.outbox()
    s.clock.now += 7 * 86400 + 1
    response = httpx.post(link(msg, "confirm"), follow_redirects=False)
    assert response.headers["location"] == "/subscribe/expired-link/"
    assert s.store.get("slow@example.org").status == "pending"


def test_signed_links_unit(newsletter_settings):
    config = load_config(newsletter_settings(), environ=SECRET)
    clock = Clock()
    links = Links(config, clock=clock)
    token = links.token("confirm", "A@Example.org", "en")
    assert links.read("confirm", token) == ("a@example.org", "en")
    with pytest.raises(BadLink):
        links.read("unsubscribe", token)  # another purpose
    with pytest.raises(BadLink):
        links.read("confirm", token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))
    other = Links(load_config(newsletter_settings(), environ={"NEWSLETTER_SECRET": "z" * 32}),
                  clock=clock)
    with pytest.raises(BadLink):
        other.read("confirm", token)
    clock.now += config.confirm_max_age
    assert links.read("confirm", token)[0] == "a@example.org"
    clock.now += 1
    with pytest.raises(BadLink, match="expired"):
        links.read("confirm", token)
    url = links.unsubscribe_url("a@example.org", "uk")
    assert url.startswith("http://127.0.0.1:8000/api/newsletter/unsubscribe?t=")


def test_local_secret_is_generated_once_with_0600(newsletter_settings, caplog):
    import logging
    import os
    with caplog.at_level(logging.WARNING):
        first = load_config(newsletter_settings(), environ={})
    second = load_config(newsletter_settings(), environ={})
    assert first.secret == second.secret and len(first.secret) >= 32
    secret_file = first.state_dir / "secret"
    assert oct(os.stat(secret_file).st_mode & 0o777) == "0o600"
    assert "NEWSLETTER_SECRET is not set" in caplog.text
    assert first.secret not in caplog.text


def test_smtp_delivery_and_one_mail_across_retries(site, smtp_server):
    url, sink = smtp_server
    s = site(environ={"NEWSLETTER_SMTP_URL": url})
    assert s.subscribe("smtp@example.org", "en").json() == {"outcome": "check-inbox"}
    (msg,) = sink.messages
    assert msg["To"] == "smtp@example.org" and msg["List-Unsubscribe"]
    assert s.outbox() == []
    httpx.post(link(msg, "confirm"))
    assert [x.email for x in s.store.confirmed()] == ["smtp@example.org"]


def test_smtp_down_queues_then_sends_exactly_once(site):
    from aiosmtpd.controller import Controller
    port = pick_port()  # nothing listens here yet
    s = site(environ={"NEWSLETTER_SMTP_URL": f"smtp://127.0.0.1:{port}"})
    assert s.subscribe("queued@example.org").json() == {"outcome": "check-inbox"}
    assert s.queue.count() == 1
    sink = SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        report = s.queue.drain_all(s.backend)
        assert (report.delivered, s.queue.count()) == (1, 0)
        # The same subscription delivered again (a crash after sending) mails nobody twice.
        sub = Subscription("queued@example.org", "uk", frozenset({"ptsd"}), id="fixed-id")
        assert s.backend.subscribe(sub) == "check-inbox"
        s.clock.now += 10_000
        assert s.backend.subscribe(sub) == "check-inbox"
    finally:
        controller.stop()
    assert len(sink.messages) == 2  # one for the queued subscription, one for "fixed-id"


def test_refused_recipient_ends_the_job_without_retries(site, smtp_server, caplog):
    # The mail is sent after the answer, so the reader hears check-inbox; the job ends as
    # invalid-email (logged) instead of being retried forever.
    import logging
    url, sink = smtp_server
    sink.refuse.add("nobody@example.org")
    s = site(environ={"NEWSLETTER_SMTP_URL": url})
    with caplog.at_level(logging.INFO, logger="newsletter"):
        response = s.subscribe("nobody@example.org")
    assert response.status_code == 202 and response.json() == {"outcome": "check-inbox"}
    assert (s.queue.count(), s.queue.count("dead"), sink.messages) == (0, 0, [])
    assert "ended as invalid-email" in caplog.text


def test_port_is_really_closed_helper():
    # Guards the SMTP-down test: a freshly picked port has no listener.
    with socket.socket() as sock, pytest.raises(OSError):
        sock.settimeout(1)
        sock.connect(("127.0.0.1", pick_port()))
