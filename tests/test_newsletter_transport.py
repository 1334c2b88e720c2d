"""newsletter.transport: the one SMTP/outbox transport, against a real aiosmtpd server on
127.0.0.1; and the confirmation mailer's reading of its answers (the digest's reading is in
tests/test_digest_local.py)."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

from newsletter.config import load_config
from newsletter.errors import Rejected, Retryable
from newsletter.mailer import Mailer
from newsletter.mime import Mail
from newsletter.transport import NotDelivered, OutboxTransport, SmtpTransport
from tests.fakes.fixtures import pick_port

ROOT = Path(__file__).resolve().parent.parent
SECRET = {"NEWSLETTER_SECRET": "transport-secret-" + "t" * 20}
DATA = b"From: a@example.org\r\nTo: b@example.org\r\nSubject: hi\r\n\r\nHello.\r\n"


def test_only_the_transport_module_speaks_smtp():
    """One SMTP stack: no other module of the newsletter imports smtplib."""
    speaking = []
    for path in sorted((ROOT / "newsletter").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) else [])
            if "smtplib" in names:
                speaking.append(path.relative_to(ROOT).as_posix())
    assert speaking == ["newsletter/transport.py"]


class Answers:
    """aiosmtpd handler: RCPT answers by address (default 250), messages kept."""

    def __init__(self, rcpt: dict[str, str]):
        self.rcpt = rcpt
        self.messages: list[bytes] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        answer = self.rcpt.get(address)
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture
def smtp_answers():
    from aiosmtpd.controller import Controller

    handler = Answers({
        "gone@example.org": "550 5.1.1 <gone@example.org>: no such user",
        "busy@example.org": "451 4.7.1 <busy@example.org>: greylisted, try again later",
    })
    port = pick_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield f"smtp://127.0.0.1:{port}", handler
    controller.stop()


def _mailer(newsletter_settings, smtp_url: str | None) -> Mailer:
    environ = {**SECRET, **({"NEWSLETTER_SMTP_URL": smtp_url} if smtp_url else {})}
    return Mailer(load_config(newsletter_settings(), environ=environ))


def test_smtp_answers_are_told_apart(smtp_answers):
    url, handler = smtp_answers
    transport = SmtpTransport(url)
    try:
        transport.deliver(DATA, "news@example.org", "reader@example.org", "m1")
        with pytest.raises(NotDelivered) as refused:
            transport.deliver(DATA, "news@example.org", "gone@example.org", "m2")
        with pytest.raises(NotDelivered) as later:
            transport.deliver(DATA, "news@example.org", "busy@example.org", "m3")
        transport.deliver(DATA, "news@example.org", "reader@example.org", "m4")  # same session
    finally:
        transport.close()
    assert (refused.value.stage, refused.value.code, refused.value.permanent) == (
        "rcpt", 550, True)
    assert (later.value.stage, later.value.code, later.value.permanent) == ("rcpt", 451, False)
    assert len(handler.messages) == 2 and transport.delivered("m1") is None
    assert transport.reachable()


def test_mailer_keeps_the_retry_queues_terms(smtp_answers, newsletter_settings):
    url, handler = smtp_answers
    mailer = _mailer(newsletter_settings, url)
    assert mailer.reachable()
    assert mailer.send(Mail("news@example.org", "reader@example.org", DATA), key="k1") is None
    assert len(handler.messages) == 1
    # A refused address ends the job (the reader's outcome); "later" is retried, and the
    # message, which is logged, never carries the server's reply echoing the address.
    with pytest.raises(Rejected) as refused:
        mailer.send(Mail("news@example.org", "gone@example.org", DATA), key="k2")
    assert refused.value.code == "invalid-email"
    with pytest.raises(Retryable) as later:
        mailer.send(Mail("news@example.org", "busy@example.org", DATA), key="k3")
    assert "busy@example.org" not in str(later.value) and "451" in str(later.value)


def test_mailer_retries_when_the_server_is_down(newsletter_settings):
    mailer = _mailer(newsletter_settings, f"smtp://127.0.0.1:{pick_port()}")
    assert not mailer.reachable()
    with pytest.raises(Retryable, match="connect"):
        mailer.send(Mail("news@example.org", "reader@example.org", DATA), key="k1")


def test_stamped_outbox_sorts_in_sending_order_and_finds_by_name(tmp_path):
    outbox = OutboxTransport(tmp_path / "outbox", stamped=True, durable=False)
    assert not outbox.delivered("second")
    first = outbox.deliver(DATA, "a@example.org", "b@example.org", "second")
    second = outbox.deliver(DATA, "a@example.org", "b@example.org", "first")
    assert sorted((tmp_path / "outbox").glob("*.eml")) == [first, second]
    assert first.name.endswith("-second.eml") and outbox.find("second") == first
    assert outbox.delivered("first") and not outbox.delivered("third")
    assert sorted(p.name for p in (tmp_path / "outbox").iterdir()) == [first.name, second.name]
    assert oct(os.stat(first).st_mode & 0o777) == "0o600"
    assert oct(os.stat(tmp_path / "outbox").st_mode & 0o777) == "0o700"


def test_named_outbox_is_one_file_per_name(tmp_path):
    outbox = OutboxTransport(tmp_path / "digests")
    path = outbox.deliver(DATA, "a@example.org", "b@example.org", "digest-en-2026-W48/abc")
    assert path == tmp_path / "digests/digest-en-2026-W48/abc.eml"
    assert path.read_bytes() == DATA and outbox.delivered("digest-en-2026-W48/abc")
    assert not outbox.delivered("digest-en-2026-W48/abd")


def test_mailer_outbox_writes_one_file_per_subscription(newsletter_settings):
    mailer = _mailer(newsletter_settings, None)
    mail = Mail("news@example.org", "reader@example.org", DATA)
    written = mailer.send(mail, key="sub-1")
    assert written.parent == mailer.config.outbox_dir and written.name.endswith("-sub-1.eml")
    # A retry after a crash between writing and marking finds the file: not written again.
    assert mailer.send(mail, key="sub-1", maybe_sent=True) is None
    assert list(mailer.config.outbox_dir.glob("*.eml")) == [written]
