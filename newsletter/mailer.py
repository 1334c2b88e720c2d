"""Sending one email: through SMTP when NEWSLETTER_SMTP_URL is set, else into the outbox folder.

The outbox (`<state>/outbox/<timestamp>-<id>.eml`) lets `make serve` demonstrate the whole loop
with no mail server: open the .eml file, click the link.
"""

from __future__ import annotations

import logging
import os
import smtplib
import socket
import ssl
import time
import uuid
from pathlib import Path
from urllib.parse import unquote, urlsplit

from newsletter.config import NewsletterConfig
from newsletter.errors import Rejected, Retryable
from newsletter.mime import Mail
from newsletter.private import open_private, private_dir

logger = logging.getLogger(__name__)


class Mailer:
    """Delivers `Mail` objects; SMTP failures that may pass raise Retryable."""

    def __init__(self, config: NewsletterConfig, timeout: float = 10.0):
        self.config = config
        self.outbox = config.outbox_dir
        self.timeout = timeout
        self._outbox_ready = False

    def send(self, mail: Mail, key: str | None = None, maybe_sent: bool = False) -> Path | None:
        """Send `mail`; returns the outbox file when written there, None when sent by SMTP.

        `key` (a subscription id) names the outbox file. With `maybe_sent` (an earlier attempt
        was interrupted after claiming this mail) the outbox is searched for that key first, so
        the file is written at most once; over SMTP the copy is sent again with the same
        Message-ID (the server may already have it; a duplicate beats a lost confirmation).
        """
        if self.config.smtp_url:
            self._send_smtp(mail)
            return None
        if key and maybe_sent:
            existing = self.outbox_file(key)
            if existing is not None:
                logger.info("newsletter: %s already in the outbox; not written again",
                            existing.name)
                return existing
        return self._write_outbox(mail, key or uuid.uuid4().hex[:12])

    def reachable(self) -> bool:
        """The SMTP server accepts a connection (always True with the outbox)."""
        if not self.config.smtp_url:
            return True
        url = urlsplit(self.config.smtp_url)
        port = url.port or (465 if url.scheme == "smtps" else 25)
        try:
            socket.create_connection((url.hostname or "127.0.0.1", port), timeout=3).close()
        except OSError:
            return False
        return True

    def outbox_file(self, key: str) -> Path | None:
        found = sorted(self.outbox.glob(f"*-{key}.eml")) if self.outbox.is_dir() else []
        return found[0] if found else None

    def _write_outbox(self, mail: Mail, key: str) -> Path:
        if not self._outbox_ready:
            private_dir(self.outbox)
            self._outbox_ready = True
        now_ns = time.time_ns()  # nanoseconds: file names sort in sending order
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now_ns // 10**9)) + \
            f".{now_ns % 10**9:09d}"
        path = self.outbox / f"{stamp}-{key}.eml"
        tmp = self.outbox / f".{stamp}-{key}.tmp"
        # Write then rename, so a reader of the outbox never sees half a message.
        with open_private(tmp) as handle:
            handle.write(mail.data)
        os.replace(tmp, path)
        logger.debug("newsletter: wrote %s to the outbox", path.name)
        return path

    def _send_smtp(self, mail: Mail) -> None:
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
                client.sendmail(mail.sender, [mail.recipient], mail.data)
        except smtplib.SMTPRecipientsRefused as err:
            raise Rejected("invalid-email", "the mail server refused the address") from err
        except (OSError, smtplib.SMTPException) as err:
            # Mail servers answer 4xx for "later" and we would rather retry a 5xx than lose it.
            raise Retryable(f"SMTP failed: {type(err).__name__}") from err
