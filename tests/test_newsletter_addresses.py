"""Addresses we can mail, and jobs that can never succeed (issue 26, item 5).

Before: `user@еxample.org` (Cyrillic е) got "check your inbox", was stored, and the worker
failed 40 times with a full traceback each (`header To: value is not wire-ready`)."""

from __future__ import annotations

import logging

import pytest

from newsletter.backends import LocalBackend, Subscription
from newsletter.config import load_config
from newsletter.outcomes import STATUS
from newsletter.queue import RetryQueue
from newsletter.validation import FormError, normalize_email
from tests.test_subscribe_endpoint import SECRET, endpoint, post  # noqa: F401 (fixture)

HOMOGLYPH = "user@\u0435xample.org"  # the "е" is Cyrillic


@pytest.mark.parametrize("raw, expected", [
    (HOMOGLYPH, "non-ascii-address"),
    ("user@приклад.укр", "non-ascii-address"),  # an IDN in Unicode form
    ("юзер@example.org", "non-ascii-address"),  # typed with the Ukrainian layout
    ("user@xn--zz.org", "invalid-email"),  # not a valid IDNA A-label
    ("Reader@Example.org", "Reader@example.org"),
    # The ASCII (IDNA) form is accepted and kept ASCII: email-validator's `.normalized` would
    # turn it back into Unicode, which no mail header can carry.
    ("user@xn--80aikifvh.xn--j1amh", "user@xn--80aikifvh.xn--j1amh"),
])
def test_addresses(raw, expected):
    try:
        result = normalize_email(raw)
    except FormError as err:
        result = err.code
    assert result == expected


def test_homoglyph_domain_is_refused_with_its_own_message(endpoint):
    url, backend = endpoint()
    response = post(url, {"email": HOMOGLYPH, "topics": "ptsd"})
    assert response.json() == {"outcome": "non-ascii-address"}
    assert response.status_code == STATUS["non-ascii-address"] == 422
    assert backend.calls == []
    response = post(url, {"email": HOMOGLYPH}, json=False, headers={"Referer": f"{url}/en/"})
    assert response.headers["location"] == "/en/subscribe/non-ascii-address/"


def test_idna_form_is_accepted_as_written(endpoint):
    url, backend = endpoint()
    assert post(url, {"email": "user@xn--80aikifvh.xn--j1amh"}).status_code == 202
    (sub,) = backend.calls
    assert sub.email == "user@xn--80aikifvh.xn--j1amh"


def test_a_job_that_can_never_succeed_is_dead_lettered_at_once(newsletter_settings, caplog):
    """A subscription queued before the fix (or by any path that skipped validation)."""
    config = load_config(newsletter_settings(), environ=SECRET)
    queue = RetryQueue.from_config(config)
    backend = LocalBackend(config)
    queue.commit([(Subscription(HOMOGLYPH, "uk", frozenset({"ptsd"}), id="doomed"), 0.0)])
    with caplog.at_level(logging.DEBUG, logger="newsletter"):
        report = queue.drain_all(backend)
    assert (report.dead, report.retried) == (1, 0)
    assert queue.count() == 0 and queue.count("dead") == 1
    logged = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert len(logged) == 1, caplog.text
    (line,) = logged
    assert line.levelno == logging.ERROR and line.exc_info is None
    assert "dead-lettered after 1 attempt(s)" in line.getMessage()
    assert "doomed" in line.getMessage() and "not wire-ready" in line.getMessage()
    assert not list(config.outbox_dir.glob("*.eml"))


def test_a_passing_failure_is_still_retried(newsletter_settings):
    """The disk or a lock (OSError, SQLite busy) may pass: those still back off and retry."""
    config = load_config(newsletter_settings(), environ=SECRET)
    queue = RetryQueue.from_config(config)

    class DiskFull:
        name = "disk-full"

        def subscribe(self, sub):
            raise OSError(28, "No space left on device")

    queue.put(Subscription("a@example.org", "uk", frozenset({"ptsd"})))
    report = queue.drain(DiskFull(), force=True)
    assert (report.retried, report.dead) == (1, 0) and queue.count() == 1
