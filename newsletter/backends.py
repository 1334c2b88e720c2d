"""Where subscriptions go: one small interface, two implementations.

    backend.subscribe(Subscription) -> outcome code   (raises Retryable: queue it and retry)
    backend.confirm(email, lang) -> outcome code
    backend.unsubscribe(email) -> outcome code         (raises Retryable, like subscribe)
    backend.preferences(email) -> Preferences | None
    backend.set_preferences(email, lang, topics) -> outcome code   (raises Retryable)

A backend raises `Undeliverable` for a request that retrying cannot fix. Subscriptions,
opt-outs and preference changes all travel through the retry queue as a `Subscription` job
whose `action` says which of the three it is (`deliver` applies one).

`LocalBackend`: SQLite subscribers + our own confirmation mail. `MailchimpBackend`: PUT upsert
with `status_if_new: "pending"` (Mailchimp sends the opt-in mail). Both are idempotent per
`Subscription.id`, so the retry queue may deliver a subscription more than once.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Protocol

from newsletter.config import NewsletterConfig
from newsletter.errors import ConfigError, Rejected, Retryable, Undeliverable
from newsletter.interests import InterestMap, load_interest_map
from newsletter.links import Links
from newsletter.mailchimp import MailchimpGateway
from newsletter.mailer import Mailer
from newsletter.render import confirmation_mail
from newsletter.store import SubscriberStore

logger = logging.getLogger(__name__)


ACTIONS = ("subscribe", "unsubscribe", "preferences")


@dataclass(frozen=True)
class Subscription:
    """One accepted request for the backend; `id` makes retries idempotent.

    `action` is "subscribe" (the form), "unsubscribe" (a signed link's opt-out) or
    "preferences" (a signed link's new `lang` and `topics`): an opt-out is queued and retried
    like a subscription, never lost to a backend outage.
    """

    email: str
    lang: str
    topics: frozenset[str]
    source: str = ""
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    created: float = field(default_factory=time.time)
    action: str = "subscribe"

    def to_json(self) -> str:
        return json.dumps({"email": self.email, "lang": self.lang, "topics": sorted(self.topics),
                           "source": self.source, "id": self.id, "created": self.created,
                           "action": self.action})

    @classmethod
    def from_json(cls, data: str) -> "Subscription":
        raw = json.loads(data)
        return cls(email=raw["email"], lang=raw["lang"], topics=frozenset(raw["topics"]),
                   source=raw.get("source", ""), id=raw["id"], created=raw["created"],
                   action=raw.get("action", "subscribe"))


@dataclass(frozen=True)
class Preferences:
    lang: str
    topics: frozenset[str]


class Backend(Protocol):
    name: str

    def subscribe(self, sub: Subscription) -> str: ...
    def confirm(self, email: str, lang: str) -> str: ...
    def unsubscribe(self, email: str) -> str: ...
    def preferences(self, email: str) -> Preferences | None: ...
    def set_preferences(self, email: str, lang: str, topics: frozenset[str]) -> str: ...
    def reachable(self) -> bool:
        """Whether the backend answers now (for the health check; cheap, never raises)."""
        ...


class LocalBackend:
    """Subscribers in SQLite; double opt-in by our own mail with a signed link."""

    name = "local"

    def __init__(self, config: NewsletterConfig, store: SubscriberStore | None = None,
                 mailer: Mailer | None = None, links: Links | None = None):
        self.config = config
        self.store = store or SubscriberStore(config.store_path)
        self.mailer = mailer or Mailer(config)
        self.links = links or Links(config)

    def subscribe(self, sub: Subscription) -> str:
        """Store the address as pending and send its one confirmation mail (idempotent).

        Called by the delivery worker, never inside a request. Exactly one mail per
        subscription id: the claim is committed before sending and marked sent after; a retry
        after a crash in between sends the same message again, which the outbox skips when the
        file exists (over SMTP the receiver may see a duplicate with the same Message-ID).
        """
        # One mail per subscription id (queue retries), and none within resend_interval of the
        # previous one (someone resubmitting, or a bot mail-bombing a victim).
        row, claim = self.store.subscribe(sub.email, sub.lang, sub.topics, sub.id,
                                          self.config.resend_interval)
        if claim is None:
            return "check-inbox"
        already = row.status == "confirmed"
        mail = confirmation_mail(self.config, self.links, sub.email, row.lang, row.topics,
                                 already=already, message_id=f"confirm-{sub.id}")
        try:
            self.mailer.send(mail, key=sub.id, maybe_sent=claim == "unfinished")
        except Retryable:
            self.store.release_mail(sub.email, sub.id)
            raise
        except Rejected as err:
            self.store.release_mail(sub.email, sub.id)
            return err.code
        self.store.mail_sent(sub.email, sub.id)
        return "check-inbox"

    def reachable(self) -> bool:
        """The subscriber store answers, and so does the SMTP server when one is configured."""
        return self.store.readable() and self.mailer.reachable()

    def confirm(self, email: str, lang: str) -> str:
        return "confirmed" if self.store.confirm(email) else "expired-link"

    def unsubscribe(self, email: str) -> str:
        self.store.unsubscribe(email)
        return "unsubscribed"

    def preferences(self, email: str) -> Preferences | None:
        row = self.store.get(email)
        if row is None or row.status not in ("pending", "confirmed"):
            return None
        return Preferences(lang=row.lang, topics=row.topics)

    def set_preferences(self, email: str, lang: str, topics: frozenset[str]) -> str:
        return "preferences-saved" if self.store.set_preferences(email, lang, topics) \
            else "expired-link"


class MailchimpBackend:
    """Mailchimp audience: double opt-in via `status_if_new: "pending"`, topics as interests."""

    name = "mailchimp"

    def __init__(self, config: NewsletterConfig, gateway: MailchimpGateway | None = None):
        if not config.list_id:
            raise ConfigError("Mailchimp backend: no list id; set NEWSLETTER['list_id'] in "
                              "pelicanconf.py or MAILCHIMP_LIST_ID in the environment")
        self.config = config
        self.gateway = gateway or MailchimpGateway(config)
        self._interests: InterestMap | None = None

    def interest_map(self) -> InterestMap:
        if self._interests is None:
            # Read-only discovery: creating interests is `setup-mailchimp`'s job.
            self._interests = load_interest_map(self.config, self.gateway, create=False)
        return self._interests

    def _language(self, lang: str) -> str:
        return self.config.mailchimp_languages.get(lang, lang)

    def subscribe(self, sub: Subscription) -> str:
        interests = self.interest_map().ids
        body = {
            "email_address": sub.email,
            # Never "status": that would re-subscribe someone who left. For a new address
            # Mailchimp creates a pending member and sends its own opt-in mail.
            "status_if_new": "pending",
            "language": self._language(sub.lang),
            # Only the chosen topics, as true: an unconfirmed form cannot drop someone's topics.
            "interests": {interests[slug]: True for slug in sorted(sub.topics)},
        }
        try:
            member = self.gateway.set_member(self.config.list_id, sub.email, body)
        except Rejected as err:
            logger.info("newsletter: Mailchimp refused subscription %s: %s", sub.id, err.code)
            return err.code
        if member.get("status") in ("unsubscribed", "cleaned"):
            # Someone who left or bounced: the upsert changed nothing; tell the reader.
            return "compliance"
        return "check-inbox"

    def reachable(self) -> bool:
        try:
            self.gateway.ping()
        except (Retryable, Rejected):
            return False
        return True

    def confirm(self, email: str, lang: str) -> str:
        return "expired-link"  # Mailchimp confirms through its own link; ours are never sent

    def unsubscribe(self, email: str) -> str:
        """Stop mail to `email`. Unknown, cleaned (bounced) or archived members get nothing
        already: for the reader that is success, and nothing is created on the list."""
        member = self.gateway.get_member(self.config.list_id, email)
        if member is None or member.get("status") in ("unsubscribed", "cleaned", "archived"):
            return "unsubscribed"
        try:
            # A signed link proves the owner asked: this is the one place we set "status".
            self.gateway.set_member(self.config.list_id, email,
                                    {"email_address": email, "status": "unsubscribed"})
        except Rejected as err:  # compliance state, forgotten: Mailchimp mails them nothing
            logger.info("newsletter: Mailchimp had nothing to unsubscribe (%s)", err.code)
        return "unsubscribed"

    def preferences(self, email: str) -> Preferences | None:
        member = self.gateway.get_member(self.config.list_id, email)
        if member is None or member.get("status") not in ("subscribed", "pending"):
            return None
        by_id = {value: slug for slug, value in self.interest_map().ids.items()}
        topics = frozenset(by_id[i] for i, on in (member.get("interests") or {}).items()
                           if on and i in by_id)
        languages = {value: lang for lang, value in self.config.mailchimp_languages.items()}
        return Preferences(lang=languages.get(member.get("language"), self.config.default_lang),
                           topics=topics)

    def set_preferences(self, email: str, lang: str, topics: frozenset[str]) -> str:
        if self.preferences(email) is None:
            return "expired-link"
        ids = self.interest_map().ids
        try:
            self.gateway.set_member(self.config.list_id, email, {
                "email_address": email, "language": self._language(lang),
                "interests": {ids[slug]: slug in topics for slug in sorted(ids)}})
        except Rejected as err:  # e.g. cleaned since the page was shown
            return err.code
        return "preferences-saved"


def deliver(backend: Backend, job: Subscription) -> str:
    """Apply one queued job to `backend`: its outcome code (Retryable / Undeliverable raised)."""
    if job.action == "unsubscribe":
        return backend.unsubscribe(job.email)
    if job.action == "preferences":
        return backend.set_preferences(job.email, job.lang, job.topics)
    if job.action != "subscribe":
        raise Undeliverable(f"unknown job action {job.action!r}")
    return backend.subscribe(job)


def make_backend(config: NewsletterConfig) -> Backend:
    """The backend the configuration selects (Mailchimp when MAILCHIMP_API_KEY is set)."""
    return MailchimpBackend(config) if config.backend == "mailchimp" else LocalBackend(config)
