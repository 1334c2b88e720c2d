"""The digest senders' one interface, and the choice between them.

    sender.backend          "local" | "mailchimp": recorded in the ledger, printed to the operator
    sender.schedules        whether `send` honours `schedule` (else it sends now)
    sender.send(plan, *, schedule=None, resend_in_doubt=False) -> report
    sender.send_test(plan, addresses) -> report      [TEST] copies; the ledger is not touched
    report.complete         the digest (or test) went out; False: rerun to finish (exit 1)
    report.summary()        one line for the operator

`send` is exactly once per plan key, across reruns and crashes (each sender's module says how).
A sender raises `SendFailed` when it cannot send now (the ledger keeps the state for a rerun),
and may raise `NewsletterError` for configuration problems. `resend_in_doubt` asks for a second
copy to recipients a crashed run may or may not have reached, where a sender can tell
(the local one; Mailchimp never leaves anyone in doubt).

Callers decide by these attributes, never by the sender's class.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from newsletter.config import NewsletterConfig
from newsletter.digest.ledger import Ledger
from newsletter.digest.plan import Plan
from newsletter.digest.settings import DigestConfig


class SendFailed(RuntimeError):
    """The digest could not be sent now; the ledger keeps the state for a rerun."""


class Report(Protocol):
    @property
    def complete(self) -> bool: ...

    def summary(self) -> str: ...


class Sender(Protocol):
    backend: str
    schedules: bool

    def send(self, plan: Plan, *, schedule: datetime | None = None,
             resend_in_doubt: bool = False) -> Report: ...

    def send_test(self, plan: Plan, addresses: list[str]) -> Report: ...


@dataclass(frozen=True)
class TestReport:
    """What a test send did, where the backend has nothing more to say."""

    __test__ = False  # not a pytest test class, whatever the name suggests

    key: str
    addresses: tuple[str, ...]
    complete: bool = True

    def summary(self) -> str:
        return f"{self.key}: test copy sent to {', '.join(self.addresses)}"


def make_sender(config: DigestConfig, newsletter: NewsletterConfig, ledger: Ledger) -> Sender:
    """The sender of the configured backend (Mailchimp when MAILCHIMP_API_KEY is set)."""
    # Imported here: each pulls in its backend's libraries (the Mailchimp client, SMTP).
    if newsletter.backend == "mailchimp":
        from newsletter.digest.send_mailchimp import MailchimpSender

        return MailchimpSender(config, newsletter, ledger)
    from newsletter.digest.send_local import LocalSender

    return LocalSender(config, newsletter, ledger)
