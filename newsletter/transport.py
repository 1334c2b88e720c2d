"""Handing one message to the mail system: an SMTP server, or the outbox folder.

The one place that opens SMTP connections (`NEWSLETTER_SMTP_URL`: smtp://, smtp+starttls://,
smtps://, with optional user:password) and writes `.eml` files. Both senders use it: the
confirmation mail (`mailer.Mailer`) and the local digests (`digest.send_local`). Each maps the
answers below to its own semantics (the mailer: Retryable / Rejected for the retry queue; the
digest: ledger writes).

For one message a transport answers one of three things:
- returns normally: accepted (SMTP: the server said 250 after DATA; outbox: the file was
  renamed into place);
- raises NotDelivered: certainly not accepted (refused before or at DATA, or no connection).
  `stage` says which step failed ("connect", "mail", "rcpt", "data"), so a caller can tell a
  refused address ("rcpt") apart; `code` is the server's answer (None: no answer), and
  `permanent` means a 5xx (retrying gets the same answer). The message may quote the server's
  reply, which can echo the address: callers that log it say so;
- raises InDoubt: the connection failed while the server was reading or answering DATA, so it
  may or may not have accepted the message.

Every message has a `name` chosen by the caller (e.g. `digest-en-2026-W48/<hash>`): the outbox
names its file after it, so `delivered(name)` can tell whether an interrupted run got as far as
the rename (True/False); over SMTP that cannot be known (None).
"""

from __future__ import annotations

import email.policy
import logging
import os
import smtplib
import socket
import ssl
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from newsletter.private import open_private

logger = logging.getLogger(__name__)


# Headers are folded for the wire at SMTP's own limit, so a long List-Unsubscribe URL stays one
# token instead of becoming RFC 2047 encoded words (which mail providers would not parse). Body
# lines keep the 76-column quoted-printable they were encoded with.
WIRE_POLICY = email.policy.SMTP.clone(max_line_length=998)


def wire_bytes(msg: EmailMessage) -> bytes:
    """An EmailMessage as it goes on the wire (CRLF line ends, see WIRE_POLICY)."""
    return msg.as_bytes(policy=WIRE_POLICY)


class NotDelivered(Exception):
    """The message was certainly not accepted."""

    def __init__(self, reason: str, *, stage: str, code: int | None = None):
        super().__init__(reason)
        self.stage = stage
        self.code = code  # the server's answer; None when there was none (connection failed)
        self.permanent = code is not None and code >= 500


class InDoubt(Exception):
    """The server may have accepted the message; do not resend blindly."""


class Transport(Protocol):
    """What a sender needs from SMTP or the outbox (see the module docstring)."""

    def describe(self) -> str:
        """Where the mail goes, for log lines (never a password)."""
        ...

    def deliver(self, data: bytes, sender: str, recipient: str, name: str) -> Path | None:
        """Hand over one message (wire bytes); the outbox returns the file it wrote."""
        ...

    def delivered(self, name: str) -> bool | None:
        """Whether the message `name` was accepted before; None when it cannot be known."""
        ...

    def reachable(self) -> bool:
        """Whether mail can be handed over now (cheap, never raises)."""
        ...

    def close(self) -> None: ...


def transport_for(smtp_url: str | None, outbox: Path, *, timeout: float = 30.0,
                  stamped: bool = False, durable: bool = True) -> Transport:
    """SMTP when `smtp_url` is set (NEWSLETTER_SMTP_URL), else the outbox folder `outbox`
    (`stamped`, `durable`: see OutboxTransport)."""
    if smtp_url:
        return SmtpTransport(smtp_url, timeout=timeout)
    return OutboxTransport(outbox, stamped=stamped, durable=durable)


class SmtpTransport:
    """One SMTP connection reused for every message until `close()` (reconnects once if an
    idle connection was dropped). Not thread-safe: one instance per thread or per message."""

    def __init__(self, smtp_url: str, timeout: float = 30.0):
        self.url = urlsplit(smtp_url)
        self.timeout = timeout
        self._client: smtplib.SMTP | None = None

    def describe(self) -> str:
        return f"SMTP {self.url.hostname}:{self.url.port or ''}"

    def _address(self) -> tuple[str, int]:
        default = 465 if self.url.scheme == "smtps" else 25
        return self.url.hostname or "127.0.0.1", self.url.port or default

    def _connect(self) -> smtplib.SMTP:
        host, port = self._address()
        if self.url.scheme == "smtps":
            client = smtplib.SMTP_SSL(host, port, timeout=self.timeout,
                                      context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(host, port, timeout=self.timeout)
        client.ehlo()
        if self.url.scheme == "smtp+starttls":
            client.starttls(context=ssl.create_default_context())
            client.ehlo()
        if self.url.username:
            client.login(unquote(self.url.username), unquote(self.url.password or ""))
        return client

    def _session(self) -> smtplib.SMTP:
        if self._client is None:
            try:
                self._client = self._connect()
            except (OSError, smtplib.SMTPException) as err:
                raise NotDelivered(f"cannot connect: {type(err).__name__}",
                                   stage="connect") from err
        return self._client

    def reachable(self) -> bool:
        """The server accepts a TCP connection."""
        try:
            socket.create_connection(self._address(), timeout=3).close()
        except OSError:
            return False
        return True

    def delivered(self, name: str) -> None:
        return None  # only the receiving server knows

    def deliver(self, data: bytes, sender: str, recipient: str, name: str = "") -> None:
        for attempt in (1, 2):
            client = self._session()
            try:
                # Envelope steps before DATA: a failure here means nothing was accepted.
                code, reply = client.mail(sender)
                if code != 250:
                    client.rset()
                    raise NotDelivered(f"MAIL FROM refused: {code}", stage="mail", code=code)
                code, reply = client.rcpt(recipient)
                if code not in (250, 251):
                    client.rset()
                    raise NotDelivered(f"RCPT TO refused: {code} {reply[:80]!r}", stage="rcpt",
                                       code=code)
            except smtplib.SMTPServerDisconnected:
                self.close()
                if attempt == 2:
                    raise NotDelivered("server disconnected before DATA", stage="mail") from None
                continue  # an idle connection timed out: reconnect once, nothing was sent
            except (OSError, smtplib.SMTPException) as err:
                self.close()
                raise NotDelivered(f"envelope failed: {type(err).__name__}",
                                   stage="mail") from err
            break
        try:
            # smtplib's data() returns the final reply instead of raising: 250 is the commit.
            code, reply = client.data(data)
        except smtplib.SMTPDataError as err:  # refused the DATA command itself (not 354)
            client.rset()
            raise NotDelivered(f"DATA refused: {err.smtp_code}", stage="data",
                               code=err.smtp_code) from err
        except (OSError, smtplib.SMTPException) as err:
            self.close()
            raise InDoubt(f"connection failed during DATA: {type(err).__name__}") from err
        if code != 250:
            client.rset()
            raise NotDelivered(f"message refused: {code} {reply[:80]!r}", stage="data",
                               code=code)

    def close(self) -> None:
        if self._client is not None:
            try:
                self._client.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self._client = None


class OutboxTransport:
    """Messages as `.eml` files (0600 in 0700 folders) under `folder`, for a developer to open.

    `<folder>/<name>.eml`; with `stamped`, `<folder>/<UTC time>-<name>.eml`, so a listing sorts
    in sending order. The rename into place is the commit point (a reader never sees half a
    message), and because the name is the caller's, `delivered(name)` finds what an interrupted
    run wrote: the outbox is exactly once. `durable` syncs each file to disk before the rename,
    so the commit also survives a power cut (one fsync per message).
    """

    def __init__(self, folder: Path, *, stamped: bool = False, durable: bool = True):
        self.folder = Path(folder)
        self.stamped = stamped
        self.durable = durable

    def describe(self) -> str:
        return f"outbox {self.folder}"

    def reachable(self) -> bool:
        return True

    def find(self, name: str) -> Path | None:
        """The file written for `name`, if any."""
        path = self.folder / f"{name}.eml"
        if not self.stamped:
            return path if path.exists() else None
        found = sorted(path.parent.glob(f"*-{path.name}")) if path.parent.is_dir() else []
        return found[0] if found else None

    def delivered(self, name: str) -> bool:
        return self.find(name) is not None

    def deliver(self, data: bytes, sender: str, recipient: str, name: str) -> Path:
        path = self.folder / f"{name}.eml"
        if self.stamped:
            now_ns = time.time_ns()  # nanoseconds: file names sort in sending order
            stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now_ns // 10**9))
            path = path.with_name(f"{stamp}.{now_ns % 10**9:09d}-{path.name}")
        tmp = path.with_name(f".{path.stem}.tmp")  # not *.eml: never read as a message
        with open_private(tmp) as handle:
            handle.write(data)
            if self.durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
        logger.debug("newsletter: wrote %s to the outbox", path.name)
        return path

    def close(self) -> None:
        pass
