"""Sending one email: through SMTP when NEWSLETTER_SMTP_URL is set, else into the outbox folder.

The outbox (`<state>/outbox/<timestamp>-<id>.eml`) lets `make serve` demonstrate the whole loop
with no mail server: open the .eml file, click the link. Delivery itself is `transport.py`'s
(shared with the digests); this module maps its answers to the retry queue's terms.
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

from newsletter.config import NewsletterConfig
from newsletter.errors import Rejected, Retryable
from newsletter.mime import Mail
from newsletter.transport import InDoubt, NotDelivered, Transport, transport_for

logger = logging.getLogger(__name__)


class Mailer:
    """Delivers `Mail` objects; failures that may pass raise Retryable, a refused address
    raises Rejected("invalid-email")."""

    def __init__(self, config: NewsletterConfig, timeout: float = 10.0):
        self.config = config
        self.timeout = timeout

    def _transport(self) -> Transport:
        # A fresh transport per mail: the delivery worker's threads send concurrently, and an
        # SMTP session is not shared between threads. The outbox is a development aid, one
        # file per subscription: no fsync per mail (it would bound the delivery rate by the
        # disk's fsync latency); the subscriber store's commits are the durable record.
        return transport_for(self.config.smtp_url, self.config.outbox_dir,
                             timeout=self.timeout, stamped=True, durable=False)

    def send(self, mail: Mail, key: str | None = None, maybe_sent: bool = False) -> Path | None:
        """Send `mail`; returns the outbox file written now, None when sent by SMTP (or found
        already written).

        `key` (a subscription id) names the outbox file. With `maybe_sent` (an earlier attempt
        was interrupted after claiming this mail) the outbox is searched for that key first, so
        the file is written at most once; over SMTP the copy is sent again with the same
        Message-ID (the server may already have it; a duplicate beats a lost confirmation).
        """
        transport = self._transport()
        name = key or uuid.uuid4().hex[:12]
        try:
            if key and maybe_sent and transport.delivered(name):
                logger.info("newsletter: confirmation %s already in the outbox; not written "
                            "again", name)
                return None
            return transport.deliver(mail.data, mail.sender, mail.recipient, name)
        except NotDelivered as err:
            if err.stage == "rcpt" and err.permanent:
                raise Rejected("invalid-email", "the mail server refused the address") from err
            # Mail servers answer 4xx for "later" and we would rather retry a 5xx than lose it.
            # Never the server's reply text in the message (logged): it may echo the address.
            raise Retryable(f"SMTP failed at {err.stage}: "
                            f"{err.code or type(err.__cause__).__name__}") from err
        except InDoubt as err:
            raise Retryable(f"SMTP failed during DATA: {type(err.__cause__).__name__}") from err
        finally:
            transport.close()

    def reachable(self) -> bool:
        """The SMTP server accepts a connection (always True with the outbox)."""
        return self._transport().reachable()
