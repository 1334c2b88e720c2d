"""Local backend: one message per confirmed subscriber per digest key, filtered by topics.

Exactly-once protocol, per recipient (every ledger write commits on its own):
  1. skip if the ledger has a row for (key, address): `sent`, `rejected`, or `claimed`
     (a claim left by a crashed run: "in doubt", see below);
  2. commit a `claimed` row;
  3. hand the message to the transport (SMTP: the server's 250 after DATA is the commit point;
     outbox: the rename);
  4. on success commit `sent`; when the transport says it certainly did not deliver, delete the
     claim (or mark `rejected` for a permanently refused address) so a rerun tries again.

So a rerun never mails anyone twice, and nobody is skipped except in one window: a crash
after the SMTP server accepted a message and before step 4 committed, which leaves a `claimed`
row. Such a recipient is reported as "in doubt" and not mailed again (at most once inside that
window, exactly once everywhere else). `--resend-in-doubt` sends them again (at least once);
the Message-ID is the same on both copies, so mail clients that de-duplicate will. With the
outbox transport nothing is ever in doubt: the file name is deterministic and checked.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr

from newsletter.config import NewsletterConfig
from newsletter.digest.ledger import Ledger
from newsletter.digest.plan import Plan, web_version
from newsletter.digest.render import Rendered, address_line, fill_merge_tags, render
from newsletter.digest.selection import for_topics
from newsletter.digest.senders import TestReport
from newsletter.digest.settings import DigestConfig
from newsletter.links import Links
from newsletter.store import SubscriberStore
from newsletter.transport import InDoubt, NotDelivered, Transport, transport_for, wire_bytes

logger = logging.getLogger(__name__)


@dataclass
class LocalReport:
    key: str
    sent: int = 0
    already: int = 0
    skipped_topics: int = 0
    in_doubt: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    complete: bool = False

    def summary(self) -> str:
        text = (f"{self.key}: {self.sent} sent now, {self.already} sent before, "
                f"{self.skipped_topics} without matching topics")
        if self.rejected:
            text += f", {len(self.rejected)} refused by the server"
        if self.failed:
            text += f", {len(self.failed)} failed (rerun to retry)"
        if self.in_doubt:
            text += (f", {len(self.in_doubt)} in doubt (not resent; --resend-in-doubt to "
                     "send again)")
        return text + ("; complete" if self.complete else "; NOT complete")


def recipient_name(email: str) -> str:
    """Stable, non-reversible name for per-recipient files and Message-IDs."""
    return hashlib.sha256(email.lower().encode("utf-8")).hexdigest()[:20]


class LocalSender:
    """Sends one Plan to the confirmed subscribers of its language (a `senders.Sender`)."""

    backend = "local"
    schedules = False  # a local send happens now; the timer that runs digest-send schedules

    def __init__(self, config: DigestConfig, newsletter: NewsletterConfig, ledger: Ledger,
                 *, store: SubscriberStore | None = None, links: Links | None = None,
                 transport: Transport | None = None, clock=time.time, after_accept=None):
        self.config = config
        self.newsletter = newsletter
        self.ledger = ledger
        self.store = store or SubscriberStore(newsletter.store_path)
        self.links = links or Links(newsletter)
        self.transport = transport or transport_for(newsletter.smtp_url,
                                                    newsletter.outbox_dir / "digests")
        self.clock = clock
        # Test hook: called after the transport accepted a message, before the ledger commit.
        self.after_accept = after_accept
        _, self.sender_address = parseaddr(newsletter.sender)
        self.domain = self.sender_address.rsplit("@", 1)[-1] or "localhost"

    # --- messages ---------------------------------------------------------------------------
    def message(self, plan: Plan, rendered: Rendered, to: str, *, subject_prefix: str = ""
                ) -> EmailMessage:
        unsubscribe = self.links.unsubscribe_url(to, plan.lang)
        personal = fill_merge_tags(rendered, {
            "*|UNSUB|*": unsubscribe,
            "*|UPDATE_PROFILE|*": self.links.preferences_url(to, plan.lang),
            "*|LIST:ADDRESSLINE|*": address_line(self.config, plan.lang)})
        msg = EmailMessage()  # serialised with newsletter.transport.WIRE_POLICY
        msg["Subject"] = subject_prefix + plan.subject
        msg["From"] = formataddr((self.config.from_name[plan.lang], self.sender_address))
        msg["To"] = to
        reply_to = (self.config.reply_to or self.newsletter.reply_to
                    or self.config.clinic_text("email", plan.lang))
        if reply_to:
            msg["Reply-To"] = reply_to
        msg["Date"] = format_datetime(datetime.fromtimestamp(self.clock(), timezone.utc))
        # Same id on every attempt for this (digest, address): clients can de-duplicate.
        msg["Message-ID"] = f"<{plan.key}.{recipient_name(to)}@{self.domain}>"
        msg["List-Id"] = f"{self.config.clinic_text('name', 'en') or 'Digest'} " \
                         f"<digest-{plan.lang}.{self.domain}>"
        msg["List-Unsubscribe"] = f"<{unsubscribe}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        msg["Content-Language"] = plan.lang
        msg.set_content(personal.text, cte="quoted-printable")
        msg.add_alternative(personal.html, subtype="html", cte="quoted-printable")
        return msg

    def _deliver(self, msg: EmailMessage, to: str, name: str) -> None:
        self.transport.deliver(wire_bytes(msg), self.sender_address, to, name)

    # --- sending ----------------------------------------------------------------------------
    def send_test(self, plan: Plan, addresses: list[str]) -> TestReport:
        """Every section to each address, subject marked [TEST]; the ledger is not touched."""
        rendered = render(plan.content, plan.ctx, self.config)
        try:
            for address in addresses:
                msg = self.message(plan, rendered, address, subject_prefix="[TEST] ")
                del msg["Message-ID"]  # a test is not the digest: never de-duplicated with it
                msg["Message-ID"] = f"<test.{plan.key}.{int(self.clock() * 1000)}." \
                                    f"{recipient_name(address)}@{self.domain}>"
                self._deliver(msg, address, f"test-{plan.key}/{recipient_name(address)}-"
                                            f"{int(self.clock())}")
        finally:
            self.transport.close()
        return TestReport(plan.key, tuple(addresses))

    def send(self, plan: Plan, *, schedule: datetime | None = None,
             resend_in_doubt: bool = False) -> LocalReport:
        """Mail the plan now (`schedule` does not apply: see `schedules`)."""
        report = LocalReport(plan.key)
        row = self.ledger.create(plan.key, plan.lang, plan.period, self.backend, plan.subject,
                                 [a.to_json() for a in plan.articles], plan.since,
                                 plan.web_path)
        if row.final:
            report.complete = True
            return report
        self.ledger.set_status(plan.key, "sending")
        cache: dict[frozenset, Rendered | None] = {}
        try:
            for sub in self.store.confirmed(plan.lang):
                topics = frozenset(sub.topics)
                if topics not in cache:
                    content = for_topics(plan.content, topics)
                    cache[topics] = render(content, plan.ctx, self.config) if content else None
                rendered = cache[topics]
                if rendered is None:
                    report.skipped_topics += 1
                    continue
                if not self._send_one(plan, rendered, sub.email, report, resend_in_doubt):
                    break
        finally:
            self.transport.close()
        if not report.failed and not report.in_doubt:
            self.ledger.set_status(plan.key, "sent",
                                   sent_at=datetime.fromtimestamp(self.clock(), timezone.utc),
                                   web_html=web_version(plan, self.config).html)
            report.complete = True
        return report

    def _send_one(self, plan: Plan, rendered: Rendered, email: str, report: LocalReport,
                  resend_in_doubt: bool) -> bool:
        """Send to one address; False when the run must stop (transport in trouble)."""
        state = self.ledger.recipient_status(plan.key, email)
        name = f"{plan.key}/{recipient_name(email)}"
        # A claim a crashed run left: the outbox can tell whether it got as far as the file.
        delivered = self.transport.delivered(name) if state == "claimed" else None
        if delivered is True:
            self.ledger.mark_sent(plan.key, email)
            state = "sent"
        elif delivered is False:
            self.ledger.release(plan.key, email)
            state = None
        elif state == "claimed" and resend_in_doubt:
            self.ledger.release(plan.key, email)
            state = None
        if state in ("sent", "rejected"):
            report.already += state == "sent"
            return True
        if state == "claimed":
            report.in_doubt.append(email)
            return True
        msg = self.message(plan, rendered, email)
        if not self.ledger.claim(plan.key, email, msg["Message-ID"]):
            report.already += 1
            return True
        try:
            self._deliver(msg, email, name)
        except NotDelivered as err:
            if err.permanent:
                self.ledger.mark_rejected(plan.key, email)
                report.rejected.append(email)
                logger.warning("digest: %s refused %s for %s: %s", self.transport.describe(),
                               email, plan.key, err)
                return True
            self.ledger.release(plan.key, email)
            report.failed.append(email)
            logger.warning("digest: could not send %s to %s: %s; stopping (rerun to resume)",
                           plan.key, email, err)
            return False
        except InDoubt as err:
            report.in_doubt.append(email)
            logger.error("digest: %s to %s is in doubt (%s); stopping", plan.key, email, err)
            return False
        if self.after_accept is not None:
            self.after_accept(email)
        self.ledger.mark_sent(plan.key, email)
        report.sent += 1
        if self.config.smtp_pause:
            time.sleep(self.config.smtp_pause)
        return True
