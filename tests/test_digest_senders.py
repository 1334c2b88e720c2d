"""The digest senders' one interface (`newsletter.digest.senders`): every sender declares it, and
`digest-send` decides by it (backend name, capabilities, report.complete), never by class."""

from __future__ import annotations

import argparse
import inspect
from dataclasses import dataclass, field

import pytest

from newsletter.digest import cli
from newsletter.digest.ledger import Ledger
from newsletter.digest.plan import make_plan
from newsletter.digest.send_local import LocalSender
from newsletter.digest.send_mailchimp import MailchimpSender
from newsletter.digest.senders import SendFailed, Sender
from tests.digest_helpers import NOW, PERIOD, configs, site_with_manifests

SENDERS = [(LocalSender, "local", False), (MailchimpSender, "mailchimp", True)]


@pytest.mark.parametrize(("cls", "backend", "schedules"), SENDERS)
def test_every_sender_declares_the_protocol(cls, backend, schedules):
    assert (cls.backend, cls.schedules) == (backend, schedules)
    declared = {name for name in dir(Sender) if not name.startswith("_")} | set(
        Sender.__annotations__)
    assert declared <= set(dir(cls)), f"{cls.__name__} lacks {declared - set(dir(cls))}"
    # The calls digest-send makes, with the same arguments whatever the backend.
    inspect.signature(cls.send).bind(object(), "plan", schedule=None, resend_in_doubt=False)
    inspect.signature(cls.send_test).bind(object(), "plan", ["ed@example.org"])


@dataclass
class Outcome:
    key: str
    complete: bool

    def summary(self) -> str:
        return f"{self.key}: {'done' if self.complete else 'NOT done'}"


@dataclass
class Recorder:
    """A sender of no known class: what digest-send does must follow from its attributes."""

    backend: str
    schedules: bool
    complete: bool = True
    calls: list = field(default_factory=list)

    def send(self, plan, *, schedule=None, resend_in_doubt=False):
        self.calls.append(("send", plan.key, schedule, resend_in_doubt))
        return Outcome(plan.key, self.complete)

    def send_test(self, plan, addresses):
        self.calls.append(("send_test", plan.key, tuple(addresses)))
        return Outcome(plan.key, True)


class Failing(Recorder):
    def send(self, plan, *, schedule=None, resend_in_doubt=False):
        raise SendFailed("Mailchimp's send checklist is not ready")


@pytest.fixture
def send_lang(tmp_path, newsletter_settings):
    config, _ = configs(newsletter_settings())
    output = site_with_manifests(tmp_path)
    ledger = Ledger(tmp_path / "digests.sqlite3")

    def run(sender, *, schedule=None, test_to=(), resend_in_doubt=False):
        args = argparse.Namespace(test_to=list(test_to), resend_in_doubt=resend_in_doubt)
        return cli._send_lang(args, sender, config, ledger, output, "en", PERIOD, NOW, schedule)

    yield run
    ledger.close()


def test_a_sender_that_schedules_gets_the_time(send_lang, capsys):
    sender = Recorder("mailchimp", schedules=True)
    assert send_lang(sender, schedule=NOW) == 0
    assert sender.calls == [("send", "digest-en-2026-W48", NOW, False)]
    assert "does not apply" not in capsys.readouterr().out


def test_a_sender_that_cannot_schedule_sends_now_and_says_so(send_lang, capsys):
    sender = Recorder("local", schedules=False)
    assert send_lang(sender, schedule=NOW, resend_in_doubt=True) == 0
    assert sender.calls == [("send", "digest-en-2026-W48", NOW, True)]
    out = capsys.readouterr().out
    assert "--schedule does not apply to the local backend; sending now" in out
    assert "digest-en-2026-W48: done" in out


@pytest.mark.parametrize("backend", ["local", "mailchimp"])
def test_an_incomplete_send_fails_the_run_whatever_the_backend(send_lang, backend):
    assert send_lang(Recorder(backend, schedules=False, complete=False)) == 1
    assert send_lang(Failing(backend, schedules=True)) == 1


def test_test_copies_go_through_the_same_interface(send_lang, capsys):
    sender = Recorder("local", schedules=False)
    assert send_lang(sender, test_to=["ed@example.org"]) == 0
    assert sender.calls == [("send_test", "digest-en-2026-W48", ("ed@example.org",))]


def test_local_test_copies_report_the_addresses(tmp_path, newsletter_settings):
    from newsletter.transport import OutboxTransport

    config, newsletter = configs(newsletter_settings())
    ledger = Ledger(tmp_path / "digests.sqlite3")
    plan = make_plan(lang="en", period=PERIOD, config=config,
                     output=site_with_manifests(tmp_path), ledger=ledger, now=NOW)
    sender = LocalSender(config, newsletter, ledger, transport=OutboxTransport(tmp_path / "box"),
                         clock=lambda: NOW.timestamp())
    report = sender.send_test(plan, ["ed@example.org", "chief@example.org"])
    assert report.complete
    assert report.summary() == ("digest-en-2026-W48: test copy sent to ed@example.org, "
                                "chief@example.org")
    assert len(list((tmp_path / "box" / "test-digest-en-2026-W48").glob("*.eml"))) == 2
    assert ledger.get(plan.key) is None  # a test is not the digest
    ledger.close()
