"""Mailchimp backend against the fake Mailchimp (real HTTP on 127.0.0.1, the real client):
whatever fails — timeouts, 500s, 429s, crashes, concurrent runs — exactly one campaign per key
is sent, and a rerun sends nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from newsletter.config import read_pelicanconf
from newsletter.digest.archive import sent_digests
from newsletter.digest.ledger import Ledger
from newsletter.digest.plan import make_plan
from newsletter.digest.send_mailchimp import MailchimpSender, SendFailed
from tests.digest_helpers import NOW, PERIOD, configs, site_with_manifests

ROOT = Path(__file__).resolve().parent.parent
KEY = "digest-en-2026-W48"


@pytest.fixture
def mc(tmp_path, newsletter_settings, fake_mailchimp):
    settings = newsletter_settings(list_id="list0001", mailchimp_timeout=0.5)
    config, newsletter = configs(settings, {"MAILCHIMP_API_KEY": fake_mailchimp.api_key,
                                            "MAILCHIMP_API_URL": fake_mailchimp.api_url})
    output = site_with_manifests(tmp_path)
    ledger = Ledger.in_state_dir(newsletter.state_dir)

    def send(lang="en", **kwargs):
        plan = make_plan(lang=lang, period=PERIOD, config=config, output=output, ledger=ledger,
                         now=NOW)
        sender = MailchimpSender(config, newsletter, ledger, base_delay=0.01, max_delay=0.05)
        return sender.send(plan, **kwargs)

    yield fake_mailchimp, send, ledger, newsletter
    ledger.close()


def _campaigns(fake, title=KEY):
    with fake.state.lock:
        return [c for c in fake.state.ext.get("campaigns", {}).values()
                if c["settings"]["title"] == title]


def _deliveries(fake, title=KEY):
    with fake.state.lock:
        return sum(fake.state.ext.get("deliveries", {}).get(c["id"], 0)
                   for c in _campaigns(fake, title))


def _sends(fake):
    with fake.state.lock:
        return [p for m, p, _ in fake.state.requests if p.endswith("/actions/send")]


def _faults(fake, **per_action):
    with fake.state.lock:
        fake.state.ext["campaign_faults"] = {k: list(v) for k, v in per_action.items()}


def test_campaign_content_segment_and_rerun(mc):
    fake, send, ledger, newsletter = mc
    report = send()
    assert report.created and report.status == "sending"
    [campaign] = _campaigns(fake)
    assert _deliveries(fake) == 1
    settings = campaign["settings"]
    assert settings["subject_line"] == "Expio Center: new publications (23–29 November 2026)"
    assert settings["preview_text"].startswith("Ketamine for treatment-resistant depression")
    assert campaign["recipients"]["segment_opts"]["conditions"] == [
        {"condition_type": "Language", "field": "language", "op": "is", "value": "en"}]
    content = fake.state.ext["contents"][campaign["id"]]
    for part in (content["html"], content["plain_text"]):
        for tag in ("*|UNSUB|*", "*|UPDATE_PROFILE|*", "*|LIST:ADDRESSLINE|*",
                    "*|INTERESTED:Topics:ПТСР|*", "*|END:INTERESTED|*"):
            assert tag in part
    row = ledger.get(KEY)
    assert row.status == "sent" and row.campaign_id == campaign["id"]
    # Rerun: nothing created, nothing sent.
    before = len(fake.state.requests)
    again = send()
    assert not again.created and _deliveries(fake) == 1 and len(_campaigns(fake)) == 1
    assert not any(p.endswith("/actions/send") for _, p, _ in fake.state.requests[before:])
    [archived] = sent_digests(newsletter.state_dir, "en")
    assert archived.key == KEY and archived.web_path == f"en/newsletter/{KEY}/"


def test_timeout_after_create_finds_the_campaign_instead_of_creating_another(mc):
    fake, send, ledger, _ = mc
    fake.state.ext["slow_seconds"] = 1.0  # the client gives up after 0.5 s
    _faults(fake, create=["slow-after"])
    report = send()
    assert not report.created  # it was found by its title after the timeout
    assert len(_campaigns(fake)) == 1 and _deliveries(fake) == 1
    assert ledger.get(KEY).status == "sent"


def test_500_on_a_send_that_went_out_is_not_retried(mc):
    fake, send, ledger, _ = mc
    _faults(fake, send=["500-after"])
    report = send()
    assert report.status in ("sending", "sent")
    assert len(_sends(fake)) == 1 and _deliveries(fake) == 1
    assert ledger.get(KEY).status == "sent"


def test_500_on_a_send_that_did_not_go_out_is_retried_after_reading_status(mc):
    fake, send, ledger, _ = mc
    _faults(fake, send=["500", "429"])
    send()
    assert len(_sends(fake)) == 3 and _deliveries(fake) == 1
    gets = [p for m, p, _ in fake.state.requests if m == "GET" and p.endswith(
        _campaigns(fake)[0]["id"])]
    assert len(gets) >= 2  # the status was read after each failed send


def test_429s_everywhere_still_one_campaign(mc):
    fake, send, ledger, _ = mc
    _faults(fake, list=["429", "429"], create=["429"], content=["429"], checklist=["429"],
            send=["429"])
    send()
    assert len(_campaigns(fake)) == 1 and _deliveries(fake) == 1


def test_checklist_not_ready_blocks_the_send_until_fixed(mc):
    fake, send, ledger, _ = mc

    def break_text(state, campaign_id):
        state.ext["contents"][campaign_id]["plain_text"] = "no footer"

    fake.state.ext["campaign_hooks"] = {"content": break_text}
    with pytest.raises(SendFailed, match=r"checklist is not ready.*UNSUB.*plain_text"):
        send()
    assert _deliveries(fake) == 0 and ledger.get(KEY).status == "preparing"
    fake.state.ext["campaign_hooks"] = {}
    send()
    assert len(_campaigns(fake)) == 1 and _deliveries(fake) == 1


def test_schedule_rounds_to_the_quarter_hour(mc):
    fake, send, ledger, newsletter = mc
    report = send(schedule=datetime(2026, 11, 30, 8, 7, tzinfo=timezone.utc))
    assert report.status == "schedule"
    [campaign] = _campaigns(fake)
    assert campaign["send_time"] == "2026-11-30T08:15:00+00:00"
    row = ledger.get(KEY)
    assert row.status == "scheduled" and row.sent_at.isoformat() == "2026-11-30T08:15:00+00:00"
    assert sent_digests(newsletter.state_dir, "en", now=NOW) == []  # not out yet
    assert len(sent_digests(newsletter.state_dir, "en",
                            now=datetime(2026, 12, 1, tzinfo=timezone.utc))) == 1
    send(schedule=datetime(2026, 11, 30, 8, 7, tzinfo=timezone.utc))
    assert _deliveries(fake) == 1


def test_test_send_does_not_send_the_campaign(tmp_path, mc):
    fake, send, ledger, newsletter = mc
    config, _ = configs({**read_pelicanconf(),
                         "NEWSLETTER": {"state_dir": str(newsletter.state_dir)}})
    plan = make_plan(lang="uk", period=PERIOD, config=config, output=site_with_manifests(
        tmp_path / "o"), ledger=ledger, now=NOW)
    sender = MailchimpSender(config, newsletter, ledger, base_delay=0.01)
    sender.send_test(plan, ["editor@example.org"])
    assert fake.state.ext["tests"][0][1] == ["editor@example.org"]
    assert _deliveries(fake, "digest-uk-2026-W48") == 0


# --- real processes --------------------------------------------------------------------------
def _env(fake, state):
    env = {**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'plugins'}",
           "NEWSLETTER_STATE_DIR": str(state), "NEWSLETTER_SECRET": "test-secret-0123456789",
           "MAILCHIMP_API_KEY": fake.api_key, "MAILCHIMP_API_URL": fake.api_url,
           "MAILCHIMP_LIST_ID": "list0001"}
    return env


def _command(output):
    return [sys.executable, "-m", "newsletter", "digest-send", "--lang", "en", "--output",
            str(output), "--now", NOW.isoformat()]


def test_crash_between_create_and_send_then_rerun(tmp_path, fake_mailchimp):
    fake = fake_mailchimp
    output, state = site_with_manifests(tmp_path), tmp_path / "state"
    proc = subprocess.Popen(_command(output), cwd=ROOT, env=_env(fake, state),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def kill_client(state_, campaign_id):  # the campaign exists; the sender dies right now
        os.kill(proc.pid, signal.SIGKILL)

    fake.state.ext["campaign_hooks"] = {"create": kill_client}
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert len(_campaigns(fake)) == 1 and _deliveries(fake) == 0
    fake.state.ext["campaign_hooks"] = {}
    rerun = subprocess.run(_command(output), cwd=ROOT, env=_env(fake, state),
                           capture_output=True, text=True, timeout=60)
    assert rerun.returncode == 0, rerun.stderr
    assert "(found)" in rerun.stdout
    assert len(_campaigns(fake)) == 1 and _deliveries(fake) == 1
    third = subprocess.run(_command(output), cwd=ROOT, env=_env(fake, state),
                           capture_output=True, text=True, timeout=60)
    assert "already sent" in third.stdout and _deliveries(fake) == 1


def test_two_concurrent_runs_send_one_campaign(tmp_path, fake_mailchimp):
    fake = fake_mailchimp
    fake.faults.latency = 0.05  # every call is slow: the runs overlap for sure
    output, state = site_with_manifests(tmp_path), tmp_path / "state"
    procs = [subprocess.Popen(_command(output), cwd=ROOT, env=_env(fake, state),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    stdout = "".join(o for o, _ in outs)
    assert stdout.count("already sent") == 1
    assert len(_campaigns(fake)) == 1 and _deliveries(fake) == 1
