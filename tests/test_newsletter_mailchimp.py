"""The Mailchimp gateway and backend, driven through the real client against the fake server."""

from __future__ import annotations

import logging

import pytest

from newsletter.backends import MailchimpBackend, Subscription
from newsletter.config import load_config
from newsletter.errors import Retryable
from newsletter.interests import load_interest_map
from newsletter.mailchimp import MailchimpGateway, subscriber_hash

LIST = "list0001"


@pytest.fixture
def mc_config(fake_mailchimp, newsletter_settings):
    env = {"MAILCHIMP_API_KEY": fake_mailchimp.api_key, "MAILCHIMP_API_URL": fake_mailchimp.api_url,
           "MAILCHIMP_LIST_ID": LIST, "NEWSLETTER_SECRET": "s" * 32}
    return load_config(newsletter_settings(), environ=env)


@pytest.fixture
def backend(mc_config):
    gateway = MailchimpGateway(mc_config)
    load_interest_map(mc_config, gateway, create=True)
    return MailchimpBackend(mc_config, gateway)


def test_config_selects_mailchimp_and_hides_the_key(mc_config, fake_mailchimp):
    assert mc_config.backend == "mailchimp"
    assert mc_config.list_id == LIST
    assert fake_mailchimp.api_key not in repr(mc_config)
    assert "s" * 32 not in repr(mc_config)


def test_ping_through_the_real_client(mc_config):
    assert MailchimpGateway(mc_config).ping() == {"health_status": "Everything's Chimpy!"}


def test_wrong_key_is_retryable_and_never_logged(mc_config, caplog):
    import dataclasses
    wrong = dataclasses.replace(mc_config, api_key="wrongkey-us19")
    with caplog.at_level(logging.DEBUG), pytest.raises(Retryable, match="401"):
        MailchimpGateway(wrong).ping()
    assert "wrongkey" not in caplog.text


def test_setup_creates_interests_once(mc_config, fake_mailchimp):
    gateway = MailchimpGateway(mc_config)
    first = load_interest_map(mc_config, gateway, create=True)
    assert set(first.ids) == set(mc_config.topics)
    again = load_interest_map(mc_config, gateway, create=True)
    assert again == first
    state = fake_mailchimp.state
    assert len(state.categories[LIST]) == 1
    assert len(state.interests[first.category_id]) == len(mc_config.topics)
    names = {i["name"] for i in state.interests[first.category_id].values()}
    assert "ПТСР" in names  # named in the site's default language
    assert mc_config.interests_cache_path.exists()


def test_subscribe_is_a_pending_upsert_without_status(backend, fake_mailchimp, mc_config):
    sub = Subscription("Reader@Example.org", "en", frozenset({"ptsd", "stress"}))
    assert backend.subscribe(sub) == "check-inbox"
    assert backend.subscribe(sub) == "check-inbox"  # retry: same member, no second opt-in
    puts = fake_mailchimp.member_puts()
    assert len(puts) == 2
    body = puts[0]
    assert body["status_if_new"] == "pending" and "status" not in body
    assert body["language"] == "en"
    ids = backend.interest_map().ids
    assert body["interests"] == {ids["ptsd"]: True, ids["stress"]: True}
    member = fake_mailchimp.state.member(LIST, "reader@example.org")
    assert member["status"] == "pending"
    assert fake_mailchimp.state.optin_mails == {subscriber_hash("reader@example.org"): 1}
    paths = [path for method, path, _ in fake_mailchimp.state.requests if method == "PUT"]
    assert paths[0].endswith(subscriber_hash("reader@example.org"))


@pytest.mark.parametrize("seed, email, expected", [
    ("forgotten", "gone@example.org", "forgotten-email"),
    ("fake", "fake-person@example.org", "invalid-email"),
    ("too_many", "busy@example.org", "try-later"),
    ("compliance", "bounced@example.org", "compliance"),
    ("unsubscribed", "left@example.org", "compliance"),
])
def test_known_mailchimp_errors_become_outcomes(backend, fake_mailchimp, seed, email, expected):
    state = fake_mailchimp.state
    if seed == "forgotten":
        state.forgotten.add(subscriber_hash(email))
    elif seed == "too_many":
        state.too_many_signups.add(email)
    elif seed == "compliance":
        state.compliance.add(subscriber_hash(email))
    elif seed == "unsubscribed":
        state.members[(LIST, subscriber_hash(email))] = {
            "id": subscriber_hash(email), "email_address": email, "status": "unsubscribed",
            "interests": {}, "language": "uk"}
    assert backend.subscribe(Subscription(email, "uk", frozenset({"ptsd"}))) == expected
    if seed == "unsubscribed":  # the form never re-subscribes someone who left
        assert state.member(LIST, email)["status"] == "unsubscribed"
    assert sum(state.optin_mails.values()) == 0


@pytest.mark.parametrize("fault", ["429", "5xx-empty", "drop", "drop-after"])
def test_faults_are_retryable(backend, fake_mailchimp, fault):
    fake_mailchimp.faults.script.append(fault)
    sub = Subscription("retry@example.org", "uk", frozenset({"ptsd"}))
    with pytest.raises(Retryable):
        backend.subscribe(sub)
    applied = fake_mailchimp.state.member(LIST, "retry@example.org") is not None
    assert applied == (fault == "drop-after")
    assert backend.subscribe(sub) == "check-inbox"  # the retry is idempotent
    assert fake_mailchimp.state.optin_mails == {subscriber_hash("retry@example.org"): 1}


def test_timeout_is_retryable(mc_config, fake_mailchimp):
    import dataclasses
    fake_mailchimp.faults.latency = 0.5
    quick = dataclasses.replace(mc_config, mailchimp_timeout=0.1)
    with pytest.raises(Retryable):
        MailchimpGateway(quick).ping()


def test_missing_interest_mapping_is_retryable_not_lost(mc_config):
    backend = MailchimpBackend(mc_config)  # setup-mailchimp never ran: nothing to map topics to
    with pytest.raises(Retryable, match="setup-mailchimp"):
        backend.subscribe(Subscription("a@example.org", "uk", frozenset({"ptsd"})))


def test_preferences_and_unsubscribe(backend, fake_mailchimp):
    email = "prefs@example.org"
    backend.subscribe(Subscription(email, "uk", frozenset({"ptsd"})))
    fake_mailchimp.state.member(LIST, email)["status"] = "subscribed"  # they confirmed
    assert backend.preferences(email).topics == {"ptsd"}
    assert backend.set_preferences(email, "en", frozenset({"stress"})) == "preferences-saved"
    prefs = backend.preferences(email)
    assert prefs.topics == {"stress"} and prefs.lang == "en"
    assert backend.unsubscribe(email) == "unsubscribed"
    assert fake_mailchimp.state.member(LIST, email)["status"] == "unsubscribed"
    assert backend.preferences(email) is None
    assert backend.unsubscribe("unknown@example.org") == "unsubscribed"
    assert fake_mailchimp.state.member(LIST, "unknown@example.org") is None
