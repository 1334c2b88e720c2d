"""Mailchimp backend: one regular campaign per digest key, sent exactly once.

The Marketing API has no idempotency keys, so the protocol is ours (under the run lock):
  1. the ledger row (articles fixed) is committed before anything is created;
  2. the campaign is found by its deterministic title (`digest-en-2026-W48`): the id in the
     ledger first, else a lookup by title over the list's campaigns; created only when absent,
     and its id committed to the ledger at once;
  3. content set while the campaign is in "save", then the send checklist must be ready;
  4. the ledger says "sending" before `send`/`schedule` is called;
  5. `send` is never retried blindly: after any error or timeout the campaign's status is read,
     and only a campaign still in "save" is sent again; "sending"/"sent"/"schedule" count as done.
A rerun after a crash at any point resumes from what the ledger and Mailchimp say.

Recipients: the list's members whose language is the digest's (a Language segment condition).
Topics: the lead and each category section sit in *|INTERESTED:…|* blocks (render.InterestBlocks).
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from newsletter.config import NewsletterConfig
from newsletter.digest.ledger import Ledger
from newsletter.digest.periods import quarter_hour
from newsletter.digest.plan import Plan, interest_names, web_version
from newsletter.digest.render import RenderContext, Rendered, render
from newsletter.digest.senders import SendFailed
from newsletter.digest.settings import DigestConfig
from newsletter.errors import ConfigError, Rejected, Retryable
from newsletter.mailchimp import MailchimpGateway

logger = logging.getLogger(__name__)

DONE = ("sending", "sent")
__all__ = ["MailchimpReport", "MailchimpSender", "SendFailed"]


@dataclass
class MailchimpReport:
    key: str
    campaign_id: str | None = None
    created: bool = False
    status: str = ""
    notes: list[str] = field(default_factory=list)
    tested: bool = False  # a test send: the campaign stays unsent

    @property
    def complete(self) -> bool:
        """Sent, sending or scheduled (or the test copies went out)."""
        return self.tested or self.status in (*DONE, "schedule")

    def summary(self) -> str:
        what = "created" if self.created else "found"
        return (f"{self.key}: campaign {self.campaign_id} ({what}), status {self.status}"
                + (f"; {'; '.join(self.notes)}" if self.notes else ""))


class MailchimpSender:
    """One regular campaign per plan key (a `senders.Sender`; the protocol: module docstring)."""

    backend = "mailchimp"
    schedules = True

    def __init__(self, config: DigestConfig, newsletter: NewsletterConfig, ledger: Ledger, *,
                 gateway: MailchimpGateway | None = None, attempts: int = 6,
                 base_delay: float = 0.5, max_delay: float = 8.0, sleep=time.sleep):
        if not newsletter.list_id:
            raise ConfigError("Mailchimp digest: no list id; set NEWSLETTER['list_id'] or "
                              "MAILCHIMP_LIST_ID")
        self.config = config
        self.newsletter = newsletter
        self.ledger = ledger
        self.gateway = gateway or MailchimpGateway(newsletter)
        self.client = self.gateway.client
        self.attempts = attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.sleep = sleep

    # --- transport with backoff (for idempotent calls only) --------------------------------
    def _retry(self, what: str, fn, *args, **kwargs):
        """Call an idempotent API function, backing off with jitter on Retryable."""
        for attempt in range(1, self.attempts + 1):
            try:
                return self.gateway.call(fn, *args, **kwargs)
            except Retryable as err:
                if attempt == self.attempts:
                    raise SendFailed(f"{what}: {err} (gave up after {attempt} attempts; "
                                     "rerun later: the ledger keeps the state)") from None
                delay = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
                delay *= random.uniform(0.5, 1.0)
                logger.warning("digest: %s failed (%s); retrying in %.1f s", what, err, delay)
                self.sleep(delay)

    # --- campaign lookup --------------------------------------------------------------------
    def status(self, campaign_id: str) -> str | None:
        doc = self._retry("read campaign", self.client.campaigns.get, campaign_id,
                          fields=["id", "status", "settings.title"])
        return doc.get("status")

    def find(self, title: str) -> dict | None:
        """The campaign titled `title` on our list (the oldest, when several exist)."""
        found, offset = [], 0
        while True:
            page = self._retry(
                "list campaigns", self.client.campaigns.list,
                fields=["campaigns.id", "campaigns.status", "campaigns.settings.title",
                        "campaigns.create_time", "total_items"],
                count=1000, offset=offset, list_id=self.newsletter.list_id)
            items = page.get("campaigns") or []
            found += [c for c in items if (c.get("settings") or {}).get("title") == title]
            offset += len(items)
            if not items or offset >= int(page.get("total_items") or 0):
                break
        if len(found) > 1:
            logger.warning("digest: %d campaigns are titled %s; using the oldest (%s)",
                           len(found), title, found[0]["id"])
        return found[0] if found else None

    # --- content ----------------------------------------------------------------------------
    def _rendered(self, plan: Plan) -> Rendered:
        names = None
        if self.config.mailchimp_interest_blocks:
            names = interest_names(self.newsletter)
        ctx = RenderContext(key=plan.key, lang=plan.lang, period_label=plan.ctx.period_label,
                            web_url=plan.ctx.web_url,
                            interest_group=self.newsletter.interest_category_title,
                            interest_names=names)
        return render(plan.content, ctx, self.config)

    def _campaign_body(self, plan: Plan, rendered: Rendered) -> dict:
        language = self.newsletter.mailchimp_languages.get(plan.lang, plan.lang)
        reply_to = (self.config.reply_to or self.newsletter.reply_to
                    or self.config.clinic_text("email", plan.lang))
        return {
            "type": "regular",
            "recipients": {
                "list_id": self.newsletter.list_id,
                "segment_opts": {"match": "all", "conditions": [
                    {"condition_type": "Language", "field": "language", "op": "is",
                     "value": language}]},
            },
            "settings": {"subject_line": plan.subject, "preview_text": rendered.preheader,
                         "title": plan.key, "from_name": self.config.from_name[plan.lang],
                         "reply_to": reply_to, "auto_footer": False, "inline_css": False},
        }

    # --- the protocol -----------------------------------------------------------------------
    def prepare(self, plan: Plan, report: MailchimpReport) -> tuple[str, str]:
        """Ledger row, campaign (found or created), content; returns (id, Mailchimp status)."""
        row = self.ledger.create(plan.key, plan.lang, plan.period, self.backend, plan.subject,
                                 [a.to_json() for a in plan.articles], plan.since,
                                 plan.web_path)
        rendered = self._rendered(plan)
        campaign_id, status = row.campaign_id, None
        if campaign_id:
            status = self.status(campaign_id)
        if campaign_id is None:
            found = self.find(plan.key)
            if found:
                campaign_id, status = found["id"], found.get("status")
            else:
                campaign_id, report.created = self._create(plan, rendered)
                status = "save"
            self.ledger.set_campaign(plan.key, campaign_id)
        report.campaign_id = campaign_id
        if status == "save":
            self._retry("set content", self.client.campaigns.set_content, campaign_id,
                        {"html": rendered.html, "plain_text": rendered.text})
        return campaign_id, status

    def _create(self, plan: Plan, rendered: Rendered) -> tuple[str, bool]:
        """Create the campaign; after a failure, look it up before creating again.

        Returns (campaign id, True when this call created it / False when a failed create
        turned out to have happened)."""
        body = self._campaign_body(plan, rendered)
        for attempt in range(1, self.attempts + 1):
            try:
                return self.gateway.call(self.client.campaigns.create, body)["id"], True
            except Retryable as err:
                # The create may have happened (timeout, dropped answer): never create twice.
                found = self.find(plan.key)
                if found:
                    logger.info("digest: create of %s failed (%s) but the campaign exists",
                                plan.key, err)
                    return found["id"], False
                if attempt == self.attempts:
                    raise SendFailed(f"create campaign {plan.key}: {err}") from None
                self.sleep(min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
                           * random.uniform(0.5, 1.0))
        raise AssertionError("unreachable")

    def send(self, plan: Plan, *, schedule: datetime | None = None,
             resend_in_doubt: bool = False) -> MailchimpReport:
        """Send (or schedule) the campaign; `resend_in_doubt` does not apply: the campaign's
        status in Mailchimp always says whether it went out."""
        report = MailchimpReport(plan.key)
        campaign_id, status = self.prepare(plan, report)
        if status in DONE or status == "schedule":
            return self._finish(plan, report, status)
        if status != "save":
            raise SendFailed(f"{plan.key}: campaign {campaign_id} is {status!r} in Mailchimp; "
                             "resolve it there (resume or cancel), then rerun")
        checklist = self._retry("send checklist", self.client.campaigns.get_send_checklist,
                                campaign_id)
        if not checklist.get("is_ready"):
            problems = "; ".join(f"{item.get('heading')}: {item.get('details')}"
                                 for item in checklist.get("items") or []
                                 if item.get("type") == "error")
            raise SendFailed(f"{plan.key}: Mailchimp's send checklist is not ready: {problems}")
        self.ledger.set_status(plan.key, "sending")
        when = quarter_hour(schedule) if schedule else None
        for attempt in range(1, self.attempts + 1):
            try:
                if when:
                    self.gateway.call(self.client.campaigns.schedule, campaign_id,
                                      {"schedule_time": when.isoformat().replace("+00:00", "Z")})
                else:
                    self.gateway.call(self.client.campaigns.send, campaign_id)
            except (Retryable, Rejected) as err:
                # Never retry blindly: did the send happen after all?
                status = self.status(campaign_id)
                logger.warning("digest: %s of %s answered %s; Mailchimp now says %r",
                               "schedule" if when else "send", plan.key, err, status)
                if status != "save":
                    break
                if attempt == self.attempts:
                    raise SendFailed(f"{plan.key}: send failed {attempt} times ({err}); the "
                                     "campaign is still unsent; rerun later") from None
                self.sleep(min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
                           * random.uniform(0.5, 1.0))
                continue
            status = "schedule" if when else "sending"
            break
        return self._finish(plan, report, status, when)

    def _finish(self, plan: Plan, report: MailchimpReport, status: str | None,
                when: datetime | None = None) -> MailchimpReport:
        report.status = status or "unknown"
        if status in DONE or status == "schedule":
            sent_at = when or datetime.now(timezone.utc)
            if status == "schedule" and when is None:
                sent_at = datetime.now(timezone.utc)
            self.ledger.set_status(plan.key, "scheduled" if status == "schedule" else "sent",
                                   sent_at=sent_at, web_html=web_version(plan, self.config).html)
        return report

    def send_test(self, plan: Plan, addresses: list[str]) -> MailchimpReport:
        """Create/update the campaign (not sent) and have Mailchimp send test copies."""
        report = MailchimpReport(plan.key)
        campaign_id, status = self.prepare(plan, report)
        report.status = status or ""
        self._retry("send test", self.client.campaigns.send_test_email, campaign_id,
                    {"test_emails": list(addresses), "send_type": "html"})
        report.notes.append(f"test sent to {len(addresses)} address(es)")
        report.tested = True
        return report
