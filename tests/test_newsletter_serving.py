"""Issue 26, item 6 (the service's part): signed tokens never reach the access log, state files
and folders are private, a confirmation link's GET changes nothing, and slow clients are cut
off by the service itself. Each test failed before the fix."""

from __future__ import annotations

import os
import re
import socket
import stat

import httpx
import pytest

from newsletter.config import load_config, read_pelicanconf
from newsletter.digest.ledger import Ledger
from newsletter.digest.lock import RunLock
from newsletter.links import Links
from newsletter.service import create_app
from newsletter.store import SubscriberStore
from tests.fakes.fixtures import pick_port
from tests.newsletter_server import ServeProcess


def served(newsletter_settings, serve_app, environ=None, **newsletter):
    port = pick_port()
    url = f"http://127.0.0.1:{port}"
    config = load_config(newsletter_settings(url, rate_limit_ip=[1000, 60], **newsletter),
                         environ={"NEWSLETTER_SECRET": "serving-" + "z" * 24}
                         if environ is None else environ)
    app = create_app(config, retry_in_background=False)
    return serve_app(app, port), config, app


def subscribe(url, address):
    return httpx.post(f"{url}/api/newsletter/subscribe",
                      data={"email": address, "topics": "ptsd", "language": "en"},
                      headers={"Origin": url, "Accept": "application/json"}, timeout=10)


# --- tokens in the access log ---------------------------------------------------------------
def test_the_access_log_never_holds_a_signed_token(tmp_path):
    """Unsubscribe tokens live 400 days and carry the address (base64); uvicorn logged them."""
    with ServeProcess(tmp_path) as server:
        config = load_config(
            {**read_pelicanconf(), "SITEURL": server.url},
            environ={"NEWSLETTER_SECRET": server.secret,
                     "NEWSLETTER_STATE_DIR": str(server.state)})
        links = Links(config)
        tokens = []
        for purpose in ("confirm", "unsubscribe", "preferences"):
            url = links.url(purpose, "reader@example.org", "en")
            tokens.append(url.split("t=", 1)[1])
            httpx.get(url + "&x=1", timeout=10)
        log = server.log()
    assert log.count("t=[redacted]") == 3, log
    assert '"GET /api/newsletter/unsubscribe?t=[redacted]&x=1 HTTP/1.1" 200' in log
    for token in tokens:
        assert token not in log and token.split(".")[0] not in log


# --- private state ----------------------------------------------------------------------------
def test_state_files_and_folders_are_private(newsletter_settings, serve_app):
    old_umask = os.umask(0o022)  # the usual umask, which made them 0644 / 0755
    try:
        url, config, app = served(newsletter_settings, serve_app, environ={})  # secret made
        assert subscribe(url, "private@example.org").status_code == 202
        assert app.state.delivery.wait_idle(10)
        Ledger.in_state_dir(config.state_dir).close()
        with RunLock(config.state_dir):
            pass
    finally:
        os.umask(old_umask)
    state = config.state_dir
    made = sorted(state.rglob("*"))
    names = {p.name for p in made}
    assert {"secret", "subscribers.sqlite3", "queue.sqlite3", "ratelimit.sqlite3", "outbox",
            "digests.sqlite3", "queue.sqlite3-wal"} <= names, names
    assert list((state / "outbox").glob("*.eml"))
    modes = {str(p.relative_to(state)): stat.S_IMODE(p.stat().st_mode) for p in [state, *made]}
    wrong = {name: oct(mode) for name, mode in modes.items()
             if mode != (0o700 if (state / name).is_dir() else 0o600)}
    assert wrong == {}


# --- confirmation by a button -------------------------------------------------------------
def test_a_confirmation_link_fetched_by_a_mail_scanner_confirms_nothing(newsletter_settings,
                                                                        serve_app):
    url, config, app = served(newsletter_settings, serve_app)
    subscribe(url, "scanned@example.org")
    assert app.state.delivery.wait_idle(10)
    assert len(list(config.outbox_dir.glob("*.eml"))) == 1
    link = Links(config).confirm_url("scanned@example.org", "en")
    store = SubscriberStore(config.store_path)
    for _ in range(3):  # a scanner, a link preview, the reader opening the page
        page = httpx.get(link, headers={"Accept": "application/json"}, follow_redirects=False)
        assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
        assert store.get("scanned@example.org").status == "pending"
    action = re.search(r'<form method="post" action="([^"]+)"', page.text).group(1)
    assert action.startswith("/api/newsletter/confirm?t=")
    assert '<html lang="en">' in page.text and "scanned@example.org" in page.text
    response = httpx.post(url + action.replace("&amp;", "&"), follow_redirects=False)
    assert response.headers["location"] == "/en/subscribe/confirmed/"
    assert store.get("scanned@example.org").status == "confirmed"


# --- slow clients -------------------------------------------------------------------------------
def raw_exchange(url: str, data: bytes) -> bytes:
    """Send `data` on a fresh connection, then read until the server closes it. A server that
    never closes it fails the test when the socket's (generous) timeout runs out."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=20) as sock:
        sock.sendall(data)
        received = b""
        while chunk := sock.recv(4096):
            received += chunk
    return received


@pytest.fixture
def slow_limits(newsletter_settings, serve_app):
    url, _, _ = served(newsletter_settings, serve_app, client_header_timeout=0.5,
                       client_body_timeout=0.5)
    return url


@pytest.mark.parametrize("sent", [
    b"",  # connects and says nothing
    b"POST /api/newsletter/subscribe HTTP/1.1\r\nHost: x\r\n",  # slowloris: headers never end
])
def test_headers_that_never_finish_are_cut_off(slow_limits, sent):
    answer = raw_exchange(slow_limits, sent)
    assert answer.startswith(b"HTTP/1.1 408 ")


def test_a_body_that_never_finishes_is_cut_off(slow_limits):
    answer = raw_exchange(slow_limits, b"POST /api/newsletter/subscribe HTTP/1.1\r\nHost: x\r\n"
                          b"Origin: " + slow_limits.encode() + b"\r\n"
                          b"Content-Type: application/x-www-form-urlencoded\r\n"
                          b"Content-Length: 100\r\n\r\nemail=a%40")
    assert answer.startswith(b"HTTP/1.1 408 ") and b"connection: close" in answer.lower()


def test_a_body_the_service_never_reads_does_not_hold_the_connection(slow_limits):
    """Found by the review: a route that answers before reading the body (a bad link, a
    refused origin) left the rest of the body to uvicorn, which kept the connection open as
    long as a byte came now and then, past every deadline."""
    answer = raw_exchange(slow_limits, b"POST /api/newsletter/confirm?t=forged HTTP/1.1\r\n"
                          b"Host: x\r\nContent-Length: 100000\r\n\r\nnot all")
    assert answer.startswith(b"HTTP/1.1 303 ") and b"connection: close" in answer.lower()


def test_a_kept_alive_connection_gets_the_deadline_for_its_next_request(slow_limits):
    first = b"GET /api/newsletter/confirm HTTP/1.1\r\nHost: x\r\n\r\n"
    answer = raw_exchange(slow_limits, first + b"GET /api/news")
    assert answer.startswith(b"HTTP/1.1 303 ") and answer.count(b"HTTP/1.1 408 ") == 1


def test_prompt_clients_are_unaffected(slow_limits):
    response = subscribe(slow_limits, "prompt@example.org")
    assert response.status_code == 202


def test_timeouts_are_validated(newsletter_settings):
    from core.settings import SettingsError

    with pytest.raises(SettingsError, match=r"NEWSLETTER\['client_header_timeout'\] must be a "
                                            r"number of seconds above 0, got 0"):
        load_config(newsletter_settings(client_header_timeout=0), environ={})
