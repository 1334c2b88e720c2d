"""Local backend: a real aiosmtpd server on 127.0.0.1, the ledger, the lock, the outbox."""

from __future__ import annotations

import email
import email.policy
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from newsletter.digest.archive import sent_digests
from newsletter.digest.ledger import Ledger
from newsletter.digest.lock import LockBusy, RunLock
from newsletter.digest.plan import make_plan
from newsletter.digest.send_local import LocalSender
from newsletter.transport import OutboxTransport
from newsletter.links import Links
from tests.digest_helpers import NOW, PERIOD, add_subscribers, configs, site_with_manifests

ROOT = Path(__file__).resolve().parent.parent

SUBSCRIBERS = [
    ("all@example.org", "en", []),
    ("ptsd@example.org", "en", ["ptsd"]),
    ("onco@example.org", "en", ["oncology"]),  # nothing for them this week
    ("psy@example.org", "en", ["psychotherapy", "news"]),
    ("uk@example.org", "uk", []),
]


class FlakySink:
    """SMTP handler: accepts messages, answers 451 (try later) to RCPT for `busy` addresses."""

    def __init__(self):
        self.messages = []
        self.busy: set[str] = set()
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.busy:
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append((tuple(envelope.rcpt_tos), msg))
        return "250 OK"


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    from tests.fakes.fixtures import pick_port

    sink = FlakySink()
    port = pick_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield f"smtp://127.0.0.1:{port}", sink
    controller.stop()


@pytest.fixture
def env(tmp_path, newsletter_settings, smtp):
    url, sink = smtp
    settings = newsletter_settings()
    config, newsletter = configs(settings, {"NEWSLETTER_SMTP_URL": url})
    add_subscribers(newsletter, SUBSCRIBERS)
    output = site_with_manifests(tmp_path)
    ledger = Ledger.in_state_dir(newsletter.state_dir)
    yield config, newsletter, ledger, output, sink
    ledger.close()


def _plan(config, ledger, output, lang="en"):
    return make_plan(lang=lang, period=PERIOD, config=config, output=output, ledger=ledger,
                     now=NOW)


def _by_recipient(sink):
    return {rcpts[0]: msg for rcpts, msg in sink.messages}


def test_multipart_headers_and_topics(env):
    config, newsletter, ledger, output, sink = env
    report = LocalSender(config, newsletter, ledger).send(_plan(config, ledger, output))
    assert report.complete and report.sent == 3 and report.skipped_topics == 1
    got = _by_recipient(sink)
    assert sorted(got) == ["all@example.org", "psy@example.org", "ptsd@example.org"]
    msg = got["all@example.org"]
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    assert msg["Subject"] == "Expio Center: new publications (23–29 November 2026)"
    assert msg["From"].addresses[0].display_name == "Expio Center"
    assert msg["Message-ID"].startswith("<digest-en-2026-W48.")
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = msg["List-Unsubscribe"].strip("<>")
    assert unsubscribe.startswith("http://127.0.0.1:8000/api/newsletter/unsubscribe?t=")
    token = unsubscribe.split("t=", 1)[1]
    assert Links(newsletter).read("unsubscribe", token) == ("all@example.org", "en")
    html = msg.get_body(("html",)).get_content()
    text = msg.get_body(("plain",)).get_content()
    for part in (html, text):
        assert "*|" not in part  # every merge tag replaced
        assert "/api/newsletter/preferences?t=" in part
        assert "Kyiv, Ukraine" in part
    assert "unsubscribe?t=" in html and "unsubscribe?t=" in text
    # Topics: the PTSD subscriber gets PTSD only; psychotherapy+news gets those two.
    ptsd = got["ptsd@example.org"].get_body(("plain",)).get_content()
    assert "Nightmares after trauma" in ptsd and "grounding" not in ptsd.lower()
    assert "Ketamine" not in ptsd  # the lead is ketamine therapy: not their topic
    psy = got["psy@example.org"].get_body(("plain",)).get_content()
    assert "grounding techniques" in psy and "Saturdays" in psy and "Nightmares" not in psy
    # Archive: the sent digest is there for the feed and the site.
    [sent] = sent_digests(newsletter.state_dir, "en")
    assert sent.key == "digest-en-2026-W48" and sent.web_path == "en/newsletter/digest-en-2026-W48/"
    assert sent.sent_at.tzinfo is not None and "Ketamine" in sent.html


def test_rerun_sends_nothing_and_says_so(env):
    config, newsletter, ledger, output, sink = env
    LocalSender(config, newsletter, ledger).send(_plan(config, ledger, output))
    first = len(sink.messages)
    again = LocalSender(config, newsletter, ledger).send(_plan(config, ledger, output))
    assert again.complete and again.sent == 0 and len(sink.messages) == first
    # The next week has nothing new: the plan is empty.
    later = make_plan(lang="en", period="2026-W49", config=config, output=output, ledger=ledger,
                      now=NOW)
    assert later.empty


def test_interrupted_run_resumes_without_duplicates(env):
    config, newsletter, ledger, output, sink = env
    sink.busy.add("ptsd@example.org")  # the server says "later" for the second recipient
    first = LocalSender(config, newsletter, ledger).send(_plan(config, ledger, output))
    assert not first.complete and first.failed == ["ptsd@example.org"]
    assert [r for r, _ in sink.messages] == [("all@example.org",)]
    assert ledger.get("digest-en-2026-W48").status == "sending"
    sink.busy.clear()
    second = LocalSender(config, newsletter, ledger).send(_plan(config, ledger, output))
    assert second.complete and second.sent == 2 and second.already == 1
    recipients = [r[0] for r, _ in sink.messages]
    assert sorted(recipients) == ["all@example.org", "psy@example.org", "ptsd@example.org"]


def test_crash_after_acceptance_is_in_doubt_not_resent(env):
    config, newsletter, ledger, output, sink = env

    def crash(address):
        if address == "ptsd@example.org":
            raise KeyboardInterrupt("crash between the server's 250 and the ledger commit")

    with pytest.raises(KeyboardInterrupt):
        LocalSender(config, newsletter, ledger, after_accept=crash).send(
            _plan(config, ledger, output))
    assert len(sink.messages) == 2
    report = LocalSender(config, newsletter, ledger).send(_plan(config, ledger, output))
    assert report.in_doubt == ["ptsd@example.org"] and not report.complete
    assert [r[0] for r, _ in sink.messages].count("ptsd@example.org") == 1
    # The operator may choose at-least-once for that one: same Message-ID both times.
    report = LocalSender(config, newsletter, ledger).send(_plan(config, ledger, output),
                                                          resend_in_doubt=True)
    assert report.complete
    copies = [m for r, m in sink.messages if r[0] == "ptsd@example.org"]
    assert len(copies) == 2 and copies[0]["Message-ID"] == copies[1]["Message-ID"]


def test_outbox_is_exactly_once_across_a_crash(tmp_path, newsletter_settings):
    config, newsletter = configs(newsletter_settings())
    add_subscribers(newsletter, SUBSCRIBERS)
    output = site_with_manifests(tmp_path)
    ledger = Ledger.in_state_dir(newsletter.state_dir)
    outbox = OutboxTransport(tmp_path / "outbox")

    def crash(address):
        raise KeyboardInterrupt("after the rename, before the ledger commit")

    with pytest.raises(KeyboardInterrupt):
        LocalSender(config, newsletter, ledger, transport=outbox, after_accept=crash).send(
            _plan(config, ledger, output))
    report = LocalSender(config, newsletter, ledger, transport=outbox).send(
        _plan(config, ledger, output))
    assert report.complete and not report.in_doubt
    assert report.sent + report.already == 3
    files = list((tmp_path / "outbox" / "digest-en-2026-W48").glob("*.eml"))
    assert len(files) == 3
    raw = files[0].read_bytes()
    # On the wire the URL stays one token: never RFC 2047 encoded words, which providers ignore.
    assert b"\r\nList-Unsubscribe: <http://127.0.0.1:8000/api/newsletter/unsubscribe?t=" in raw
    ledger.close()


def test_refused_address_is_not_retried(env):
    config, newsletter, ledger, output, sink = env
    original = sink.handle_RCPT

    async def refuse(server, session, envelope, address, rcpt_options):
        if address == "psy@example.org":
            return "550 5.1.1 no such user"
        return await original(server, session, envelope, address, rcpt_options)

    sink.handle_RCPT = refuse
    report = LocalSender(config, newsletter, ledger).send(_plan(config, ledger, output))
    assert report.complete and report.rejected == ["psy@example.org"] and report.sent == 2
    again = LocalSender(config, newsletter, ledger).send(_plan(config, ledger, output))
    assert again.sent == 0


def test_lock_excludes_a_second_run(tmp_path):
    with RunLock(tmp_path):
        with pytest.raises(LockBusy, match="another digest run"):
            with RunLock(tmp_path, timeout=0.1):
                pass
    with RunLock(tmp_path, timeout=0.1):  # released on exit
        pass


def _cli(args, state, output, extra_env=None):
    env = {**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'plugins'}", "NEWSLETTER_STATE_DIR":
           str(state), "NEWSLETTER_SECRET": "test-secret-0123456789", **(extra_env or {})}
    env.pop("MAILCHIMP_API_KEY", None)
    return subprocess.run([sys.executable, "-m", "newsletter", *args, "--output", str(output),
                           "--now", NOW.isoformat()], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def test_cli_previews_dry_run_send_and_nothing_new(tmp_path, smtp):
    url, sink = smtp
    output = site_with_manifests(tmp_path)
    state = tmp_path / "state"
    previews = _cli(["digest"], state, output)
    assert previews.returncode == 0, previews.stderr
    assert "digest-en-2026-W48: 6 article(s)" in previews.stdout
    for lang in ("uk", "en"):
        assert (output / "newsletter" / "preview" / f"{lang}.html").stat().st_size > 5000
        assert (output / "newsletter" / "preview" / f"{lang}.txt").read_text().strip()
        # Previews are web pages under the site's CSP: the CSS is linked, never inlined.
        page = (output / "newsletter" / "preview" / f"{lang}.html").read_text()
        assert 'href="../digest.css"' in page and "style=" not in page
    assert (output / "newsletter" / "digest.css").stat().st_size > 1000
    from newsletter.config import load_config, read_pelicanconf
    settings = read_pelicanconf()
    newsletter = load_config(settings, environ={"NEWSLETTER_STATE_DIR": str(state),
                                                "NEWSLETTER_SECRET": "x" * 20})
    add_subscribers(newsletter, SUBSCRIBERS)
    dry = _cli(["digest-send", "--dry-run"], state, output, {"NEWSLETTER_SMTP_URL": url})
    assert dry.returncode == 0 and "would send" in dry.stdout and not sink.messages
    sent = _cli(["digest-send"], state, output, {"NEWSLETTER_SMTP_URL": url})
    assert sent.returncode == 0, sent.stderr
    assert "digest-en-2026-W48: 3 sent now" in sent.stdout and len(sink.messages) == 4
    again = _cli(["digest-send"], state, output, {"NEWSLETTER_SMTP_URL": url})
    assert "already sent" in again.stdout and len(sink.messages) == 4
    nothing = _cli(["digest-send", "--period", "2026-W49"], state, output,
                   {"NEWSLETTER_SMTP_URL": url})
    assert nothing.returncode == 0 and "nothing new since" in nothing.stdout
    test = _cli(["digest-send", "--period", "2026-W49", "--test-to", "ed@example.org"], state,
                output, {"NEWSLETTER_SMTP_URL": url})
    assert "nothing new" in test.stdout  # a test send needs content too
