"""The write path: a subscription is durable before the answer, the confirmation mail is sent
by the background worker, and crashes at any point still give exactly one mail per
subscription. Also the hand-built MIME of the confirmation mail, read back strictly."""

from __future__ import annotations

import email
import email.policy
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from newsletter.backends import LocalBackend, MailchimpBackend, Subscription
from newsletter.config import load_config
from newsletter.interests import load_interest_map
from newsletter.links import Links
from newsletter.mailchimp import MailchimpGateway, subscriber_hash
from newsletter.mime import alternative, encode_address, encode_header_value
from newsletter.queue import RetryQueue
from newsletter.render import confirmation_mail
from newsletter.service import create_app
from newsletter.store import SubscriberStore
from tests.fakes.fixtures import pick_port
from tests.fakes.mailchimp import Hold

ROOT = Path(__file__).resolve().parent.parent
SECRET = {"NEWSLETTER_SECRET": "delivery-secret-" + "d" * 20}
LIST = "list0001"


class Clock:
    def __init__(self, now: float = 1_760_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def outbox(config) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in sorted(config.outbox_dir.glob("*.eml"))]


def post(url: str, address: str, **extra):
    return httpx.post(f"{url}/api/newsletter/subscribe",
                      data={"email": address, "topics": ["ptsd"], "language": "en", **extra},
                      headers={"Origin": url, "Accept": "application/json"}, timeout=10)


def jobs_on_disk(config) -> list[tuple[str, str, int]]:
    """What another process would see in the queue file: (payload email, state, attempts)."""
    with sqlite3.connect(config.queue_path) as conn:
        rows = conn.execute("SELECT payload, state, attempts FROM jobs").fetchall()
    return [(json.loads(payload)["email"], state, attempts) for payload, state, attempts in rows]


class BlockingBackend(LocalBackend):
    """The local backend, held at the start of each delivery until `go` is set."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.go = threading.Event()
        self.entered = threading.Event()

    def subscribe(self, sub):
        self.entered.set()
        assert self.go.wait(10)
        return super().subscribe(sub)


def test_accepted_is_on_disk_before_the_answer_and_mailed_after(newsletter_settings, serve_app):
    port = pick_port()
    url = f"http://127.0.0.1:{port}"
    config = load_config(newsletter_settings(url), environ=SECRET)
    backend = BlockingBackend(config)
    app = create_app(config, backend=backend, retry_in_background=False)
    serve_app(app, port)

    response = post(url, "durable@example.org")
    assert response.status_code == 202 and response.json() == {"outcome": "check-inbox"}
    assert backend.entered.wait(10)  # the worker has it, and is held before sending
    assert jobs_on_disk(config) == [("durable@example.org", "waiting", 0)]
    assert outbox(config) == []

    backend.go.set()
    assert app.state.delivery.wait_idle(10)
    (msg,) = outbox(config)
    assert msg["To"] == "durable@example.org"
    assert jobs_on_disk(config) == []  # delivered jobs leave the queue


def test_a_crashed_process_leaves_a_leased_job_that_a_restart_delivers_once(
        newsletter_settings, serve_app):
    """Accepted (committed, leased), then the process died before sending. After the lease
    runs out the next process's retry task delivers it: one mail."""
    port = pick_port()
    url = f"http://127.0.0.1:{port}"
    config = load_config(newsletter_settings(url, queue_poll_interval=0.05), environ=SECRET)
    clock = Clock()
    crashed = RetryQueue.from_config(config, clock=clock)
    sub = Subscription("orphan@example.org", "uk", frozenset({"ptsd"}), id="orphan-1")
    crashed.commit([(sub, None)])  # what accept() wrote just before the crash
    crashed.close()

    queue = RetryQueue.from_config(config, clock=clock)
    store = SubscriberStore(config.store_path, clock=clock)
    backend = LocalBackend(config, store=store, links=Links(config, clock=clock))
    serve_app(create_app(config, backend=backend, queue=queue, retry_in_background=True), port)
    time.sleep(0.3)
    assert outbox(config) == [] and queue.count() == 1  # still leased to the dead process

    clock.now += RetryQueue.LEASE_SECONDS + 1
    deadline = time.monotonic() + 10
    while queue.count():
        assert time.monotonic() < deadline, "the retry task never delivered the orphan"
        time.sleep(0.05)
    (msg,) = outbox(config)
    assert msg["To"] == "orphan@example.org"
    assert msg["Message-ID"].startswith("<confirm-orphan-1@")


@pytest.mark.parametrize("crash", ["after claim", "after writing", "after marking"])
def test_one_mail_whatever_step_the_crash_interrupted(newsletter_settings, crash):
    """Replays a delivery that stopped after each step, then the retry: one file per id."""
    config = load_config(newsletter_settings(), environ=SECRET)
    store = SubscriberStore(config.store_path)
    backend = LocalBackend(config, store=store)
    sub = Subscription("crash@example.org", "en", frozenset({"ptsd"}), id="crash-1")

    row, claim = store.subscribe(sub.email, sub.lang, sub.topics, sub.id, 900)
    assert claim == "new"
    if crash in ("after writing", "after marking"):
        mail = confirmation_mail(config, backend.links, sub.email, row.lang, row.topics,
                                 message_id=f"confirm-{sub.id}")
        backend.mailer.send(mail, key=sub.id)
    if crash == "after marking":
        store.mail_sent(sub.email, sub.id)

    assert backend.subscribe(sub) == "check-inbox"  # the retry
    assert backend.subscribe(sub) == "check-inbox"  # and one more for good measure
    (msg,) = outbox(config)
    assert msg["Message-ID"].startswith("<confirm-crash-1@")
    # Another subscription within the resend interval does not mail either (no bombing).
    assert backend.subscribe(Subscription(sub.email, "en", frozenset({"ptsd"}))) == \
        "check-inbox"
    assert len(outbox(config)) == 1


def test_many_concurrent_subscriptions_one_mail_each(newsletter_settings, serve_app):
    from concurrent.futures import ThreadPoolExecutor

    port = pick_port()
    url = f"http://127.0.0.1:{port}"
    config = load_config(newsletter_settings(url, rate_limit_ip=[10_000, 60]), environ=SECRET)
    app = create_app(config, retry_in_background=False)
    serve_app(app, port)
    addresses = [f"many{n}@example.org" for n in range(80)]
    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda a: post(url, a), addresses))
    assert {r.status_code for r in answers} == {202}
    assert app.state.delivery.wait_idle(20)
    assert sorted(m["To"] for m in outbox(config)) == sorted(addresses)
    assert RetryQueue.from_config(config).count() == 0


def test_flush_queue_delivers_jobs_nobody_holds(newsletter_settings, tmp_path):
    """Jobs a stopped service left unleased (or whose lease ran out): `flush-queue` sends
    their mails, once, even when run twice."""
    state = tmp_path / "state"
    config = load_config(newsletter_settings(), environ=SECRET)
    queue = RetryQueue.from_config(config)
    subs = [Subscription(f"flush{n}@example.org", "uk", frozenset({"ptsd"})) for n in range(3)]
    queue.commit([(sub, 0.0) for sub in subs])
    env = {**os.environ, **SECRET, "PYTHONPATH": f"{ROOT}:{ROOT / 'plugins'}",
           "NEWSLETTER_STATE_DIR": str(state)}
    for _ in range(2):
        done = subprocess.run([sys.executable, "-m", "newsletter", "flush-queue"], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr
    assert sorted(m["To"] for m in outbox(config)) == sorted(s.email for s in subs)
    assert queue.count() == 0


class CountingProxy:
    """A TCP relay in front of the fake Mailchimp that counts the connections it accepts."""

    def __init__(self, target_port: int):
        import socket
        self.target_port = target_port
        self.connections = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        import socket
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(src, dst), daemon=True).start()

    @staticmethod
    def _pipe(src, dst):
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                try:
                    sock.shutdown(2)
                except OSError:
                    pass

    def close(self):
        self.listener.close()


@pytest.fixture
def mailchimp_site(fake_mailchimp, newsletter_settings, serve_app):
    proxies = []

    def start(proxy: bool = False, **newsletter):
        from urllib.parse import urlsplit
        port = pick_port()
        url = f"http://127.0.0.1:{port}"
        api_url = fake_mailchimp.api_url
        if proxy:
            parts = urlsplit(api_url)
            proxies.append(CountingProxy(parts.port))
            api_url = f"http://127.0.0.1:{proxies[-1].port}{parts.path}"
        env = {"MAILCHIMP_API_KEY": fake_mailchimp.api_key, "MAILCHIMP_API_URL": api_url,
               "MAILCHIMP_LIST_ID": LIST, **SECRET}
        config = load_config(newsletter_settings(url, **newsletter), environ=env)
        gateway = MailchimpGateway(config)
        load_interest_map(config, gateway, create=True)
        app = create_app(config, backend=MailchimpBackend(config, gateway),
                         retry_in_background=False)
        serve_app(app, port)
        return url, app, (proxies[-1] if proxy else None)

    yield start
    for proxy in proxies:
        proxy.close()


def test_mailchimp_verdict_reaches_the_reader_when_quick(mailchimp_site, fake_mailchimp):
    url, app, _ = mailchimp_site(mailchimp_answer_wait=2.0)
    fake_mailchimp.state.compliance.add(subscriber_hash("bounced@example.org"))
    response = post(url, "bounced@example.org")
    assert response.status_code == 409 and response.json() == {"outcome": "compliance"}
    assert post(url, "new@example.org").json() == {"outcome": "check-inbox"}
    assert app.state.delivery.wait_idle(10)
    assert fake_mailchimp.state.member(LIST, "new@example.org")["status"] == "pending"


def test_mailchimp_without_waiting_answers_before_the_upsert(mailchimp_site, fake_mailchimp):
    url, app, _ = mailchimp_site(mailchimp_answer_wait=0)
    hold = fake_mailchimp.faults.hold = Hold("PUT", "/members/")
    # The fake keeps the upsert until released below: an endpoint that waited for it would
    # not answer at all (post() gives up after 10 s; the hold lasts 30).
    response = post(url, "patient@example.org")
    assert response.json() == {"outcome": "check-inbox"}
    assert hold.arrived.wait(10), "the upsert never reached Mailchimp"
    assert fake_mailchimp.state.member(LIST, "patient@example.org") is None  # still held
    hold.release()
    assert app.state.delivery.wait_idle(10)
    assert not hold.expired
    assert fake_mailchimp.state.member(LIST, "patient@example.org")["status"] == "pending"
    assert fake_mailchimp.state.optin_mails == {subscriber_hash("patient@example.org"): 1}
    # Nor does it wait a little for the verdict: Mailchimp refuses this one at once, and an
    # endpoint that waited would relay it (409, as in the test above).
    fake_mailchimp.state.compliance.add(subscriber_hash("bounced@example.org"))
    response = post(url, "bounced@example.org")
    assert response.status_code == 202 and response.json() == {"outcome": "check-inbox"}
    assert app.state.delivery.wait_idle(10)
    assert fake_mailchimp.state.member(LIST, "bounced@example.org") is None


def test_gateway_reuses_connections(mailchimp_site, fake_mailchimp):
    url, app, proxy = mailchimp_site(proxy=True, mailchimp_answer_wait=0)
    for n in range(8):
        assert post(url, f"conn{n}@example.org").status_code == 202
        assert app.state.delivery.wait_idle(10)
    puts = [r for r in fake_mailchimp.state.requests if r[0] == "PUT"]
    assert len(puts) == 8
    # One after another, the interest setup and the eight upserts share one kept-alive
    # connection (the stock client opens one per call).
    assert proxy.connections == 1, proxy.connections


# --- the hand-built confirmation mail -------------------------------------------------------

def test_confirmation_mail_reads_back_strictly(newsletter_settings):
    config = load_config(newsletter_settings(), environ=SECRET)
    links = Links(config)
    mail = confirmation_mail(config, links, "Reader@example.org", "uk",
                             frozenset({"ptsd", "stress"}), message_id="confirm-abc")
    assert mail.recipient == "Reader@example.org"
    assert all(len(line) <= 998 for line in mail.data.split(b"\r\n"))
    msg = email.message_from_bytes(mail.data, policy=email.policy.strict)
    assert msg["To"] == "Reader@example.org"
    assert msg["Subject"] == "Підтвердьте підписку на розсилку «Експіо Центр»"  # not a bare name
    assert msg["Content-Language"] == "uk" and msg["Auto-Submitted"] == "auto-generated"
    assert msg["Message-ID"] == "<confirm-abc@expio.example>"
    assert msg["From"].addresses[0].addr_spec == "newsletter@expio.example"
    unsubscribe = msg["List-Unsubscribe"]
    assert unsubscribe.startswith("<http://127.0.0.1:8000/api/newsletter/unsubscribe?t=")
    assert b"List-Unsubscribe: <http" in mail.data  # one token, not RFC 2047 words
    plain = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert unsubscribe.strip("<>") in plain and "/api/newsletter/confirm?t=" in plain
    assert '<html lang="uk">' in html and "ПТСР" in html
    assert msg.get_content_type() == "multipart/alternative" and not msg.defects


def test_mime_headers_refuse_injection_and_encode_non_ascii():
    with pytest.raises(ValueError):
        encode_header_value("Hello\r\nBcc: victim@example.org")
    with pytest.raises(ValueError):
        alternative([("Subject", "ok\nBcc: x@example.org")], "t", "<p>h</p>")
    long_subject = "Підтвердьте підписку " * 8
    data = alternative([("Subject", encode_header_value(long_subject)),
                        ("From", encode_address("Експіо \"Центр\"", "n@example.org"))],
                       "текст", "<p>html</p>")
    assert all(len(line) <= 78 for line in data.split(b"\r\n")[:12])
    msg = email.message_from_bytes(data, policy=email.policy.strict)
    assert msg["Subject"] == long_subject
    assert msg["From"].addresses[0].display_name == "Експіо \"Центр\""
    assert msg.get_body(("plain",)).get_content() == "текст"
