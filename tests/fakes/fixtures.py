"""Pytest fixtures for the newsletter tests (loaded via `pytest_plugins` in tests/conftest.py).

- `fake_mailchimp`: a started FakeMailchimp (tests/fakes/mailchimp.py) with one list.
- `smtp_server`: an aiosmtpd SMTP server on 127.0.0.1 collecting messages in `.messages`.
- `newsletter_settings`: a factory of settings dicts (pelicanconf values + NEWSLETTER overrides).
- `serve_app`: runs an ASGI app under uvicorn in a thread on a free port; returns its base URL.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import socket
import threading
import time
from pathlib import Path

import pytest

from tests.fakes.mailchimp import FakeMailchimp

__all__ = ["fake_mailchimp", "smtp_server", "newsletter_settings", "serve_app",
           "running_server", "SmtpSink"]


@pytest.fixture
def fake_mailchimp():
    with FakeMailchimp() as fake:
        yield fake


class SmtpSink:
    """aiosmtpd handler keeping every received message (as EmailMessage)."""

    def __init__(self):
        self.messages: list = []
        self.refuse: set[str] = set()  # recipients answered with 550
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(msg)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    """Yields (url, sink): NEWSLETTER_SMTP_URL value and the collected messages."""
    from aiosmtpd.controller import Controller

    sink = SmtpSink()
    port = _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", sink
    finally:
        controller.stop()


@pytest.fixture
def newsletter_settings(tmp_path):
    """Factory: settings dict for load_config(), state in tmp_path, with NEWSLETTER overrides."""
    from newsletter.config import read_pelicanconf

    base = read_pelicanconf()

    def make(site_url: str = "http://127.0.0.1:8000", **newsletter) -> dict:
        settings = dict(base)
        settings["SITEURL"] = site_url
        settings["NEWSLETTER"] = {**base.get("NEWSLETTER", {}),
                                  "state_dir": str(tmp_path / "state"),
                                  "allowed_origins": [site_url], **newsletter}
        return settings

    return make


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_server(app, port: int | None = None):
    """Serve `app` with uvicorn on 127.0.0.1 in a thread; yields the base URL."""
    import uvicorn

    from newsletter.serving import uvicorn_options

    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port or 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on",
                                           **uvicorn_options()))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@pytest.fixture
def serve_app():
    """Factory: `url = serve_app(app)`; servers stop at the end of the test."""
    stack = contextlib.ExitStack()

    def start(app, port: int | None = None) -> str:
        return stack.enter_context(running_server(app, port))

    with stack:
        yield start


def pick_port() -> int:
    return _free_port()

