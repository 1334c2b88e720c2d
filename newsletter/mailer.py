"""Sending one email: through SMTP when NEWSLETTER_SMTP_URL is set, else into the outbox folder.

The outbox (`<state>/outbox/<timestamp>-<id>.eml`) lets `make serve` demonstrate the whole loop
with no mail server: open the .eml file, click the link.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
import time
import uuid
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from urllib.parse import unquote, urlsplit

from newsletter.config import NewsletterConfig
from newsletter.errors import Rejected, Retryable

logger = logging.getLogger(__name__)


class Mailer:
    """Delivers EmailMessage objects; SMTP failures that may pass raise Retryable."""

    def __init__(self, config: NewsletterConfig, timeout: float = 10.0):
        self.config = config
        self.outbox = config.outbox_dir
        self.timeout = timeout

    def send(self, msg: EmailMessage) -> Path | None:
        """Send `msg`; returns the outbox file when written there, None when sent by SMTP."""
        if "From" not in msg:
            msg["From"] = self.config.sender
        if "Message-ID" not in msg:
            msg["Message-ID"] = make_msgid(domain=_domain(self.config.sender))
        if self.config.smtp_url:
            self._send_smtp(msg)
            return None
        return self._write_outbox(msg)

    def _write_outbox(self, msg: EmailMessage) -> Path:
        self.outbox.mkdir(parents=True, exist_ok=True)
        now_ns = time.time_ns()  # nanoseconds: file names sort in sending order
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now_ns // 10**9)) + \
            f".{now_ns % 10**9:09d}"
        path = self.outbox / f"{stamp}-{uuid.uuid4().hex[:12]}.eml"
        tmp = path.with_suffix(".tmp")
        # Write then rename, so a reader of the outbox never sees half a message.
        with open(tmp, "wb") as handle:
            handle.write(msg.as_bytes())
        os.replace(tmp, path)
        logger.info("newsletter: wrote %s to the outbox", path.name)
        return path

    def _send_smtp(self, msg: EmailMessage) -> None:
        url = urlsplit(self.config.smtp_url)
        host, port = url.hostname or "127.0.0.1", url.port
        try:
            if url.scheme == "smtps":
                client = smtplib.SMTP_SSL(host, port or 465, timeout=self.timeout,
                                          context=ssl.create_default_context())
            else:
                client = smtplib.SMTP(host, port or 25, timeout=self.timeout)
            with client:
                if url.scheme == "smtp+starttls":
                    client.starttls(context=ssl.create_default_context())
                if url.username:
                    client.login(unquote(url.username), unquote(url.password or ""))
                client.send_message(msg)
        except smtplib.SMTPRecipientsRefused as err:
            raise Rejected("invalid-email", "the mail server refused the address") from err
        except (OSError, smtplib.SMTPException) as err:
            # Mail servers answer 4xx for "later" and we would rather retry a 5xx than lose it.
            raise Retryable(f"SMTP failed: {type(err).__name__}") from err


def _domain(sender: str) -> str:
    return sender.rsplit("@", 1)[-1].strip(" >") or "localhost"
