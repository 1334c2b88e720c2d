"""Delivering local-backend digest messages: one SMTP session per run, or the outbox folder.

Each transport answers, for one message, one of three things, which the sender turns into
ledger writes:
- returns normally: the message is accepted (SMTP: the server said 250 after DATA; outbox:
  the file was renamed into place) -> commit "sent";
- raises NotDelivered: certainly not accepted (refused before or at DATA) -> release the claim
  (`permanent` True: the address itself was refused; do not try it again);
- raises InDoubt: the connection failed while the server was reading or answering DATA, so it
  may or may not have accepted the message -> the claim stays, and the run stops.

Why not `newsletter.mailer.Mailer`: it opens one connection per message and folds every
failure into Retryable, so it cannot tell "refused" from "in doubt", and its outbox names are
random, so a rerun could not find what an interrupted run already wrote.
"""

from __future__ import annotations

import email.policy
import logging
import os
import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import unquote, urlsplit

from newsletter.private import open_private

logger = logging.getLogger(__name__)


# Headers are folded for the wire at SMTP's own limit, so a long List-Unsubscribe URL stays one
# token instead of becoming RFC 2047 encoded words (which mail providers would not parse). Body
# lines keep the 76-column quoted-printable they were encoded with.
WIRE_POLICY = email.policy.SMTP.clone(max_line_length=998)


def wire_bytes(msg: EmailMessage) -> bytes:
    return msg.as_bytes(policy=WIRE_POLICY)


class NotDelivered(Exception):
    def __init__(self, reason: str, permanent: bool = False):
        super().__init__(reason)
        self.permanent = permanent


class InDoubt(Exception):
    """The server may have accepted the message; do not resend blindly."""


class SmtpTransport:
    """One SMTP connection reused for every message of a run (reconnects once if dropped)."""

    def __init__(self, smtp_url: str, timeout: float = 30.0):
        self.url = urlsplit(smtp_url)
        self.timeout = timeout
        self._client: smtplib.SMTP | None = None

    def describe(self) -> str:
        return f"SMTP {self.url.hostname}:{self.url.port or ''}"

    def _connect(self) -> smtplib.SMTP:
        host, port = self.url.hostname or "127.0.0.1", self.url.port
        if self.url.scheme == "smtps":
            client = smtplib.SMTP_SSL(host, port or 465, timeout=self.timeout,
                                      context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(host, port or 25, timeout=self.timeout)
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
                raise NotDelivered(f"cannot connect: {type(err).__name__}") from err
        return self._client

    def deliver(self, msg: EmailMessage, sender: str, recipient: str) -> None:
        for attempt in (1, 2):
            client = self._session()
            try:
                # Envelope steps before DATA: a failure here means nothing was accepted.
                code, reply = client.mail(sender)
                if code != 250:
                    client.rset()
                    raise NotDelivered(f"MAIL FROM refused: {code}", permanent=code >= 500)
                code, reply = client.rcpt(recipient)
                if code not in (250, 251):
                    client.rset()
                    raise NotDelivered(f"RCPT TO refused: {code} {reply[:80]!r}",
                                       permanent=code >= 500)
            except smtplib.SMTPServerDisconnected:
                self.close()
                if attempt == 2:
                    raise NotDelivered("server disconnected before DATA") from None
                continue  # an idle connection timed out: reconnect once, nothing was sent
            except (OSError, smtplib.SMTPException) as err:
                self.close()
                raise NotDelivered(f"envelope failed: {type(err).__name__}") from err
            break
        try:
            # smtplib's data() returns the final reply instead of raising: 250 is the commit.
            code, reply = client.data(wire_bytes(msg))
        except smtplib.SMTPDataError as err:  # refused the DATA command itself (not 354)
            client.rset()
            raise NotDelivered(f"DATA refused: {err.smtp_code}",
                               permanent=err.smtp_code >= 500) from err
        except (OSError, smtplib.SMTPException) as err:
            self.close()
            raise InDoubt(f"connection failed during DATA: {type(err).__name__}") from err
        if code != 250:
            client.rset()
            raise NotDelivered(f"message refused: {code} {reply[:80]!r}", permanent=code >= 500)

    def close(self) -> None:
        if self._client is not None:
            try:
                self._client.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self._client = None


class OutboxTransport:
    """Messages as `<outbox>/<key>/<name>.eml`; the name is fixed per (key, address).

    The rename into place is the commit point, and because the name is deterministic a rerun
    can tell whether an interrupted run got that far: the outbox is exactly once.
    """

    def __init__(self, outbox: Path):
        self.outbox = Path(outbox)

    def describe(self) -> str:
        return f"outbox {self.outbox}"

    def path_for(self, key: str, name: str) -> Path:
        return self.outbox / key / f"{name}.eml"

    def delivered(self, key: str, name: str) -> bool:
        return self.path_for(key, name).exists()

    def deliver_file(self, msg: EmailMessage, key: str, name: str) -> None:
        path = self.path_for(key, name)
        tmp = path.with_suffix(".tmp")
        with open_private(tmp) as handle:  # addresses: 0600 in 0700 folders
            handle.write(wire_bytes(msg))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)

    def close(self) -> None:
        pass
